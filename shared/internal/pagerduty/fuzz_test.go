package pagerduty

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: Decode never panics, fails only with ErrMalformed, and every
// event it returns names its kind and incident.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(testdata, "*", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures under %s: %v", testdata, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `0`, `{"event":null}`, `{"messages":null}`,
		`{"event":{"event_type":"incident.triggered","id":"e","data":{"id":"Q"}}}`,
		`{"event":{"event_type":"incident.annotated","id":"e","data":{"incident":null}}}`,
		`{"event":{"event_type":"incident.responder.added","id":"e","data":{"incident":{"id":"Q"},"user":null,"escalation_policy":null}}}`,
		`{"event":{"event_type":"incident.triggered","id":"e","data":{"id":"Q","assignees":[null,{},{"summary":1}]}}}`,
		`{"messages":[null,{"event":"incident.annotate","id":"m","incident":{"id":"Q"},"log_entries":[null,{"channel":null}]}]}`,
		`{"messages":[{"event":"incident.assign","id":"m","incident":{"id":"Q","assignments":[null,{"assignee":null}],"service":null}}]}`,
		`{"event":{"event_type":"incident.triggered","occurred_at":"2026-13-45T99:99:99Z"}}`,
		"{\"event\":{\"event_type\":\"\xff\xfe\"}}",
		`{"EVENT":{"Event_Type":"incident.resolved","ID":"e","DATA":{"ID":"Q"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Decode(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode error %v is not ErrMalformed", err)
			}
			if d.Events != nil {
				t.Fatalf("Decode returned events with an error")
			}
			return
		}
		if d.Version != 2 && d.Version != 3 {
			t.Fatalf("Version = %d", d.Version)
		}
		if len(d.Type) > maxV2Types*(maxTypeLen+1)+len("...") {
			t.Fatalf("Type is %d bytes", len(d.Type))
		}
		for _, ev := range d.Events {
			if ev.Kind == "" || ev.ID == "" || ev.Incident.ID == "" {
				t.Fatalf("incomplete event %+v", ev)
			}
		}
	})
}

package pagerduty

import (
	"bytes"
	"encoding/json"
	"testing"
)

// BenchmarkVerifyDecode is pd2chat's share of the relay path for one
// delivery: check the signature (two secrets configured, the second one
// matching, as during a rotation) and decode the triggered fixture.
func BenchmarkVerifyDecode(b *testing.B) {
	pretty := fixture(b, "v3/incident.triggered.json")
	// PagerDuty sends compact JSON; the fixture is indented for readers.
	var compact bytes.Buffer
	if err := json.Compact(&compact, pretty); err != nil {
		b.Fatal(err)
	}
	secrets := []string{"old-secret", "new-secret"}
	for _, c := range []struct {
		name    string
		body    []byte
		secrets []string
	}{
		{"compact/one secret", compact.Bytes(), secrets[1:]},
		{"compact/two secrets", compact.Bytes(), secrets},
		{"indented/one secret", pretty, secrets[1:]},
	} {
		header := []string{sign(c.body, "new-secret")}
		b.Run(c.name, func(b *testing.B) { benchVerifyDecode(b, c.body, header, c.secrets) })
	}
}

func benchVerifyDecode(b *testing.B, body []byte, header, secrets []string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := Verify(body, header, secrets); err != nil {
			b.Fatal(err)
		}
		d, err := Decode(body)
		if err != nil || len(d.Events) != 1 {
			b.Fatal(d, err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	body := fixture(b, "v3/incident.triggered.json")
	header := []string{sign(body, "s")}
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(body, header, []string{"s"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	body := fixture(b, "v3/incident.triggered.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

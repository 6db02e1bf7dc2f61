package pagerduty

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
)

const testdata = "../../../testdata/pagerduty"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The story of incident #1234 told by the V3 fixtures.
const (
	incID    = "Q1ABCDEF"
	incTitle = "checkout-api: 5xx rate above 5% on POST /v1/orders"
	incURL   = "https://acme.pagerduty.com/incidents/Q1ABCDEF"
)

var (
	checkout = incident.Service{ID: "PSVC123", Name: "checkout-api"}
	payments = incident.Service{ID: "PSVC456", Name: "payments-api"}
)

// full is incident #1234 as a V3 incident payload carries it.
func full(status, priority string, svc incident.Service) incident.Incident {
	return incident.Incident{ID: incID, Number: 1234, Title: incTitle, Status: status,
		Urgency: "high", Priority: priority, Service: svc, URL: incURL}
}

// refTo is incident #1234 as an incident_reference carries it: no number.
func refTo(title string) incident.Incident {
	return incident.Incident{ID: incID, Title: title, URL: incURL}
}

func TestDecodeV3Fixtures(t *testing.T) {
	tests := []struct {
		file string
		want incident.Event
	}{
		{"incident.triggered.json", incident.Event{
			ID: "01JD5K2M3N4P5Q6R7S8T9V0W1X", Kind: incident.Triggered, OccurredAt: at("2026-11-20T02:15:00.123Z"),
			Agent: "checkout-api", Incident: full("triggered", "P2", checkout), Assignees: []string{"Taro Yamada"},
			Source: &incident.Link{Label: "Datadog", URL: "https://app.datadoghq.com/monitors/1234567"}}},
		{"incident.acknowledged.json", incident.Event{
			ID: "01JD5K5A7B8C9D0E1F2G3H4J5K", Kind: incident.Acknowledged, OccurredAt: at("2026-11-20T02:17:31.402Z"),
			Agent: "Taro Yamada", Incident: full("acknowledged", "P2", checkout)}},
		{"incident.annotated.json", incident.Event{
			ID: "01JD5K6B1C2D3E4F5G6H7J8K9M", Kind: incident.Annotated, OccurredAt: at("2026-11-20T02:18:05.010Z"),
			Agent: "Taro Yamada", Incident: refTo(incTitle),
			Note: "Rolled back release 2026.11.20-3 <!here> — see <https://evil.example|the dashboard> & *stop* paging @channel"}},
		{"incident.responder.added.json", incident.Event{
			ID: "01JD5K7C2D3E4F5G6H7J8K9M0N", Kind: incident.ResponderAdded, OccurredAt: at("2026-11-20T02:20:12.5Z"),
			Agent: "Taro Yamada", Incident: refTo(incTitle), Responder: "Hanako Suzuki"}},
		{"incident.responder.replied.json", incident.Event{
			ID: "01JD5K8D3E4F5G6H7J8K9M0N1P", Kind: incident.ResponderReplied, OccurredAt: at("2026-11-20T02:21:40Z"),
			Agent: "Hanako Suzuki", Incident: refTo(incTitle), Responder: "Hanako Suzuki",
			Note: "Could you look at the orders DB? p99 latency tripled since 11:10."}},
		{"incident.conference_bridge.updated.json", incident.Event{
			ID: "01JD5K9E4F5G6H7J8K9M0N1P2Q", Kind: incident.ConferenceBridgeUpdate, OccurredAt: at("2026-11-20T02:23:00Z"),
			Agent: "Taro Yamada", Incident: refTo(incTitle), Bridge: "https://meet.example.com/checkout-war-room"}},
		{"incident.priority_updated.json", incident.Event{
			ID: "01JD5KAF5G6H7J8K9M0N1P2Q3R", Kind: incident.PriorityUpdated, OccurredAt: at("2026-11-20T02:24:10Z"),
			Agent: "Taro Yamada", Incident: full("acknowledged", "P1", checkout)}},
		{"incident.status_update_published.json", incident.Event{
			ID: "01JD5KBG6H7J8K9M0N1P2Q3R4S", Kind: incident.StatusUpdatePublished, OccurredAt: at("2026-11-20T02:30:00Z"),
			Agent: "Taro Yamada", Incident: refTo(incTitle),
			Note: "Checkout fails for ~5% of orders. Rolling back release 2026.11.20-3; next update at 12:00 JST."}},
		{"incident.custom_field_values.updated.json", incident.Event{
			ID: "01JD5KCH7J8K9M0N1P2Q3R4S5T", Kind: incident.CustomFieldsUpdated, OccurredAt: at("2026-11-20T02:31:00Z"),
			Agent: "Taro Yamada", Incident: refTo("")}}, // PagerDuty sends "summary": null here
		{"incident.workflow.started.json", incident.Event{
			ID: "01JD5KDJ8K9M0N1P2Q3R4S5T6V", Kind: incident.WorkflowStarted, OccurredAt: at("2026-11-20T02:32:00Z"),
			Agent: "Taro Yamada", Incident: incident.Incident{ID: incID, Title: incTitle, URL: incURL, Service: checkout}}},
		{"incident.workflow.completed.json", incident.Event{
			ID: "01JD5KEK9M0N1P2Q3R4S5T6V7W", Kind: incident.WorkflowCompleted, OccurredAt: at("2026-11-20T02:32:45Z"),
			Agent: "Taro Yamada", Incident: incident.Incident{ID: incID, Title: incTitle, URL: incURL, Service: checkout}}},
		{"incident.reassigned.json", incident.Event{
			ID: "01JD5KFM0N1P2Q3R4S5T6V7W8X", Kind: incident.Reassigned, OccurredAt: at("2026-11-20T02:35:00Z"),
			Agent: "Taro Yamada", Incident: full("triggered", "P1", checkout), Assignees: []string{"Hanako Suzuki"}}},
		{"incident.escalated.json", incident.Event{
			ID: "01JD5KGN1P2Q3R4S5T6V7W8X9Y", Kind: incident.Escalated, OccurredAt: at("2026-11-20T02:50:00Z"),
			Agent:    "", // "agent": null: PagerDuty escalated by itself
			Incident: full("triggered", "P1", checkout), Assignees: []string{"Jiro Sato"}, Escalation: "checkout-api escalation"}},
		{"incident.delegated.json", incident.Event{
			ID: "01JD5KHP2Q3R4S5T6V7W8X9Y0Z", Kind: incident.Delegated, OccurredAt: at("2026-11-20T02:55:00Z"),
			Agent: "Jiro Sato", Incident: full("triggered", "P1", checkout), Assignees: []string{"Saburo Ito"}, Escalation: "payments escalation"}},
		{"incident.unacknowledged.json", incident.Event{
			ID: "01JD5KJQ3R4S5T6V7W8X9Y0Z1A", Kind: incident.Unacknowledged, OccurredAt: at("2026-11-20T03:05:00Z"),
			Incident: full("triggered", "P1", checkout)}},
		{"incident.service_updated.json", incident.Event{
			ID: "01JD5KKR4S5T6V7W8X9Y0Z1A2B", Kind: incident.ServiceUpdated, OccurredAt: at("2026-11-20T03:10:00Z"),
			Agent: "Saburo Ito", Incident: full("acknowledged", "P1", payments)}},
		{"incident.incident_type.changed.json", incident.Event{
			ID: "01JD5KMS5T6V7W8X9Y0Z1A2B3C", Kind: incident.IncidentTypeChanged, OccurredAt: at("2026-11-20T03:12:00Z"),
			Agent: "Saburo Ito", Incident: full("acknowledged", "P1", payments)}},
		{"incident.resolved.json", incident.Event{
			ID: "01JD5KNT6V7W8X9Y0Z1A2B3C4D", Kind: incident.Resolved, OccurredAt: at("2026-11-20T03:40:00Z"),
			Agent: "Hanako Suzuki", Incident: full("resolved", "P1", payments)}},
		{"incident.reopened.json", incident.Event{
			ID: "01JD7A0B1C2D3E4F5G6H7J8K9M", Kind: incident.Reopened, OccurredAt: at("2026-11-21T01:00:00Z"),
			Agent: "Jiro Sato", Incident: incident.Incident{
				ID: "Q7REOPEN", Number: 1230,
				Title:  "<!channel> & <https://evil|click> disk full on db-1 *now* @here `rm -rf` > /dev/null",
				Status: "triggered", Urgency: "low", Priority: "", // "priority": null
				Service: incident.Service{ID: "PSVC789", Name: "orders-db"},
				URL:     "https://acme.pagerduty.com/incidents/Q7REOPEN"}}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			d, err := Decode(fixture(t, "v3/"+tt.file))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			wantType := strings.TrimSuffix(tt.file, ".json")
			if d.Version != 3 || d.Type != wantType {
				t.Fatalf("Version, Type = %d, %q; want 3, %q", d.Version, d.Type, wantType)
			}
			if len(d.Events) != 1 {
				t.Fatalf("got %d events, want 1", len(d.Events))
			}
			checkEvent(t, d.Events[0], tt.want)
		})
	}

	// Every incident kind has its fixture, and every fixture its case.
	for _, k := range allKinds {
		if f := "incident." + string(k) + ".json"; !seen[f] {
			t.Errorf("no test case for kind %q (%s)", k, f)
		}
	}
	files, _ := filepath.Glob(filepath.Join(testdata, "v3", "incident.*.json"))
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("fixture %s has no test case", f)
		}
	}
}

// allKinds are the kinds of package incident.
var allKinds = []incident.Kind{
	incident.Triggered, incident.Acknowledged, incident.Unacknowledged, incident.Resolved,
	incident.Reassigned, incident.Escalated, incident.Delegated, incident.PriorityUpdated,
	incident.Reopened, incident.Annotated, incident.ResponderAdded, incident.ResponderReplied,
	incident.StatusUpdatePublished, incident.ConferenceBridgeUpdate, incident.ServiceUpdated,
	incident.IncidentTypeChanged, incident.CustomFieldsUpdated, incident.WorkflowStarted,
	incident.WorkflowCompleted,
}

func checkEvent(t *testing.T, got, want incident.Event) {
	t.Helper()
	if !got.OccurredAt.Equal(want.OccurredAt) {
		t.Errorf("OccurredAt = %v, want %v", got.OccurredAt, want.OccurredAt)
	}
	got.OccurredAt, want.OccurredAt = time.Time{}, time.Time{}
	got.Incident.Teams = nil // TestDecodeTeams
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event\n got %+v\nwant %+v", got, want)
	}
}

// The events that carry only an incident_reference have no number, and the
// id of the incident whose numbered events came before, so that a relay can
// give them that incident's tag.
func TestDecodeReferenceEventsKeepTheIncidentID(t *testing.T) {
	for _, f := range []string{
		"incident.annotated.json", "incident.responder.added.json", "incident.responder.replied.json",
		"incident.status_update_published.json", "incident.conference_bridge.updated.json",
		"incident.custom_field_values.updated.json", "incident.workflow.started.json", "incident.workflow.completed.json",
	} {
		t.Run(f, func(t *testing.T) {
			d, err := Decode(fixture(t, "v3/"+f))
			if err != nil {
				t.Fatal(err)
			}
			in := d.Events[0].Incident
			if in.ID != incID || in.Number != 0 {
				t.Errorf("Incident ID, Number = %q, %d; want %q, 0", in.ID, in.Number, incID)
			}
		})
	}
}

func TestDecodeIgnoresOtherEvents(t *testing.T) {
	tests := []struct {
		name, body, wantType string
	}{
		{"service.updated fixture", string(fixture(t, "v3/service.updated.json")), "service.updated"},
		{"pagey.ping", `{"event":{"id":"01","event_type":"pagey.ping","resource_type":"pagey","occurred_at":"2026-11-20T02:15:00Z","agent":null,"client":null,"data":{"message":"Hello from your friend Pagey!","type":"ping"}}}`, "pagey.ping"},
		{"future incident type", `{"event":{"id":"01","event_type":"incident.future_thing","data":{"id":"Q1","number":"not a number","incident":"odd"}}}`, "incident.future_thing"},
		{"incident prefix alone", `{"event":{"id":"01","event_type":"incident.","data":{}}}`, "incident."},
		{"kind without prefix", `{"event":{"id":"01","event_type":"triggered","data":{"id":"Q1"}}}`, "triggered"},
		{"no data", `{"event":{"event_type":"service.deleted"}}`, "service.deleted"},
		{"V2 unknown type", `{"messages":[{"id":"m1","event":"incident.custom","incident":{"id":"Q1"}}]}`, "incident.custom"},
		{"V2 empty", `{"messages":[]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode([]byte(tt.body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d.Events != nil || d.Type != tt.wantType {
				t.Errorf("Events, Type = %v, %q; want nil, %q", d.Events, d.Type, tt.wantType)
			}
			if d.Version != 2 && d.Version != 3 {
				t.Errorf("Version = %d", d.Version)
			}
		})
	}
}

func TestDecodeV2Fixtures(t *testing.T) {
	legacy := func(status string) incident.Incident {
		return incident.Incident{ID: "PLGCY42", Number: 1236, Title: "orders-db: replication lag > 30s",
			Status: status, Urgency: "high", Priority: "P2",
			Service: incident.Service{ID: "PSVC789", Name: "orders-db"},
			URL:     "https://acme.pagerduty.com/incidents/PLGCY42"}
	}
	tests := []struct {
		file     string
		wantType string
		want     []incident.Event
	}{
		{"trigger.json", "incident.trigger", []incident.Event{{
			ID: "3f1c9a40-c4a1-11f0-8de9-0242ac120002", Kind: incident.Triggered, OccurredAt: at("2026-11-20T05:00:00Z"),
			Agent: "Mackerel", Incident: legacy("triggered"), Assignees: []string{"Taro Yamada"},
			Details: []incident.Detail{{Key: "host", Value: "db-1"}, {Key: "lag_seconds", Value: "42"}}}}},
		{"acknowledge_resolve.json", "incident.acknowledge,incident.resolve", []incident.Event{{
			ID: "5b0e7c12-c4a1-11f0-8de9-0242ac120002", Kind: incident.Acknowledged, OccurredAt: at("2026-11-20T05:03:10Z"),
			Agent: "Taro Yamada", Incident: legacy("acknowledged")}, {
			ID: "9d7a3e58-c4a3-11f0-8de9-0242ac120002", Kind: incident.Resolved, OccurredAt: at("2026-11-20T05:20:00Z"),
			Agent: "Taro Yamada", Incident: legacy("resolved")}}},
		{"annotate.json", "incident.annotate", []incident.Event{{
			ID: "7c4d2b90-c4a2-11f0-8de9-0242ac120002", Kind: incident.Annotated, OccurredAt: at("2026-11-20T05:10:00Z"),
			Agent: "Taro Yamada", Incident: legacy("acknowledged"),
			Note: "Lag back under 1s after VACUUM ANALYZE on orders <!here>"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d, err := Decode(fixture(t, "v2/"+tt.file))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d.Version != 2 || d.Type != tt.wantType {
				t.Fatalf("Version, Type = %d, %q; want 2, %q", d.Version, d.Type, tt.wantType)
			}
			if len(d.Events) != len(tt.want) {
				t.Fatalf("got %d events, want %d", len(d.Events), len(tt.want))
			}
			for i := range tt.want {
				checkEvent(t, d.Events[i], tt.want[i])
			}
		})
	}
}

// Every V2 type maps onto its V3 kind and its details.
func TestDecodeV2Mapping(t *testing.T) {
	const inc = `"incident":{"id":"Q1","incident_number":7,"title":"t","status":"triggered","urgency":"low",
		"html_url":"https://x/incidents/Q1","service":{"id":"S1","summary":"svc-summary"},
		"assignments":[{"assignee":{"summary":"A"}},{"assignee":{"summary":"B"}},{"assignee":null}],
		"escalation_policy":{"summary":"EP"},"priority":null}`
	base := incident.Incident{ID: "Q1", Number: 7, Title: "t", Status: "triggered", Urgency: "low",
		Service: incident.Service{ID: "S1", Name: "svc-summary"}, URL: "https://x/incidents/Q1"}
	tests := []struct {
		event   string
		entries string
		want    incident.Event
	}{
		{"incident.trigger", `[{"agent":{"summary":"mon"}}]`,
			incident.Event{Kind: incident.Triggered, Agent: "mon", Assignees: []string{"A", "B"}}},
		{"incident.acknowledge", `[{"agent":{"summary":"A"}}]`,
			incident.Event{Kind: incident.Acknowledged, Agent: "A"}},
		{"incident.unacknowledge", `[]`,
			incident.Event{Kind: incident.Unacknowledged}},
		{"incident.resolve", `[{"agent":null},{"agent":{"summary":"B"}}]`,
			incident.Event{Kind: incident.Resolved, Agent: "B"}},
		{"incident.assign", `[{"agent":{"summary":"A"}}]`,
			incident.Event{Kind: incident.Reassigned, Agent: "A", Assignees: []string{"A", "B"}}},
		{"incident.escalate", `[{"agent":{"summary":"svc"}},{"agent":{"summary":"svc"}}]`,
			incident.Event{Kind: incident.Escalated, Agent: "svc", Assignees: []string{"A", "B"}, Escalation: "EP"}},
		{"incident.delegate", `[{"agent":{"summary":"A"}}]`,
			incident.Event{Kind: incident.Delegated, Agent: "A", Assignees: []string{"A", "B"}, Escalation: "EP"}},
		{"incident.annotate", `[{"agent":{"summary":"A"},"channel":{"type":"note","summary":"short","content":"the note"}}]`,
			incident.Event{Kind: incident.Annotated, Agent: "A", Note: "the note"}},
		{"incident.annotate", `[{"agent":{"summary":"A"},"note":"from note field"}]`,
			incident.Event{Kind: incident.Annotated, Agent: "A", Note: "from note field"}},
	}
	for _, tt := range tests {
		t.Run(tt.event+" "+tt.want.Note, func(t *testing.T) {
			body := `{"messages":[{"id":"m1","event":"` + tt.event + `","created_on":"2026-11-20T02:15:00+09:00",` +
				inc + `,"log_entries":` + tt.entries + `}]}`
			d, err := Decode([]byte(body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if len(d.Events) != 1 {
				t.Fatalf("got %d events, want 1", len(d.Events))
			}
			want := tt.want
			want.ID, want.Incident, want.OccurredAt = "m1", base, at("2026-11-19T17:15:00Z")
			checkEvent(t, d.Events[0], want)
		})
	}

	t.Run("unknown messages are skipped, known kept", func(t *testing.T) {
		body := `{"messages":[{"id":"m1","event":"incident.custom"},` +
			`{"id":"m2","event":"incident.resolve",` + inc + `},{"id":"m3","event":"incident.custom"}]}`
		d, err := Decode([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Events) != 1 || d.Events[0].ID != "m2" || d.Type != "incident.custom,incident.resolve" {
			t.Errorf("got %+v", d)
		}
	})
}

func TestDecodeLenientTimes(t *testing.T) {
	for _, occurred := range []string{`null`, `""`, `"yesterday"`, `12345`, `"2026-11-20 02:15:00"`} {
		t.Run(occurred, func(t *testing.T) {
			body := `{"event":{"id":"e1","event_type":"incident.acknowledged","occurred_at":` + occurred +
				`,"data":{"id":"Q1","number":1}}}`
			d, err := Decode([]byte(body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !d.Events[0].OccurredAt.IsZero() {
				t.Errorf("OccurredAt = %v, want zero", d.Events[0].OccurredAt)
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name, body, wantReason string
	}{
		{"empty body", ``, "invalid JSON"},
		{"not JSON", `hello <!channel>`, "invalid JSON at byte 1"},
		{"truncated", `{"event":{"id":"e1"`, "invalid JSON"},
		{"trailing garbage", `{"event":{}} x`, "invalid JSON"},
		{"array", `[{"event":{}}]`, "body is not a JSON object"},
		{"string", `"event"`, "body is not a JSON object"},
		{"null", `null`, "neither event nor messages"},
		{"empty object", `{}`, "neither event nor messages"},
		{"other object", `{"foo":{"event_type":"incident.triggered"}}`, "neither event nor messages"},
		{"event null", `{"event":null}`, "neither event nor messages"},
		{"event not object", `{"event":"incident.triggered"}`, "event has the wrong JSON type"},
		{"both", `{"event":{"event_type":"incident.triggered"},"messages":[]}`, "both event and messages"},
		{"event without type", `{"event":{"id":"e1","data":{"id":"Q1"}}}`, "event.event_type missing"},
		{"event type not string", `{"event":{"id":"e1","event_type":["incident.triggered"]}}`, "event.event_type has the wrong JSON type"},
		{"event without id", `{"event":{"event_type":"incident.triggered","data":{"id":"Q1","number":1}}}`, "event.id missing"},
		{"event without data", `{"event":{"id":"e1","event_type":"incident.triggered"}}`, "event.data missing"},
		{"data null", `{"event":{"id":"e1","event_type":"incident.resolved","data":null}}`, "event.data missing"},
		{"data not object", `{"event":{"id":"e1","event_type":"incident.resolved","data":[1]}}`, "event.data has the wrong JSON type"},
		{"incident without id", `{"event":{"id":"e1","event_type":"incident.triggered","data":{"number":1,"title":"t"}}}`, "event.data.id missing"},
		{"number not a number", `{"event":{"id":"e1","event_type":"incident.triggered","data":{"id":"Q1","number":"1234"}}}`, "event.data.number has the wrong JSON type"},
		{"number too big", `{"event":{"id":"e1","event_type":"incident.triggered","data":{"id":"Q1","number":1e99}}}`, "event.data.number has the wrong JSON type"},
		{"assignees not array", `{"event":{"id":"e1","event_type":"incident.triggered","data":{"id":"Q1","assignees":{"summary":"A"}}}}`, "event.data.assignees has the wrong JSON type"},
		{"agent not object", `{"event":{"id":"e1","event_type":"incident.acknowledged","agent":"A","data":{"id":"Q1"}}}`, "event.agent has the wrong JSON type"},
		{"note without incident", `{"event":{"id":"e1","event_type":"incident.annotated","data":{"content":"hi"}}}`, "event.data.incident.id missing"},
		{"note with incident id empty", `{"event":{"id":"e1","event_type":"incident.annotated","data":{"incident":{"summary":"s"}}}}`, "event.data.incident.id missing"},
		{"note with incident a string", `{"event":{"id":"e1","event_type":"incident.annotated","data":{"incident":"Q1"}}}`, "event.data.incident has the wrong JSON type"},
		{"messages not array", `{"messages":{"id":"m1"}}`, "messages has the wrong JSON type"},
		{"messages null", `{"messages":null}`, "neither event nor messages"},
		{"message not object", `{"messages":["incident.trigger"]}`, "messages has the wrong JSON type"},
		{"message without id", `{"messages":[{"event":"incident.trigger","incident":{"id":"Q1"}}]}`, "messages[0].id missing"},
		{"message without incident", `{"messages":[{"id":"m1","event":"incident.trigger"}]}`, "messages[0].incident.id missing"},
		{"second message without incident id", `{"messages":[{"id":"m1","event":"incident.trigger","incident":{"id":"Q1"}},{"id":"m2","event":"incident.resolve","incident":{}}]}`, "messages[1].incident.id missing"},
		{"incident_number not a number", `{"messages":[{"id":"m1","event":"incident.trigger","incident":{"id":"Q1","incident_number":"7"}}]}`, "messages.incident.incident_number has the wrong JSON type"},
		{"deep nesting", strings.Repeat(`{"event":`, 20000) + strings.Repeat(`}`, 20000), "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode([]byte(tt.body))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode error = %v, want ErrMalformed", err)
			}
			if d.Events != nil {
				t.Errorf("Events = %v, want nil", d.Events)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "pagerduty: malformed delivery: ") || !strings.Contains(msg, tt.wantReason) {
				t.Errorf("error %q, want it to say %q", msg, tt.wantReason)
			}
		})
	}
}

// Error texts go back to the sender: they never quote the payload.
func TestDecodeErrorsQuoteNoPayload(t *testing.T) {
	const secret = "SECRETVALUE"
	for _, body := range []string{
		secret,
		`{"event":{"id":"e1","event_type":"incident.triggered","data":{"id":"Q1","number":` + `-1` + strings.Repeat("9", 400) + `}}}`,
		`{"event":{"id":"e1","event_type":"incident.triggered","data":{"id":"Q1","number":"` + secret + `"}}}`,
		`{"event":{"event_type":"incident.triggered","agent":"` + secret + `"}}`,
		`{"messages":"` + secret + `"}`,
		`{"` + secret + `":1}`,
		`{"event":{"id":"` + secret + `",` + secret + `}}`,
	} {
		_, err := Decode([]byte(body))
		if err == nil {
			t.Fatalf("Decode(%q) = nil error", body)
		}
		if msg := err.Error(); strings.Contains(msg, secret) || strings.Contains(msg, "999") || len(msg) > 120 {
			t.Errorf("error %q quotes the payload", msg)
		}
	}
}

func TestDecodeV2TypesAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"messages":[`)
	for i := range 5000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"event":"incident.x%d"}`, i)
	}
	b.WriteString(`]}`)
	d, err := Decode([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	const want = "incident.x0,incident.x1,incident.x2,incident.x3,incident.x4,incident.x5,incident.x6,incident.x7,..."
	if d.Type != want || d.Events != nil {
		t.Errorf("Type, Events = %q, %v; want %q, nil", d.Type, d.Events, want)
	}
}

func TestDecodeCutsLongTypes(t *testing.T) {
	long := strings.Repeat("é", 80) // 160 bytes
	d, err := Decode([]byte(`{"event":{"event_type":"` + long + `"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Type) > maxTypeLen || !strings.HasPrefix(long, d.Type) || len(d.Type) < maxTypeLen-1 {
		t.Errorf("Type = %q (%d bytes)", d.Type, len(d.Type))
	}
}

// TestDecodeMerge: a resolution by a merge names the incident it was
// merged into (resolve_reason), with the number from its summary.
func TestDecodeMerge(t *testing.T) {
	body := []byte(`{"event":{"id":"01MERGE","event_type":"incident.resolved","occurred_at":"2026-11-20T02:20:00Z",
		"agent":{"summary":"Taro Yamada"},"client":{"name":"PagerDuty"},
		"data":{"id":"Q1ABCDEF","type":"incident","number":1234,"title":"checkout-api: 5xx","status":"resolved",
		"resolve_reason":{"type":"merge_resolve_reason","incident":{"id":"Q9502XYZ","type":"incident_reference",
		"summary":"[#9502] checkout-api: everything is down","html_url":"https://acme.pagerduty.com/incidents/Q9502XYZ"}}}}}`)
	d, err := Decode(body)
	if err != nil || len(d.Events) != 1 {
		t.Fatalf("%+v, %v", d, err)
	}
	got := d.Events[0].MergedInto
	want := incident.Incident{ID: "Q9502XYZ", Number: 9502, Title: "checkout-api: everything is down", URL: "https://acme.pagerduty.com/incidents/Q9502XYZ"}
	if got == nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("MergedInto = %+v, want %+v", got, want)
	}
	if d.Events[0].Source != nil {
		t.Errorf("a resolution has no source link: %+v", d.Events[0].Source)
	}
}

// TestDecodeTeams: an incident's teams, by name and ID, for routing.
func TestDecodeTeams(t *testing.T) {
	for _, f := range []string{"v3/incident.triggered.json", "v2/trigger.json"} {
		d, err := Decode(fixture(t, f))
		if err != nil || len(d.Events) == 0 {
			t.Fatalf("%s: %v", f, err)
		}
		if got := d.Events[0].Incident.Teams; !reflect.DeepEqual(got, []string{"Checkout", "PTEAM01"}) {
			t.Errorf("%s: teams %q", f, got)
		}
	}
}

// TestDetailsBounded: a delivery's alert details are bounded as decoded,
// so that any alert fits the delivery queue.
func TestDetailsBounded(t *testing.T) {
	m := map[string]json.RawMessage{}
	for i := range 30 {
		m[fmt.Sprintf("k%02d", i)] = json.RawMessage(`"v"`)
	}
	m["k00"] = json.RawMessage(`"` + strings.Repeat("x", 300<<10) + `"`)
	m[strings.Repeat("K", 500)] = json.RawMessage(`1`)
	got := details(m)
	if len(got) != MaxDetails {
		t.Fatalf("%d details, want %d", len(got), MaxDetails)
	}
	for _, d := range got {
		if len(d.Key) > MaxDetailKey+len("…") || len(d.Value) > MaxDetailValue+len("…") {
			t.Errorf("unbounded detail: key %d bytes, value %d bytes", len(d.Key), len(d.Value))
		}
	}
}

// A responder request to an escalation policy (a team) says so; one to a
// person does not.
func TestDecodeResponderPolicy(t *testing.T) {
	for body, want := range map[string]bool{
		`{"event":{"event_type":"incident.responder.added","id":"e1","data":{"incident":{"id":"Q1"},"user":null,"escalation_policy":{"id":"P1","summary":"Backend","type":"escalation_policy_reference"}}}}`: true,
		`{"event":{"event_type":"incident.responder.added","id":"e2","data":{"incident":{"id":"Q1"},"user":{"id":"U1","summary":"Hanako Suzuki","type":"user_reference"},"escalation_policy":null}}}`:        false,
	} {
		d, err := Decode([]byte(body))
		if err != nil || len(d.Events) != 1 {
			t.Fatalf("%v %v", d, err)
		}
		if ev := d.Events[0]; ev.ResponderPolicy != want || ev.Responder == "" {
			t.Errorf("%s: ResponderPolicy %v, Responder %q", body, ev.ResponderPolicy, ev.Responder)
		}
	}
}

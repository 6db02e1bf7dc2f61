package state_test

import (
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/statetest"
)

func step(kind incident.Kind, agent string, at time.Time) state.Step {
	return state.Step{Kind: kind, Agent: agent, At: at}
}

func TestStatus(t *testing.T) {
	at := func(n int) time.Time { return statetest.T0.Add(time.Duration(n) * time.Minute) }
	tests := []struct {
		name  string
		steps []state.Step
		want  incident.Kind
	}{
		{"none", nil, ""},
		{"triggered", []state.Step{step(incident.Triggered, "", at(0))}, incident.Triggered},
		{"latest wins", []state.Step{step(incident.Triggered, "", at(0)), step(incident.Acknowledged, "", at(1)), step(incident.Resolved, "", at(2))}, incident.Resolved},
		{"reopened", []state.Step{step(incident.Resolved, "", at(0)), step(incident.Reopened, "", at(1))}, incident.Reopened},
		{"unacknowledged", []state.Step{step(incident.Acknowledged, "", at(0)), step(incident.Unacknowledged, "", at(1))}, incident.Unacknowledged},
		{"reassignments are not statuses", []state.Step{step(incident.Acknowledged, "", at(0)), step(incident.Reassigned, "", at(1)), step(incident.Escalated, "", at(2)), step(incident.Delegated, "", at(3))}, incident.Acknowledged},
		{"only reassignments", []state.Step{step(incident.Reassigned, "", at(0))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (state.Incident{Steps: tt.steps}).Status(); got != tt.want {
				t.Errorf("Status() = %q, want %q", got, tt.want)
			}
		})
	}
}

package incident

import "time"

// Sighting is what is known of an alert's firings before one firing: what
// the state store answers when it records a firing (state.Alerts), and
// what a trigger's message says under its headline: "First time this alert
// has fired" (Count 0), or "Seen 14 times before, last 3 days ago".
type Sighting struct {
	Count       int       // firings before this one; 0: this is the first
	First, Last time.Time // the first and the latest of them; zero when Count is 0
}

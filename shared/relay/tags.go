package relay

import "sync"

// numbers remembers incident id → incident number for the incidents seen,
// so that events carrying only a reference (notes, responders, status
// updates) get their incident's tag. It is bounded: the oldest entries go
// first. A durable store replaces it in a later version.
type numbers struct {
	mu    sync.Mutex
	max   int
	byID  map[string]int
	order []string // ids in insertion order, a ring of len max
	next  int
}

func newNumbers(max int) *numbers {
	return &numbers{max: max, byID: make(map[string]int, max), order: make([]string, 0, max)}
}

// remember records number for id (number > 0).
func (n *numbers) remember(id string, number int) {
	if id == "" || number <= 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.byID[id]; ok {
		n.byID[id] = number
		return
	}
	if len(n.order) < n.max {
		n.order = append(n.order, id)
	} else {
		delete(n.byID, n.order[n.next])
		n.order[n.next] = id
		n.next = (n.next + 1) % n.max
	}
	n.byID[id] = number
}

// lookup gives the number remembered for id, or 0.
func (n *numbers) lookup(id string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.byID[id]
}

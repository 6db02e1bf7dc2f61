package message

import (
	"os/exec"
	"strings"
	"testing"
)

// Rendering is pure: the message package links no storage and no AWS SDK
// (domain types live in incident and rotation, not in state).
func TestNoStorageDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "aws-sdk-go") || strings.HasSuffix(dep, "/shared/state") || strings.Contains(dep, "/shared/queue") {
			t.Errorf("message depends on %s", dep)
		}
	}
}

package state_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoStoreDependencies: shared/state is types and contracts only; the
// stores (and the AWS SDK) live in its subpackages, so that importing the
// types links no store.
func TestNoStoreDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "aws-sdk-go") || strings.Contains(dep, "smithy-go") || strings.HasPrefix(dep, "github.com/pd2chat/pd2chat/shared/state/") {
			t.Errorf("state depends on %s", dep)
		}
	}
}

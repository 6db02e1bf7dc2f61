package state

import "errors"

// The states of a delivery record, as stored (DynamoDB attribute "status").
const (
	statusClaimed = "claimed"
	statusPosted  = "posted"
	statusFailed  = "failed"
)

var errEmptyKey = errors.New("empty key or destination")

func checkDelivery(key, dest string) error {
	if key == "" || dest == "" {
		return errEmptyKey
	}
	return nil
}

// deliveryName names a delivery in errors, as its DynamoDB keys do.
func deliveryName(key, dest string) string {
	return "delivery#" + key + " dest#" + dest
}

package state

// The states of a delivery record, as stored (DynamoDB attribute "status").
const (
	statusClaimed = "claimed"
	statusPosted  = "posted"
	statusFailed  = "failed"
)

// deliveryName names a delivery in errors, as its DynamoDB keys do.
func deliveryName(key, dest string) string {
	return "delivery#" + key + " dest#" + dest
}

module github.com/pd2chat/pd2chat

go 1.26.8

require (
	github.com/PagerDuty/go-pagerduty v1.8.0
	github.com/akrylysov/algnhsa v1.1.0
	github.com/aws/aws-lambda-go v1.55.1
	github.com/go-json-experiment/json v0.0.0-20260820222146-c27c302e5fc3
	github.com/rickar/cal/v2 v2.1.13
	github.com/slack-go/slack v0.35.0
)

require (
	github.com/gorilla/websocket v1.5.3 // indirect
	golang.org/x/sync v0.24.0 // indirect
	google.golang.org/api v0.310.0 // indirect
	google.golang.org/genproto v0.0.0-20261019180522-ce908d29299b // indirect
)

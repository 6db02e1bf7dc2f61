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

require github.com/gorilla/websocket v1.5.3 // indirect

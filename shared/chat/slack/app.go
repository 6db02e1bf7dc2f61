package slack

import (
	"context"
	"fmt"
	"strings"
	"sync"

	slackapi "github.com/slack-go/slack"

	"github.com/pd2chat/pd2chat/shared/chat"
)

// App is the Web API side of pd2chat's Slack app that is not one
// channel's: finding the incident a message belongs to, opening a modal.
// It is safe for concurrent use.
type App struct {
	client *slackapi.Client
	token  string

	mu     sync.Mutex
	botID  string // pd2chat's own bot ID (auth.test), once known
	botUID string // and its user ID
}

// NewApp returns an App with o's token, API URL and HTTP client (o.Channel
// is not used). It does not call Slack.
func NewApp(o Options) *App {
	p := New(o)
	return &App{client: p.client, token: o.Token}
}

// IncidentOf is the PagerDuty incident ID of the thread that holds message
// ts in channel — the message itself or any reply in its thread — read
// from the thread parent's pd2chat metadata (conversations.replies, bot
// scopes channels:history / groups:history). "" when the message is not
// in a thread pd2chat started (a reaction somewhere else): the parent must
// be posted by pd2chat's own bot (its bot_id, from auth.test), so another
// app's look-alike metadata is not believed. Errors are classified like
// PostRef's.
func (a *App) IncidentOf(ctx context.Context, channel, ts string) (string, error) {
	bot, err := a.bot(ctx)
	if err != nil {
		return "", err
	}
	for range 2 {
		msgs, _, _, err := a.client.GetConversationRepliesContext(ctx, &slackapi.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: ts, Inclusive: true, Limit: 1, IncludeAllMetadata: true,
		})
		if err != nil {
			if code := err.Error(); code == "thread_not_found" || code == "message_not_found" {
				return "", nil
			}
			return "", chat.Redact(fmt.Errorf("slack: replies in %s %s: %w", channel, ts, classify(err)), a.token)
		}
		if len(msgs) == 0 {
			return "", nil
		}
		first := msgs[0]
		if first.Metadata.EventType == eventType && first.BotID == bot {
			if id, ok := first.Metadata.EventPayload["incident"].(string); ok && id != "" {
				return id, nil
			}
		}
		// A reply answered alone (Slack gives the parent first; be sure):
		// look at its thread's parent once.
		if first.ThreadTimestamp == "" || first.ThreadTimestamp == ts {
			return "", nil
		}
		ts = first.ThreadTimestamp
	}
	return "", nil
}

// bot is pd2chat's own bot ID, asked once (auth.test).
func (a *App) bot(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.botID != "" {
		return a.botID, nil
	}
	if err := a.authTest(ctx); err != nil {
		return "", err
	}
	return a.botID, nil
}

// botUser is pd2chat's own bot user ID (auth.test, asked once).
func (a *App) botUser(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.botUID != "" {
		return a.botUID, nil
	}
	if err := a.authTest(ctx); err != nil {
		return "", err
	}
	return a.botUID, nil
}

// authTest fills botID and botUser; a.mu is held.
func (a *App) authTest(ctx context.Context) error {
	resp, err := a.client.AuthTestContext(ctx)
	if err != nil {
		return chat.Redact(fmt.Errorf("slack: auth.test: %w", classify(err)), a.token)
	}
	a.botID, a.botUID = resp.BotID, resp.UserID
	return nil
}

// OpenView opens a modal for the user whose interaction carried triggerID
// (views.open; a trigger lives 3 seconds).
func (a *App) OpenView(ctx context.Context, triggerID string, view slackapi.ModalViewRequest) error {
	if _, err := a.client.OpenViewContext(ctx, triggerID, view); err != nil {
		return chat.Redact(fmt.Errorf("slack: views.open: %w", classify(err)), a.token)
	}
	return nil
}

// PostEphemeral shows m to user only, in the poster's channel
// (chat.postEphemeral): answers only the person who pressed a button sees.
// Errors are classified like PostRef's.
func (p *Poster) PostEphemeral(ctx context.Context, user string, m chat.Message) error {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(m.Text, false)}
	if m.ThreadTS != "" {
		opts = append(opts, slackapi.MsgOptionTS(m.ThreadTS))
	}
	if _, err := p.client.PostEphemeralContext(ctx, p.channel, user, opts...); err != nil {
		return p.wrap("post ephemeral to", classify(err))
	}
	return nil
}

// User is the display name of Slack user id (users.info, bot scope
// users:read: the profile's display name, else its real name, else the
// account name) and whether the account is a bot or an app.
func (a *App) User(ctx context.Context, id string) (name string, bot bool, err error) {
	u, err := a.client.GetUserInfoContext(ctx, id)
	if err != nil {
		return "", false, chat.Redact(fmt.Errorf("slack: users.info %s: %w", id, classify(err)), a.token)
	}
	for _, n := range []string{u.Profile.DisplayName, u.RealName, u.Name} {
		if n != "" {
			return n, u.IsBot || u.IsAppUser, nil
		}
	}
	return "", u.IsBot || u.IsAppUser, nil
}

// UserGroupMembers is the user IDs of Slack user group group
// (usergroups.users.list, bot scope usergroups:read). Errors are
// classified like PostRef's.
func (a *App) UserGroupMembers(ctx context.Context, group string) ([]string, error) {
	users, err := a.client.GetUserGroupMembersContext(ctx, group)
	if err != nil {
		return nil, chat.Redact(fmt.Errorf("slack: usergroups.users.list %s: %w", group, classify(err)), a.token)
	}
	return users, nil
}

// SetUserGroupMembers makes users (at least one: Slack refuses an empty
// group) the members of user group group (usergroups.users.update, bot
// scope usergroups:write; the workspace may restrict who edits groups).
func (a *App) SetUserGroupMembers(ctx context.Context, group string, users []string) error {
	if _, err := a.client.UpdateUserGroupMembersContext(ctx, group, strings.Join(users, ",")); err != nil {
		return chat.Redact(fmt.Errorf("slack: usergroups.users.update %s: %w", group, classify(err)), a.token)
	}
	return nil
}

// Topic is channel's topic (conversations.info, bot scopes channels:read /
// groups:read).
func (a *App) Topic(ctx context.Context, channel string) (string, error) {
	ch, err := a.client.GetConversationInfoContext(ctx, &slackapi.GetConversationInfoInput{ChannelID: channel})
	if err != nil {
		return "", chat.Redact(fmt.Errorf("slack: conversations.info %s: %w", channel, classify(err)), a.token)
	}
	return ch.Topic.Value, nil
}

// SetTopic sets channel's topic (conversations.setTopic, bot scope
// channels:write.topic / groups:write.topic; the bot must be a member).
func (a *App) SetTopic(ctx context.Context, channel, topic string) error {
	if _, err := a.client.SetTopicOfConversationContext(ctx, channel, topic); err != nil {
		return chat.Redact(fmt.Errorf("slack: conversations.setTopic %s: %w", channel, classify(err)), a.token)
	}
	return nil
}

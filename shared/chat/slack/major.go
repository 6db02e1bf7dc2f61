package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/pd2chat/pd2chat/shared/chat"
)

// ErrNameTaken is CreateChannel's answer when a channel has the name.
var ErrNameTaken = errors.New("slack: name_taken")

// CreateChannel creates a public channel named name
// (conversations.create, bot scope channels:manage) and returns its ID;
// ErrNameTaken when the name is in use.
func (a *App) CreateChannel(ctx context.Context, name string) (string, error) {
	ch, err := a.client.CreateConversationContext(ctx, slackapi.CreateConversationParams{ChannelName: name})
	if err != nil {
		var apiErr slackapi.SlackErrorResponse
		if errors.As(err, &apiErr) && apiErr.Err == "name_taken" {
			return "", ErrNameTaken
		}
		return "", chat.Redact(fmt.Errorf("slack: conversations.create %s: %w", name, classify(err)), a.token)
	}
	return ch.ID, nil
}

// OwnChannel is the ID of the public channel named name that pd2chat's
// bot created (conversations.list, bot scope channels:read; at most 20
// pages of 1,000), and whether there is one: a channel it created before
// a crash, found again instead of made twice.
func (a *App) OwnChannel(ctx context.Context, name string) (string, bool, error) {
	me, err := a.botUser(ctx)
	if err != nil {
		return "", false, err
	}
	params := &slackapi.GetConversationsParameters{Types: []string{"public_channel"}, Limit: 1000, ExcludeArchived: true}
	for range 20 {
		chans, next, err := a.client.GetConversationsContext(ctx, params)
		if err != nil {
			return "", false, chat.Redact(fmt.Errorf("slack: conversations.list: %w", classify(err)), a.token)
		}
		for _, c := range chans {
			if c.Name == name {
				return c.ID, c.Creator == me, nil
			}
		}
		if next == "" {
			break
		}
		params.Cursor = next
	}
	return "", false, nil
}

// Invite adds users to channel (conversations.invite, bot scope
// channels:manage); people already there are no error. A user Slack
// refuses does not keep the others out: they are invited one by one, and
// the error names the ones refused.
func (a *App) Invite(ctx context.Context, channel string, users []string) error {
	if len(users) == 0 {
		return nil
	}
	err := a.invite(ctx, channel, users)
	if temporary, _ := chat.IsTemporary(err); err == nil || temporary || len(users) == 1 {
		return err
	}
	// One user Slack refuses (a guest, a deactivated account, an ID from
	// another workspace) fails the whole call: invite the others one by
	// one, and say who could not be.
	var errs []error
	for _, u := range users {
		if err := a.invite(ctx, channel, []string{u}); err != nil {
			if temporary, _ := chat.IsTemporary(err); temporary {
				return err
			}
			errs = append(errs, fmt.Errorf("%s: %w", u, err))
		}
	}
	return errors.Join(errs...)
}

// invite is one conversations.invite call; already being there is no
// error.
func (a *App) invite(ctx context.Context, channel string, users []string) error {
	if _, err := a.client.InviteUsersToConversationContext(ctx, channel, users...); err != nil {
		var apiErr slackapi.SlackErrorResponse
		if errors.As(err, &apiErr) && (apiErr.Err == "already_in_channel" || apiErr.Err == "cant_invite_self") {
			return nil
		}
		return chat.Redact(fmt.Errorf("slack: conversations.invite %s: %w", channel, classify(err)), a.token)
	}
	return nil
}

// Bookmark adds a link to channel's bookmarks bar (bookmarks.add, bot
// scope bookmarks:write), unless a bookmark there has that link already
// (bookmarks.list, bookmarks:read): a retry does not add it twice. An app
// installed without bookmarks:read adds it without looking.
func (a *App) Bookmark(ctx context.Context, channel, title, link string) error {
	have, err := a.client.ListBookmarksContext(ctx, channel)
	if err != nil && err.Error() != "missing_scope" {
		return chat.Redact(fmt.Errorf("slack: bookmarks.list %s: %w", channel, classify(err)), a.token)
	}
	if slices.ContainsFunc(have, func(b slackapi.Bookmark) bool { return b.Link == link }) {
		return nil
	}
	if _, err := a.client.AddBookmarkContext(ctx, channel, slackapi.AddBookmarkParameters{Title: title, Type: "link", Link: link}); err != nil {
		return chat.Redact(fmt.Errorf("slack: bookmarks.add %s: %w", channel, classify(err)), a.token)
	}
	return nil
}

// Say posts text in channel, in the thread of thread when it is not empty
// (chat.postMessage), and returns the message's ts. The text is posted as
// is (rendered and escaped by package message).
func (a *App) Say(ctx context.Context, channel, thread, text string) (string, error) {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(text, false)}
	if thread != "" {
		opts = append(opts, slackapi.MsgOptionTS(thread))
	}
	_, ts, err := a.client.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", chat.Redact(fmt.Errorf("slack: post to %s: %w", channel, classify(err)), a.token)
	}
	return ts, nil
}

// SayOnce posts m in channel (in m.ThreadTS's thread when set, with m.Key
// in its metadata and m.Actions as buttons) and returns its ts. With
// lookUp, for a post an earlier attempt may have made (its answer lost, a
// crash), it first looks for a message carrying m.Key there (see
// Poster.Find: scopes channels:history, groups:history) and returns that
// one's ts instead of posting again.
func (a *App) SayOnce(ctx context.Context, channel string, m chat.Message, lookUp bool) (string, error) {
	p := &Poster{client: a.client, channel: channel, token: a.token}
	if lookUp && m.Key != "" {
		ts, found, err := p.Find(ctx, m, time.Time{})
		if err != nil || found {
			return ts, err
		}
	}
	return p.PostRef(ctx, m)
}

// Pin pins message ts in channel (pins.add, bot scope pins:write).
func (a *App) Pin(ctx context.Context, channel, ts string) error {
	if err := a.client.AddPinContext(ctx, channel, slackapi.ItemRef{Channel: channel, Timestamp: ts}); err != nil {
		var apiErr slackapi.SlackErrorResponse
		if errors.As(err, &apiErr) && apiErr.Err == "already_pinned" {
			return nil
		}
		return chat.Redact(fmt.Errorf("slack: pins.add %s: %w", channel, classify(err)), a.token)
	}
	return nil
}

// Archive archives channel (conversations.archive, bot scope
// channels:manage); an archived one is no error.
func (a *App) Archive(ctx context.Context, channel string) error {
	if err := a.client.ArchiveConversationContext(ctx, channel); err != nil {
		var apiErr slackapi.SlackErrorResponse
		if errors.As(err, &apiErr) && strings.Contains(apiErr.Err, "already_archived") {
			return nil
		}
		return chat.Redact(fmt.Errorf("slack: conversations.archive %s: %w", channel, classify(err)), a.token)
	}
	return nil
}

// Edit replaces the text of message ts in channel (chat.update).
func (a *App) Edit(ctx context.Context, channel, ts, text string) error {
	if _, _, _, err := a.client.UpdateMessageContext(ctx, channel, ts, slackapi.MsgOptionText(text, false)); err != nil {
		return chat.Redact(fmt.Errorf("slack: chat.update %s: %w", channel, classify(err)), a.token)
	}
	return nil
}

// SayActions posts text with buttons in channel (chat.postMessage with
// blocks, as an alert's thread parent) and returns its ts.
func (a *App) SayActions(ctx context.Context, channel, text string, actions []chat.Action) (string, error) {
	_, ts, err := a.client.PostMessageContext(ctx, channel, content(chat.Message{Text: text, Actions: actions}, false)...)
	if err != nil {
		return "", chat.Redact(fmt.Errorf("slack: post to %s: %w", channel, classify(err)), a.token)
	}
	return ts, nil
}

// EditActions replaces message ts's text and buttons (chat.update).
func (a *App) EditActions(ctx context.Context, channel, ts, text string, actions []chat.Action) error {
	if _, _, _, err := a.client.UpdateMessageContext(ctx, channel, ts, content(chat.Message{Text: text, Actions: actions}, true)...); err != nil {
		return chat.Redact(fmt.Errorf("slack: chat.update %s: %w", channel, classify(err)), a.token)
	}
	return nil
}

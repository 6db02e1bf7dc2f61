// Package slackapp is the listening half of pd2chat's Slack app: what the
// people on call do in Slack, without a PagerDuty seat, comes back here.
//
//   - POST /slack/interactions: the buttons under an incident's first
//     message (I'm on it, Resolved, Add note) and the note modal's submit
//     (https://api.slack.com/interactivity/handling).
//   - POST /slack/events: the Events API — the url_verification challenge
//     and reaction_added, where an ack reaction (👀) on the alert or any
//     message of its thread counts as "I'm on it" and a resolve reaction
//     (✅) as resolved (https://api.slack.com/events/reaction_added).
//   - POST /slack/commands: /oncall, today's and the next working day's
//     on-call people; /oncall week, the next 7 days
//     (https://api.slack.com/interactivity/slash-commands).
//
// Every request is verified with the app's signing secret before it is read
// (slack-go's SecretsVerifier: HMAC-SHA256 compared in constant time, and a
// timestamp more than 5 minutes away refused as a replay); a bad one gets
// 401. A response becomes an incident event of pd2chat's own kinds
// (incident.Taken, ResolvedInChat, NotedInChat) put on the delivery queue
// for the channel it came from, in the incident's message group: the
// deliver function records it, edits the thread's first message and replies
// in the thread, as it does for PagerDuty's events. The handler answers
// within Slack's 3 seconds because it only enqueues. The same press or
// event delivered twice (Slack retries carry X-Slack-Retry-Num) has the
// same key, and the queue and the deliver step act on a key once.
package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/major"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// The action IDs of the buttons on an incident's first message (posted by
// the deliver step); each button's value is the incident's PagerDuty ID.
const (
	ActionTake    = chat.ActionTake
	ActionResolve = chat.ActionResolve
	ActionNote    = chat.ActionNote
)

// noteCallback is the callback ID of the Add note modal.
const noteCallback = "pd2chat_note"

// Default reactions (SLACK_ACK_REACTIONS, SLACK_RESOLVE_REACTIONS): emoji
// names as Slack sends them, without colons.
var (
	DefaultAckReactions     = []string{"eyes"}
	DefaultResolveReactions = []string{"white_check_mark"}
)

// MaxBody bounds a request body; Slack's payloads are a few KiB.
const MaxBody = 1 << 20

// DefaultBudget bounds the work behind one request: Slack waits 3 s.
const DefaultBudget = 2500 * time.Millisecond

// Slack is what the handler asks Slack (chat/slack.App is one).
type Slack interface {
	// IncidentOf is the incident whose thread holds message ts in
	// channel; "" when none.
	IncidentOf(ctx context.Context, channel, ts string) (string, error)
	// OpenView opens a modal for the interaction that carried triggerID.
	OpenView(ctx context.Context, triggerID string, view slackapi.ModalViewRequest) error
	// User is the display name of a Slack user ("" when unknown) and
	// whether it is a bot.
	User(ctx context.Context, user string) (name string, bot bool, err error)
}

// Config wires a Handler.
type Config struct {
	// SigningSecret is the Slack app's signing secret (SLACK_SIGNING_SECRET).
	// Required: New refuses an empty one.
	SigningSecret string
	// Channels are the Slack channel IDs of ALERT_DESTINATIONS: presses
	// and reactions anywhere else are ignored.
	Channels []string
	// Queue takes the responses, one message per response.
	Queue queue.Sender
	Slack Slack
	// Rotation and Calendar answer /oncall and name responders after the
	// sheet's members tab (its Slack IDs, filled from the email column by
	// rotation.WithSlackIDs where the wiring adds it).
	Rotation rotation.Source
	Calendar *workday.Calendar
	// WriteBack also queues each response for PagerDuty
	// (deliver.WriteBackDestination; PAGERDUTY_API_TOKEN), in the
	// incident's own group.
	WriteBack bool
	// Major also queues each response for the major incident channels
	// (deliver.MajorDestination; MAJOR_CHANNELS), in the incident's own
	// group: a response in chat shows in the channel and its timeline, a
	// responder is invited, a resolution closes it.
	Major bool
	// Language is what the answers and the note form are written in
	// (LANGUAGE).
	Language locale.Language
	// AckReactions and ResolveReactions are the emoji names that count as
	// "I'm on it" and as resolved; nil: the defaults.
	AckReactions, ResolveReactions []string
	// Budget bounds the work behind one request; zero: DefaultBudget.
	Budget time.Duration
	Log    *slog.Logger
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Handler serves the Slack app's request URLs.
type Handler struct {
	cfg Config
}

// New returns a Handler for c; an empty signing secret is an error, since
// nothing could be verified.
func New(c Config) (*Handler, error) {
	if c.SigningSecret == "" {
		return nil, errors.New("slackapp: SLACK_SIGNING_SECRET is empty")
	}
	if c.AckReactions == nil {
		c.AckReactions = DefaultAckReactions
	}
	if c.ResolveReactions == nil {
		c.ResolveReactions = DefaultResolveReactions
	}
	if c.Budget <= 0 {
		c.Budget = DefaultBudget
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Handler{cfg: c}, nil
}

// Register adds the three request URLs to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /slack/interactions", h.verified(h.interaction))
	mux.HandleFunc("POST /slack/events", h.verified(h.event))
	mux.HandleFunc("POST /slack/commands", h.verified(h.command))
}

// verified reads the body and checks its signature before next sees it:
// 401 for a missing or wrong signature or a stale timestamp (a replay),
// 413 for a body over MaxBody.
func (h *Handler) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			plain(w, http.StatusRequestEntityTooLarge, "body over 1 MiB or unreadable")
			return
		}
		sv, err := slackapi.NewSecretsVerifier(r.Header, h.cfg.SigningSecret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			why := "missing or wrong X-Slack-Signature"
			if errors.Is(err, slackapi.ErrExpiredTimestamp) {
				why = "X-Slack-Request-Timestamp is more than 5 minutes away (replay?)"
			}
			h.cfg.Log.Warn("slack request refused", "path", r.URL.Path, "why", why)
			plain(w, http.StatusUnauthorized, why)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Budget)
		defer cancel()
		next(w, r.WithContext(ctx), body)
	}
}

func plain(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text+"\n")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// ephemeral answers a slash command or an interaction with a message only
// its sender sees.
func ephemeral(w http.ResponseWriter, text string) {
	writeJSON(w, map[string]any{"response_type": "ephemeral", "text": text})
}

// response is one thing a person did in chat.
type response struct {
	kind     incident.Kind
	key      string // what makes it act once: Slack's ids of the press or event
	channel  string
	incident string
	user     string // Slack user ID
	name     string // Slack user name, when the payload has it
	note     string
	at       time.Time
	// dests, when set, are where it goes instead of the channel's chat
	// (and the write-back).
	dests []string
}

// enqueue records r on the delivery queue: 200 when it took it, 503
// (Slack retries events; a person presses again) when it did not.
func (h *Handler) enqueue(ctx context.Context, w http.ResponseWriter, r response) bool {
	ev := incident.Event{
		ID: r.key, Kind: r.kind, OccurredAt: r.at, Agent: h.responder(ctx, r.user, r.name),
		ChatUser: r.user, Note: r.note, Incident: incident.Incident{ID: r.incident},
	}
	dests := []string{"slack:" + r.channel}
	if h.cfg.WriteBack {
		dests = append(dests, deliver.WriteBackDestination)
	}
	if h.cfg.Major {
		dests = append(dests, deliver.MajorDestination)
	}
	if r.dests != nil {
		dests = r.dests
	}
	var msgs []queue.Message
	var err error
	for _, dest := range dests {
		var m queue.Message
		if m, err = (deliver.Job{Destination: dest, Key: r.key, ReceivedAt: h.cfg.Now(), Event: &ev}).Message(); err != nil {
			break
		}
		msgs = append(msgs, m)
	}
	if err == nil {
		err = h.cfg.Queue.Send(ctx, msgs...)
	}
	if err != nil {
		h.cfg.Log.Error("slack response not enqueued", "kind", string(r.kind), "incident_id", r.incident, "error", err.Error())
		plain(w, http.StatusServiceUnavailable, "cannot take it now; try again")
		return false
	}
	h.cfg.Log.Info("slack response", "kind", string(r.kind), "incident_id", r.incident, "channel", r.channel, "user", r.user)
	return true
}

// responder names Slack user: the members tab's name when the user is a
// member, else name, else Slack's display name, else the ID.
func (h *Handler) responder(ctx context.Context, user, name string) string {
	// The name is a nicety: it may not eat the time the enqueue needs (a
	// cold sheet read, Slack slow). Past nameBudget the Slack name serves.
	ctx, cancel := context.WithTimeout(ctx, nameBudget)
	defer cancel()
	if h.cfg.Rotation != nil {
		if roster, err := h.cfg.Rotation.Roster(ctx); err == nil && roster != nil {
			for _, m := range roster.Members() {
				if m.Slack == user {
					return m.Name
				}
			}
		}
	}
	if name != "" {
		return name
	}
	if h.cfg.Slack != nil {
		if n, _, err := h.cfg.Slack.User(ctx, user); err == nil && n != "" {
			return n
		}
	}
	return user
}

// nameBudget bounds naming a responder (the sheet, users.info), out of
// DefaultBudget: the rest is the enqueue's.
const nameBudget = 1200 * time.Millisecond

// watched reports whether channel is one of the alert channels.
func (h *Handler) watched(channel string) bool { return slices.Contains(h.cfg.Channels, channel) }

// interaction serves a button press or the note modal's submission.
func (h *Handler) interaction(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	var cb slackapi.InteractionCallback
	if err == nil {
		err = json.Unmarshal([]byte(form.Get("payload")), &cb)
	}
	if err != nil {
		plain(w, http.StatusBadRequest, "no interaction payload")
		return
	}
	switch cb.Type {
	case slackapi.InteractionTypeBlockActions:
		h.press(w, r.Context(), cb)
	case slackapi.InteractionTypeViewSubmission:
		h.submit(w, r.Context(), cb)
	default:
		w.WriteHeader(http.StatusOK) // shortcuts, closed modals…: nothing to do
	}
}

// press serves a button under an incident's first message.
func (h *Handler) press(w http.ResponseWriter, ctx context.Context, cb slackapi.InteractionCallback) {
	for _, a := range cb.ActionCallback.BlockActions {
		kind, ok := map[string]incident.Kind{ActionTake: incident.Taken, ActionResolve: incident.ResolvedInChat}[a.ActionID]
		role, isRole := strings.CutPrefix(a.ActionID, chat.ActionRolePrefix)
		switch {
		case a.ActionID == ActionNote && incident.ValidID(a.Value):
			h.openNote(w, ctx, cb, a.Value)
			return
		case a.ActionID == chat.ActionDeclare && incident.ValidID(a.Value) && h.watched(cb.Channel.ID):
			at := cmpTime(slackTime(a.ActionTs), h.cfg.Now())
			if h.enqueue(ctx, w, response{
				kind: incident.MajorDeclared, key: "slack/" + cb.User.ID + "/" + a.ActionTs + "/" + a.ActionID,
				channel: cb.Channel.ID, incident: a.Value, user: cb.User.ID, name: cb.User.Name, at: at,
				dests: []string{deliver.MajorDestination},
			}) {
				w.WriteHeader(http.StatusOK)
			}
			return
		case isRole && incident.ValidID(a.Value) && slices.Contains(major.Roles, role):
			// A role button of a major incident's channel: to that
			// channel's handler, in the incident's order.
			at := cmpTime(slackTime(a.ActionTs), h.cfg.Now())
			if h.enqueue(ctx, w, response{
				kind: incident.RoleTaken, key: "slack/" + cb.User.ID + "/" + a.ActionTs + "/" + a.ActionID,
				channel: cb.Channel.ID, incident: a.Value, user: cb.User.ID, name: cb.User.Name, note: role, at: at,
				dests: []string{deliver.MajorDestination},
			}) {
				w.WriteHeader(http.StatusOK)
			}
			return
		case !ok:
			continue
		case !incident.ValidID(a.Value) || !h.watched(cb.Channel.ID):
			ephemeral(w, h.cfg.Language.T("slackapp.not_our_button"))
			return
		}
		at := slackTime(a.ActionTs)
		if at.IsZero() {
			at = h.cfg.Now()
		}
		if h.enqueue(ctx, w, response{
			kind: kind, key: "slack/" + cb.User.ID + "/" + a.ActionTs + "/" + a.ActionID,
			channel: cb.Channel.ID, incident: a.Value, user: cb.User.ID, name: cb.User.Name, at: at,
		}) {
			w.WriteHeader(http.StatusOK)
		}
		return
	}
	w.WriteHeader(http.StatusOK)
}

// noteTarget is the note modal's private metadata.
type noteTarget struct {
	Incident string `json:"incident"`
	Channel  string `json:"channel"`
}

// maxNote bounds a note (PagerDuty's notes take 25,000 characters; a
// chat reply is read at a glance).
const maxNote = 3000

// openNote opens the Add note modal for the incident.
func (h *Handler) openNote(w http.ResponseWriter, ctx context.Context, cb slackapi.InteractionCallback, id string) {
	if !h.watched(cb.Channel.ID) || h.cfg.Slack == nil {
		ephemeral(w, h.cfg.Language.T("slackapp.notes_only_here"))
		return
	}
	meta, _ := json.Marshal(noteTarget{Incident: id, Channel: cb.Channel.ID})
	l := h.cfg.Language
	text := func(id string) *slackapi.TextBlockObject {
		return slackapi.NewTextBlockObject(slackapi.PlainTextType, l.T(id), false, false)
	}
	input := slackapi.NewPlainTextInputBlockElement(text("slackapp.note_placeholder"), "text")
	input.Multiline = true
	input.MaxLength = maxNote
	view := slackapi.ModalViewRequest{
		Type:            slackapi.VTModal,
		CallbackID:      noteCallback,
		PrivateMetadata: string(meta),
		Title:           text("button.note"),
		Submit:          text("slackapp.note_submit"),
		Close:           text("slackapp.note_cancel"),
		Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{
			slackapi.NewInputBlock("note", text("slackapp.note_label"), nil, input),
		}},
	}
	if err := h.cfg.Slack.OpenView(ctx, cb.TriggerID, view); err != nil {
		h.cfg.Log.Warn("note modal not opened", "incident_id", id, "error", err.Error())
		ephemeral(w, l.T("slackapp.note_failed"))
		return
	}
	w.WriteHeader(http.StatusOK)
}

// submit takes the note modal's text into the incident's thread.
func (h *Handler) submit(w http.ResponseWriter, ctx context.Context, cb slackapi.InteractionCallback) {
	if cb.View.CallbackID != noteCallback {
		w.WriteHeader(http.StatusOK)
		return
	}
	var t noteTarget
	if json.Unmarshal([]byte(cb.View.PrivateMetadata), &t) != nil || !incident.ValidID(t.Incident) || !h.watched(t.Channel) || cb.View.State == nil {
		plain(w, http.StatusBadRequest, "the note form lost its incident")
		return
	}
	note := strings.TrimSpace(cb.View.State.Values["note"]["text"].Value)
	if note == "" {
		writeJSON(w, map[string]any{"response_action": "errors", "errors": map[string]string{"note": h.cfg.Language.T("slackapp.note_empty")}})
		return
	}
	if h.enqueue(ctx, w, response{
		kind: incident.NotedInChat, key: "slack/view/" + cb.View.ID + "/" + cb.View.Hash,
		channel: t.Channel, incident: t.Incident, user: cb.User.ID, name: cb.User.Name,
		note: note, at: h.cfg.Now(),
	}) {
		w.WriteHeader(http.StatusOK) // an empty 200 closes the modal
	}
}

// event serves the Events API.
func (h *Handler) event(w http.ResponseWriter, r *http.Request, body []byte) {
	outer, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		plain(w, http.StatusBadRequest, "not an Events API payload")
		return
	}
	switch outer.Type {
	case slackevents.URLVerification:
		var c slackevents.ChallengeResponse
		if json.Unmarshal(body, &c) != nil {
			plain(w, http.StatusBadRequest, "no challenge")
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, c.Challenge) // the challenge exactly (https://api.slack.com/events/url_verification)
		return
	case slackevents.CallbackEvent:
	default:
		w.WriteHeader(http.StatusOK)
		return
	}
	cb, _ := outer.Data.(*slackevents.EventsAPICallbackEvent)
	ra, ok := outer.InnerEvent.Data.(*slackevents.ReactionAddedEvent)
	if !ok || cb == nil || ra.Item.Type != "message" || !h.watched(ra.Item.Channel) {
		w.WriteHeader(http.StatusOK)
		return
	}
	// A skin tone is part of the name Slack sends ("raised_hand::skin-tone-3").
	emoji, _, _ := strings.Cut(ra.Reaction, "::")
	var kind incident.Kind
	switch {
	case slices.Contains(h.cfg.AckReactions, emoji):
		kind = incident.Taken
	case slices.Contains(h.cfg.ResolveReactions, emoji):
		kind = incident.ResolvedInChat
	default:
		w.WriteHeader(http.StatusOK)
		return
	}
	id, err := h.cfg.Slack.IncidentOf(r.Context(), ra.Item.Channel, ra.Item.Timestamp)
	if temporary, _ := chat.IsTemporary(err); err != nil && temporary {
		h.cfg.Log.Warn("reaction: incident lookup failed; Slack will retry", "channel", ra.Item.Channel, "error", err.Error())
		plain(w, http.StatusServiceUnavailable, "cannot look the message up now")
		return
	} else if err != nil {
		// Slack refuses for good (missing_scope, not_in_channel…): a retry
		// cannot help, and repeated 5xx would disable the subscription.
		h.cfg.Log.Error("reaction: incident lookup refused; the reaction is ignored", "channel", ra.Item.Channel, "error", err.Error())
		w.WriteHeader(http.StatusOK)
		return
	}
	if !incident.ValidID(id) {
		w.WriteHeader(http.StatusOK) // a reaction on a message of no incident
		return
	}
	// Bots that mark what they process with 👀 are not people responding.
	// The same users.info answer names a person not in the members tab.
	name, bot, err := h.cfg.Slack.User(r.Context(), ra.User)
	if err == nil && bot {
		w.WriteHeader(http.StatusOK)
		return
	}
	at := slackTime(ra.EventTimestamp)
	if at.IsZero() {
		at = h.cfg.Now()
	}
	if h.enqueue(r.Context(), w, response{
		kind: kind, key: "slack/" + cb.EventID, channel: ra.Item.Channel, incident: id, user: ra.User, name: name, at: at,
	}) {
		w.WriteHeader(http.StatusOK)
	}
}

// slackTime reads a Slack timestamp ("1700000000.000100": seconds and
// microseconds); zero when it is not one.
func slackTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}
	}
	us, err := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	if err != nil || us < 0 {
		us = 0
	}
	return time.Unix(s, us*1000)
}

func cmpTime(a, b time.Time) time.Time {
	if !a.IsZero() {
		return a
	}
	return b
}

// Package sheets is the Google Sheets rotation source
// (ROTATION_SOURCE=sheets:SPREADSHEET_ID). It reads the tabs "rotation",
// "members" and, when the sheet has them, "holidays" and "runbooks" with two
// concurrent requests to the Sheets API v4 per Roster call, and parses them
// with rotation.ParseTabs, exactly as the csvfile source parses their CSV
// copies:
//
//   - spreadsheets.values.batchGet gives the cells' values;
//   - spreadsheets.get, with fields limited to the sheets' titles and merges
//     (no grid data), gives each tab's merged ranges.
//
// The values hold a merged range's value only in its top-left cell: a
// week's primary typed once in B2 and merged down over B2:B6 would be on
// call on Monday only. So before parsing, every cell of each merged range
// of the tabs read takes the value of its top-left cell, as the sheet shows
// it (see fillMerges). The CSV source has no merges: its files hold each
// cell typed out.
//
// Cells are asked for unformatted (valueRenderOption UNFORMATTED_VALUE,
// dateTimeRenderOption SERIAL_NUMBER): a date comes back as its serial number
// whatever format someone gives the column, and is turned back into text
// ("46346") that rotation.ParseDate reads. Numbers become their shortest
// decimal text, booleans "TRUE" and "FALSE".
//
// The holidays and runbooks tabs (rotation.OptionalTabs) are optional.
// Asked for the values of a tab it lacks, the API refuses the whole
// batchGet (400 "Unable to parse range: holidays"); the source then asks
// again at once without that tab, remembers that it is missing, and looks
// for it again at most every OptionalTabRecheck, so a tab added later is
// picked up while a sheet without one costs one batchGet per refresh. Each
// optional tab is remembered on its own. (The spreadsheets.get names no
// tab: it answers for all of them.)
//
// There is no caching here: each Roster call reads the sheet (wrap the
// source in a rotation.Cache). Errors and problems are kept apart, as in
// csvfile. Roster fails only when the sheet cannot be read, by either
// request, and classifies both requests' failures alike; IsTemporary tells a
// failure that may pass by itself (HTTP 429, 5xx, no answer in time, network)
// from one someone must fix (the sheet not shared with the service account,
// a wrong spreadsheet ID, a missing tab, refused credentials), and the
// error's text says which. Problems in rows do not fail it: the roster of the
// good rows is returned, and each problem is logged once per Roster call (so
// once per refresh) as a warning "rotation sheet problem" with the source and
// the problem, like `rotation!A17: "2026-13-01" is not a date`. Callers
// should not log Roster.Problems again; it is there for whoever wants to
// show them.
//
// Credentials: a service-account key (GOOGLE_CREDENTIALS_JSON) used with the
// read-only Sheets scope, or else Application Default Credentials. The key
// and the access tokens never appear in an error or a log.
package sheets

import (
	"cmp"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"golang.org/x/sync/errgroup"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	sheetsapi "google.golang.org/api/sheets/v4"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// DefaultEndpoint is the Sheets API base URL used when Options.Endpoint is
// empty (GOOGLE_SHEETS_ENDPOINT's default).
const DefaultEndpoint = "https://sheets.googleapis.com/"

// OptionalTabRecheck is how long a sheet found without an optional tab
// (holidays, runbooks) is read without asking for that tab.
const OptionalTabRecheck = 10 * time.Minute

// callTimeout bounds a Roster call whose context has no earlier deadline.
const callTimeout = 30 * time.Second

// Options configure New.
type Options struct {
	// SpreadsheetID is the ID in the sheet's URL, between /d/ and /edit.
	SpreadsheetID string
	// Endpoint is the API base URL (GOOGLE_SHEETS_ENDPOINT), as
	// option.WithEndpoint takes it. Empty: DefaultEndpoint.
	Endpoint string
	// CredentialsJSON is a service-account key (GOOGLE_CREDENTIALS_JSON).
	// Empty: Application Default Credentials, unless HTTPClient is set.
	CredentialsJSON []byte
	// HTTPClient carries the requests. With CredentialsJSON, the requests
	// through it are authorized with the key (the token requests go through
	// it too); without CredentialsJSON they are sent unauthenticated (tests,
	// a proxy that authenticates). Nil: a client built by the API library
	// with the credentials.
	HTTPClient *http.Client
	// Logger receives the sheet's problems (one warning each per Roster
	// call) and the optional tabs' coming and going. Nil: slog.Default().
	Logger *slog.Logger
	// Now is the clock of the optional tabs' re-check. Nil: time.Now.
	Now func() time.Time
	// RotationTab is the tab read as the rotation (a route's own, ROUTES
	// rotation=TAB). Empty: "rotation".
	RotationTab string
}

// Source reads the rotation from a Google Sheet. It is safe for concurrent
// use.
type Source struct {
	id      string
	svc     *sheetsapi.Service
	log     *slog.Logger
	now     func() time.Time
	account string // the service account's email, for messages; "" when unknown
	tab     string // the rotation tab's title

	mu      sync.Mutex
	missing map[string]time.Time // optional tab → when a request last found it missing
}

var _ rotation.Source = (*Source)(nil)

// New builds the source; it reads nothing yet. It fails when the options
// cannot work: no spreadsheet ID, a key that is not a service-account key
// (the error names GOOGLE_CREDENTIALS_JSON and never quotes the key), or no
// credentials to be found.
func New(ctx context.Context, o Options) (*Source, error) {
	if o.SpreadsheetID == "" {
		return nil, errors.New("sheets: no spreadsheet ID (ROTATION_SOURCE=sheets:SPREADSHEET_ID)")
	}
	if strings.ContainsAny(o.SpreadsheetID, "/?#: ") {
		return nil, fmt.Errorf("sheets: %q is not a spreadsheet ID: give the part of the sheet's URL between /d/ and /edit", o.SpreadsheetID)
	}
	s := &Source{id: o.SpreadsheetID, log: o.Logger, now: o.Now, tab: cmp.Or(o.RotationTab, rotation.RotationTab)}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}

	var opts []option.ClientOption
	if o.Endpoint != "" {
		ep := o.Endpoint
		if !strings.HasSuffix(ep, "/") {
			ep += "/" // the API's paths are resolved against it
		}
		opts = append(opts, option.WithEndpoint(ep))
	}
	switch {
	case len(o.CredentialsJSON) > 0:
		email, err := checkKey(o.CredentialsJSON)
		if err != nil {
			return nil, err
		}
		s.account = email
		if o.HTTPClient != nil {
			client, err := authorized(ctx, o.HTTPClient, o.CredentialsJSON)
			if err != nil {
				return nil, err
			}
			opts = append(opts, option.WithHTTPClient(client))
		} else {
			opts = append(opts,
				option.WithAuthCredentialsJSON(option.ServiceAccount, o.CredentialsJSON),
				option.WithScopes(sheetsapi.SpreadsheetsReadonlyScope))
		}
	case o.HTTPClient != nil:
		opts = append(opts, option.WithHTTPClient(o.HTTPClient), option.WithoutAuthentication())
	default:
		opts = append(opts, option.WithScopes(sheetsapi.SpreadsheetsReadonlyScope))
	}
	svc, err := sheetsapi.NewService(ctx, opts...)
	switch {
	case err != nil && len(o.CredentialsJSON) > 0:
		// The key was checked; say no more than the library does, without
		// the key.
		return nil, fmt.Errorf("sheets: use the key in GOOGLE_CREDENTIALS_JSON: %s", redact(err.Error(), o.CredentialsJSON))
	case err != nil:
		return nil, fmt.Errorf("sheets: no credentials: set GOOGLE_CREDENTIALS_JSON to a service-account key, or provide Application Default Credentials: %w", err)
	}
	s.svc = svc
	return s, nil
}

// String is the source as ROTATION_SOURCE names it, "sheets:ID".
func (s *Source) String() string { return "sheets:" + s.id }

// Roster reads the sheet with one values:batchGet (one more for each
// optional tab that has just gone missing) and, at the same time, one
// spreadsheets.get of the tabs' merges, fills the merged cells, and gives
// the roster of the good rows. It fails only when the sheet cannot be read,
// by either request; see IsTemporary. The call is bounded by ctx, and by 30
// seconds when ctx has no earlier deadline.
func (s *Source) Roster(ctx context.Context) (*rotation.Roster, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, callTimeout,
		fmt.Errorf("sheets: no answer within %v: %w", callTimeout, context.DeadlineExceeded))
	defer cancel()
	today := rotation.DateOf(s.now())

	// The first request to fail cancels the other; its error is the one
	// reported.
	g, gctx := errgroup.WithContext(ctx)
	var merges map[string][]*sheetsapi.GridRange
	g.Go(func() (err error) {
		merges, err = s.merges(gctx)
		return err
	})
	var (
		optional = s.optionalTabs()
		vrs      []*sheetsapi.ValueRange
	)
	g.Go(func() (err error) {
		vrs, err = s.batchGet(gctx, optional)
		// Each round drops one tab: at most len(rotation.OptionalTabs)+1
		// requests.
		for tab := missingTab(err); slices.Contains(optional, tab); tab = missingTab(err) {
			s.tabMissing(gctx, tab)
			optional = slices.DeleteFunc(slices.Clone(optional), func(t string) bool { return t == tab })
			vrs, err = s.batchGet(gctx, optional)
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, s.fail(ctx, err)
	}
	s.tabsFound(ctx, optional)

	tabs := rotation.Tabs{Today: today}
	for i, tab := range append([]string{s.tab, rotation.MembersTab}, optional...) {
		// The answer names the tab as the sheet titles it.
		title := tab
		if vrs[i] != nil && rangeTab(vrs[i].Range) != "" {
			title = rangeTab(vrs[i].Range)
		}
		filled := fillMerges(rows(vrs[i]), merges[title])
		if i == 0 { // the rotation, whatever its tab's title
			tabs.Rotation = joinDateRows(filled, merges[title], today)
			continue
		}
		*tabs.Tab(tab) = filled
	}
	r, problems := rotation.ParseTabs(tabs)
	for _, p := range problems {
		s.log.WarnContext(ctx, "rotation sheet problem", "source", s.String(), "problem", p.Error())
	}
	return r, nil
}

// batchGet asks for the whole tabs, rotation, members and the optional
// ones, and gives their value ranges in that order.
func (s *Source) batchGet(ctx context.Context, optional []string) ([]*sheetsapi.ValueRange, error) {
	ranges := append([]string{s.tab, rotation.MembersTab}, optional...)
	resp, err := s.svc.Spreadsheets.Values.BatchGet(s.id).
		Ranges(ranges...).
		ValueRenderOption("UNFORMATTED_VALUE").
		DateTimeRenderOption("SERIAL_NUMBER").
		MajorDimension("ROWS").
		Context(ctx).
		Do()
	if err != nil {
		return nil, err
	}
	// The value ranges come in the order of the ranges asked for.
	if len(resp.ValueRanges) != len(ranges) {
		return nil, fmt.Errorf("the answer has %d ranges for the %d asked (%s)", len(resp.ValueRanges), len(ranges), strings.Join(ranges, ", "))
	}
	return resp.ValueRanges, nil
}

// mergesFields is the spreadsheets.get's fields: each sheet's title and
// merged ranges, nothing else (no cells, no formats).
const mergesFields = "sheets(properties(title),merges)"

// merges asks for the merged ranges of every tab of the sheet, by tab title.
func (s *Source) merges(ctx context.Context) (map[string][]*sheetsapi.GridRange, error) {
	resp, err := s.svc.Spreadsheets.Get(s.id).
		Fields(mergesFields).
		Context(ctx).
		Do()
	if err != nil {
		return nil, err
	}
	out := make(map[string][]*sheetsapi.GridRange, len(resp.Sheets))
	for _, sh := range resp.Sheets {
		if sh == nil || sh.Properties == nil || len(sh.Merges) == 0 {
			continue
		}
		out[sh.Properties.Title] = sh.Merges
	}
	return out, nil
}

// rangeTab is the tab title of an A1 range as the API writes it:
// "rotation!A1:Z1000", or "'on call'!A1:Z1000" with the title in single
// quotes, a quote in it doubled; "" when a1 names no tab.
func rangeTab(a1 string) string {
	if rest, ok := strings.CutPrefix(a1, "'"); ok {
		var b strings.Builder
		for i := 0; i < len(rest); i++ {
			if rest[i] != '\'' {
				b.WriteByte(rest[i])
				continue
			}
			if i+1 < len(rest) && rest[i+1] == '\'' { // '' is a quote
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String()
		}
		return "" // no closing quote
	}
	tab, _, ok := strings.Cut(a1, "!")
	if !ok {
		return ""
	}
	return tab
}

// fillMerges is rows with every cell of each merged range holding the value
// of the range's top-left cell, as the sheet shows them; rows is not
// changed. Rows are a tab's cells as values:batchGet gives them: from A1,
// ragged, without trailing empty cells and rows. A GridRange is 0-based and
// end-exclusive; an index the API leaves out (0 in Go) is 0 for a start
// and unbounded for an end, and an unbounded end stops at the rows
// (columns) present. A range whose top-left cell is empty fills nothing.
// Rows are extended as a range needs, but never past twice the rows and
// the widest row present: a range over a whole column of a million rows
// fills only what can hold a value of the tab. Top-left values are read
// before any filling, so overlapping ranges (which Sheets does not allow)
// give the later range's value where they overlap; nonsense ranges (start
// after end, negative indexes) fill nothing.
func fillMerges(rows [][]string, merges []*sheetsapi.GridRange) [][]string {
	nrows, ncols := int64(len(rows)), int64(0)
	for _, row := range rows {
		ncols = max(ncols, int64(len(row)))
	}
	cell := func(r, c int64) string {
		if r < nrows && c < int64(len(rows[r])) {
			return rows[r][c]
		}
		return ""
	}
	type fill struct {
		r0, r1, c0, c1 int64
		value          string
	}
	var fills []fill
	for _, m := range merges {
		if m == nil || m.StartRowIndex < 0 || m.StartColumnIndex < 0 || m.EndRowIndex < 0 || m.EndColumnIndex < 0 {
			continue
		}
		f := fill{r0: m.StartRowIndex, r1: m.EndRowIndex, c0: m.StartColumnIndex, c1: m.EndColumnIndex}
		if f.r1 == 0 {
			f.r1 = nrows
		}
		if f.c1 == 0 {
			f.c1 = ncols
		}
		f.r1, f.c1 = min(f.r1, 2*nrows), min(f.c1, 2*ncols)
		if f.r0 >= f.r1 || f.c0 >= f.c1 {
			continue
		}
		if f.value = cell(f.r0, f.c0); f.value != "" {
			fills = append(fills, f)
		}
	}
	if len(fills) == 0 {
		return rows
	}

	out := make([][]string, len(rows))
	for i, row := range rows {
		out[i] = slices.Clone(row)
	}
	for _, f := range fills {
		for int64(len(out)) < f.r1 {
			out = append(out, nil)
		}
		for r := f.r0; r < f.r1; r++ {
			if n := int64(len(out[r])); n < f.c1 {
				out[r] = append(out[r], make([]string, f.c1-n)...)
			}
			for c := f.c0; c < f.c1; c++ {
				out[r][c] = f.value
			}
		}
	}
	return out
}

// joinDateRows makes one row of each single date merged down several rows
// of the rotation tab (the primary on one row, the secondary on the next, the date
// merged over both): each cell of the merge's first row gets the other
// rows' values of its column on new lines (which the parser reads as more
// names), without repeating one, and the other rows are left blank, so the
// problems keep their row numbers. rows is filled (fillMerges) and not
// changed.
func joinDateRows(rows [][]string, merges []*sheetsapi.GridRange, today rotation.Date) [][]string {
	var out [][]string
	for _, m := range merges {
		if m == nil || m.StartColumnIndex != 0 || m.EndColumnIndex < 1 || m.StartRowIndex < 0 ||
			m.EndRowIndex-m.StartRowIndex < 2 || m.StartRowIndex >= int64(len(rows)) {
			continue
		}
		// Only a single date: a merged header ("日付" over two header rows)
		// or a range over one row per day is left as it is.
		if top := rows[m.StartRowIndex]; len(top) == 0 || !rotation.IsDate(top[0], today) {
			continue
		}
		if out == nil {
			out = make([][]string, len(rows))
			for i, row := range rows {
				out[i] = slices.Clone(row)
			}
		}
		r0, r1 := m.StartRowIndex, min(m.EndRowIndex, int64(len(out)))
		for r := r0 + 1; r < r1; r++ {
			for c := 1; c < len(out[r]); c++ {
				v := strings.TrimSpace(out[r][c])
				if v == "" {
					continue
				}
				for int64(len(out[r0])) <= int64(c) {
					out[r0] = append(out[r0], "")
				}
				switch top := out[r0][c]; {
				case top == "":
					out[r0][c] = v
				case !slices.Contains(strings.Split(top, "\n"), v):
					out[r0][c] = top + "\n" + v
				}
			}
			out[r] = nil
		}
	}
	if out == nil {
		return rows
	}
	return out
}

// withoutTab says what pd2chat does without each optional tab, for the log.
var withoutTab = map[string]string{
	rotation.HolidaysTab: "no company holidays",
	rotation.RunbooksTab: "no runbook links",
}

// optionalTabs is the optional tabs to ask for, in rotation.OptionalTabs'
// order: those no request found missing less than OptionalTabRecheck ago.
func (s *Source) optionalTabs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var tabs []string
	for _, tab := range rotation.OptionalTabs {
		if at, missing := s.missing[tab]; !missing || s.now().Sub(at) >= OptionalTabRecheck {
			tabs = append(tabs, tab)
		}
	}
	return tabs
}

// tabMissing records that a request found no tab named tab, and says so
// the first time.
func (s *Source) tabMissing(ctx context.Context, tab string) {
	s.mu.Lock()
	_, known := s.missing[tab]
	if s.missing == nil {
		s.missing = make(map[string]time.Time)
	}
	s.missing[tab] = s.now()
	s.mu.Unlock()
	if !known {
		s.log.InfoContext(ctx, "rotation sheet has no optional tab",
			"source", s.String(), "tab", tab, "meaning", withoutTab[tab], "recheck", OptionalTabRecheck.String())
	}
}

// tabsFound records that a request found the tabs, and says so of each that
// was missing.
func (s *Source) tabsFound(ctx context.Context, tabs []string) {
	for _, tab := range tabs {
		s.mu.Lock()
		_, missing := s.missing[tab]
		delete(s.missing, tab)
		s.mu.Unlock()
		if missing {
			s.log.InfoContext(ctx, "rotation sheet has an optional tab again", "source", s.String(), "tab", tab)
		}
	}
}

// rows is the cells of a value range as text.
func rows(vr *sheetsapi.ValueRange) [][]string {
	if vr == nil {
		return nil
	}
	out := make([][]string, len(vr.Values))
	for i, row := range vr.Values {
		out[i] = make([]string, len(row))
		for j, v := range row {
			out[i][j] = text(v)
		}
	}
	return out
}

// text is an unformatted cell value as the text a person would have typed:
// a number in its shortest decimal form without exponent (46346, 46346.5),
// a boolean as TRUE or FALSE.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

// readError is why Roster could not read the sheet.
type readError struct {
	id        string
	what      string // for people: what is wrong and who should act; may be ""
	detail    string // err on one line
	temporary bool
	err       error
}

func (e *readError) Error() string {
	msg := "sheets: read spreadsheet " + e.id
	if e.what != "" {
		msg += ": " + e.what
	}
	return msg + ": " + e.detail
}

func (e *readError) Unwrap() error { return e.err }

// IsTemporary reports whether err, from Roster, may pass without anyone
// acting: Google's rate limit (429), a server error (5xx), no answer in time,
// the network. Other failures (403 not shared, 404 wrong ID, a missing tab,
// refused credentials) last until someone fixes the sheet or the settings.
// A cache keeps serving its last roster either way; it may log the latter
// louder.
func IsTemporary(err error) bool {
	var e *readError
	return errors.As(err, &e) && e.temporary
}

// fail classifies err, from reading the sheet, into a *readError.
func (s *Source) fail(ctx context.Context, err error) error {
	e := &readError{id: s.id, err: err}
	var (
		gerr *googleapi.Error
		uerr *url.Error
		nerr net.Error
		rerr *oauth2.RetrieveError
		terr interface{ Temporary() bool }
	)
	// A failed request is a *url.Error; what failed is inside: the network,
	// or the token endpoint's answer (an *oauth2.RetrieveError, or a
	// cloud.google.com/go/auth *Error, which says whether it is temporary).
	inner := err
	if errors.As(err, &uerr) {
		inner = uerr.Err
	}
	switch {
	case ctx.Err() != nil:
		// The library reports ctx.Err(); the cause says whose deadline.
		e.what, e.temporary = "no answer in time", true
		e.err = context.Cause(ctx)
	case errors.As(err, &gerr):
		e.what, e.temporary = s.explain(gerr)
	case errors.As(inner, &nerr):
		e.what, e.temporary = "cannot reach Google Sheets", true
		if nerr.Timeout() {
			e.what = "no answer in time"
		}
	case errors.Is(inner, io.ErrUnexpectedEOF):
		e.what, e.temporary = "the answer was cut short", true
	case errors.As(inner, &rerr):
		e.what, e.temporary = s.tokenRefused(), temporaryStatus(rerr.Response)
	case errors.As(inner, &terr):
		e.what, e.temporary = s.tokenRefused(), terr.Temporary()
	}
	switch {
	case gerr != nil:
		e.detail = short(gerr)
	case e.err == err && uerr != nil:
		e.detail = oneLine(inner.Error()) // without the URL, long and known
	default:
		e.detail = oneLine(e.err.Error())
	}
	return e
}

func (s *Source) tokenRefused() string {
	if s.account == "" {
		return "cannot get an access token"
	}
	return "cannot get an access token for the service account " + s.account
}

// temporaryStatus reports whether an HTTP answer may change by itself.
func temporaryStatus(r *http.Response) bool {
	return r != nil && (r.StatusCode == http.StatusTooManyRequests || r.StatusCode == http.StatusRequestTimeout || r.StatusCode >= 500)
}

// explain says what an HTTP error from the Sheets API means for whoever
// runs pd2chat, and whether it may pass by itself.
func (s *Source) explain(e *googleapi.Error) (what string, temporary bool) {
	switch c := e.Code; {
	case c == http.StatusTooManyRequests:
		return "Google Sheets' rate limit is reached; a later read will try again", true
	case c == http.StatusRequestTimeout || c >= 500:
		return "Google Sheets is unavailable", true
	case c == http.StatusUnauthorized:
		return "the credentials were refused: check GOOGLE_CREDENTIALS_JSON (a service-account key that is not deleted)", false
	case c == http.StatusForbidden && apiDisabled(e):
		return "the Google Sheets API is not enabled in the Google Cloud project of the service account: enable it there", false
	case c == http.StatusForbidden && s.account != "":
		return fmt.Sprintf("the spreadsheet is not shared with the service account %s: share it with that address (Viewer is enough)", s.account), false
	case c == http.StatusForbidden:
		return "the spreadsheet is not shared with the account pd2chat uses: share it (Viewer is enough) with the service account's email (client_email in its key)", false
	case c == http.StatusNotFound:
		return "there is no spreadsheet with this ID: check ROTATION_SOURCE=sheets:ID (the ID is the part of the sheet's URL between /d/ and /edit)", false
	case c == http.StatusBadRequest && missingTab(e) != "":
		return fmt.Sprintf("the spreadsheet has no tab named %q (it needs the tabs %q and %q; %s are optional)",
			missingTab(e), rotation.RotationTab, rotation.MembersTab, quotedAnd(rotation.OptionalTabs)), false
	case c == http.StatusBadRequest && strings.Contains(e.Message, "not supported for this document"):
		return "the file is not a Google Sheet (an uploaded Excel file?): open it and use File → Save as Google Sheets, then use the new ID", false
	}
	return "", false
}

// quotedAnd is `"a", "b" and "c"`.
func quotedAnd(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// missingTab is the tab named by a 400 "Unable to parse range: TAB", the
// API's answer for a range on a tab the sheet does not have; "" for any
// other error.
func missingTab(err error) string {
	var e *googleapi.Error
	if !errors.As(err, &e) || e.Code != http.StatusBadRequest {
		return ""
	}
	rng, ok := strings.CutPrefix(e.Message, "Unable to parse range: ")
	if !ok {
		return ""
	}
	tab, _, _ := strings.Cut(strings.TrimSpace(rng), "!")
	return strings.Trim(tab, "'")
}

func apiDisabled(e *googleapi.Error) bool {
	if strings.Contains(e.Message, "has not been used in project") || strings.Contains(e.Message, "it is disabled") {
		return true
	}
	for _, item := range e.Errors {
		if item.Reason == "accessNotConfigured" {
			return true
		}
	}
	return false
}

// short is an API error on one line: its code and message, or the start of
// a body that is not the API's JSON (a proxy's page).
func short(e *googleapi.Error) string {
	msg := e.Message
	if msg == "" {
		msg = e.Body
	}
	msg = oneLine(msg)
	if msg == "" {
		return fmt.Sprintf("HTTP %d", e.Code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, msg)
}

// oneLine is msg on one line, for logs, cut after 300 characters.
func oneLine(msg string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "…"
	}
	return msg
}

// serviceAccountKey is the part of a service-account key New checks.
type serviceAccountKey struct {
	Type        string `json:"type"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
}

// checkKey checks that b is a service-account key whose private key can be
// read, and gives its email. Its errors never quote the key.
func checkKey(b []byte) (email string, err error) {
	const what = "sheets: GOOGLE_CREDENTIALS_JSON"
	var k serviceAccountKey
	if err := json.Unmarshal(b, &k); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return "", fmt.Errorf("%s is not JSON (error at byte %d): give the service-account key file's content", what, syn.Offset)
		}
		return "", fmt.Errorf("%s is not a service-account key (a JSON object with type, client_email, private_key…)", what)
	}
	switch {
	case k.Type != "service_account":
		t := k.Type
		if len(t) > 40 {
			t = t[:40] + "…"
		}
		return "", fmt.Errorf("%s is not a service-account key (its type is %q, want \"service_account\")", what, t)
	case k.ClientEmail == "":
		return "", fmt.Errorf("%s has no client_email", what)
	case k.PrivateKey == "":
		return "", fmt.Errorf("%s (%s) has no private_key", what, k.ClientEmail)
	}
	block, _ := pem.Decode([]byte(k.PrivateKey))
	if block == nil {
		return "", fmt.Errorf("%s (%s): its private_key is not a PEM block", what, k.ClientEmail)
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return "", fmt.Errorf("%s (%s): its private_key cannot be read as a PKCS #8 or PKCS #1 key", what, k.ClientEmail)
		}
	}
	return k.ClientEmail, nil
}

// authorized is base authorizing its requests with the service-account key
// b; the token requests go through base too.
func authorized(ctx context.Context, base *http.Client, b []byte) (*http.Client, error) {
	// The token source keeps this context for later token requests: it must
	// outlive New's.
	tctx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, base)
	creds, err := google.CredentialsFromJSONWithType(tctx, b, google.ServiceAccount, sheetsapi.SpreadsheetsReadonlyScope)
	if err != nil {
		return nil, fmt.Errorf("sheets: use the key in GOOGLE_CREDENTIALS_JSON: %s", redact(err.Error(), b))
	}
	c := *base
	c.Transport = &oauth2.Transport{Source: creds.TokenSource, Base: base.Transport}
	return &c, nil
}

// redact removes the private key of the key file b from msg, should a
// library ever quote it.
func redact(msg string, b []byte) string {
	var k serviceAccountKey
	if json.Unmarshal(b, &k) != nil || k.PrivateKey == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, k.PrivateKey, "<private key>")
	for line := range strings.Lines(k.PrivateKey) {
		if line = strings.TrimSpace(line); len(line) >= 16 {
			msg = strings.ReplaceAll(msg, line, "<private key>")
		}
	}
	return msg
}

package sheets

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeSheets is the part of the Sheets API v4 the source uses, as an
// httptest server: GET /v4/spreadsheets/{id}/values:batchGet over whole tabs,
// GET /v4/spreadsheets/{id} (spreadsheets.get: each tab's sheetId, title and
// merges, whatever the fields asked), and, for service-account keys, a
// token endpoint at /token. It records what it receives.
type fakeSheets struct {
	URL string

	mu       sync.Mutex
	id       string
	tabs     map[string][][]any         // tab → rows of cells, as Sheets holds them
	merges   map[string]json.RawMessage // tab → its merges, a JSON array of GridRange
	answers  []answer                   // the next requests' answers, before the sheet's
	token    string                     // when set: issued by /token and required on the API
	requests []request
	gets     []getRequest
	tokens   int // token requests
	hung     chan struct{}

	// Closed at the first request of each endpoint.
	valuesAsked, getAsked chan struct{}
	valuesOnce, getOnce   sync.Once
}

// request is what the fake saw of one values:batchGet.
type request struct {
	ID                   string
	Ranges               []string
	ValueRenderOption    string
	DateTimeRenderOption string
	MajorDimension       string
	Authorization        string
}

// getRequest is what the fake saw of one spreadsheets.get.
type getRequest struct {
	ID              string
	Fields          string
	IncludeGridData []string // nil when not asked
	Ranges          []string
	Authorization   string
}

// answer is a canned reply to the next values:batchGet, or with get to the
// next spreadsheets.get: an error status with the API's JSON error, hang
// (no answer until the client gives up), or await (the sheet's answer once
// the other endpoint has been asked too, or none until the client gives
// up: the two requests must be concurrent).
type answer struct {
	get     bool
	status  int
	message string
	hang    bool
	await   bool
}

var statusName = map[int]string{
	400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
	429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
}

func newFake(t testing.TB, id string, tabs map[string][][]any) *fakeSheets {
	t.Helper()
	f := &fakeSheets{
		id: id, tabs: tabs, merges: make(map[string]json.RawMessage), hung: make(chan struct{}),
		valuesAsked: make(chan struct{}), getAsked: make(chan struct{}),
	}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(f.hung) }) // runs first: frees hanging handlers
	f.URL = srv.URL
	return f
}

func (f *fakeSheets) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		f.serveToken(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v4/spreadsheets/")
	id, values := strings.CutSuffix(rest, "/values:batchGet")
	if !ok || (!values && strings.Contains(id, "/")) || r.Method != http.MethodGet {
		http.Error(w, "fake Sheets: no such method "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	f.mu.Lock()
	if values {
		f.requests = append(f.requests, request{
			ID:                   id,
			Ranges:               q["ranges"],
			ValueRenderOption:    q.Get("valueRenderOption"),
			DateTimeRenderOption: q.Get("dateTimeRenderOption"),
			MajorDimension:       q.Get("majorDimension"),
			Authorization:        r.Header.Get("Authorization"),
		})
		f.valuesOnce.Do(func() { close(f.valuesAsked) })
	} else {
		f.gets = append(f.gets, getRequest{
			ID:              id,
			Fields:          q.Get("fields"),
			IncludeGridData: q["includeGridData"],
			Ranges:          q["ranges"],
			Authorization:   r.Header.Get("Authorization"),
		})
		f.getOnce.Do(func() { close(f.getAsked) })
	}
	var a *answer
	if i := slices.IndexFunc(f.answers, func(a answer) bool { return a.get == !values }); i >= 0 {
		a = &answer{}
		*a = f.answers[i]
		f.answers = slices.Delete(f.answers, i, i+1)
	}
	token, sheetID := f.token, f.id
	f.mu.Unlock()

	switch {
	case a != nil && a.await:
		other := f.getAsked
		if !values {
			other = f.valuesAsked
		}
		select {
		case <-other:
		case <-r.Context().Done():
			return
		case <-f.hung:
			return
		}
	case a != nil && a.hang:
		select {
		case <-r.Context().Done():
		case <-f.hung:
		}
		return
	case a != nil:
		apiError(w, a.status, a.message)
		return
	}
	switch {
	case token != "" && r.Header.Get("Authorization") != "Bearer "+token:
		apiError(w, 401, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		return
	case id != sheetID:
		apiError(w, 404, "Requested entity was not found.")
		return
	case q.Get("alt") != "json":
		apiError(w, 400, "alt must be json")
		return
	case !values:
		f.serveGet(w)
		return
	}

	type valueRange struct {
		Range          string  `json:"range"`
		MajorDimension string  `json:"majorDimension"`
		Values         [][]any `json:"values,omitempty"`
	}
	resp := struct {
		SpreadsheetID string       `json:"spreadsheetId"`
		ValueRanges   []valueRange `json:"valueRanges"`
	}{SpreadsheetID: id}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rng := range q["ranges"] {
		// Whole tabs only: the A1 range is the tab's name, quoted or not.
		tab := rng
		if strings.HasPrefix(tab, "'") && strings.HasSuffix(tab, "'") && len(tab) > 1 {
			tab = strings.ReplaceAll(tab[1:len(tab)-1], "''", "'")
		}
		cells, ok := f.tabs[tab]
		if !ok || strings.Contains(rng, "!") {
			apiError(w, 400, "Unable to parse range: "+rng)
			return
		}
		resp.ValueRanges = append(resp.ValueRanges, valueRange{
			Range:          fmt.Sprintf("%s!A1:Z%d", rng, max(1000, len(cells))),
			MajorDimension: "ROWS",
			Values:         trimmed(cells),
		})
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(resp)
}

// serveGet answers a spreadsheets.get: the tabs' sheetId, title and merges.
// (The API would leave out what fields does not ask for; the source asks for
// all of it but sheetId, which it ignores.)
func (f *fakeSheets) serveGet(w http.ResponseWriter) {
	type sheet struct {
		Properties struct {
			SheetID int    `json:"sheetId"`
			Title   string `json:"title"`
		} `json:"properties"`
		Merges json.RawMessage `json:"merges,omitempty"`
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// The required tabs first, as a sheet made from the template has them.
	titles := slices.Sorted(maps.Keys(f.tabs))
	slices.SortStableFunc(titles, func(a, b string) int {
		rank := func(t string) int {
			if i := slices.Index([]string{"rotation", "members", "holidays", "runbooks"}, t); i >= 0 {
				return i
			}
			return 4
		}
		return rank(a) - rank(b)
	})
	resp := struct {
		SpreadsheetID string  `json:"spreadsheetId"`
		Sheets        []sheet `json:"sheets"`
	}{SpreadsheetID: f.id}
	for i, title := range titles {
		var sh sheet
		sh.Properties.SheetID, sh.Properties.Title = i, title
		sh.Merges = f.merges[title]
		resp.Sheets = append(resp.Sheets, sh)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(resp)
}

// trimmed is rows as Sheets sends them: without trailing empty cells and
// rows (blank rows in between stay, as []).
func trimmed(rows [][]any) [][]any {
	empty := func(v any) bool { return v == nil || v == "" }
	out := make([][]any, 0, len(rows))
	for _, row := range rows {
		n := len(row)
		for n > 0 && empty(row[n-1]) {
			n--
		}
		out = append(out, append([]any{}, row[:n]...))
	}
	for len(out) > 0 && len(out[len(out)-1]) == 0 {
		out = out[:len(out)-1]
	}
	return out
}

func (f *fakeSheets) serveToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokens++
	token := f.token
	f.mu.Unlock()
	if r.Method != http.MethodPost || r.FormValue("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.FormValue("assertion") == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_request","error_description":"fake: want a JWT bearer grant"}`)
		return
	}
	if token == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, token)
}

func apiError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": status, "message": message, "status": statusName[status],
	}})
}

// answerNext queues canned answers for the next requests.
func (f *fakeSheets) answerNext(as ...answer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, as...)
}

func (f *fakeSheets) setTab(name string, rows [][]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tabs[name] = rows
}

// setMerges sets the merged ranges of tab: a JSON array of the API's
// GridRange, like [{"sheetId":0,"startRowIndex":1,"endRowIndex":6,
// "startColumnIndex":1,"endColumnIndex":2}].
func (f *fakeSheets) setMerges(tab string, merges string) {
	if !json.Valid([]byte(merges)) {
		panic("fake Sheets: merges of " + tab + " are not JSON: " + merges)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.merges[tab] = json.RawMessage(merges)
}

// takeGets gives the spreadsheets.get requests received since the last
// takeGets.
func (f *fakeSheets) takeGets() []getRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.gets
	f.gets = nil
	return g
}

// take gives the values:batchGet requests received since the last take.
func (f *fakeSheets) take() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// tokenRequests is how many token requests the fake answered.
func (f *fakeSheets) tokenRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens
}

// rangesOf is the ranges of each request.
func rangesOf(rs []request) [][]string {
	var out [][]string
	for _, r := range rs {
		out = append(out, slices.Clone(r.Ranges))
	}
	return out
}

// typed is rows of text as Sheets holds them once typed in: a number is a
// number, TRUE and FALSE are booleans, the rest is text. (Sheets also makes
// dates of text like 2026-11-20; the tests that want that use numbers.)
func typed(rows [][]string) [][]any {
	out := make([][]any, len(rows))
	for i, row := range rows {
		out[i] = make([]any, len(row))
		for j, c := range row {
			var v any = c
			if f, err := strconv.ParseFloat(c, 64); err == nil && strconv.FormatFloat(f, 'f', -1, 64) == c {
				v = f
			} else if c == "TRUE" || c == "FALSE" {
				v = c == "TRUE"
			}
			out[i][j] = v
		}
	}
	return out
}

package chat

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// NoRedirects returns a copy of c (a new http.Client when nil) that does
// not follow redirects: for a poster a redirect is an answer, not a place
// to go. Go would resend a token header or the body to whatever host it
// names, or turn a POST into a GET whose 200 would pass for a post; with
// this client the 3xx comes back and Exchange calls it final.
func NoRedirects(c *http.Client) *http.Client {
	var cc http.Client
	if c != nil {
		cc = *c
	}
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// Exchange sends req with client and classifies the answer the way every
// HTTP poster must: nil for a 2xx; TransportError for no answer; otherwise
// StatusError with the wait retryAfter reads from the answer's headers (nil:
// none) and, as the reason, what the server said (see Reason). It also
// returns the answer's HTTP status (0: no answer), for a poster whose API
// gives one more status a meaning. The answer's body is read up to 4 KiB
// and closed.
func Exchange(client *http.Client, req *http.Request, retryAfter func(http.Header) time.Duration) (int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, TransportError(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	var wait time.Duration
	if retryAfter != nil {
		wait = retryAfter(resp.Header)
	}
	return resp.StatusCode, StatusError(resp.StatusCode, wait, Reason(body, resp.Header))
}

// RetryAfter reads the standard Retry-After header (seconds or an HTTP
// date, relative to now()); it suits Exchange.
func RetryAfter(now func() time.Time) func(http.Header) time.Duration {
	return func(h http.Header) time.Duration { return ParseRetryAfter(h.Get("Retry-After"), now()) }
}

// maxReason bounds the excerpt of a failure answer in an error, in
// characters.
const maxReason = 200

// Reason is what a server said about a failure: an excerpt of its answer's
// body on one line (at most 200 characters, then "…"), or its
// WWW-Authenticate challenge (e.g. invalid_token) when the body is empty;
// nil when it said nothing.
func Reason(body []byte, h http.Header) error {
	text := strings.Join(strings.FieldsFunc(string(body), unicode.IsSpace), " ")
	if text == "" {
		text = h.Get("WWW-Authenticate")
	}
	if text == "" {
		return nil
	}
	if utf8.RuneCountInString(text) > maxReason {
		text = string([]rune(text)[:maxReason]) + "…"
	}
	return errors.New(text)
}

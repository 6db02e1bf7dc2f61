package pagerduty

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/PagerDuty/go-pagerduty/webhookv3"
)

// MaxBodyBytes is the largest body Verify can check: webhookv3 reads at most
// 2 MiB of it. PagerDuty's deliveries are a few KiB; a handler should refuse
// larger bodies before reading them.
const MaxBodyBytes = 2 << 20

// signatureHeader is X-PagerDuty-Signature in canonical form, the key
// webhookv3 finds through http.Header.Get.
const signatureHeader = "X-Pagerduty-Signature"

// Verify checks the X-PagerDuty-Signature header against every secret and
// returns nil if any v1= signature in it is the HMAC-SHA256 of body under any
// secret (several signatures and several secrets allow rotating the secret).
//
// headerValues are all values of the header: an adapter may have kept
// "v1=a,v1=b" as one value or split it on commas; spaces around the commas
// are ignored. body must be the exact bytes PagerDuty sent.
//
// It returns ErrNoSignature (401) when no value holds a v1= signature,
// ErrBadSignature (403) when none matches, and ErrMalformed (400) when the
// body is empty or larger than MaxBodyBytes. Empty secrets are skipped;
// with no secret at all nothing can match (ErrBadSignature).
func Verify(body []byte, headerValues []string, secrets []string) error {
	header, ok := signatures(headerValues)
	if !ok {
		return ErrNoSignature
	}
	if len(body) == 0 {
		return fmt.Errorf("%w: empty body", ErrMalformed)
	}
	if len(body) > MaxBodyBytes {
		return fmt.Errorf("%w: body larger than %d bytes", ErrMalformed, MaxBodyBytes)
	}
	// webhookv3 reads the body and puts a copy back, so one request serves
	// every secret.
	r := &http.Request{
		Header: http.Header{signatureHeader: {header}},
		Body:   io.NopCloser(bytes.NewReader(body)),
	}
	tried := false
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		tried = true
		err := webhookv3.VerifySignature(r, secret)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, webhookv3.ErrNoValidSignatures):
			continue // try the next secret
		case errors.Is(err, webhookv3.ErrMalformedHeader):
			// The header holds v1= entries (checked above) but none is a
			// hex digest: nothing can match, whatever the secret.
			return fmt.Errorf("%w: no v1 signature is a hex digest", ErrBadSignature)
		default:
			return fmt.Errorf("%w: webhookv3: %w", ErrBadSignature, err)
		}
	}
	if !tried {
		return fmt.Errorf("%w: no secret configured", ErrBadSignature)
	}
	return ErrBadSignature
}

// signatures joins the header values into the one comma-separated value
// webhookv3 parses, without the spaces that would hide a signature from it,
// and reports whether any entry is a v1= signature. Entries of other
// versions are dropped. A single clean value is returned as is.
func signatures(values []string) (string, bool) {
	if len(values) == 1 && !strings.ContainsAny(values[0], " \t") {
		v := values[0]
		for part := range strings.SplitSeq(v, ",") {
			if strings.HasPrefix(part, "v1=") {
				return v, true
			}
		}
		return "", false
	}
	var b strings.Builder
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if !strings.HasPrefix(part, "v1=") {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(part)
		}
	}
	return b.String(), b.Len() > 0
}

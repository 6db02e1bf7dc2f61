package pagerduty

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// sign is what PagerDuty puts in X-PagerDuty-Signature for one secret.
func sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

func TestVerify(t *testing.T) {
	body := fixture(t, "v3/incident.triggered.json")
	const (
		secret = "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK"
		old    = "old-secret-still-configured-during-rotation"
		other  = "someone-elses-secret"
	)
	good := sign(body, secret)
	forged := sign(body, other)
	tampered := sign(append([]byte(nil), body[:len(body)-2]...), secret)

	tests := []struct {
		name    string
		values  []string
		secrets []string
		body    []byte
		want    error
	}{
		{"valid", []string{good}, []string{secret}, body, nil},
		{"second of two in one value", []string{forged + "," + good}, []string{secret}, body, nil},
		{"second of two after comma and space", []string{forged + ", " + good}, []string{secret}, body, nil},
		{"second of two after comma and spaces", []string{forged + " ,  " + good + " "}, []string{secret}, body, nil},
		{"second of two split into values", []string{forged, good}, []string{secret}, body, nil},
		{"second of two split, with a space left", []string{forged, " " + good}, []string{secret}, body, nil},
		{"first of two", []string{good + ", " + forged}, []string{secret}, body, nil},
		{"unknown versions ignored", []string{"v2=abc, " + good + ",v0=zz"}, []string{secret}, body, nil},
		{"rotated: second secret matches", []string{good}, []string{old, secret}, body, nil},
		{"rotated: signed with both", []string{sign(body, old) + "," + good}, []string{secret}, body, nil},
		{"empty secret skipped", []string{good}, []string{"", secret}, body, nil},
		{"uppercase hex", []string{"v1=" + strings.ToUpper(strings.TrimPrefix(good, "v1="))}, []string{secret}, body, nil},

		{"missing header", nil, []string{secret}, body, ErrNoSignature},
		{"empty value", []string{""}, []string{secret}, body, ErrNoSignature},
		{"spaces only", []string{" , "}, []string{secret}, body, ErrNoSignature},
		{"no v1 entry", []string{"v2=" + strings.TrimPrefix(good, "v1=")}, []string{secret}, body, ErrNoSignature},
		{"bare digest", []string{strings.TrimPrefix(good, "v1=")}, []string{secret}, body, ErrNoSignature},
		{"v1 not a prefix", []string{"xv1=" + strings.TrimPrefix(good, "v1=")}, []string{secret}, body, ErrNoSignature},

		{"forged", []string{forged}, []string{secret}, body, ErrBadSignature},
		{"forged twice", []string{forged, forged}, []string{secret, old}, body, ErrBadSignature},
		{"body tampered", []string{tampered}, []string{secret}, body, ErrBadSignature},
		{"signature of another body", []string{good}, []string{secret}, []byte(`{"event":{}}`), ErrBadSignature},
		{"non-hex", []string{"v1=zz" + strings.TrimPrefix(good, "v1=zz")[2:]}, []string{secret}, body, ErrBadSignature},
		{"non-hex text", []string{"v1=<!channel>"}, []string{secret}, body, ErrBadSignature},
		{"empty v1", []string{"v1="}, []string{secret}, body, ErrBadSignature},
		{"truncated digest", []string{good[:len(good)-2]}, []string{secret}, body, ErrBadSignature},
		{"no secrets", []string{good}, nil, body, ErrBadSignature},
		{"only empty secrets", []string{good}, []string{""}, body, ErrBadSignature},
		{"empty secret does not verify HMAC under empty key", []string{sign(body, "")}, []string{""}, body, ErrBadSignature},

		{"empty body", []string{sign(nil, secret)}, []string{secret}, nil, ErrMalformed},
		{"body too large", []string{good}, []string{secret}, make([]byte, MaxBodyBytes+1), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.body, tt.values, tt.secrets)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			for _, other := range []error{ErrNoSignature, ErrBadSignature, ErrMalformed} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("Verify = %v, is also %v", err, other)
				}
			}
			for _, s := range tt.secrets {
				if s != "" && strings.Contains(err.Error(), s) {
					t.Errorf("error %q shows a secret", err)
				}
			}
		})
	}
}

// A body of exactly MaxBodyBytes is still verified in full.
func TestVerifyLargestBody(t *testing.T) {
	body := []byte(strings.Repeat("x", MaxBodyBytes))
	if err := Verify(body, []string{sign(body, "s")}, []string{"s"}); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	body[len(body)-1] = 'y'
	if err := Verify(body, []string{sign(body[:len(body)-1], "s")}, []string{"s"}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify = %v, want ErrBadSignature", err)
	}
}

func TestVerifyLeavesInputsAlone(t *testing.T) {
	body := fixture(t, "v3/incident.acknowledged.json")
	orig := string(body)
	values := []string{"v1=00, " + sign(body, "s")}
	origValues := values[0]
	if err := Verify(body, values, []string{"s"}); err != nil {
		t.Fatal(err)
	}
	if string(body) != orig || values[0] != origValues {
		t.Error("Verify changed its inputs")
	}
}

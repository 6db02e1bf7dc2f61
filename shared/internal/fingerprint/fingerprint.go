// Package fingerprint names an alert by what it is about, not by the values
// it happens to carry: "Disk 91% full on web-01 (i-0abc123def4567890)" and
// "Disk 97% full on web-03 (i-0fed987cba6543210)" are one alert, fired twice.
// The state store counts firings by fingerprint ("first time this alert has
// fired", "seen 14 times before").
//
// Normalize folds a title and replaces what varies between firings with
// placeholders; Of hashes it with the service id. The rules, tried at the
// start of each word (a word is a run of ASCII letters and digits after
// folding; anything else, Japanese text included, separates words, so a
// value is never replaced in the middle of a word):
//
//	folding        letters lower-cased; full-width ASCII (ＡＢＣ１２３％) made
//	               ASCII; runs of spaces, tabs, line breaks and control
//	               characters become one space, trimmed; invisible format
//	               characters (zero-width, bidi controls) dropped; invalid
//	               UTF-8 becomes U+FFFD
//	<uuid>         550e8400-e29b-41d4-a716-446655440000
//	<mac>          00:1a:2b:3c:4d:5e, 00-1a-2b-3c-4d-5e
//	<ip>           IPv4 (10.0.0.12, with an optional :port or /prefix),
//	               IPv6 (2001:db8::1, fe80::1, ::1), [IPv6]:port
//	<time>         dates and times: 2026-11-20, 2026/11/20, 2026-11-20T10:30:00Z,
//	               2026-11-20 10:30:00.123+09:00, 20261120T103000Z, 10:30,
//	               10:30:00
//	<id>           hex ids: 0x1f…, and runs of 6 or more hex digits with at
//	               least one digit and one letter (a1b2c3d, 7f9c8d6b5);
//	               generated Kubernetes name suffixes: after a hyphen, 5 to 10
//	               characters of the alphabet Kubernetes generates from
//	               (consonants and 2, 4–9) with a digit (checkout-7d4b9-x2x4z)
//	v#             versions: v1.2, v1.2.3 (but v1 stays: /v1/orders)
//	#              numbers: 42, 3.14, 1,234,567, 1.2.3, with a unit glued on
//	               dropped (812ms, 1.2s, 10k, 3x all become #; "5%" becomes
//	               "#%": the sign is kept, it is not glued to the number);
//	               the trailing digits of a host-name label (web01.prod →
//	               web#.prod; web-01.prod is web-#.prod by the number rule)
//
// What is deliberately kept: words that mix letters and digits and are not
// hex (5xx, 4xx, p99, http2, ipv6, ec2, amd64), so "5xx rate" and "4xx rate"
// stay two alerts, as do "p50 latency" and "p99 latency"; punctuation; the
// separators around values ("web-#" and "web#" differ). A number glued to
// letters that are not a unit (5xx, 2nd) is a word, not a number.
//
// Changing these rules changes fingerprints: every alert is "the first time"
// once more after such a change. Keep them stable.
package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Of is the fingerprint of an alert: the hex SHA-256 (64 characters) of the
// service id and the normalised title, so that the same title on two
// services is two alerts. It is short and safe as a DynamoDB key.
func Of(serviceID, title string) string {
	var stack [256]byte
	b := append(stack[:0], serviceID...)
	b = append(b, 0)
	b = append(b, Normalize(title)...)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Normalize is title folded and with its varying values replaced by
// placeholders (see the package documentation): the same alert with other
// numbers, ids, hosts or times normalises to the same text.
func Normalize(title string) string {
	var stack [256]byte
	s := fold(stack[:0], title)
	var out strings.Builder
	out.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isWord(c):
			if j, ph := value(s, i); j > i {
				out.WriteString(ph)
				i = j
				continue
			}
			j := i
			for j < len(s) && isWord(s[j]) {
				j++
			}
			if letters, ok := hostLabel(s, i, j); ok {
				out.Write(s[i:letters])
				out.WriteByte('#')
				i = j
				continue
			}
			out.Write(s[i:j])
			i = j
		case c == '[':
			if j := bracketIP(s, i); j > i {
				out.WriteString("<ip>")
				i = j
				continue
			}
			out.WriteByte(c)
			i++
		case c == ':' && (i == 0 || !isWord(s[i-1])):
			if j := ipv6(s, i); j > i { // ::1
				out.WriteString("<ip>")
				i = j
				continue
			}
			out.WriteByte(c)
			i++
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.String()
}

// fold appends title to dst folded: lower case, full-width ASCII made
// ASCII, spaces collapsed and trimmed, controls as spaces, zero-width
// characters dropped.
func fold(dst []byte, title string) []byte {
	space := false // a space is pending
	for _, r := range title {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
		case 0xff01 <= r && r <= 0xff5e: // full-width ASCII
			r -= 0xfee0
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
		case unicode.Is(unicode.Cf, r): // zero-width, bidi controls, soft hyphen
			continue
		default:
			r = unicode.ToLower(r)
		}
		if r <= ' ' || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && len(dst) > 0 {
			dst = append(dst, ' ')
		}
		space = false
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

func isWord(c byte) bool  { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isHex(c byte) bool   { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// ends reports whether a word ends at j: nothing or a non-word byte follows.
func ends(s []byte, j int) bool { return j >= len(s) || !isWord(s[j]) }

// value matches a value at the word starting at i and gives its end and
// placeholder; j == i when none matches.
func value(s []byte, i int) (j int, placeholder string) {
	if j := uuid(s, i); j > i {
		return j, "<uuid>"
	}
	if j := mac(s, i); j > i {
		return j, "<mac>"
	}
	if j := ipv4(s, i); j > i {
		return j, "<ip>"
	}
	if j := dateTime(s, i); j > i {
		return j, "<time>"
	}
	if j := clock(s, i, false); j > i {
		return j, "<time>"
	}
	if j := ipv6(s, i); j > i {
		return j, "<ip>"
	}
	if j := hexID(s, i); j > i {
		return j, "<id>"
	}
	if j := generated(s, i); j > i {
		return j, "<id>"
	}
	if j := version(s, i); j > i {
		return j, "v#"
	}
	if j := number(s, i); j > i {
		return j, "#"
	}
	return i, ""
}

// digits is the end of the run of at most max digits at i.
func digits(s []byte, i, max int) int {
	j := i
	for j < len(s) && j-i < max && isDigit(s[j]) {
		j++
	}
	return j
}

// atoi is the value of the digits s[i:j].
func atoi(s []byte, i, j int) int {
	n := 0
	for ; i < j; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// hexRun reports whether s[i:i+n] is n hex digits.
func hexRun(s []byte, i, n int) bool {
	if i+n > len(s) {
		return false
	}
	for k := i; k < i+n; k++ {
		if !isHex(s[k]) {
			return false
		}
	}
	return true
}

func uuid(s []byte, i int) int {
	j := i
	for g, n := range [5]int{8, 4, 4, 4, 12} {
		if g > 0 {
			if j >= len(s) || s[j] != '-' {
				return i
			}
			j++
		}
		if !hexRun(s, j, n) {
			return i
		}
		j += n
	}
	if !ends(s, j) {
		return i
	}
	return j
}

func mac(s []byte, i int) int {
	if i+17 > len(s) {
		return i
	}
	sep := s[i+2]
	if sep != ':' && sep != '-' {
		return i
	}
	j := i
	for g := range 6 {
		if g > 0 {
			if s[j] != sep {
				return i
			}
			j++
		}
		if !hexRun(s, j, 2) {
			return i
		}
		j += 2
	}
	if !ends(s, j) || j < len(s) && s[j] == sep && j+1 < len(s) && isHex(s[j+1]) {
		return i
	}
	return j
}

func ipv4(s []byte, i int) int {
	j := i
	for o := range 4 {
		if o > 0 {
			if j >= len(s) || s[j] != '.' {
				return i
			}
			j++
		}
		k := digits(s, j, 3)
		if k == j || atoi(s, j, k) > 255 || k < len(s) && isDigit(s[k]) {
			return i
		}
		j = k
	}
	if !ends(s, j) || j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		return i // a word, or a longer dotted number (1.2.3.4.5)
	}
	return port(s, j)
}

// port is the end of an optional ":port" or "/prefix" at j.
func port(s []byte, j int) int {
	if j+1 < len(s) && (s[j] == ':' || s[j] == '/') {
		if k := digits(s, j+1, 5); k > j+1 && ends(s, k) {
			return k
		}
	}
	return j
}

// ipv6 matches an IPv6 address at i (a word start, or "::" after a
// non-word byte).
func ipv6(s []byte, i int) int {
	j, colons, digit := i, 0, false
	for j < len(s) && (isHex(s[j]) || s[j] == ':' || s[j] == '.') {
		switch {
		case s[j] == ':':
			colons++
		case isDigit(s[j]):
			digit = true
		}
		j++
	}
	if colons < 2 || !digit || !ends(s, j) {
		return i
	}
	for end := j; end > i; {
		if a, err := netip.ParseAddr(string(s[i:end])); err == nil && a.Is6() {
			return end
		}
		// "fe80::1:" or "2001:db8::1." at the end of a sentence.
		switch {
		case s[end-1] == '.':
			end--
		case s[end-1] == ':' && (end-2 < i || s[end-2] != ':'):
			end--
		default:
			return i
		}
	}
	return i
}

// bracketIP matches "[IPv6]" and "[IPv6]:port" at the '[' at i.
func bracketIP(s []byte, i int) int {
	k := i + 1
	for k < len(s) && k-i <= 46 && s[k] != ']' {
		k++
	}
	if k >= len(s) || s[k] != ']' || k == i+1 || !addressy(s[i+1:k]) {
		return i
	}
	a, err := netip.ParseAddr(string(s[i+1 : k]))
	if err != nil || !a.Is6() {
		return i
	}
	j := k + 1
	if j+1 < len(s) && s[j] == ':' {
		if p := digits(s, j+1, 5); p > j+1 && ends(s, p) {
			return p
		}
	}
	return j
}

// addressy reports whether b may be an IPv6 address: hex digits, colons
// (at least two) and dots.
func addressy(b []byte) bool {
	colons := 0
	for _, c := range b {
		switch {
		case c == ':':
			colons++
		case !isHex(c) && c != '.':
			return false
		}
	}
	return colons >= 2
}

// dateTime matches a date (2026-11-20, 2026/11/20) with an optional time
// after 't', ' ' or '_', or a compact ISO 8601 instant (20261120t103000z).
func dateTime(s []byte, i int) int {
	if j := digits(s, i, 8); j == i+8 && j < len(s) && s[j] == 't' {
		if k := digits(s, j+1, 6); k == j+7 || k == j+5 {
			if k < len(s) && s[k] == 'z' {
				k++
			}
			if ends(s, k) {
				return k
			}
		}
	}
	j := digits(s, i, 4)
	if j != i+4 || j >= len(s) || s[j] != '-' && s[j] != '/' {
		return i
	}
	sep := s[j]
	m := digits(s, j+1, 2)
	if m == j+1 || m >= len(s) || s[m] != sep || atoi(s, j+1, m) < 1 || atoi(s, j+1, m) > 12 {
		return i
	}
	d := digits(s, m+1, 2)
	if d == m+1 || atoi(s, m+1, d) < 1 || atoi(s, m+1, d) > 31 {
		return i
	}
	j = d
	if j+1 < len(s) && (s[j] == 't' || s[j] == ' ' || s[j] == '_') {
		if k := clock(s, j+1, true); k > j+1 {
			j = k
		}
	}
	if !ends(s, j) || j+1 < len(s) && (s[j] == sep || s[j] == '.') && isDigit(s[j+1]) {
		return i
	}
	return j
}

// clock matches a time of day: 10:30, 10:30:00, 10:30:00.123, with a zone
// (z, +09:00, -0500) after seconds or a date (dated).
func clock(s []byte, i int, dated bool) int {
	h := digits(s, i, 2)
	if h == i || h >= len(s) || s[h] != ':' || atoi(s, i, h) > 24 {
		return i
	}
	m := digits(s, h+1, 2)
	if m != h+3 || atoi(s, h+1, m) > 59 {
		return i
	}
	j := m
	seconds := false
	if j+2 < len(s) && s[j] == ':' {
		if k := digits(s, j+1, 2); k == j+3 && atoi(s, j+1, k) <= 60 {
			j, seconds = k, true
			if j+1 < len(s) && (s[j] == '.' || s[j] == ',') {
				if k := digits(s, j+1, 9); k > j+1 {
					j = k
				}
			}
		}
	}
	switch {
	case j < len(s) && s[j] == 'z':
		j++
	case (seconds || dated) && j+2 < len(s) && (s[j] == '+' || s[j] == '-'):
		if k := digits(s, j+1, 2); k == j+3 {
			switch {
			case k+2 < len(s) && s[k] == ':' && digits(s, k+1, 2) == k+3:
				j = k + 3
			case digits(s, k, 2) == k+2:
				j = k + 2
			default:
				j = k
			}
		}
	}
	if !ends(s, j) || j < len(s) && s[j] == ':' && j+1 < len(s) && isHex(s[j+1]) {
		return i // a word, or more colon groups (an IPv6 address, a MAC)
	}
	return j
}

// hexID matches 0x… or a word of 6 or more hex digits with a digit and a
// letter.
func hexID(s []byte, i int) int {
	if i+2 < len(s) && s[i] == '0' && s[i+1] == 'x' && isHex(s[i+2]) {
		j := i + 2
		for j < len(s) && isHex(s[j]) {
			j++
		}
		if ends(s, j) {
			return j
		}
		return i
	}
	j, digit, letter := i, false, false
	for j < len(s) && isHex(s[j]) {
		if isDigit(s[j]) {
			digit = true
		} else {
			letter = true
		}
		j++
	}
	if j-i < 6 || !digit || !letter || !ends(s, j) {
		return i
	}
	return j
}

// generated matches the suffix Kubernetes generates for a name (a pod's
// "x2x4z", a ReplicaSet's "5c9b7d4kfz"): right after a hyphen inside a
// name, 5 to 10 characters of its alphabet with a digit and a letter.
func generated(s []byte, i int) int {
	if i < 2 || s[i-1] != '-' || !isWord(s[i-2]) {
		return i
	}
	j, digit, letter := i, false, false
	for j < len(s) && isWord(s[j]) {
		if !strings.ContainsRune("bcdfghjklmnpqrstvwxz2456789", rune(s[j])) {
			return i
		}
		if isDigit(s[j]) {
			digit = true
		} else {
			letter = true
		}
		j++
	}
	if j-i < 5 || j-i > 10 || !digit || !letter {
		return i
	}
	return j
}

// version matches v1.2 and v1.2.3 (not v1).
func version(s []byte, i int) int {
	if s[i] != 'v' {
		return i
	}
	j := digits(s, i+1, 10)
	if j == i+1 {
		return i
	}
	parts := 0
	for j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		j = digits(s, j+1, 10)
		parts++
	}
	if parts == 0 || !ends(s, j) {
		return i
	}
	return j
}

// units may be glued to a number and go with it: 812ms, 1.2s, 10k, 3x.
var units = map[string]bool{
	"ns": true, "us": true, "ms": true, "s": true, "sec": true, "secs": true,
	"m": true, "min": true, "mins": true, "h": true, "hr": true, "hrs": true, "d": true, "w": true,
	"b": true, "k": true, "kb": true, "mb": true, "gb": true, "tb": true, "pb": true,
	"ki": true, "mi": true, "gi": true, "ti": true, "kib": true, "mib": true, "gib": true, "tib": true,
	"bps": true, "kbps": true, "mbps": true, "gbps": true, "rps": true, "qps": true, "rpm": true,
	"hz": true, "khz": true, "mhz": true, "ghz": true, "x": true,
}

// number matches 42, 3.14, 1.2.3, 1,234,567, with an optional unit glued
// on. When the dotted number runs into a word (1.5abc), the longest prefix
// that ends at a word's end is the number (1).
func number(s []byte, i int) int {
	j := digits(s, i, len(s))
	if j == i {
		return i
	}
	for j+3 < len(s) && s[j] == ',' && digits(s, j+1, 4) == j+4 {
		j += 4 // thousands: 1,234 (but not 1,2,3 nor 1,2345)
	}
	var ends [8]int // where the number may end: after each dotted part
	n := 0
	ends[n], n = j, n+1
	for n < len(ends) && j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		j = digits(s, j+1, len(s))
		ends[n], n = j, n+1
	}
	for n > 0 {
		n--
		if k, ok := unit(s, ends[n]); ok {
			return k
		}
	}
	return i
}

// unit reports whether a number may end at j: at a word's end, or with a
// unit glued on (then k is the unit's end). 5xx, 2nd and 1e10 are words.
func unit(s []byte, j int) (k int, ok bool) {
	k = j
	for k < len(s) && isLower(s[k]) {
		k++
	}
	if k > j && !units[string(s[j:k])] {
		return j, false
	}
	return k, k >= len(s) || !isWord(s[k])
}

// hostLabel reports whether the word s[i:j] is a host-name label ending in
// digits, such as web01 in web01.prod: letters, then digits, then a dot and
// a letter. letters is the end of its letters.
func hostLabel(s []byte, i, j int) (letters int, ok bool) {
	k := i
	for k < j && isLower(s[k]) {
		k++
	}
	if k == i || k == j {
		return 0, false
	}
	for d := k; d < j; d++ {
		if !isDigit(s[d]) {
			return 0, false
		}
	}
	if j+1 >= len(s) || s[j] != '.' || !isLower(s[j+1]) {
		return 0, false
	}
	return k, true
}

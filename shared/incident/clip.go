package incident

import "unicode/utf8"

// Clip bounds a text of an event (a title, a note, an alert's detail) to
// its first n bytes, cut on a character boundary and marked with "…";
// shorter texts are returned as they are. The chats show only the start
// of a long text anyway, and a delivery, a queue message and a stored
// item each have a size limit.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

package fingerprint

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"Disk full", "disk full"},
		{"  Disk \t FULL\r\n on  db ", "disk full on db"},
		{"Ｄｉｓｋ　ＦＵＬＬ　９０％", "disk full #%"},
		{"zero\u200bwidth \u202eevil\u202c", "zerowidth evil"},
		{"bad \xff utf-8", "bad \ufffd utf-#"}, // the number rule: utf-8 and utf-16 are one

		// Numbers.
		{"CPU 95% on host", "cpu #% on host"},
		{"Load 3.14 above 2", "load # above #"},
		{"1,234,567 errors", "# errors"},
		{"list 1,2,3", "list #,#,#"},
		{"latency 812ms, then 1.2s", "latency #, then #"},
		{"10k requests, 3x normal", "# requests, # normal"},
		{"temperature -5", "temperature -#"},
		{"incident #1234", "incident ##"},
		{"error_code_500", "error_code_#"},
		{"epoch 1763600000", "epoch #"},
		{"ratio 1.5x", "ratio #"},
		{"3.14abc", "#.14abc"}, // the longest dotted number before a word
		{"1,2345", "#,#"},
		{"ディスク使用率が90%を超えました", "ディスク使用率が#%を超えました"},

		// Kept: words mixing letters and digits.
		{"5xx rate above 5% on POST /v1/orders", "5xx rate above #% on post /v1/orders"},
		{"p99 latency of http2 on ec2 amd64", "p99 latency of http2 on ec2 amd64"},
		{"2nd attempt, 1e10", "2nd attempt, 1e10"},
		{"deadbeef facade", "deadbeef facade"},

		// Versions.
		{"agent v1.2.3 crashed", "agent v# crashed"},
		{"agent 1.2.3 crashed", "agent # crashed"},

		// Hex ids, UUIDs, Kubernetes names.
		{"instance i-0abc123def4567890 down", "instance i-<id> down"},
		{"commit a1b2c3d failed", "commit <id> failed"},
		{"exit 0x80070005", "exit <id>"},
		{"request 550E8400-E29B-41D4-A716-446655440000 failed", "request <uuid> failed"},
		{"pod checkout-7f9c8d6b5-x2x4z crash looping", "pod checkout-<id>-<id> crash looping"},
		{"pod checkout-5c9b7d4kfz-qq7wn crash looping", "pod checkout-<id>-<id> crash looping"},
		{"grpc-https endpoint", "grpc-https endpoint"}, // no digit: a word

		// Addresses.
		{"ping 10.0.0.12 failed", "ping <ip> failed"},
		{"connect 192.168.1.20:5432 refused.", "connect <ip> refused."},
		{"route 10.0.0.0/8", "route <ip>"},
		{"1.2.3.4.5 is no address", "# is no address"},
		{"256.1.1.1", "#"},
		{"ipv6 2001:db8::8a2e:370:7334 down", "ipv6 <ip> down"},
		{"fe80::1: link local", "<ip>: link local"},
		{"listening on ::1", "listening on <ip>"},
		{"connect [2001:db8::1]:8443 refused", "connect <ip> refused"},
		{"nic 00:1A:2B:3C:4D:5E flapping", "nic <mac> flapping"},
		{"std::vector", "std::vector"},

		// Hosts.
		{"web-01.prod down", "web-#.prod down"},
		{"web01.prod down", "web#.prod down"},
		{"ip-10-0-1-23.ap-northeast-1.compute.internal", "ip-#-#-#-#.ap-northeast-#.compute.internal"},

		// Times.
		{"backup 2026-11-20 failed", "backup <time> failed"},
		{"backup 2026/11/20 failed", "backup <time> failed"},
		{"at 2026-11-20T10:30:00Z", "at <time>"},
		{"at 2026-11-20T10:30:00.123+09:00 ok", "at <time> ok"},
		{"at 2026-11-20 10:30:00 JST", "at <time> jst"},
		{"at 20261120T103000Z", "at <time>"},
		{"cron 10:30 missed", "cron <time> missed"},
		{"cron 10:30:59 missed", "cron <time> missed"},
		{"10:30-11:30 window", "<time>-<time> window"},
		{"2026-13-45 is no date", "#-#-# is no date"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestSameAlert: the same alert, fired with other values, has one
// fingerprint.
func TestSameAlert(t *testing.T) {
	tests := []struct {
		desc   string
		titles []string
	}{
		{"numbers", []string{
			"Disk usage 91% on /var",
			"Disk usage 97.5% on /var",
			"disk usage 100% on /var",
		}},
		{"hosts and instance ids", []string{
			"CPU high on web-01.prod (i-0abc123def4567890)",
			"CPU high on web-12.prod (i-0fed987cba6543210)",
			"CPU HIGH on web-3.prod (i-00000000aaaa1111f)",
		}},
		{"host names with digits", []string{
			"Service down on web01.example.com",
			"Service down on web02.example.com",
		}},
		{"IP addresses", []string{
			"Connection refused to 10.0.3.7:5432",
			"Connection refused to 192.168.100.200:6432",
			"Connection refused to [2001:db8::17]:5432",
		}},
		{"UUIDs and timestamps", []string{
			"Job 550e8400-e29b-41d4-a716-446655440000 failed at 2026-11-20T01:00:00Z",
			"Job 6ba7b810-9dad-11d1-80b4-00c04fd430c8 failed at 2026-11-21T01:00:03+09:00",
		}},
		{"pods", []string{
			"KubePodCrashLooping: checkout-7f9c8d6b5-x2x4z restarted 5 times",
			"KubePodCrashLooping: checkout-5c9b7d4kfz-qq7wn restarted 12 times",
		}},
		{"latencies with units", []string{
			"p99 latency 812ms above 500ms",
			"p99 latency 1.2s above 500ms",
		}},
		{"spacing and case", []string{
			"Replication lag > 30s on orders-db",
			"replication  LAG > 45s on orders-db ",
		}},
		{"PagerDuty's incident number in the title", []string{
			"[#1236] orders-db: replication lag > 30s",
			"[#1301] orders-db: replication lag > 42s",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			want := Of("PSVC123", tt.titles[0])
			for _, title := range tt.titles[1:] {
				if got := Of("PSVC123", title); got != want {
					t.Errorf("%q and %q have different fingerprints:\n%q\n%q", tt.titles[0], title, Normalize(tt.titles[0]), Normalize(title))
				}
			}
		})
	}
}

// TestDifferentAlerts: alerts that differ in what they are about have
// different fingerprints.
func TestDifferentAlerts(t *testing.T) {
	tests := []struct {
		desc                       string
		svc1, title1, svc2, title2 string
	}{
		{"endpoint", "S1", "5xx rate above 5% on POST /v1/orders", "S1", "5xx rate above 5% on POST /v1/payments"},
		{"status class", "S1", "5xx rate above 5%", "S1", "4xx rate above 5%"},
		{"percentile", "S1", "p50 latency above 500ms", "S1", "p99 latency above 500ms"},
		{"API version", "S1", "errors on /v1/orders", "S1", "errors on /v2/orders"},
		{"host role", "S1", "CPU high on web-01", "S1", "CPU high on db-01"},
		{"metric", "S1", "Disk full on db-01", "S1", "Memory full on db-01"},
		{"service", "S1", "Disk full", "S2", "Disk full"},
		{"percent or count", "S1", "errors above 5%", "S1", "errors above 5"},
		{"separator in the id", "", "a\x00b", "a", "b"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if Of(tt.svc1, tt.title1) == Of(tt.svc2, tt.title2) {
				t.Errorf("%s %q and %s %q have one fingerprint (%q)", tt.svc1, tt.title1, tt.svc2, tt.title2, Normalize(tt.title1))
			}
		})
	}
}

func TestOf(t *testing.T) {
	fp := Of("PSVC123", "Disk full")
	if len(fp) != 64 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Errorf("Of = %q, want 64 lower-case hex digits", fp)
	}
	// Fingerprints are stored: they must not change by accident. This is
	// sha256("PSVC123\x00disk full"), as `printf 'PSVC123\0disk full' | sha256sum` gives.
	if want := "a524857c630cf9d054aa110486d79e41b4c1051679ad9510397b1e311e4f7faa"; fp != want {
		t.Errorf("Of(PSVC123, Disk full) = %s, want %s", fp, want)
	}
}

func BenchmarkNormalize(b *testing.B) {
	titles := []struct{ name, title string }{
		{"short", "[#1236] orders-db: replication lag > 30s"},
		{"values", "CPU 97.5% on web-12.prod (i-0fed987cba6543210) at 2026-11-20T10:30:00Z from 10.0.3.7:5432"},
		{"pod", "KubePodCrashLooping: checkout-7f9c8d6b5-x2x4z restarted 12 times"},
	}
	for _, tt := range titles {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tt.title)))
			for b.Loop() {
				Normalize(tt.title)
			}
		})
	}
	b.Run("Of", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Of("PSVC123", titles[1].title)
		}
	})
}

// FuzzNormalize: Normalize never panics and gives valid UTF-8 without
// leading, trailing or double spaces. (It is not idempotent on arbitrary
// text: a placeholder is a word boundary where the value it replaced was
// not, as in "a00::0x00".)
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"CPU 97.5% on web-12.prod (i-0fed987cba6543210) at 2026-11-20T10:30:00Z from 10.0.3.7:5432",
		"[2001:db8::1]:8443 ::1 fe80::1: 00:1a:2b:3c:4d:5e 550e8400-e29b-41d4-a716-446655440000",
		"20261120T103000Z 10:30:00.123+09:00 2026/11/20_10:30 v1.2.3 0x1f 1,234.5ms",
		"checkout-7f9c8d6b5-x2x4z web01.prod [ :: : [] [:] 9999-99-99 1:2:3",
		"Ｄｉｓｋ　９０％ \xff\u202e",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		n := Normalize(title)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", title, n)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q: spaces not collapsed", title, n)
		}
	})
}

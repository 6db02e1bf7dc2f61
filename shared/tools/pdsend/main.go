// Command pdsend signs PagerDuty delivery fixtures the way PagerDuty does
// (X-PagerDuty-Signature: v1=HMAC-SHA256 of the body) and POSTs them to a
// running pd2chat, printing each answer. It is a development aid behind
// `make send`. It is registered as a tool in go.mod, so `go tool pdsend`
// runs it from anywhere in the module; it is not part of any Lambda.
//
//	pdsend [-url URL] [-secret S] [-token T] FILE...
//
// V2 fixtures (a "messages" array) are sent with ?token=T instead of a
// signature.
package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

func main() {
	target := flag.String("url", "http://localhost:8080/pagerduty", "where pd2chat listens")
	secret := flag.String("secret", os.Getenv("PAGERDUTY_WEBHOOK_SECRETS"), "V3 signing secret (default $PAGERDUTY_WEBHOOK_SECRETS)")
	token := flag.String("token", os.Getenv("PAGERDUTY_V2_TOKEN"), "V2 URL token (default $PAGERDUTY_V2_TOKEN)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: pdsend [-url URL] [-secret S] [-token T] FILE...")
		os.Exit(2)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	failed := false
	for _, file := range flag.Args() {
		if err := send(client, *target, *secret, *token, file); err != nil {
			fmt.Fprintf(os.Stderr, "pdsend: %s: %v\n", file, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func send(client *http.Client, target, secret, token, file string) error {
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("bad -url: %w", err)
	}
	req, err := http.NewRequest(http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "PagerDuty-Webhook/V3.0 (pd2chat pdsend)")
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil && top["messages"] != nil {
		q := u.Query()
		q.Set("token", token)
		u.RawQuery = q.Encode()
		req.URL = u
	} else if secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		req.Header.Set("X-PagerDuty-Signature", "v1="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	fmt.Printf("%s → %s %s", file, resp.Status, answer)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

// Package csvfile is the local rotation source (ROTATION_SOURCE=csv:DIR):
// the sheet's tabs saved as CSV files, DIR/rotation.csv, DIR/members.csv and
// the optional DIR/holidays.csv and DIR/runbooks.csv, parsed by
// rotation.ParseTabs exactly as the Google Sheet is.
//
// The files are read again on every Roster call (they are small, and an edit
// shows at once); when none has changed since the last call, the roster
// built then is returned without parsing again.
//
// Errors and problems are kept apart. Roster fails only when a file cannot be
// read or is not CSV. Problems in rows (a bad date, a date on two rows, a
// duplicated member…) do not fail it: the roster of the good rows is
// returned, each problem is logged once as a warning when the files change,
// and Problems gives them to whoever wants to show them. A problem names the
// tab and cell as in the sheet; the row is the line of the CSV file
// (`rotation!A17` is line 17 of rotation.csv, column A its first field).
package csvfile

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// File names in DIR, one per tab. HolidaysFile and RunbooksFile are
// optional.
const (
	RotationFile = rotation.RotationTab + ".csv"
	MembersFile  = rotation.MembersTab + ".csv"
	HolidaysFile = rotation.HolidaysTab + ".csv"
	RunbooksFile = rotation.RunbooksTab + ".csv"
)

// files are the tabs' files, in the order of contents: the required ones
// first.
var files = [...]struct {
	tab      string
	optional bool
}{
	{rotation.RotationTab, false},
	{rotation.MembersTab, false},
	{rotation.HolidaysTab, true},
	{rotation.RunbooksTab, true},
}

// contents is the contents of the files, in the order of files; nil for a
// missing optional file.
type contents [len(files)][]byte

// Source reads the rotation from CSV files in one directory. It is safe for
// concurrent use.
type Source struct {
	// Logger receives one warning per row problem each time the files
	// change. Nil means slog.Default(). Set it before the first Roster call.
	Logger *slog.Logger
	// Now is the clock that dates the read: a date written without its
	// year takes the year nearest to today. Nil means time.Now.
	Now func() time.Time
	// RotationTab is the tab read as the rotation, DIR/RotationTab.csv (a
	// route's own, ROUTES rotation=TAB); "" means rotation.csv.
	RotationTab string

	dir string

	mu       sync.Mutex
	raw      contents      // the files the cached roster was built from
	today    rotation.Date // the day it was built
	roster   *rotation.Roster
	problems []error
}

// New is the source of DIR/rotation.csv, DIR/members.csv,
// DIR/holidays.csv and DIR/runbooks.csv. Nothing is read until Roster is
// called.
func New(dir string) *Source { return &Source{dir: dir} }

// String is the source as ROTATION_SOURCE names it, "csv:DIR".
func (s *Source) String() string { return "csv:" + s.dir }

// Roster reads the files and gives the roster of their good rows. It fails
// only when a file is missing, unreadable or not valid CSV; the error names
// the file. rotation.csv and members.csv are required (members.csv may hold
// just its header); holidays.csv and runbooks.csv are optional, as the
// sheet's holidays and runbooks tabs are.
func (s *Source) Roster(ctx context.Context) (*rotation.Roster, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("csvfile: read rotation: %w", context.Cause(ctx))
	}
	var raw contents
	for i, f := range files {
		name := f.tab
		if f.tab == rotation.RotationTab && s.RotationTab != "" {
			name = s.RotationTab
		}
		b, err := s.read(name + ".csv")
		if f.optional && errors.Is(err, fs.ErrNotExist) {
			b, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		raw[i] = b
	}

	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	today := rotation.DateOf(now())

	s.mu.Lock()
	defer s.mu.Unlock()
	// A missing optional file and an empty one read the same.
	if s.roster != nil && raw.equal(&s.raw) && today == s.today {
		return s.roster, nil
	}
	tabs := rotation.Tabs{Today: today}
	for i, f := range files {
		rows, err := s.records(f.tab+".csv", raw[i])
		if err != nil {
			return nil, err
		}
		*tabs.Tab(f.tab) = rows
	}
	roster, problems := rotation.ParseTabs(tabs)
	s.raw, s.today, s.roster, s.problems = raw, today, roster, problems
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	for _, p := range problems {
		log.WarnContext(ctx, "rotation sheet problem",
			"source", s.String(), "problem", p.Error())
	}
	return roster, nil
}

// Problems is the row problems of the roster last returned by Roster, each a
// *rotation.CellError such as `rotation!A17: "2026-13-01" is not a date`;
// nil before the first call or when the files are clean.
func (s *Source) Problems() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.problems)
}

func (c *contents) equal(o *contents) bool {
	for i := range c {
		if !bytes.Equal(c[i], o[i]) {
			return false
		}
	}
	return true
}

func (s *Source) read(name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		// The *PathError names the file.
		return nil, fmt.Errorf("csvfile: read %s tab: %w", tabOf(name), err)
	}
	return b, nil
}

// records parses CSV text into rows numbered as lines: record i of the
// result starts on line i+1, blank lines giving empty rows, so that a problem
// at rotation!A17 is on line 17 of rotation.csv, as it would be on row 17 of
// the sheet. Rows may have any number of fields (the sheet's rows are
// ragged), and a UTF-8 byte order mark, as spreadsheet programs write, is
// skipped.
func (s *Source) records(name string, b []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("csvfile: read %s tab from %s: %w", tabOf(name), filepath.Join(s.dir, name), err)
		}
		line, _ := r.FieldPos(0)
		for len(rows) < line-1 {
			rows = append(rows, nil)
		}
		rows = append(rows, rec)
	}
}

func tabOf(name string) string { return strings.TrimSuffix(name, ".csv") }

var _ rotation.Source = (*Source)(nil)

package accounts

import (
	"context"
	"fmt"
	"github.com/hostpact/hostpact/internal/i18n"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/store"
)

// Note is a staff note on a customer organisation: what one colleague wants the next to
// know. Staff-only (CustomerNote): no customer or reseller reads it.
type Note struct {
	ID         int64     `json:"id"`
	OrgID      int64     `json:"org_id"`
	AuthorID   int64     `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// MaxNoteLen bounds a note: a few paragraphs, not a document.
const MaxNoteLen = 4000

// cleanNote keeps the note's line breaks (people write lists) but drops control
// characters and trailing blanks, and refuses an empty or overlong note.
func cleanNote(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ReplaceAll(s, "\r\n", "\n"))
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	s = strings.TrimSpace(strings.Join(lines, "\n"))
	switch {
	case s == "":
		return "", i18n.T("accounts.required")
	case utf8.RuneCountInString(s) > MaxNoteLen:
		return "", i18n.T("accounts.max_chars", MaxNoteLen)
	}
	return s, nil
}

// AddNote adds a dated staff note to organisation orgID.
func (s *Service) AddNote(ctx context.Context, by Principal, orgID int64, body string) (Note, error) {
	org, err := getOrg(ctx, s.db, orgID)
	if err != nil {
		return Note{}, err
	}
	if err := by.Check(CustomerNote, org.Ref()); err != nil {
		return Note{}, err
	}
	body, err = cleanNote(body)
	if err != nil {
		return Note{}, FieldErrors{"body": i18n.From(err)}
	}
	n := Note{OrgID: orgID, AuthorID: by.User.ID, AuthorName: by.User.Name, Body: body}
	err = s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		n.CreatedAt = s.now()
		if err := q.QueryRowContext(ctx, `INSERT INTO staff_notes (org_id, author_id, body, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, orgID, by.User.ID, body, n.CreatedAt).Scan(&n.ID); err != nil {
			return err
		}
		// The entry belongs to the provider (org 0), not to the customer: the customer's
		// activity feed lists its organisation's entries, and a note is never shown to
		// the customer, not even that one exists. The summary names the organisation
		// and the length, never the text, so the trail does not copy what a note says.
		return record(ctx, q, n.CreatedAt, 0, "customer.note", "staff_note", n.ID,
			fmt.Sprintf("staff note on organisation %d (%s, %d characters)", orgID, org.LegalName, utf8.RuneCountInString(body)))
	})
	if err != nil {
		return Note{}, err
	}
	return n, nil
}

// Notes lists the staff notes on organisation orgID, newest first (at most limit;
// 0 means 100).
func (s *Service) Notes(ctx context.Context, by Principal, orgID int64, limit int) ([]Note, error) {
	org, err := getOrg(ctx, s.db, orgID)
	if err != nil {
		return nil, err
	}
	if err := by.Check(CustomerNote, org.Ref()); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT n.id, n.org_id, n.author_id, COALESCE(u.name, ''), n.body, n.created_at
		FROM staff_notes n LEFT JOIN users u ON u.id = n.author_id
		WHERE n.org_id = $1 ORDER BY n.id DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.ID, &n.OrgID, &n.AuthorID, &n.AuthorName, &n.Body, &n.CreatedAt); err != nil {
			return nil, err
		}
		n.CreatedAt = n.CreatedAt.UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}

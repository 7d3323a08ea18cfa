package abuse

import (
	"context"
	"errors"
	"fmt"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/store"
)

// ErrEvidenceWithheld refuses the download of a child sexual abuse notice's evidence:
// the material goes to the hotline, never to a desk's computer.
var ErrEvidenceWithheld error = &keyErr{key: "abuse.err.evidence_withheld"}

// Evidence lists a case's evidence files (without their bytes) to staff who may read
// cases.
func (s *Service) Evidence(ctx context.Context, by accounts.Principal, caseID int64) ([]files.File, error) {
	if _, err := s.Get(ctx, by, caseID); err != nil {
		return nil, err
	}
	return files.ByOwner(ctx, s.db, EvidenceOwner(caseID))
}

// EvidenceFile returns one evidence file of a case with its bytes, for the abuse desk
// only (abuse.manage: the evidence can name the notifier and show the material), and
// records the download in the audit trail by file number (the name is the sender's and
// may name them). The file must
// belong to this case: file ids are not secrets.
func (s *Service) EvidenceFile(ctx context.Context, by accounts.Principal, caseID, fileID int64) (files.File, []byte, error) {
	if err := by.Check(accounts.AbuseManage, accounts.Provider); err != nil {
		return files.File{}, nil, err
	}
	c, err := s.load(ctx, s.db, caseID, false)
	if err != nil {
		return files.File{}, nil, err
	}
	if c.Ground == "csam" {
		return files.File{}, nil, ErrEvidenceWithheld
	}
	ctx = actor(ctx, by)
	var f files.File
	var data []byte
	err = s.db.InTx(ctx, func(q store.Querier) error {
		var err error
		f, data, err = files.Get(ctx, q, fileID)
		if errors.Is(err, files.ErrNotFound) || (err == nil && f.Owner != EvidenceOwner(caseID)) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return record(ctx, q, s.now(), c.OrgID, "abuse.evidence_download", caseID, fmt.Sprintf("evidence file %d (%s) downloaded", f.ID, f.ContentType))
	})
	if err != nil {
		return files.File{}, nil, err
	}
	return f, data, nil
}

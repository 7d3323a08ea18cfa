package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// Server is a backup server (one restic repository) as staff see it; its password is
// never shown.
type Server struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Repository string `json:"repository"`
	Enabled    bool   `json:"enabled"`
	// Demo: the demo's recording server, which makes no real backups.
	Demo      bool      `json:"demo"`
	Services  int       `json:"services"`
	CreatedAt time.Time `json:"created_at"`
}

// ServerInput is a backup server as staff register it.
type ServerInput struct {
	Name string `json:"name"`
	// Repository is a directory or a URL restic understands (rest:https://…, sftp:…).
	Repository string `json:"repository"`
	Password   string `json:"password"`
	Demo       bool   `json:"-"`
}

// passwordPurpose seals repository passwords (cp.security.backup.2: the backup servers
// are reachable only internally; their keys never leave hostpact in the clear).
const passwordPurpose = secrets.PurposeCredential

func binding(name string) string { return "backup-server:" + name }

// AddServer registers a backup server and creates its repository when it has none.
func (s *Service) AddServer(ctx context.Context, by accounts.Principal, in ServerInput) (Server, error) {
	if err := mayManage(by); err != nil {
		return Server{}, err
	}
	in.Name, in.Repository = strings.TrimSpace(in.Name), strings.TrimSpace(in.Repository)
	fe := accounts.FieldErrors{}
	if in.Name == "" || len(in.Name) > 100 {
		fe["name"] = i18n.T("backup.server_name")
	}
	if in.Repository == "" || len(in.Repository) > 1000 || strings.ContainsAny(in.Repository, "\n\r\x00") {
		fe["repository"] = i18n.T("backup.server_repository")
	}
	if len(in.Password) < 12 {
		fe["password"] = i18n.T("backup.server_password")
	}
	if len(fe) > 0 {
		return Server{}, fe
	}
	sealed, err := s.keys.SealString(passwordPurpose, binding(in.Name), in.Password)
	if err != nil {
		return Server{}, err
	}
	if !in.Demo {
		if err := s.engine.Init(ctx, Repo{Location: in.Repository, Password: in.Password}); err != nil {
			s.log.Warn("backup repository could not be opened", "repository", in.Repository, "err", err)
			return Server{}, accounts.FieldErrors{"repository": i18n.T("backup.repository_failed", clip(err.Error()))}
		}
	}
	now := s.now()
	var id int64
	err = s.db.InTx(accounts.ActorContext(ctx, by), func(q store.Querier) error {
		err := q.QueryRowContext(ctx, `INSERT INTO backup_servers (name, repository, password, demo, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (name) DO NOTHING RETURNING id`, in.Name, in.Repository, string(sealed), in.Demo, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return accounts.FieldErrors{"name": i18n.T("backup.server_exists")}
		}
		if err != nil {
			return err
		}
		return record(accounts.ActorContext(ctx, by), q, now, 0, "backup.server_added", "backup_server", id, in.Name+" "+in.Repository)
	})
	if err != nil {
		return Server{}, err
	}
	return s.server(ctx, s.db, id)
}

// Servers lists the backup servers.
func (s *Service) Servers(ctx context.Context, by accounts.Principal) ([]Server, error) {
	if err := by.Check(accounts.BackupRead, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.name, v.repository, v.enabled, v.demo, v.created_at,
		(SELECT COUNT(*) FROM backup_services b WHERE b.server_id = v.id) FROM backup_servers v ORDER BY v.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Server
	for rows.Next() {
		var v Server
		if err := rows.Scan(&v.ID, &v.Name, &v.Repository, &v.Enabled, &v.Demo, &v.CreatedAt, &v.Services); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *Service) server(ctx context.Context, q store.Querier, id int64) (Server, error) {
	var v Server
	err := q.QueryRowContext(ctx, `SELECT id, name, repository, enabled, demo, created_at FROM backup_servers WHERE id = $1`, id).
		Scan(&v.ID, &v.Name, &v.Repository, &v.Enabled, &v.Demo, &v.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return v, accounts.ErrNotFound
	}
	return v, err
}

// repo unseals a server's repository for one engine call.
func (s *Service) repo(ctx context.Context, q store.Querier, serverID int64) (Repo, error) {
	var name, location, sealed string
	if err := q.QueryRowContext(ctx, `SELECT name, repository, password FROM backup_servers WHERE id = $1`, serverID).Scan(&name, &location, &sealed); err != nil {
		return Repo{}, err
	}
	pw, err := s.keys.OpenString(passwordPurpose, binding(name), secrets.Sealed(sealed))
	if err != nil {
		return Repo{}, fmt.Errorf("backup: password of %s: %w", name, err)
	}
	return Repo{Location: location, Password: pw}, nil
}

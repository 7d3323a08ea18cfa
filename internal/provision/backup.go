package provision

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// DriverOfService makes the driver of the server service id is placed on, with its
// type's name, for the backup layer, which reaches the agent holding the service's
// data through it (issue 15). The caller releases it (Release). A service not placed
// on a server is not found.
func (s *Service) DriverOfService(ctx context.Context, id int64) (driver.Driver, string, error) {
	var serverID sql.NullInt64
	var typ string
	err := s.db.QueryRowContext(ctx, `SELECT v.server_id, COALESCE(p.driver_type, '') FROM provision_services v
		LEFT JOIN provision_servers p ON p.id = v.server_id WHERE v.id = $1`, id).Scan(&serverID, &typ)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !serverID.Valid) {
		return nil, "", fmt.Errorf("provision: service %d: %w", id, accounts.ErrNotFound)
	}
	if err != nil {
		return nil, "", err
	}
	d, err := s.driverFor(ctx, s.db, serverID.Int64)
	return d, typ, err
}

// Release lets a driver from DriverOfService close what it holds open.
func Release(d driver.Driver) { release(d) }

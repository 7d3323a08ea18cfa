package provision

import (
	"context"
	"errors"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/jobs"
)

var errTODO = errors.New("provision: not implemented yet")

// RegisterServer registers a server (provision.manage).
func (s *Service) RegisterServer(ctx context.Context, by accounts.Principal, in ServerInput) (Registered, error) {
	return Registered{}, errTODO
}

// UpdateServer changes a server; empty credentials keep the stored ones.
func (s *Service) UpdateServer(ctx context.Context, by accounts.Principal, id int64, in ServerInput) (Server, error) {
	return Server{}, errTODO
}

// SetServerEnabled enables or disables a server.
func (s *Service) SetServerEnabled(ctx context.Context, by accounts.Principal, id int64, enabled bool) error {
	return errTODO
}

// SetServerDraining lets a server take no new services (or take them again).
func (s *Service) SetServerDraining(ctx context.Context, by accounts.Principal, id int64, draining bool) error {
	return errTODO
}

// Servers lists the servers with their counts and capacity.
func (s *Service) Servers(ctx context.Context, by accounts.Principal) ([]Server, error) { return nil, errTODO }

// Server returns one server.
func (s *Service) Server(ctx context.Context, by accounts.Principal, id int64) (Server, error) {
	return Server{}, errTODO
}

// TestServer asks the server's driver whether it answers.
func (s *Service) TestServer(ctx context.Context, by accounts.Principal, id int64) error { return errTODO }

// Services lists an organisation's services.
func (s *Service) Services(ctx context.Context, by accounts.Principal, orgID int64) ([]ServiceView, error) {
	return nil, errTODO
}

// ServicesOn lists the services on a server (staff).
func (s *Service) ServicesOn(ctx context.Context, by accounts.Principal, serverID int64) ([]ServiceView, error) {
	return nil, errTODO
}

// Service returns one service.
func (s *Service) Service(ctx context.Context, by accounts.Principal, id int64) (ServiceView, error) {
	return ServiceView{}, errTODO
}

// ServiceOf returns the service of a subscription.
func (s *Service) ServiceOf(ctx context.Context, by accounts.Principal, subscriptionID int64) (ServiceView, error) {
	return ServiceView{}, errTODO
}

// RevealCredentials returns the secret once.
func (s *Service) RevealCredentials(ctx context.Context, by accounts.Principal, id int64) (Credentials, error) {
	return Credentials{}, errTODO
}

// ResetCredentials chooses a new secret.
func (s *Service) ResetCredentials(ctx context.Context, by accounts.Principal, id int64) error { return errTODO }

// LoginURL returns a link into the service's own panel.
func (s *Service) LoginURL(ctx context.Context, by accounts.Principal, id int64) (string, error) {
	return "", errTODO
}

// Queue lists tasks.
func (s *Service) Queue(ctx context.Context, by accounts.Principal, f QueueFilter) ([]Task, error) {
	return nil, errTODO
}

// RunAgain queues a failed or refused task again.
func (s *Service) RunAgain(ctx context.Context, by accounts.Principal, taskID int64) error { return errTODO }

// SuspendByStaff suspends a service by hand.
func (s *Service) SuspendByStaff(ctx context.Context, by accounts.Principal, id int64, note string) error {
	return errTODO
}

// UnsuspendByStaff lifts a suspension by hand.
func (s *Service) UnsuspendByStaff(ctx context.Context, by accounts.Principal, id int64) error {
	return errTODO
}

// Block suspends a service for abuse.
func (s *Service) Block(ctx context.Context, by accounts.Principal, id int64, note string) error {
	return errTODO
}

// Unblock lifts an abuse block.
func (s *Service) Unblock(ctx context.Context, by accounts.Principal, id int64, note string) error {
	return errTODO
}

// Move moves a service to another server.
func (s *Service) Move(ctx context.Context, by accounts.Principal, id, serverID int64) error { return errTODO }

// SyncReport is the latest report of a server.
func (s *Service) SyncReport(ctx context.Context, by accounts.Principal, serverID int64) (SyncReport, error) {
	return SyncReport{}, errTODO
}

// Provision implements contracts.Provisioner.
func (s *Service) Provision(ctx context.Context, sub contracts.Subscription) error { return errTODO }

// Deprovision implements contracts.Provisioner.
func (s *Service) Deprovision(ctx context.Context, sub contracts.Subscription) error { return errTODO }

// Suspend implements contracts.ServiceSuspender.
func (s *Service) Suspend(ctx context.Context, sub contracts.Subscription) error { return errTODO }

// Resume implements contracts.ServiceSuspender.
func (s *Service) Resume(ctx context.Context, sub contracts.Subscription) error { return errTODO }

// PlanChanged implements contracts.PlanChanger.
func (s *Service) PlanChanged(ctx context.Context, sub contracts.Subscription) error { return errTODO }

// Run executes due tasks (the job provision.run).
func (s *Service) Run(ctx context.Context, now time.Time) error { return errTODO }

// Sync compares each server with the records (the job provision.sync).
func (s *Service) Sync(ctx context.Context, now time.Time) error { return errTODO }

// RunJob is the job provision.run.
func (s *Service) RunJob() jobs.Job { return jobs.Job{Name: "provision.run", Every: time.Minute, Run: s.Run} }

// SyncJob is the job provision.sync.
func (s *Service) SyncJob() jobs.Job { return jobs.Job{Name: "provision.sync", Every: time.Hour, Run: s.Sync} }

// Package provision is the provisioning layer (issue 13): it decides which service of a
// subscription runs on which server, keeps each service's state, and executes the
// steps that make a server match (create, suspend, unsuspend, terminate, delete, change
// the package, reset the credentials, move) through the drivers of internal/provision/
// driver, as tasks that survive a crash and are never carried out twice.
//
// Contracts drives it (contracts.Provisioner, contracts.ServiceSuspender,
// contracts.PlanChanger); staff see servers, capacity, the queue and synchronisation
// reports; customers see each service's state and connection details, and the secret
// once.
package provision

import (
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// State is the life of a service as hostpact keeps it.
type State string

// The states of a service.
const (
	// StatePending: no server took it yet (none with room), or its create is queued.
	StatePending State = "pending"
	// StateProvisioning: the create is running on its server.
	StateProvisioning State = "provisioning"
	StateActive       State = "active"
	// StateSuspended: at least one suspend reason is set (Reasons).
	StateSuspended State = "suspended"
	// StateTerminated: out of service for good; its data are kept until the retention
	// period of the terms passed (cp.av.13.6).
	StateTerminated State = "terminated"
	// StateDeleted: the data were removed from the server.
	StateDeleted State = "deleted"
)

// States lists every state in the order of a service's life.
var States = []State{StatePending, StateProvisioning, StateActive, StateSuspended, StateTerminated, StateDeleted}

// Op is what a task does on the server.
type Op string

// The operations of tasks.
const (
	OpCreate           Op = "create"
	OpSuspend          Op = "suspend"
	OpUnsuspend        Op = "unsuspend"
	OpTerminate        Op = "terminate"
	OpDelete           Op = "delete"
	OpChangePackage    Op = "change_package"
	OpResetCredentials Op = "reset_credentials"
	OpMove             Op = "move"
)

// Ops lists every operation.
var Ops = []Op{OpCreate, OpSuspend, OpUnsuspend, OpTerminate, OpDelete, OpChangePackage, OpResetCredentials, OpMove}

// TaskStatus is where a task is.
type TaskStatus string

// The statuses of tasks.
const (
	TaskQueued  TaskStatus = "queued"
	TaskRunning TaskStatus = "running"
	TaskDone    TaskStatus = "done"
	// TaskFailed: the server could not be reached often enough (MaxAttempts); staff
	// may run it again.
	TaskFailed TaskStatus = "failed"
	// TaskRefused: the server answered no (*driver.Refusal); the service's state did
	// not change and Message says why.
	TaskRefused TaskStatus = "refused"
)

// TaskStatuses lists every task status.
var TaskStatuses = []TaskStatus{TaskQueued, TaskRunning, TaskDone, TaskFailed, TaskRefused}

// Server is a provisioning server as staff see it. Its credentials are never shown:
// CredentialsSet says whether they are stored.
type Server struct {
	ID       int64         `json:"id"`
	Name     string        `json:"name"`
	Type     string        `json:"type"` // a driver.Type name of the registry
	Endpoint string        `json:"endpoint"`
	Location string        `json:"location"`
	Kinds    []driver.Kind `json:"kinds"`    // what it takes: OnlyKinds, else what its type delivers
	Capacity int           `json:"capacity"` // the most services it takes
	// OnlyKinds keeps the server to some of the kinds its type delivers (empty: all).
	OnlyKinds []driver.Kind     `json:"only_kinds,omitempty"`
	Settings  map[string]string `json:"settings,omitempty"`
	// CredentialsSet says credentials are stored (sealed); CredentialNames names
	// which, never their values.
	CredentialsSet  bool     `json:"credentials_set"`
	CredentialNames []string `json:"credential_names,omitempty"`
	// MonitorServerID is the monitor server its services are measured as (0: none).
	MonitorServerID int64 `json:"monitor_server_id,omitempty"`
	Enabled         bool  `json:"enabled"`
	// Draining: it keeps its services but takes no new ones.
	Draining bool `json:"draining"`
	// Services counts the services placed on it that are not deleted (those count
	// against Capacity); Failing counts its failed and refused tasks.
	Services  int       `json:"services"`
	Failing   int       `json:"failing"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Room is how many more services the server takes (never negative).
func (s Server) Room() int { return max(s.Capacity-s.Services, 0) }

// ServerInput is a server as staff register or change it. On an update, a credential
// left empty keeps the stored one.
type ServerInput struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Endpoint string `json:"endpoint"`
	Location string `json:"location"`
	Capacity int    `json:"capacity"`
	// OnlyKinds keeps the server to some of the kinds its type delivers (empty: all).
	OnlyKinds       []driver.Kind     `json:"only_kinds,omitempty"`
	Settings        map[string]string `json:"settings,omitempty"`
	Credentials     map[string]string `json:"credentials,omitempty"`
	MonitorServerID int64             `json:"monitor_server_id,omitempty"`
}

// Registered is what registering a server returns: the server and, for a driver type
// that enrols its servers (driver.Enroller), the bundle staff install on it. The
// bundle is shown this once and not kept.
type Registered struct {
	Server Server `json:"server"`
	Bundle []byte `json:"-"`
}

// ServiceView is one service (one subscription's account on a server) as staff and
// its customer see it.
type ServiceView struct {
	ID             int64       `json:"id"`
	SubscriptionID int64       `json:"subscription_id"`
	OrgID          int64       `json:"org_id"`
	Kind           driver.Kind `json:"kind"`
	Name           string      `json:"name"` // the subscription's name
	Domain         string      `json:"domain,omitempty"`
	Ref            string      `json:"ref"`
	ServerID       int64       `json:"server_id,omitempty"` // 0 while no server took it
	ServerName     string      `json:"server_name,omitempty"`
	State          State       `json:"state"`
	// Reasons are the suspend reasons set; the service is suspended while any is.
	Reasons []driver.SuspendReason `json:"reasons,omitempty"`
	Package driver.Package         `json:"package"`
	// Details are the connection facts the customer may always see.
	Details map[string]string `json:"details,omitempty"`
	// CredentialsReady: a new secret (and sensitive details) wait to be shown once.
	CredentialsReady bool `json:"credentials_ready"`
	// Panel: the service's server type offers single sign-on into its own panel.
	Panel bool `json:"panel"`
	// Task is what is happening now: the first queued or running task, or the last
	// failed or refused one while nothing else is queued (nil: nothing).
	Task *Task `json:"task,omitempty"`
	// Problem says, as a message key staff read, why nothing happens: no server with
	// room, or the last refusal.
	Problem string `json:"problem,omitempty"`
	// ProblemText is the server's own words with a refusal or the last error; staff
	// only (a customer's view has it, and the task's Message, empty).
	ProblemText string    `json:"problem_text,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Suspended reports whether the reason is set.
func (v ServiceView) Suspended(r driver.SuspendReason) bool {
	for _, x := range v.Reasons {
		if x == r {
			return true
		}
	}
	return false
}

// Task is one step of a service on its server.
type Task struct {
	ID        int64       `json:"id"`
	ServiceID int64       `json:"service_id"`
	OrgID     int64       `json:"org_id"`
	ServerID  int64       `json:"server_id"`
	Ref       string      `json:"ref"`
	Kind      driver.Kind `json:"kind"`
	Op        Op          `json:"op"`
	// Reason is the suspend reason of a suspend or unsuspend task.
	Reason driver.SuspendReason `json:"reason,omitempty"`
	// TargetServerID is where a move task takes the service.
	TargetServerID int64      `json:"target_server_id,omitempty"`
	Status         TaskStatus `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  time.Time  `json:"next_attempt_at"`
	// Message is the last error or the server's refusal, for staff.
	Message   string    `json:"message,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	DoneAt    time.Time `json:"done_at,omitzero"`
}

// QueueFilter selects tasks for staff. Zero fields select everything.
type QueueFilter struct {
	Status    TaskStatus `json:"status,omitempty"`
	ServerID  int64      `json:"server_id,omitempty"`
	ServiceID int64      `json:"service_id,omitempty"`
	// Open: only tasks still to do or that need staff (queued, running, failed, refused).
	Open bool `json:"open,omitempty"`
	// Before pages newest first by keyset: only tasks with a smaller id (0: from the
	// newest). The next page's Before is the last task's id.
	Before int64 `json:"before,omitempty"`
	Limit  int   `json:"limit,omitempty"` // 0: 200
}

// Credentials are a service's secret and sensitive connection facts, shown once.
type Credentials struct {
	Secret    string            `json:"secret"`
	Sensitive map[string]string `json:"sensitive,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
}

// SyncReport compares what a server lists with what hostpact thinks runs there.
type SyncReport struct {
	ServerID int64     `json:"server_id"`
	At       time.Time `json:"at"`
	// Listed is how many accounts the server listed.
	Listed int `json:"listed"`
	// Orphans are accounts on the server that hostpact does not know.
	Orphans []driver.Listed `json:"orphans,omitempty"`
	// Missing are refs of services hostpact holds active or suspended there that the
	// server does not list.
	Missing []string `json:"missing,omitempty"`
	// Differ are refs the server lists as suspended while hostpact holds them active,
	// or the other way round, with no step of theirs under way.
	Differ []string `json:"differ,omitempty"`
	// Error is why the server could not be listed (empty: it was).
	Error string `json:"error,omitempty"`
}

// Input is the server as a form to change it starts from; credentials stay empty,
// which keeps the stored ones.
func (s Server) Input() ServerInput {
	return ServerInput{Name: s.Name, Type: s.Type, Endpoint: s.Endpoint, Location: s.Location, Capacity: s.Capacity,
		OnlyKinds: s.OnlyKinds, Settings: s.Settings, MonitorServerID: s.MonitorServerID}
}

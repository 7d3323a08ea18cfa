// Package proxmoxfake is an in-process Proxmox VE API server for tests, written from the
// published API documentation (pve-docs api-viewer) and Proxmox's documented behaviour:
// the JSON envelope {"data": …}; errors as the HTTP status with the message in the
// status line and, for parameter errors, {"errors": {param: message}}; API token
// authentication (Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET, 401 otherwise);
// long operations as asynchronous tasks that answer a UPID, followed with
// GET /nodes/{node}/tasks/{upid}/status (running, then stopped with exitstatus "OK" or the
// error). It serves HTTPS with a self-signed certificate, as a Proxmox node does.
//
// It implements only what the hostpact driver uses: one node, QEMU guests, templates,
// clone, config, resize, start/stop/shutdown, rrddata, destroy, cluster/nextid and
// cluster/resources.
package proxmoxfake

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/provision/drivers/pin"
)

// VM is one guest as the fake keeps it.
type VM struct {
	VMID        int
	Name        string
	Template    bool
	Running     bool
	Cores       int
	CPULimit    string
	MemoryMB    int64
	DiskMB      int64 // the size of scsi0
	Tags        []string
	CIUser      string
	CIPassword  string
	Lock        string // "clone" while the clone task runs
	Description string
}

type task struct {
	upid   string
	polls  int
	exit   string
	onDone func() // runs once, when the task is first reported stopped
}

func (t *task) finish() {
	if t.onDone != nil {
		t.onDone()
		t.onDone = nil
	}
}

type failure struct {
	method, suffix string
	status         int
	message        string
}

// Server is a running fake Proxmox VE node.
type Server struct {
	*httptest.Server
	Node    string
	TokenID string // USER@REALM!TOKENID
	Secret  string

	mu        sync.Mutex
	vms       map[int]*VM
	tasks     map[string]*task
	seq       int
	failReq   []failure
	failTasks map[string]string // task type → exit status of its next run
	requests  []string
}

// New starts a fake node "pve" that accepts the token root@pam!hostpact with secret.
func New(secret string) *Server {
	s := &Server{
		Node: "pve", TokenID: "root@pam!hostpact", Secret: secret,
		vms: map[int]*VM{}, tasks: map[string]*task{}, failTasks: map[string]string{},
	}
	cert, err := pin.SelfSigned(s.Node)
	if err != nil {
		panic("proxmoxfake: " + err.Error())
	}
	s.Server = httptest.NewUnstartedServer(s.handler())
	s.Server.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	// A client that refuses the certificate (the pinning tests) is expected.
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.Server.StartTLS()
	return s
}

// Fingerprint is the SHA-256 fingerprint of the fake's certificate, as Proxmox shows it.
func (s *Server) Fingerprint() string {
	return pin.Of(s.Certificate().Raw)
}

// AddTemplate adds a template guest and returns its vmid.
func (s *Server) AddTemplate(name string, diskMB int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID()
	s.vms[id] = &VM{VMID: id, Name: name, Template: true, Cores: 1, MemoryMB: 512, DiskMB: diskMB, CIUser: "debian"}
	return id
}

// AddGuest adds a guest that hostpact did not make (no tag, no description) and
// returns its vmid.
func (s *Server) AddGuest(name string, diskMB int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID()
	s.vms[id] = &VM{VMID: id, Name: name, Cores: 2, MemoryMB: 2048, DiskMB: diskMB, CIUser: "root", CIPassword: "theirs"}
	return id
}

// VM returns a copy of the guest named name.
func (s *Server) VM(name string) (VM, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.vms {
		if v.Name == name && !v.Template {
			c := *v
			c.Tags = slices.Clone(v.Tags)
			return c, true
		}
	}
	return VM{}, false
}

// Count returns the number of (non-template) guests named name.
func (s *Server) Count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.vms {
		if v.Name == name && !v.Template {
			n++
		}
	}
	return n
}

// FailRequest makes the next request whose method is method and whose path ends with
// suffix answer status with message (as Proxmox does when an API call dies).
func (s *Server) FailRequest(method, suffix string, status int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failReq = append(s.failReq, failure{method, suffix, status, message})
}

// FailTask makes the next task of type typ (qmclone, qmconfig, qmresize, qmstart,
// qmshutdown, qmstop, qmdestroy) end with exit status exit and change nothing.
func (s *Server) FailTask(typ, exit string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failTasks[typ] = exit
}

// FinishTasks ends every running task, as time passing would on a real node.
func (s *Server) FinishTasks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tasks {
		t.polls = max(t.polls, 1)
		t.finish()
	}
}

// Requests returns "METHOD path" of every authenticated request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) nextID() int {
	id := 100
	for s.vms[id] != nil {
		id++
	}
	return id
}

const prefix = "/api2/json"

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"/version", func(w http.ResponseWriter, r *http.Request) {
		ok(w, map[string]string{"version": "8.2.4", "release": "8.2", "repoid": "faa83925c9641325"})
	})
	mux.HandleFunc("GET "+prefix+"/cluster/nextid", func(w http.ResponseWriter, r *http.Request) {
		ok(w, strconv.Itoa(s.nextID()))
	})
	mux.HandleFunc("GET "+prefix+"/cluster/resources", s.resources)
	mux.HandleFunc("GET "+prefix+"/nodes", func(w http.ResponseWriter, r *http.Request) {
		ok(w, []map[string]any{{"node": s.Node, "status": "online", "type": "node", "maxcpu": 8, "maxmem": int64(32) << 30}})
	})
	mux.HandleFunc("GET "+prefix+"/nodes/{node}/tasks/{upid}/status", s.taskStatus)
	mux.HandleFunc("POST "+prefix+"/nodes/{node}/qemu/{vmid}/clone", s.clone)
	mux.HandleFunc("GET "+prefix+"/nodes/{node}/qemu/{vmid}/config", s.getConfig)
	mux.HandleFunc("POST "+prefix+"/nodes/{node}/qemu/{vmid}/config", s.setConfig)
	mux.HandleFunc("PUT "+prefix+"/nodes/{node}/qemu/{vmid}/config", s.setConfig)
	mux.HandleFunc("PUT "+prefix+"/nodes/{node}/qemu/{vmid}/resize", s.resize)
	mux.HandleFunc("GET "+prefix+"/nodes/{node}/qemu/{vmid}/status/current", s.current)
	mux.HandleFunc("POST "+prefix+"/nodes/{node}/qemu/{vmid}/status/{action}", s.power)
	mux.HandleFunc("GET "+prefix+"/nodes/{node}/qemu/{vmid}/rrddata", s.rrddata)
	mux.HandleFunc("DELETE "+prefix+"/nodes/{node}/qemu/{vmid}", s.destroy)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "PVEAPIToken="+s.TokenID+"="+s.Secret {
			fail(w, http.StatusUnauthorized, "authentication failure", nil)
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		for i, f := range s.failReq {
			if f.method == r.Method && strings.HasSuffix(r.URL.Path, f.suffix) {
				s.failReq = slices.Delete(s.failReq, i, i+1)
				s.mu.Unlock()
				fail(w, f.status, f.message, nil)
				return
			}
		}
		s.mu.Unlock()
		s.mu.Lock()
		defer s.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

func ok(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
}

// fail answers as pve-http-server does: the message is the HTTP reason phrase, the
// body {"data": null} plus the per-parameter errors of a parameter verification
// failure. net/http cannot set a reason phrase, so the response is written by hand.
func fail(w http.ResponseWriter, status int, message string, errs map[string]string) {
	body := map[string]any{"data": nil}
	if errs != nil {
		body["errors"] = errs
	}
	b, _ := json.Marshal(body)
	message = strings.NewReplacer("\r", " ", "\n", " ").Replace(strings.TrimSpace(message))
	hj, isHJ := w.(http.Hijacker)
	if !isHJ {
		http.Error(w, message, status)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, message, len(b), b)
	_ = buf.Flush()
}

func (s *Server) guest(w http.ResponseWriter, r *http.Request) *VM {
	if n := r.PathValue("node"); n != s.Node {
		fail(w, 595, "no such node '"+n+"'", nil)
		return nil
	}
	id, err := strconv.Atoi(r.PathValue("vmid"))
	if err != nil || id < 100 {
		fail(w, http.StatusBadRequest, "Parameter verification failed.", map[string]string{"vmid": "invalid format - value does not look like a valid VM ID"})
		return nil
	}
	v := s.vms[id]
	if v == nil {
		fail(w, http.StatusInternalServerError, fmt.Sprintf("Configuration file 'nodes/%s/qemu-server/%d.conf' does not exist", s.Node, id), nil)
		return nil
	}
	return v
}

// changeable is guest for requests that change a guest, which a lock refuses.
func (s *Server) changeable(w http.ResponseWriter, r *http.Request) *VM {
	v := s.guest(w, r)
	if v != nil && v.Lock != "" {
		fail(w, http.StatusInternalServerError, fmt.Sprintf("VM %d is locked (%s)", v.VMID, v.Lock), nil)
		return nil
	}
	return v
}

// startTask registers a task of type typ for vmid; effect runs unless a failure was
// injected for typ or effect itself returns an error message.
func (s *Server) startTask(w http.ResponseWriter, typ string, vmid int, effect func() string) *task {
	s.seq++
	now := time.Now().Unix()
	upid := fmt.Sprintf("UPID:%s:%08X:%08X:%08X:%s:%d:%s:", s.Node, 4000+s.seq, 100000+s.seq, now, typ, vmid, strings.SplitN(s.TokenID, "!", 2)[0])
	t := &task{upid: upid, exit: "OK"}
	if exit, failing := s.failTasks[typ]; failing {
		delete(s.failTasks, typ)
		t.exit = exit
	} else if msg := effect(); msg != "" {
		t.exit = msg
	}
	s.tasks[upid] = t
	ok(w, upid)
	return t
}

func (s *Server) taskStatus(w http.ResponseWriter, r *http.Request) {
	t := s.tasks[r.PathValue("upid")]
	if t == nil || r.PathValue("node") != s.Node {
		fail(w, http.StatusInternalServerError, "unable to parse worker upid '"+r.PathValue("upid")+"'", nil)
		return
	}
	// A task is seen running once, then stopped: the driver's wait loop is exercised
	// without the fake depending on time.
	t.polls++
	if t.polls == 1 {
		ok(w, map[string]any{"upid": t.upid, "node": s.Node, "status": "running"})
		return
	}
	t.finish()
	ok(w, map[string]any{"upid": t.upid, "node": s.Node, "status": "stopped", "exitstatus": t.exit})
}

func (s *Server) resources(w http.ResponseWriter, r *http.Request) {
	if typ := r.URL.Query().Get("type"); typ != "" && typ != "vm" {
		ok(w, []any{})
		return
	}
	var out []map[string]any
	ids := make([]int, 0, len(s.vms))
	for id := range s.vms {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		v := s.vms[id]
		status := "stopped"
		if v.Running {
			status = "running"
		}
		tmpl := 0
		if v.Template {
			tmpl = 1
		}
		e := map[string]any{
			"id": fmt.Sprintf("qemu/%d", id), "type": "qemu", "vmid": id, "name": v.Name,
			"node": s.Node, "status": status, "template": tmpl,
			"maxmem": v.MemoryMB << 20, "maxdisk": v.DiskMB << 20, "maxcpu": v.Cores,
		}
		if len(v.Tags) > 0 {
			e["tags"] = strings.Join(v.Tags, ";")
		}
		if v.Lock != "" {
			e["lock"] = v.Lock
		}
		out = append(out, e)
	}
	ok(w, out)
}

func (s *Server) clone(w http.ResponseWriter, r *http.Request) {
	src := s.guest(w, r)
	if src == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(w, http.StatusBadRequest, "Parameter verification failed.", map[string]string{"body": err.Error()})
		return
	}
	newid, err := strconv.Atoi(r.PostForm.Get("newid"))
	if err != nil {
		fail(w, http.StatusBadRequest, "Parameter verification failed.", map[string]string{"newid": "property is missing and it is not optional"})
		return
	}
	if s.vms[newid] != nil {
		fail(w, http.StatusInternalServerError, fmt.Sprintf("unable to create VM %d: config file already exists", newid), nil)
		return
	}
	name, description := r.PostForm.Get("name"), r.PostForm.Get("description")
	if !src.Template && src.Running && r.PostForm.Get("full") != "1" {
		fail(w, http.StatusInternalServerError, "Linked clone feature is not supported for running VMs", nil)
		return
	}
	// The new guest exists, locked, from the start of the clone until its task ends.
	var c *VM
	t := s.startTask(w, "qmclone", src.VMID, func() string {
		cp := *src
		cp.VMID, cp.Name, cp.Template, cp.Running, cp.Tags, cp.Lock = newid, name, false, false, nil, "clone"
		cp.Description = description
		c = &cp
		s.vms[newid] = c
		return ""
	})
	if c != nil {
		t.onDone = func() { c.Lock = "" }
	}
}

func sizeString(mb int64) string {
	if mb%1024 == 0 {
		return fmt.Sprintf("%dG", mb/1024)
	}
	return fmt.Sprintf("%dM", mb)
}

func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) {
	v := s.guest(w, r)
	if v == nil {
		return
	}
	cfg := map[string]any{
		"name": v.Name, "cores": v.Cores, "memory": strconv.FormatInt(v.MemoryMB, 10),
		"scsi0":   fmt.Sprintf("local-lvm:vm-%d-disk-0,size=%s", v.VMID, sizeString(v.DiskMB)),
		"ide2":    fmt.Sprintf("local-lvm:vm-%d-cloudinit,media=cdrom", v.VMID),
		"scsihw":  "virtio-scsi-single",
		"net0":    "virtio=BC:24:11:00:00:01,bridge=vmbr0",
		"ostype":  "l26",
		"ciuser":  v.CIUser,
		"digest":  fmt.Sprintf("%040x", v.VMID),
		"boot":    "order=scsi0",
		"agent":   "1",
		"machine": "q35",
	}
	if v.CPULimit != "" {
		cfg["cpulimit"] = v.CPULimit
	}
	if v.Description != "" {
		cfg["description"] = v.Description
	}
	if v.CIPassword != "" {
		cfg["cipassword"] = "**********" // Proxmox never shows it
	}
	if len(v.Tags) > 0 {
		cfg["tags"] = strings.Join(v.Tags, ";")
	}
	if v.Template {
		cfg["template"] = 1
	}
	ok(w, cfg)
}

// setConfig is POST (asynchronous, answers a UPID) and PUT (synchronous, answers null).
func (s *Server) setConfig(w http.ResponseWriter, r *http.Request) {
	v := s.changeable(w, r)
	if v == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(w, http.StatusBadRequest, "Parameter verification failed.", map[string]string{"body": err.Error()})
		return
	}
	f := r.PostForm
	errs := map[string]string{}
	var cores int
	var mem int64
	if c := f.Get("cores"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 || n > 1024 {
			errs["cores"] = "invalid format - value must be an integer between 1 and 1024"
		}
		cores = n
	}
	if m := f.Get("memory"); m != "" {
		n, err := strconv.ParseInt(m, 10, 64)
		if err != nil || n < 16 {
			errs["memory"] = "value must have a minimum value of 16"
		}
		mem = n
	}
	for k := range f {
		switch k {
		case "cores", "memory", "cpulimit", "cipassword", "ciuser", "tags", "delete", "digest", "description":
		default:
			errs[k] = "property is not defined in schema and the schema does not allow additional properties"
		}
	}
	if len(errs) > 0 {
		fail(w, http.StatusBadRequest, "Parameter verification failed.", errs)
		return
	}
	apply := func() string {
		if cores > 0 {
			v.Cores = cores
		}
		if mem > 0 {
			v.MemoryMB = mem
		}
		if f.Has("cpulimit") {
			v.CPULimit = f.Get("cpulimit")
		}
		if f.Has("cipassword") {
			v.CIPassword = f.Get("cipassword")
		}
		if f.Has("ciuser") {
			v.CIUser = f.Get("ciuser")
		}
		if f.Has("description") {
			v.Description = f.Get("description")
		}
		if f.Has("tags") {
			v.Tags = nil
			for t := range strings.FieldsFuncSeq(f.Get("tags"), func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
				v.Tags = append(v.Tags, strings.ToLower(t))
			}
		}
		for _, d := range strings.Split(f.Get("delete"), ",") {
			switch strings.TrimSpace(d) {
			case "tags":
				v.Tags = nil
			case "cpulimit":
				v.CPULimit = ""
			}
		}
		return ""
	}
	if r.Method == http.MethodPut {
		apply()
		ok(w, nil)
		return
	}
	s.startTask(w, "qmconfig", v.VMID, apply)
}

// parseSize reads a Proxmox size ("+2G", "32768M", "10.5G") in MiB.
func parseSize(sz string) (mb int64, relative bool, ok bool) {
	relative = strings.HasPrefix(sz, "+")
	sz = strings.TrimPrefix(sz, "+")
	mult := 1.0 / (1 << 20) // bytes
	if sz != "" {
		switch sz[len(sz)-1] {
		case 'K':
			mult = 1.0 / 1024
		case 'M':
			mult = 1
		case 'G':
			mult = 1024
		case 'T':
			mult = 1024 * 1024
		}
		if mult != 1.0/(1<<20) {
			sz = sz[:len(sz)-1]
		}
	}
	f, err := strconv.ParseFloat(sz, 64)
	if err != nil || f < 0 {
		return 0, false, false
	}
	return int64(f * mult), relative, true
}

func (s *Server) resize(w http.ResponseWriter, r *http.Request) {
	v := s.changeable(w, r)
	if v == nil {
		return
	}
	_ = r.ParseForm()
	if d := r.PostForm.Get("disk"); d != "scsi0" {
		fail(w, http.StatusInternalServerError, fmt.Sprintf("disk '%s' does not exist", d), nil)
		return
	}
	mb, rel, valid := parseSize(r.PostForm.Get("size"))
	if !valid {
		fail(w, http.StatusBadRequest, "Parameter verification failed.", map[string]string{"size": "value does not match the regex pattern"})
		return
	}
	if rel {
		mb += v.DiskMB
	}
	// Since qemu-server 8 resizing runs as a task; shrinking dies inside it.
	s.startTask(w, "qmresize", v.VMID, func() string {
		if mb < v.DiskMB {
			return "shrinking disks is not supported"
		}
		v.DiskMB = mb
		return ""
	})
}

func (s *Server) current(w http.ResponseWriter, r *http.Request) {
	v := s.guest(w, r)
	if v == nil {
		return
	}
	status := "stopped"
	if v.Running {
		status = "running"
	}
	ok(w, map[string]any{"vmid": v.VMID, "name": v.Name, "status": status, "qmpstatus": status,
		"cpus": v.Cores, "maxmem": v.MemoryMB << 20, "maxdisk": v.DiskMB << 20})
}

func (s *Server) power(w http.ResponseWriter, r *http.Request) {
	v := s.changeable(w, r)
	if v == nil {
		return
	}
	action := r.PathValue("action")
	switch action {
	case "start":
		if v.Template {
			fail(w, http.StatusInternalServerError, "you can't start a vm if it's a template", nil)
			return
		}
		s.startTask(w, "qmstart", v.VMID, func() string {
			if v.Running {
				return fmt.Sprintf("VM %d already running", v.VMID)
			}
			v.Running = true
			return ""
		})
	case "stop", "shutdown":
		s.startTask(w, "qm"+action, v.VMID, func() string {
			if !v.Running {
				if action == "shutdown" {
					return fmt.Sprintf("VM %d not running", v.VMID)
				}
				return ""
			}
			v.Running = false
			return ""
		})
	default:
		fail(w, http.StatusNotImplemented, "Method 'POST /nodes/"+s.Node+"/qemu/"+strconv.Itoa(v.VMID)+"/status/"+action+"' not implemented", nil)
	}
}

func (s *Server) rrddata(w http.ResponseWriter, r *http.Request) {
	v := s.guest(w, r)
	if v == nil {
		return
	}
	if tf := r.URL.Query().Get("timeframe"); tf != "hour" && tf != "day" && tf != "week" && tf != "month" && tf != "year" {
		fail(w, http.StatusBadRequest, "Parameter verification failed.", map[string]string{"timeframe": "value '" + tf + "' does not have a value in the enumeration 'hour, day, week, month, year'"})
		return
	}
	// 70 one-minute samples (the hour timeframe); a stopped guest's samples carry only
	// the time, as Proxmox's do when the RRD has no data.
	end := time.Now().Truncate(time.Minute).Unix()
	var out []map[string]any
	for i := 69; i >= 0; i-- {
		e := map[string]any{"time": end - int64(i)*60}
		if v.Running {
			e["cpu"] = 0.25
			e["maxcpu"] = v.Cores
			e["mem"] = float64(v.MemoryMB<<20) / 2
			e["maxmem"] = v.MemoryMB << 20
			e["disk"] = 0
			e["maxdisk"] = v.DiskMB << 20
			e["netin"] = 1000.0
			e["netout"] = 500.0
			e["diskread"] = 0.0
			e["diskwrite"] = 0.0
		}
		out = append(out, e)
	}
	ok(w, out)
}

func (s *Server) destroy(w http.ResponseWriter, r *http.Request) {
	v := s.changeable(w, r)
	if v == nil {
		return
	}
	if v.Running {
		fail(w, http.StatusInternalServerError, fmt.Sprintf("VM %d is running - destroy failed", v.VMID), nil)
		return
	}
	s.startTask(w, "qmdestroy", v.VMID, func() string {
		delete(s.vms, v.VMID)
		return ""
	})
}

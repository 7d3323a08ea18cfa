// Package dafake is an in-process DirectAdmin server for tests, written from
// DirectAdmin's published legacy API documentation (directadmin.com/api.html, the
// versions system and the knowledge base on login keys): HTTP Basic authentication
// with an admin's or reseller's password or login key ("admin|user" to act as one of
// its users), form-encoded requests, url-encoded answers error=0&text=…&details=… and
// lists as list[]=…, and the documented error answers. It serves HTTPS with its own
// self-signed certificate, as a DirectAdmin server does on port 2222 after installation.
//
// It implements the commands the hostpact driver uses: CMD_API_ACCOUNT_USER,
// CMD_API_SELECT_USERS, CMD_API_MODIFY_USER, CMD_API_USER_PASSWD, CMD_API_SHOW_USERS,
// CMD_API_SHOW_USER_CONFIG, CMD_API_SHOW_USER_USAGE, CMD_API_PACKAGES_USER,
// CMD_API_LOGIN_KEYS and CMD_LOGIN, plus the user-level CMD_API_SHOW_DOMAINS that tests
// use to log in as a customer.
package dafake

import (
	"crypto/subtle"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/provision/drivers/pin"
)

// User is one DirectAdmin user account as the fake keeps it.
type User struct {
	Username  string
	Password  string
	Email     string
	Domain    string
	Package   string
	IP        string
	Creator   string
	Suspended bool
	Reason    string // suspension reason
	QuotaMB   float64
	BandMB    float64
	DBBytes   int64
	Mailboxes int
}

type loginKey struct {
	value   string
	expires time.Time
}

// Server is a running fake DirectAdmin.
type Server struct {
	*httptest.Server
	Admin, Password string
	IPs             []string
	// LoginPageOnBadAuth answers a wrong login as DirectAdmin versions before the 401
	// did: the login page with 200 OK.
	LoginPageOnBadAuth bool

	mu       sync.Mutex
	packages []string
	users    map[string]*User
	keys     map[string][]loginKey // user → login keys
	sessions map[string]string     // session id → user
	commands []string
	now      func() time.Time
}

// New starts a fake with one admin account and the packages given.
func New(admin, password string, packages ...string) *Server {
	s := &Server{
		Admin: admin, Password: password, IPs: []string{"127.0.0.1"},
		packages: slices.Clone(packages), users: map[string]*User{},
		keys: map[string][]loginKey{}, sessions: map[string]string{}, now: time.Now,
	}
	cert, err := pin.SelfSigned("directadmin")
	if err != nil {
		panic("dafake: " + err.Error())
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	// A client that refuses the certificate (the pinning tests) is expected.
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.Server.StartTLS()
	return s
}

// Fingerprint is the SHA-256 fingerprint of the fake's certificate.
func (s *Server) Fingerprint() string { return pin.Of(s.Certificate().Raw) }

// User returns a copy of a user account.
func (s *Server) User(name string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[name]
	if u == nil {
		return User{}, false
	}
	return *u, true
}

// AddUser puts an account on the server that hostpact did not make (another
// reseller's, or one made by hand).
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := u
	s.users[u.Username] = &c
}

// SetUsage sets what CMD_API_SHOW_USER_USAGE reports for a user.
func (s *Server) SetUsage(name string, quotaMB, bandwidthMB float64, dbBytes int64, mailboxes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[name]; u != nil {
		u.QuotaMB, u.BandMB, u.DBBytes, u.Mailboxes = quotaMB, bandwidthMB, dbBytes, mailboxes
	}
}

// Commands returns the commands run so far ("CMD_API_ACCOUNT_USER action=create").
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands)
}

// answer writes DirectAdmin's url-encoded answer.
func answer(w http.ResponseWriter, v url.Values) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-DirectAdmin", "success")
	fmt.Fprint(w, v.Encode())
}

func failure(w http.ResponseWriter, text, details string) {
	answer(w, url.Values{"error": {"1"}, "text": {text}, "details": {details}})
}

func success(w http.ResponseWriter, text, details string) {
	answer(w, url.Values{"error": {"0"}, "text": {text}, "details": {details}})
}

// unauthorized answers as DirectAdmin does to a wrong login: 401, the header
// X-DirectAdmin: unauthorized, and the login page.
func (s *Server) unauthorized(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	if !s.LoginPageOnBadAuth {
		w.Header().Set("X-DirectAdmin", "unauthorized")
		w.WriteHeader(http.StatusUnauthorized)
	}
	fmt.Fprint(w, `<html><head><title>DirectAdmin Login</title></head><body><form action="/CMD_LOGIN" method="POST">Invalid login. Please verify your Username and Password</form></body></html>`)
}

// principal is who a request acts as: the authenticated account and, with login-as,
// the user it acts for.
type principal struct {
	account string // who authenticated (admin or a user)
	as      string // the user acted as ("" when none)
}

func (p principal) effective() string {
	if p.as != "" {
		return p.as
	}
	return p.account
}

func (s *Server) validKey(user, value string) bool {
	for _, k := range s.keys[user] {
		if subtle.ConstantTimeCompare([]byte(k.value), []byte(value)) == 1 && s.now().Before(k.expires) {
			return true
		}
	}
	return false
}

func (s *Server) authenticate(name, password string) bool {
	if name == s.Admin {
		return subtle.ConstantTimeCompare([]byte(password), []byte(s.Password)) == 1 || s.validKey(name, password)
	}
	u := s.users[name]
	if u == nil || u.Suspended {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(password), []byte(u.Password)) == 1 || s.validKey(name, password)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		failure(w, "Unable to parse the request", err.Error())
		return
	}
	cmd := strings.TrimPrefix(r.URL.Path, "/")
	if cmd == "CMD_LOGIN" {
		s.login(w, r)
		return
	}
	name, password, hasAuth := r.BasicAuth()
	if !hasAuth {
		s.unauthorized(w)
		return
	}
	var p principal
	p.account, p.as, _ = strings.Cut(name, "|")
	if !s.authenticate(p.account, password) {
		s.unauthorized(w)
		return
	}
	if p.as != "" {
		// Login-as: only an admin (or the user's creator) may act as a user.
		u := s.users[p.as]
		if p.account != s.Admin || u == nil {
			s.unauthorized(w)
			return
		}
	}
	s.commands = append(s.commands, strings.TrimSpace(cmd+" "+r.Form.Get("action")))
	isAdmin := p.as == "" && p.account == s.Admin
	switch cmd {
	case "CMD_API_SHOW_DOMAINS":
		u := s.users[p.effective()]
		if u == nil {
			failure(w, "Unable to show domains", "You are not a user")
			return
		}
		answer(w, url.Values{"list[]": {u.Domain}})
		return
	case "CMD_API_LOGIN_KEYS":
		s.loginKeys(w, r, p)
		return
	}
	if !isAdmin {
		failure(w, "You cannot execute that command", "The request you've made cannot be executed because it does not exist in your authority level")
		return
	}
	switch cmd {
	case "CMD_API_ACCOUNT_USER":
		s.createUser(w, r)
	case "CMD_API_SELECT_USERS":
		s.selectUsers(w, r)
	case "CMD_API_MODIFY_USER":
		s.modifyUser(w, r)
	case "CMD_API_USER_PASSWD":
		s.userPasswd(w, r)
	case "CMD_API_SHOW_USERS":
		var names []string
		for n, u := range s.users {
			if u.Creator == s.Admin {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		answer(w, url.Values{"list[]": names})
	case "CMD_API_SHOW_USER_CONFIG":
		s.showConfig(w, r)
	case "CMD_API_SHOW_USER_USAGE":
		s.showUsage(w, r)
	case "CMD_API_PACKAGES_USER":
		answer(w, url.Values{"list[]": s.packages})
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "Unknown command")
	}
}

var (
	usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9]{2,9}$`)
	domainPattern   = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	reserved        = []string{"admin", "root", "mysql", "apache", "nobody", "mail", "diradmin", "majordomo", "named", "ftp", "webapps", "all"}
)

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	if f.Get("action") != "create" || f.Get("add") != "Submit" {
		failure(w, "Unable to Create User", "Unknown action")
		return
	}
	const text = "Unable to Create User"
	name, domain := f.Get("username"), strings.ToLower(f.Get("domain"))
	switch {
	case !usernamePattern.MatchString(name):
		failure(w, text, "Invalid username. Usernames must be 3-10 characters, lower-case letters and numbers, starting with a letter<br>\n")
	case slices.Contains(reserved, name):
		failure(w, text, "That username is reserved by the system<br>\n")
	case s.users[name] != nil:
		failure(w, text, "That username already exists on the system<br>\n")
	case f.Get("passwd") == "" || len(f.Get("passwd")) < 5:
		failure(w, text, "Password must be at least 5 characters<br>\n")
	case f.Get("passwd") != f.Get("passwd2"):
		failure(w, text, "Passwords do not match<br>\n")
	case !validEmail(f.Get("email")):
		failure(w, text, "Invalid email address<br>\n")
	case !domainPattern.MatchString(domain):
		failure(w, text, "Invalid domain name<br>\n")
	case s.domainTaken(domain):
		failure(w, text, "That domain already exists on the server<br>\n")
	case !slices.Contains(s.packages, f.Get("package")):
		failure(w, text, "Unable to load the package "+f.Get("package")+"<br>\n")
	case !slices.Contains(s.IPs, f.Get("ip")):
		failure(w, text, "You do not own that IP<br>\n")
	default:
		s.users[name] = &User{Username: name, Password: f.Get("passwd"), Email: f.Get("email"), Domain: domain,
			Package: f.Get("package"), IP: f.Get("ip"), Creator: s.Admin}
		success(w, "User "+name+" created", "Unix User created successfully<br>\nUser's System Quotas set<br>\nUser's data directory created successfully<br>\nDomains directory created successfully<br>\nDomain Created Successfully")
	}
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func (s *Server) domainTaken(domain string) bool {
	for _, u := range s.users {
		if u.Domain == domain {
			return true
		}
	}
	return false
}

// selected returns the users named by select0, select1, ….
func selected(f url.Values) []string {
	var out []string
	for i := 0; ; i++ {
		v := f.Get(fmt.Sprintf("select%d", i))
		if v == "" {
			return out
		}
		out = append(out, v)
	}
}

func (s *Server) selectUsers(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	names := selected(f)
	if len(names) == 0 {
		failure(w, "No users selected", "")
		return
	}
	for _, n := range names {
		if u := s.users[n]; u == nil || u.Creator != s.Admin {
			failure(w, "Error with the selected users", "You do not own the user "+n+"<br>\n")
			return
		}
	}
	suspend := f.Has("dosuspend") || f.Get("suspend") == "Suspend"
	unsuspend := f.Has("dounsuspend") || f.Get("suspend") == "Unsuspend"
	switch {
	case f.Get("delete") == "yes" && f.Get("confirmed") == "Confirm":
		for _, n := range names {
			delete(s.users, n)
			delete(s.keys, n)
		}
		success(w, "Users deleted", strings.Join(names, "<br>\n")+"<br>\n")
	case f.Get("delete") == "yes":
		failure(w, "Deletion not confirmed", "Pass confirmed=Confirm to delete users")
	case suspend:
		reason := f.Get("reason")
		if reason == "" {
			reason = "none"
		}
		for _, n := range names {
			s.users[n].Suspended, s.users[n].Reason = true, reason
		}
		success(w, "Success", "Users have been suspended")
	case unsuspend:
		for _, n := range names {
			s.users[n].Suspended, s.users[n].Reason = false, ""
		}
		success(w, "Success", "Users have been unsuspended")
	default:
		failure(w, "Unknown action", "Choose delete, suspend or unsuspend")
	}
}

func (s *Server) modifyUser(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	u := s.users[f.Get("user")]
	switch {
	case f.Get("action") != "package":
		failure(w, "Unable to modify user", "Unknown action")
	case u == nil || u.Creator != s.Admin:
		failure(w, "Unable to modify user", "User "+f.Get("user")+" does not exist<br>\n")
	case !slices.Contains(s.packages, f.Get("package")):
		failure(w, "Unable to modify user", "Unable to load the package "+f.Get("package")+"<br>\n")
	default:
		u.Package = f.Get("package")
		success(w, "User Modified", "The package has been applied to the user")
	}
}

func (s *Server) userPasswd(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	u := s.users[f.Get("username")]
	switch {
	case u == nil || u.Creator != s.Admin:
		failure(w, "Unable to change password", "User "+f.Get("username")+" does not exist<br>\n")
	case len(f.Get("passwd")) < 5:
		failure(w, "Unable to change password", "Password must be at least 5 characters<br>\n")
	case f.Get("passwd") != f.Get("passwd2"):
		failure(w, "Unable to change password", "Passwords do not match<br>\n")
	default:
		u.Password = f.Get("passwd")
		success(w, "Password Changed", "")
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (s *Server) showConfig(w http.ResponseWriter, r *http.Request) {
	u := s.users[r.Form.Get("user")]
	if u == nil {
		failure(w, "Unable to show user", "User "+r.Form.Get("user")+" does not exist")
		return
	}
	answer(w, url.Values{
		"username": {u.Username}, "email": {u.Email}, "domain": {u.Domain}, "package": {u.Package},
		"ip": {u.IP}, "creator": {u.Creator}, "suspended": {yesNo(u.Suspended)}, "suspended_reason": {u.Reason},
		"usertype": {"user"}, "date_created": {"Fri Dec  4 20:00:00 2026"}, "bandwidth": {"unlimited"}, "quota": {"unlimited"},
	})
}

func (s *Server) showUsage(w http.ResponseWriter, r *http.Request) {
	u := s.users[r.Form.Get("user")]
	if u == nil {
		failure(w, "Unable to show user usage", "User "+r.Form.Get("user")+" does not exist")
		return
	}
	answer(w, url.Values{
		"bandwidth": {fmt.Sprintf("%.2f", u.BandMB)}, "quota": {fmt.Sprintf("%.2f", u.QuotaMB)},
		"db_quota": {fmt.Sprint(u.DBBytes)}, "nemails": {fmt.Sprint(u.Mailboxes)}, "vdomains": {"1"},
		"nsubdomains": {"0"}, "ftp": {"1"}, "mysql": {"0"},
	})
}

// loginKeys creates a login key for the account acted as. DirectAdmin requires the
// current password of whoever authenticated (passwd) to create a key.
func (s *Server) loginKeys(w http.ResponseWriter, r *http.Request, p principal) {
	f := r.PostForm
	if f.Get("action") != "create" {
		failure(w, "Unknown action", "")
		return
	}
	switch {
	case !s.authenticate(p.account, f.Get("passwd")) || f.Get("passwd") == "":
		failure(w, "Unable to create the login key", "Invalid password<br>\n")
		return
	case f.Get("keyname") == "" || !regexp.MustCompile(`^[a-zA-Z0-9]+$`).MatchString(f.Get("keyname")):
		failure(w, "Unable to create the login key", "Invalid key name<br>\n")
		return
	case len(f.Get("key")) < 8 || f.Get("key") != f.Get("key2"):
		failure(w, "Unable to create the login key", "The keys do not match or are too short<br>\n")
		return
	}
	expires := s.now().Add(100 * 365 * 24 * time.Hour)
	if f.Get("never_expires") != "yes" {
		t, err := time.ParseInLocation("2006-1-2 15:4", fmt.Sprintf("%s-%s-%s %s:%s", f.Get("year"), f.Get("month"), f.Get("day"), f.Get("hour"), f.Get("minute")), time.UTC)
		if err != nil || !t.After(s.now()) {
			failure(w, "Unable to create the login key", "Invalid expiry date<br>\n")
			return
		}
		expires = t
	}
	user := p.effective()
	s.keys[user] = append(s.keys[user], loginKey{value: f.Get("key"), expires: expires})
	success(w, "Key created", "")
}

// login is CMD_LOGIN: a correct username and password (or login key) get a session
// cookie and a redirect to the panel; a wrong one the login page again.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	name, password := r.Form.Get("username"), r.Form.Get("password")
	if !s.authenticate(name, password) {
		s.unauthorized(w)
		return
	}
	id := fmt.Sprintf("%x", s.now().UnixNano())
	s.sessions[id] = name
	http.SetCookie(w, &http.Cookie{Name: "session", Value: id, Path: "/", Secure: true, HttpOnly: true})
	referer := r.Form.Get("referer")
	if !strings.HasPrefix(referer, "/") || strings.HasPrefix(referer, "//") {
		referer = "/"
	}
	http.Redirect(w, r, referer, http.StatusFound)
}

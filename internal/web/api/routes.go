package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
)

// register adds an operation whose handler receives the authenticated principal and
// whose errors pass through problem. Every operation gets the same body limit and
// documents the errors the middleware can answer with.
func register[I, O any](s *server, op huma.Operation, h func(context.Context, accounts.Principal, *I) (*O, error)) {
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = maxBodyBytes
	}
	op.Errors = append([]int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests}, op.Errors...)
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		p, ok := principalFrom(ctx)
		if !ok {
			// Unreachable while authenticate is installed; refuse rather than run
			// an operation without a principal.
			return nil, huma.Error401Unauthorized("not authenticated")
		}
		out, err := h(ctx, p, in)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return out, nil
	})
}

// body wraps a response body for huma.
type body[T any] struct{ Body T }

func reply[T any](v T) (*body[T], error) { return &body[T]{Body: v}, nil }

// noContent is the output of operations that answer 204.
type noContent struct{}

var done = &noContent{}

// --- inputs ---

type orgIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"42" doc:"Organisation id."`
}

type userIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"17" doc:"User id."`
}

type tokenIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"5" doc:"Token id."`
}

type listOrgsInput struct {
	Q          string `query:"q" maxLength:"200" example:"voorbeeld" doc:"Matches legal name, e-mail address, contact, KvK number and VAT id."`
	Kind       string `query:"kind" enum:"consumer,business" doc:"Only consumers or only businesses."`
	ResellerID int64  `query:"reseller_id" minimum:"0" example:"7" doc:"Only the customers of this reseller."`
	Disabled   string `query:"disabled" enum:"true,false" doc:"Only disabled (true) or only active (false) organisations."`
	Page       int    `query:"page" minimum:"1" maximum:"100000" default:"1" doc:"Page, 1-based."`
	PerPage    int    `query:"per_page" minimum:"1" maximum:"100" default:"25" doc:"Page size."`
}

type createOrgInput struct {
	Body NewOrganisation
}

type updateOrgInput struct {
	ID   int64 `path:"id" minimum:"1" example:"42" doc:"Organisation id."`
	Body OrganisationInput
}

type ipAllowlistInput struct {
	ID   int64 `path:"id" minimum:"1" example:"42" doc:"Organisation id."`
	Body IPAllowlistInput
}

type createUserInput struct {
	Body UserInput
}

type permissionsInput struct {
	ID   int64 `path:"id" minimum:"1" example:"17" doc:"User id."`
	Body PermissionsInput
}

type createTokenInput struct {
	Body APITokenInput
}

type auditInput struct {
	Action    string `query:"action" maxLength:"100" example:"organisation.update" doc:"Only this action."`
	ActorKind string `query:"actor_kind" enum:"staff,customer,system,public" doc:"Only changes by this kind of actor."`
	Q         string `query:"q" maxLength:"200" doc:"Matches the summary, the actor's e-mail address or job name, and the object id."`
	OrgID     int64  `query:"org_id" minimum:"0" example:"42" doc:"Only entries about this organisation (staff). For customers the trail is always their own organisation's; another id is refused."`
	Before    int64  `query:"before" minimum:"0" example:"1000" doc:"Only entries before this seq: pass next_before of the previous page."`
	Limit     int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Page size."`
}

type mailInput struct {
	OrgID  int64 `query:"org_id" minimum:"0" example:"42" doc:"Only mail about this organisation."`
	Before int64 `query:"before" minimum:"0" example:"120" doc:"Only messages before this id: pass next_before of the previous page."`
	Limit  int   `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
}

// routes registers every operation. A new operation with an object id must also get a
// case in the tenant-isolation test, which fails until it does.
func (s *server) routes() {
	d := s.deps

	register(s, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/api/v1/me", Tags: []string{"me"},
		Summary:     "Who am I",
		Description: "The user, organisation and token this request acts as.",
	}, func(ctx context.Context, p accounts.Principal, _ *struct{}) (*body[Me], error) {
		me := Me{User: userOut(p.User), Staff: p.IsStaff(), CanWrite: p.CanWrite()}
		if p.Org != nil {
			o := organisationOut(*p.Org)
			me.Organisation = &o
		}
		if p.Token != nil {
			t := tokenOut(*p.Token)
			me.Token = &t
		}
		return reply(me)
	})

	// --- organisations ---

	register(s, huma.Operation{
		OperationID: "list-organisations", Method: http.MethodGet, Path: "/api/v1/organisations", Tags: []string{"organisations"},
		Summary:     "List organisations",
		Description: "Staff see every customer; a reseller sees its own customers.",
	}, func(ctx context.Context, p accounts.Principal, in *listOrgsInput) (*body[OrganisationList], error) {
		f := accounts.OrgFilter{Query: in.Q, Kind: accounts.OrgKind(in.Kind), ResellerID: in.ResellerID, Page: in.Page, PerPage: in.PerPage}
		if in.Disabled != "" {
			v := in.Disabled == "true"
			f.Disabled = &v
		}
		orgs, total, err := d.Accounts.ListOrganisations(ctx, p, f)
		if err != nil {
			return nil, err
		}
		out := OrganisationList{Items: make([]Organisation, len(orgs)), Total: total, Page: in.Page, PerPage: in.PerPage}
		for i, o := range orgs {
			out.Items[i] = organisationOut(o)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "create-organisation", Method: http.MethodPost, Path: "/api/v1/organisations", Tags: []string{"organisations"},
		Summary:       "Create an organisation",
		Description:   "Creates a customer and, when `admin` is given, its administrative user (staff: admin, sales, support; a reseller's admin user for its own customers).",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, p accounts.Principal, in *createOrgInput) (*body[Organisation], error) {
		o, err := d.Accounts.CreateOrganisation(ctx, p, in.Body.OrganisationInput.toAccounts(), in.Body.Admin.toAccounts())
		if err != nil {
			return nil, err
		}
		return reply(organisationOut(o))
	})

	register(s, huma.Operation{
		OperationID: "get-organisation", Method: http.MethodGet, Path: "/api/v1/organisations/{id}", Tags: []string{"organisations"},
		Summary: "Get an organisation", Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *orgIDInput) (*body[Organisation], error) {
		o, err := d.Accounts.GetOrganisation(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return reply(organisationOut(o))
	})

	register(s, huma.Operation{
		OperationID: "update-organisation", Method: http.MethodPut, Path: "/api/v1/organisations/{id}", Tags: []string{"organisations"},
		Summary:     "Update an organisation",
		Description: "Replaces the organisation's details (staff, or the organisation's administrative user for its contact details).",
		Errors:      []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *updateOrgInput) (*body[Organisation], error) {
		o, err := d.Accounts.UpdateOrganisation(ctx, p, in.ID, in.Body.toAccounts())
		if err != nil {
			return nil, err
		}
		return reply(organisationOut(o))
	})

	for _, disable := range []bool{true, false} {
		verb, summary, desc := "enable", "Enable an organisation", "Lets a disabled customer's users sign in again (staff)."
		if disable {
			verb, summary, desc = "disable", "Disable an organisation", "Stops the customer's users from signing in and ends their sessions (staff)."
		}
		register(s, huma.Operation{
			OperationID: verb + "-organisation", Method: http.MethodPost, Path: "/api/v1/organisations/{id}/" + verb, Tags: []string{"organisations"},
			Summary: summary, Description: desc, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
		}, func(ctx context.Context, p accounts.Principal, in *orgIDInput) (*noContent, error) {
			if err := d.Accounts.SetOrganisationDisabled(ctx, p, in.ID, disable); err != nil {
				return nil, err
			}
			return done, nil
		})
	}

	register(s, huma.Operation{
		OperationID: "set-organisation-ip-allowlist", Method: http.MethodPut, Path: "/api/v1/organisations/{id}/ip-allowlist", Tags: []string{"organisations"},
		Summary:     "Replace the IP allowlist",
		Description: "Restricts sign-in and token use by the organisation's users to these ranges (cp.security.access.3). Refused when it would lock out the address of this request.",
		Errors:      []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *ipAllowlistInput) (*body[Organisation], error) {
		if err := d.Accounts.SetIPAllowlist(ctx, p, in.ID, nonNil(in.Body.IPAllowlist), clientIPFrom(ctx)); err != nil {
			return nil, err
		}
		o, err := d.Accounts.GetOrganisation(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return reply(organisationOut(o))
	})

	// --- users ---

	register(s, huma.Operation{
		OperationID: "list-organisation-users", Method: http.MethodGet, Path: "/api/v1/organisations/{id}/users", Tags: []string{"users"},
		Summary: "List an organisation's users", Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *orgIDInput) (*body[UserList], error) {
		us, err := d.Accounts.ListUsers(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return reply(userList(us))
	})

	register(s, huma.Operation{
		OperationID: "list-staff-users", Method: http.MethodGet, Path: "/api/v1/staff-users", Tags: []string{"users"},
		Summary: "List staff users", Description: "The provider's staff (staff only).",
	}, func(ctx context.Context, p accounts.Principal, _ *struct{}) (*body[UserList], error) {
		us, err := d.Accounts.ListUsers(ctx, p, 0)
		if err != nil {
			return nil, err
		}
		return reply(userList(us))
	})

	register(s, huma.Operation{
		OperationID: "create-user", Method: http.MethodPost, Path: "/api/v1/users", Tags: []string{"users"},
		Summary:       "Create a user",
		Description:   "Creates a sub-user of an organisation (its administrative user, a user with the users permission, or staff) or, without org_id, a staff user (staff admins).",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, p accounts.Principal, in *createUserInput) (*body[User], error) {
		u, err := d.Accounts.CreateUser(ctx, p, in.Body.toAccounts())
		if err != nil {
			return nil, err
		}
		return reply(userOut(u))
	})

	register(s, huma.Operation{
		OperationID: "get-user", Method: http.MethodGet, Path: "/api/v1/users/{id}", Tags: []string{"users"},
		Summary: "Get a user", Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *userIDInput) (*body[User], error) {
		u, err := d.Accounts.GetUser(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return reply(userOut(u))
	})

	register(s, huma.Operation{
		OperationID: "set-user-permissions", Method: http.MethodPut, Path: "/api/v1/users/{id}/permissions", Tags: []string{"users"},
		Summary:     "Replace a user's permissions",
		Description: "Sets a sub-user's permissions (cp.av.3.6) or a staff user's roles.",
		Errors:      []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *permissionsInput) (*body[User], error) {
		u, err := d.Accounts.SetUserPermissions(ctx, p, in.ID,
			typed[accounts.Permission](in.Body.Permissions), typed[accounts.Role](in.Body.Roles))
		if err != nil {
			return nil, err
		}
		return reply(userOut(u))
	})

	for _, disable := range []bool{true, false} {
		verb, summary, desc := "enable", "Enable a user", "Lets a disabled user sign in again."
		if disable {
			verb, summary, desc = "disable", "Disable a user", "Stops the user from signing in and ends its sessions."
		}
		register(s, huma.Operation{
			OperationID: verb + "-user", Method: http.MethodPost, Path: "/api/v1/users/{id}/" + verb, Tags: []string{"users"},
			Summary: summary, Description: desc, DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
		}, func(ctx context.Context, p accounts.Principal, in *userIDInput) (*noContent, error) {
			if err := d.Accounts.SetUserDisabled(ctx, p, in.ID, disable); err != nil {
				return nil, err
			}
			return done, nil
		})
	}

	// --- tokens ---

	register(s, huma.Operation{
		OperationID: "list-tokens", Method: http.MethodGet, Path: "/api/v1/tokens", Tags: []string{"tokens"},
		Summary: "List API tokens", Description: "Your tokens; an organisation's administrative user sees the organisation's.",
	}, func(ctx context.Context, p accounts.Principal, _ *struct{}) (*body[APITokenList], error) {
		ts, err := d.Accounts.ListAPITokens(ctx, p)
		if err != nil {
			return nil, err
		}
		out := APITokenList{Items: make([]APIToken, len(ts))}
		for i, t := range ts {
			out.Items[i] = tokenOut(t)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "create-token", Method: http.MethodPost, Path: "/api/v1/tokens", Tags: []string{"tokens"},
		Summary: "Create an API token",
		Description: "Creates a token for your own user; the secret is in this response only. Credentials are managed in a " +
			"signed-in session, so a leaked token cannot mint more: a request authenticated with an API token is refused " +
			"with 403. Create tokens in the portal.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, p accounts.Principal, in *createTokenInput) (*body[NewAPIToken], error) {
		t, secret, err := d.Accounts.CreateAPIToken(ctx, p, in.Body.Name, typed[accounts.Scope](in.Body.Scopes), in.Body.ExpiresInDays)
		if err != nil {
			return nil, err
		}
		return reply(NewAPIToken{Token: tokenOut(t), Secret: secret})
	})

	register(s, huma.Operation{
		OperationID: "revoke-token", Method: http.MethodDelete, Path: "/api/v1/tokens/{id}", Tags: []string{"tokens"},
		Summary:       "Revoke an API token",
		Description:   "The token stops working at once. Your own tokens; an organisation's administrative user may revoke the organisation's, staff with the security role any.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *tokenIDInput) (*noContent, error) {
		if err := d.Accounts.RevokeAPIToken(ctx, p, in.ID); err != nil {
			return nil, err
		}
		return done, nil
	})

	// --- audit ---

	register(s, huma.Operation{
		OperationID: "list-audit", Method: http.MethodGet, Path: "/api/v1/audit", Tags: []string{"audit"},
		Summary: "Read the audit trail",
		Description: "Entries newest first. Staff read the whole trail; a customer reads its own organisation's part " +
			"(users with any permission), without the addresses staff worked from.",
	}, func(ctx context.Context, p accounts.Principal, in *auditInput) (*body[AuditPage], error) {
		f := audit.Filter{OrgID: in.OrgID, Action: in.Action, ActorKind: audit.ActorKind(in.ActorKind), Query: in.Q, BeforeSeq: in.Before, Limit: in.Limit}
		// Who worked from which address is for those who read the whole trail.
		customer := !p.Can(accounts.AuditRead, accounts.Provider)
		es, err := d.Accounts.AuditTrail(ctx, p, f)
		if err != nil {
			return nil, err
		}
		out := AuditPage{Items: make([]AuditEntry, len(es))}
		for i, e := range es {
			out.Items[i] = auditOut(e, customer)
		}
		if len(es) == in.Limit {
			out.NextBefore = es[len(es)-1].Seq
		}
		return reply(out)
	})

	s.contractRoutes()
	s.billingRoutes()
	s.usageRoutes()

	if d.Demo {
		register(s, huma.Operation{
			OperationID: "list-mail", Method: http.MethodGet, Path: "/api/v1/mail", Tags: []string{"demo"},
			Summary:     "Read the mail outbox (demo)",
			Description: "Messages hostpact has queued, newest first, so a demo can follow password-reset and notice mails. Staff only; present only on a demo instance.",
		}, func(ctx context.Context, p accounts.Principal, in *mailInput) (*body[MailPage], error) {
			ms, err := d.Accounts.Outbox(ctx, p, in.OrgID, in.Before, in.Limit)
			if err != nil {
				return nil, err
			}
			out := MailPage{Items: make([]Mail, len(ms))}
			for i, m := range ms {
				out.Items[i] = mailOut(m)
			}
			if len(ms) == in.Limit {
				out.NextBefore = ms[len(ms)-1].ID
			}
			return reply(out)
		})
	}
}

// clientIPFrom returns the client address the middleware recorded for the audit trail.
func clientIPFrom(ctx context.Context) string { return audit.ActorFrom(ctx).IP }

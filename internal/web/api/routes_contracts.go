package api

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/terms"
)

// --- inputs ---

type planIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"12" doc:"Plan id."`
}

type contractIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"31" doc:"Contract id."`
}

type subIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"88" doc:"Subscription id."`
}

type quoteIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"7" doc:"Quote id."`
}

type listProductsInput struct {
	IncludeInactive bool `query:"include_inactive" doc:"Also products no longer on sale (staff)."`
}

type listPlansInput struct {
	ProductID       int64  `query:"product_id" minimum:"0" example:"3" doc:"Only this product's plans."`
	Kind            string `query:"kind" maxLength:"40" example:"webhosting" doc:"Only plans of products of this kind."`
	IncludeInactive bool   `query:"include_inactive" doc:"Also plans that can no longer be ordered (staff)."`
}

type createPlanInput struct {
	Body NewPlan
}

type updatePlanInput struct {
	ID   int64 `path:"id" minimum:"1" example:"12" doc:"Plan id."`
	Body PlanFields
}

type checkoutInput struct {
	Body CheckoutInput
}

type orderInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"A unique key per submission (8-200 characters); or send idempotency_key in the body."`
	Body           OrderInput
}

type listContractsInput struct {
	OrgID   int64  `query:"org_id" minimum:"0" example:"42" doc:"Only this organisation's contracts (staff). A customer always sees its own; another id is not found."`
	Status  string `query:"status" enum:"active,ended,withdrawn" doc:"Only contracts with this status."`
	Page    int    `query:"page" minimum:"1" maximum:"100000" default:"1" doc:"Page, 1-based."`
	PerPage int    `query:"per_page" minimum:"1" maximum:"100" default:"25" doc:"Page size."`
}

type cancellationPreviewInput struct {
	ID   int64 `path:"id" minimum:"1" example:"88" doc:"Subscription id."`
	Body CancellationPreviewInput
}

type cancelInput struct {
	ID   int64 `path:"id" minimum:"1" example:"88" doc:"Subscription id."`
	Body CancellationInput
}

type withdrawalInput struct {
	ID   int64 `path:"id" minimum:"1" example:"31" doc:"Contract id."`
	Body WithdrawalInput
}

type changePlanInput struct {
	ID   int64 `path:"id" minimum:"1" example:"88" doc:"Subscription id."`
	Body ChangePlanInput
}

type listQuotesInput struct {
	OrgID   int64  `query:"org_id" minimum:"0" example:"42" doc:"Only this organisation's quotes (staff). A customer always sees its own; another id is not found."`
	Status  string `query:"status" enum:"draft,sent,accepted,declined" doc:"Only quotes with this status."`
	Page    int    `query:"page" minimum:"1" maximum:"100000" default:"1" doc:"Page, 1-based."`
	PerPage int    `query:"per_page" minimum:"1" maximum:"100" default:"25" doc:"Page size."`
}

type createQuoteInput struct {
	Body QuoteInput
}

type acceptQuoteInput struct {
	ID             int64  `path:"id" minimum:"1" example:"7" doc:"Quote id."`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"A unique key per submission (8-200 characters); or send idempotency_key in the body."`
	Body           *AcceptQuoteInput
}

type declineQuoteInput struct {
	ID   int64 `path:"id" minimum:"1" example:"7" doc:"Quote id."`
	Body *ReasonInput
}

type priceIncreaseInput struct {
	Body PriceIncreaseInput
}

type termsVersionInput struct {
	Body TermsVersionInput
}

type objectionInput struct {
	ID   int64 `path:"id" minimum:"1" example:"3" doc:"Terms version id."`
	Body ObjectionInput
}

type forceMajeureInput struct {
	Body ForceMajeureInput
}

type forceMajeureEndInput struct {
	ID   int64 `path:"id" minimum:"1" example:"1" doc:"Force majeure id."`
	Body ForceMajeureEndInput
}

type refuseInput struct {
	ID   int64 `path:"id" minimum:"1" example:"42" doc:"Organisation id."`
	Body *ReasonInput
}

// created answers 201 for a new object and 200 for a repeated submission that
// returned the object an earlier one created.
type created[T any] struct {
	Status int
	Body   T
}

// keyLocks serialises submissions with the same idempotency key within this process,
// so that the answer to a double submit can say which request created the contract.
// The database guarantees one contract per key across instances either way.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyLocks) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// idempotencyKey takes the key from the header or the body; both must agree.
func idempotencyKey(header, body string) (string, error) {
	switch {
	case header != "" && body != "" && header != body:
		return "", accounts.FieldErrors{"idempotency_key": i18n.T("api.idempotency_key_header_idempotency")}
	case header != "":
		return header, nil
	}
	return body, nil
}

// ownOrg is the organisation an operation acts for: the given one, or the customer's own.
func ownOrg(p accounts.Principal, orgID int64) (int64, error) {
	if orgID != 0 {
		return orgID, nil
	}
	if p.IsStaff() {
		return 0, accounts.FieldErrors{"org_id": i18n.T("api.staff_give_organisation")}
	}
	return p.User.OrgID, nil
}

// customerReceivedNow refuses the fields only staff may send: a customer's notice is
// received now, through the portal.
func customerReceivedNow(p accounts.Principal, channel string, receivedAt *time.Time) error {
	if p.IsStaff() {
		return nil
	}
	fe := accounts.FieldErrors{}
	if channel != "" {
		fe["channel"] = i18n.T("api.only_staff_record_channel")
	}
	if receivedAt != nil {
		fe["received_at"] = i18n.T("api.only_staff_record_moment")
	}
	return fieldErrs(fe)
}

func (s *server) packName() string {
	if s.deps.Pack == nil {
		return ""
	}
	return s.deps.Pack.Name
}

// concluded runs a submission that concludes a contract under an idempotency key and
// reports whether this call created it: the organisation's newest contract is read
// under the key's lock, so a retry (sequential or concurrent, within this instance),
// which returns an older contract, is told apart from the first submission.
func (s *server) concluded(ctx context.Context, p accounts.Principal, orgID int64, key string, run func() (contracts.Contract, error)) (*created[Contract], error) {
	var newest int64 = -1
	if key != "" {
		defer s.orderKeys.lock(strconv.FormatInt(orgID, 10) + "\x00" + key)()
		if cs, _, err := s.deps.Contracts.ListContracts(ctx, p, contracts.ContractFilter{OrgID: orgID}, contracts.Page{Limit: 1}); err == nil {
			newest = 0
			if len(cs) > 0 {
				newest = cs[0].ID
			}
		}
	}
	c, err := run()
	if err != nil {
		return nil, err
	}
	status := http.StatusCreated
	if c.ID <= newest {
		status = http.StatusOK
	}
	return &created[Contract]{Status: status, Body: contractOut(c)}, nil
}

func (s *server) contractRoutes() {
	d := s.deps

	// --- catalog ---

	register(s, huma.Operation{
		OperationID: "list-products", Method: http.MethodGet, Path: "/api/v1/catalog/products", Tags: []string{"catalog"},
		Summary: "List products", Description: "What the provider sells under its terms. Staff may include products no longer on sale.",
	}, func(ctx context.Context, p accounts.Principal, in *listProductsInput) (*body[ProductList], error) {
		ps, err := d.Catalog.ListProducts(ctx, s.packName(), !(in.IncludeInactive && p.Can(accounts.CatalogManage, accounts.Provider)))
		if err != nil {
			return nil, err
		}
		out := ProductList{Items: make([]Product, len(ps))}
		for i, pr := range ps {
			out.Items[i] = productOut(pr)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "list-plans", Method: http.MethodGet, Path: "/api/v1/catalog/plans", Tags: []string{"catalog"},
		Summary: "List plans", Description: "The plans on sale, by product and price; filter by product or kind. Staff may include plans no longer on sale.",
	}, func(ctx context.Context, p accounts.Principal, in *listPlansInput) (*body[PlanList], error) {
		ps, err := d.Catalog.ListPlans(ctx, catalog.PlanFilter{Pack: s.packName(), ProductID: in.ProductID, Kind: catalog.Kind(in.Kind),
			ActiveOnly: !(in.IncludeInactive && p.Can(accounts.CatalogManage, accounts.Provider))})
		if err != nil {
			return nil, err
		}
		out := PlanList{Items: make([]Plan, len(ps))}
		for i, pl := range ps {
			out.Items[i] = planOut(pl)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "get-plan", Method: http.MethodGet, Path: "/api/v1/catalog/plans/{id}", Tags: []string{"catalog"},
		Summary: "Get a plan", Description: "A plan of the catalog; customers see only plans on sale.", Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *planIDInput) (*body[Plan], error) {
		pl, err := d.Catalog.GetPlan(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if pl.Pack != s.packName() || (!pl.Active && !p.Can(accounts.CatalogManage, accounts.Provider)) {
			return nil, accounts.ErrNotFound
		}
		return reply(planOut(pl))
	})

	register(s, huma.Operation{
		OperationID: "create-plan", Method: http.MethodPost, Path: "/api/v1/catalog/plans", Tags: []string{"catalog"},
		Summary: "Create a plan", Description: "Adds a plan to a product (staff with the sales role).", DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, p accounts.Principal, in *createPlanInput) (*body[Plan], error) {
		fe := accounts.FieldErrors{}
		pin := in.Body.PlanFields.toCatalog(fe)
		pin.ProductID, pin.Code = in.Body.ProductID, in.Body.Code
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		if pin.ProductID != 0 {
			if pr, err := d.Catalog.GetProduct(ctx, pin.ProductID); err == nil && pr.Pack != s.packName() {
				return nil, accounts.FieldErrors{"product_id": i18n.T("api.no_such_product")}
			}
		}
		pl, err := d.Catalog.CreatePlan(ctx, p, pin)
		if err != nil {
			return nil, err
		}
		return reply(planOut(pl))
	})

	register(s, huma.Operation{
		OperationID: "update-plan", Method: http.MethodPut, Path: "/api/v1/catalog/plans/{id}", Tags: []string{"catalog"},
		Summary: "Update a plan",
		Description: "Changes a plan for new orders (staff with the sales role). Running subscriptions keep their price; " +
			"raising it is a price increase (POST /api/v1/price-increases).",
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *updatePlanInput) (*body[Plan], error) {
		fe := accounts.FieldErrors{}
		pin := in.Body.toCatalog(fe)
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		pl, err := d.Catalog.UpdatePlan(ctx, p, in.ID, pin)
		if err != nil {
			return nil, err
		}
		return reply(planOut(pl))
	})

	// --- checkout and orders ---

	register(s, huma.Operation{
		OperationID: "checkout", Method: http.MethodPost, Path: "/api/v1/checkout", Tags: []string{"orders"},
		Summary: "Price an order",
		Description: "What an order would cost (excl. and incl. VAT) and on which terms: the term, when it renews, how and by when it " +
			"can be cancelled and, for a consumer, the right of withdrawal, each with its explanation. Nothing is saved.",
	}, func(ctx context.Context, p accounts.Principal, in *checkoutInput) (*body[Checkout], error) {
		org, err := ownOrg(p, in.Body.OrgID)
		if err != nil {
			return nil, err
		}
		co, err := d.Contracts.Checkout(ctx, p, contracts.CheckoutInput{OrgID: org, Lines: orderLines(in.Body.Lines)})
		if err != nil {
			return nil, err
		}
		return reply(checkoutOut(co, langOf(ctx)))
	})

	register(s, huma.Operation{
		OperationID: "place-order", Method: http.MethodPost, Path: "/api/v1/orders", Tags: []string{"orders"},
		Summary: "Place an order",
		Description: "Concludes a contract (cp.av.2.1) with the current terms version accepted (`terms_version` from checkout, `accept_terms`). " +
			"An idempotency key is required (`Idempotency-Key` header or `idempotency_key`): a retry with the same key returns the " +
			"same contract with 200 instead of 201 and creates nothing; the same key with a different body is refused with 409. " +
			"The acceptance records who, when, from which address and user agent, and the SHA-256 of the content.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict},
	}, func(ctx context.Context, p accounts.Principal, in *orderInput) (*created[Contract], error) {
		key, err := idempotencyKey(in.IdempotencyKey, in.Body.IdempotencyKey)
		if err != nil {
			return nil, err
		}
		org, err := ownOrg(p, in.Body.OrgID)
		if err != nil {
			return nil, err
		}
		actor := audit.ActorFrom(ctx)
		return s.concluded(ctx, p, org, key, func() (contracts.Contract, error) {
			return d.Contracts.PlaceOrder(ctx, p, contracts.OrderInput{OrgID: org, Lines: orderLines(in.Body.Lines),
				TermsVersion: in.Body.TermsVersion, AcceptTerms: in.Body.AcceptTerms, ExpressStart: in.Body.ExpressStart,
				IdempotencyKey: key, IP: actor.IP, UserAgent: actor.UserAgent})
		})
	})

	// --- contracts and subscriptions ---

	register(s, huma.Operation{
		OperationID: "list-contracts", Method: http.MethodGet, Path: "/api/v1/contracts", Tags: []string{"contracts"},
		Summary:     "List contracts",
		Description: "Newest first. Staff see every customer's (filter by org_id and status); a customer its own.",
	}, func(ctx context.Context, p accounts.Principal, in *listContractsInput) (*body[ContractList], error) {
		cs, total, err := d.Contracts.ListContracts(ctx, p, contracts.ContractFilter{OrgID: in.OrgID, Status: in.Status},
			contracts.Page{Limit: in.PerPage, Offset: (in.Page - 1) * in.PerPage})
		if err != nil {
			return nil, err
		}
		out := ContractList{Items: make([]Contract, len(cs)), Total: total, Page: in.Page, PerPage: in.PerPage}
		for i, c := range cs {
			out.Items[i] = contractOut(c)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "get-contract", Method: http.MethodGet, Path: "/api/v1/contracts/{id}", Tags: []string{"contracts"},
		Summary: "Get a contract", Description: "A contract with its subscriptions and the record of its acceptance.", Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *contractIDInput) (*body[Contract], error) {
		c, err := d.Contracts.GetContract(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return reply(contractOut(c))
	})

	register(s, huma.Operation{
		OperationID: "get-subscription", Method: http.MethodGet, Path: "/api/v1/subscriptions/{id}", Tags: []string{"contracts"},
		Summary: "Get a subscription", Description: "One service under a contract: its term, next renewal and, once cancelled, its end.", Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *subIDInput) (*body[Subscription], error) {
		sub, err := d.Contracts.GetSubscription(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return reply(subscriptionOut(sub))
	})

	register(s, huma.Operation{
		OperationID: "preview-cancellation", Method: http.MethodPost, Path: "/api/v1/subscriptions/{id}/cancellation-preview", Tags: []string{"contracts"},
		Summary: "Preview a cancellation",
		Description: "When the subscription would end if cancelled now (staff: at received_at), and why (cp.av.13.1-13.3, fo.av.20.3). " +
			"Nothing is saved. Send the ends_on shown as expect_ends_on when cancelling.",
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *cancellationPreviewInput) (*body[CancellationPreview], error) {
		if err := customerReceivedNow(p, "", in.Body.ReceivedAt); err != nil {
			return nil, err
		}
		ci := contracts.CancelInput{Basis: in.Body.Basis, BasisID: in.Body.BasisID}
		if in.Body.ReceivedAt != nil {
			ci.ReceivedAt = *in.Body.ReceivedAt
		}
		pv, err := d.Contracts.PreviewCancellation(ctx, p, in.ID, ci)
		if err != nil {
			return nil, err
		}
		return reply(cancellationPreviewOut(pv, langOf(ctx)))
	})

	register(s, huma.Operation{
		OperationID: "cancel-subscription", Method: http.MethodPost, Path: "/api/v1/subscriptions/{id}/cancel", Tags: []string{"contracts"},
		Summary: "Cancel a subscription",
		Description: "A customer confirms its cancellation, received now; a confirmation with the end date is mailed. Staff (support) " +
			"record a cancellation they received, with its channel and moment of receipt (cp.av.13.4).",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *cancelInput) (*body[Cancellation], error) {
		b := in.Body
		if err := customerReceivedNow(p, b.Channel, b.ReceivedAt); err != nil {
			return nil, err
		}
		fe := accounts.FieldErrors{}
		ci := contracts.CancelInput{Basis: b.Basis, BasisID: b.BasisID, Channel: b.Channel, Note: b.Note,
			ExpectEndsOn: parseDate(fe, "expect_ends_on", b.ExpectEndsOn)}
		if b.ReceivedAt != nil {
			ci.ReceivedAt = *b.ReceivedAt
		}
		if !p.Can(accounts.CancellationRecord, accounts.Provider) && b.Note != "" {
			fe["note"] = i18n.T("api.only_staff_add_note")
		}
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		var c contracts.Cancellation
		var err error
		if p.Can(accounts.CancellationRecord, accounts.Provider) {
			c, err = d.Contracts.RecordCancellation(ctx, p, in.ID, ci)
		} else {
			c, err = d.Contracts.ConfirmCancellation(ctx, p, in.ID, ci)
		}
		if err != nil {
			return nil, err
		}
		return reply(Cancellation{ID: c.ID, CancellationPreview: cancellationPreviewOut(c.CancellationPreview, langOf(ctx)), Channel: c.Channel,
			ReceivedAt: c.ReceivedAt, ByStaff: c.ByStaff})
	})

	register(s, huma.Operation{
		OperationID: "change-plan", Method: http.MethodPost, Path: "/api/v1/subscriptions/{id}/change-plan", Tags: []string{"contracts"},
		Summary: "Change plan",
		Description: "Moves the subscription to another plan of the same product: a raise at once with a prorated charge, a reduction " +
			"at the end of the term (cp.av.9.1).",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *changePlanInput) (*body[PlanChange], error) {
		pc, err := d.Contracts.ChangePlan(ctx, p, in.ID, in.Body.PlanID)
		if err != nil {
			return nil, err
		}
		return reply(planChangeOut(pc))
	})

	register(s, huma.Operation{
		OperationID: "preview-withdrawal", Method: http.MethodPost, Path: "/api/v1/contracts/{id}/withdrawal-preview", Tags: []string{"contracts"},
		Summary: "Preview a withdrawal",
		Description: "Whether a consumer's withdrawal received now (staff: at received_at) is valid per service, and what is refunded " +
			"(cp.av.13.9, cp.withdrawal.*). Nothing is saved.",
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *withdrawalInput) (*body[Withdrawal], error) {
		if err := customerReceivedNow(p, in.Body.Channel, in.Body.ReceivedAt); err != nil {
			return nil, err
		}
		wi := contracts.WithdrawalInput{Channel: in.Body.Channel}
		if in.Body.ReceivedAt != nil {
			wi.ReceivedAt = *in.Body.ReceivedAt
		}
		w, err := d.Contracts.PreviewWithdrawal(ctx, p, in.ID, wi)
		if err != nil {
			return nil, err
		}
		return reply(withdrawalOut(w, langOf(ctx)))
	})

	register(s, huma.Operation{
		OperationID: "withdraw", Method: http.MethodPost, Path: "/api/v1/contracts/{id}/withdraw", Tags: []string{"contracts"},
		Summary: "Withdraw from a contract",
		Description: "A consumer withdraws (herroeping), received now: the withdrawn services end at once, the refund is recorded and " +
			"a confirmation is mailed; a refused withdrawal is recorded with its reasons. Staff (support) record a withdrawal they " +
			"received, with its channel and moment of receipt.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *withdrawalInput) (*body[Withdrawal], error) {
		if err := customerReceivedNow(p, in.Body.Channel, in.Body.ReceivedAt); err != nil {
			return nil, err
		}
		var w contracts.Withdrawal
		var err error
		if p.Can(accounts.WithdrawalRecord, accounts.Provider) {
			wi := contracts.WithdrawalInput{Channel: in.Body.Channel}
			if in.Body.ReceivedAt != nil {
				wi.ReceivedAt = *in.Body.ReceivedAt
			}
			w, err = d.Contracts.RecordWithdrawal(ctx, p, in.ID, wi)
		} else {
			w, err = d.Contracts.ConfirmWithdrawal(ctx, p, in.ID)
		}
		if err != nil {
			return nil, err
		}
		return reply(withdrawalOut(w, langOf(ctx)))
	})

	// --- quotes ---

	register(s, huma.Operation{
		OperationID: "list-quotes", Method: http.MethodGet, Path: "/api/v1/quotes", Tags: []string{"quotes"},
		Summary:     "List quotes",
		Description: "Newest first. Staff see every customer's, drafts included (filter by org_id and status); a customer the quotes sent to it.",
	}, func(ctx context.Context, p accounts.Principal, in *listQuotesInput) (*body[QuoteList], error) {
		qs, total, err := d.Contracts.ListQuotes(ctx, p, contracts.QuoteFilter{OrgID: in.OrgID, Status: in.Status},
			contracts.Page{Limit: in.PerPage, Offset: (in.Page - 1) * in.PerPage})
		if err != nil {
			return nil, err
		}
		out := QuoteList{Items: make([]Quote, len(qs)), Total: total, Page: in.Page, PerPage: in.PerPage}
		for i, q := range qs {
			out.Items[i] = quoteOut(q)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "create-quote", Method: http.MethodPost, Path: "/api/v1/quotes", Tags: []string{"quotes"},
		Summary: "Draft a quote", Description: "A quote of catalog plans (prices may be overridden) or free lines (staff with the sales role).",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, p accounts.Principal, in *createQuoteInput) (*body[Quote], error) {
		fe := accounts.FieldErrors{}
		qi := in.Body.toContracts(fe)
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		q, err := d.Contracts.CreateQuote(ctx, p, qi)
		if err != nil {
			return nil, err
		}
		return reply(quoteOut(q))
	})

	register(s, huma.Operation{
		OperationID: "get-quote", Method: http.MethodGet, Path: "/api/v1/quotes/{id}", Tags: []string{"quotes"},
		Summary: "Get a quote", Description: "A customer sees the quotes sent to it, not drafts.", Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *quoteIDInput) (*body[Quote], error) {
		q, err := d.Contracts.GetQuote(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return reply(quoteOut(q))
	})

	register(s, huma.Operation{
		OperationID: "get-quote-pdf", Method: http.MethodGet, Path: "/api/v1/quotes/{id}/pdf", Tags: []string{"quotes"},
		Summary: "Quote as PDF",
		Description: "The quote as PDF in the customer's language. A sent quote is rendered from its frozen content (the content " +
			"whose sha256 an acceptance records); a draft, for staff only, from its current lines.",
		Errors: []int{http.StatusNotFound}, Responses: fileResponses("application/pdf", "The PDF."),
	}, func(ctx context.Context, p accounts.Principal, in *quoteIDInput) (*file, error) {
		q, pdf, err := d.Contracts.QuotePDF(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return &file{ContentType: "application/pdf", Body: pdf,
			ContentDisposition: mime.FormatMediaType("attachment", map[string]string{"filename": "quote-" + strconv.FormatInt(q.ID, 10) + ".pdf"})}, nil
	})

	register(s, huma.Operation{
		OperationID: "send-quote", Method: http.MethodPost, Path: "/api/v1/quotes/{id}/send", Tags: []string{"quotes"},
		Summary: "Send a quote",
		Description: "Mails a draft to the customer; its content is then frozen and hashed, and it expires per the terms (cp.av.2.2, " +
			"fo.av.2.3) unless it states its own validity (staff with the sales role).",
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *quoteIDInput) (*body[Quote], error) {
		q, err := d.Contracts.SendQuote(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return reply(quoteOut(q))
	})

	register(s, huma.Operation{
		OperationID: "accept-quote", Method: http.MethodPost, Path: "/api/v1/quotes/{id}/accept", Tags: []string{"quotes"},
		Summary: "Accept a quote",
		Description: "Concludes the contract of a sent quote (cp.av.2.8, fo.av.2.4), recording who accepted, when, from which address " +
			"and user agent, the SHA-256 of the content and the terms version. Staff (sales) record an acceptance received by e-mail. " +
			"After expiry it is refused unless staff allowed a late acceptance. An idempotency key is required; a retry with the same " +
			"key returns the same contract with 200; the same key with a different body (another quote or content hash) is refused with 409.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, p accounts.Principal, in *acceptQuoteInput) (*created[Contract], error) {
		var b AcceptQuoteInput
		if in.Body != nil {
			b = *in.Body
		}
		key, err := idempotencyKey(in.IdempotencyKey, b.IdempotencyKey)
		if err != nil {
			return nil, err
		}
		q, err := d.Contracts.GetQuote(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		actor := audit.ActorFrom(ctx)
		return s.concluded(ctx, p, q.OrgID, key, func() (contracts.Contract, error) {
			return d.Contracts.AcceptQuote(ctx, p, in.ID, contracts.AcceptInput{IdempotencyKey: key, ContentHash: b.ContentHash,
				IP: actor.IP, UserAgent: actor.UserAgent})
		})
	})

	register(s, huma.Operation{
		OperationID: "decline-quote", Method: http.MethodPost, Path: "/api/v1/quotes/{id}/decline", Tags: []string{"quotes"},
		Summary: "Decline a quote", Description: "The customer declines a sent quote (or staff record that it did).",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *declineQuoteInput) (*noContent, error) {
		reason := ""
		if in.Body != nil {
			reason = in.Body.Reason
		}
		if err := d.Contracts.DeclineQuote(ctx, p, in.ID, reason); err != nil {
			return nil, err
		}
		return done, nil
	})

	register(s, huma.Operation{
		OperationID: "allow-late-acceptance", Method: http.MethodPost, Path: "/api/v1/quotes/{id}/allow-late-acceptance", Tags: []string{"quotes"},
		Summary:       "Allow a late acceptance",
		Description:   "Lets the customer accept a quote after it expired; the provider may, but need not (fo.av.2.3). Staff with the sales role.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *quoteIDInput) (*noContent, error) {
		if err := d.Contracts.AllowLateAcceptance(ctx, p, in.ID); err != nil {
			return nil, err
		}
		return done, nil
	})

	// --- staff: price increases, terms, force majeure, refusals ---

	register(s, huma.Operation{
		OperationID: "schedule-price-increase", Method: http.MethodPost, Path: "/api/v1/price-increases", Tags: []string{"terms"},
		Summary: "Schedule a price increase",
		Description: "Announces today a price increase of a plan for its running subscriptions (cp.av.4.3, fo.av.15.3-15.4). What the " +
			"terms forbid for every contract is refused and saves nothing; a contract for which it is too early is left out, with " +
			"the reasons. Each affected customer is notified. Staff with the sales role.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, p accounts.Principal, in *priceIncreaseInput) (*body[PriceIncrease], error) {
		fe := accounts.FieldErrors{}
		pi := contracts.PriceIncreaseInput{PlanID: in.Body.PlanID, NewPrice: parseMoney(fe, "new_price", in.Body.NewPrice),
			Effective: parseDate(fe, "effective", in.Body.Effective), Note: in.Body.Note}
		if in.Body.Index != "" {
			r, err := terms.ParseRate(in.Body.Index)
			if err != nil {
				fe["index"] = i18n.From(err)
			}
			pi.Index = r
		}
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		out, err := d.Contracts.SchedulePriceIncrease(ctx, p, pi)
		if err != nil {
			return nil, err
		}
		return reply(priceIncreaseOut(out))
	})

	register(s, huma.Operation{
		OperationID: "get-terms-versions", Method: http.MethodGet, Path: "/api/v1/terms-versions", Tags: []string{"terms"},
		Summary: "List terms versions",
		Description: "The version of the terms a new order accepts today, and the versions published, newest first, with their " +
			"dates: when each takes effect, the last day for an objection where the terms provide for one (fo.av.22.3) and the day " +
			"as of which a customer who does not accept may end the contract (cp.av.18.3).",
	}, func(ctx context.Context, p accounts.Principal, _ *struct{}) (*body[TermsVersions], error) {
		v, err := d.Contracts.CurrentTermsVersion(ctx)
		if err != nil {
			return nil, err
		}
		vs, err := d.Contracts.ListTermsVersions(ctx, p)
		if err != nil {
			return nil, err
		}
		out := TermsVersions{Current: v, Items: make([]TermsVersion, len(vs))}
		for i, tv := range vs {
			out.Items[i] = termsVersionOut(tv)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "publish-terms-version", Method: http.MethodPost, Path: "/api/v1/terms-versions", Tags: []string{"terms"},
		Summary: "Publish a terms version",
		Description: "Announces a new version of the terms today, effective no earlier than the terms allow (cp.av.18.2, fo.av.22.1); " +
			"every customer with a running contract is notified. Staff with the sales role.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, p accounts.Principal, in *termsVersionInput) (*body[TermsVersion], error) {
		fe := accounts.FieldErrors{}
		ti := contracts.TermsVersionInput{Version: in.Body.Version, Effective: parseDate(fe, "effective", in.Body.Effective), Summary: in.Body.Summary}
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		tv, err := d.Contracts.PublishTermsVersion(ctx, p, ti)
		if err != nil {
			return nil, err
		}
		return reply(termsVersionOut(tv))
	})

	register(s, huma.Operation{
		OperationID: "object-to-terms-version", Method: http.MethodPost, Path: "/api/v1/terms-versions/{id}/objection", Tags: []string{"terms"},
		Summary: "Object to new terms",
		Description: "Records a customer's written, reasoned objection to announced terms (fo.av.22.3), where the terms provide for it " +
			"and within its period. Where they do not (cp.av.18.3), cancel with basis terms-change instead.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *objectionInput) (*noContent, error) {
		org, err := ownOrg(p, in.Body.OrgID)
		if err != nil {
			return nil, err
		}
		if err := d.Contracts.ObjectToTermsChange(ctx, p, in.ID, org, in.Body.Reason); err != nil {
			return nil, err
		}
		return done, nil
	})

	register(s, huma.Operation{
		OperationID: "record-force-majeure", Method: http.MethodPost, Path: "/api/v1/force-majeure", Tags: []string{"terms"},
		Summary: "Record force majeure",
		Description: "Records the start of force majeure (cp.av.12.4, fo.av.18.3); if it lasts beyond the terms' period, contracts may " +
			"be ended with immediate effect (cancellation basis force-majeure). Staff with the support role.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, p accounts.Principal, in *forceMajeureInput) (*body[ForceMajeure], error) {
		fe := accounts.FieldErrors{}
		started := parseDate(fe, "started_on", in.Body.StartedOn)
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		fm, err := d.Contracts.RecordForceMajeure(ctx, p, started, in.Body.Description)
		if err != nil {
			return nil, err
		}
		return reply(forceMajeureOut(fm))
	})

	register(s, huma.Operation{
		OperationID: "end-force-majeure", Method: http.MethodPost, Path: "/api/v1/force-majeure/{id}/end", Tags: []string{"terms"},
		Summary: "End force majeure", Description: "Records the day force majeure ended. Staff with the support role.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *forceMajeureEndInput) (*noContent, error) {
		fe := accounts.FieldErrors{}
		ended := parseDate(fe, "ended_on", in.Body.EndedOn)
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		if err := d.Contracts.EndForceMajeure(ctx, p, in.ID, ended); err != nil {
			return nil, err
		}
		return done, nil
	})

	register(s, huma.Operation{
		OperationID: "refuse-customer", Method: http.MethodPost, Path: "/api/v1/organisations/{id}/refuse", Tags: []string{"organisations"},
		Summary:       "Refuse a customer",
		Description:   "The provider refuses this customer (cp.av.2.6): it can no longer order or accept a quote. Staff with the sales role.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *refuseInput) (*noContent, error) {
		reason := ""
		if in.Body != nil {
			reason = in.Body.Reason
		}
		if err := d.Contracts.RefuseCustomer(ctx, p, in.ID, reason); err != nil {
			return nil, err
		}
		return done, nil
	})

	register(s, huma.Operation{
		OperationID: "accept-customer", Method: http.MethodPost, Path: "/api/v1/organisations/{id}/accept-customer", Tags: []string{"organisations"},
		Summary: "Lift a refusal", Description: "The customer may order again. Staff with the sales role.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *orgIDInput) (*noContent, error) {
		if err := p.Check(accounts.CustomerRefuse, accounts.Provider); err != nil {
			return nil, err
		}
		if _, err := d.Accounts.GetOrganisation(ctx, p, in.ID); err != nil {
			return nil, err
		}
		if err := d.Contracts.AcceptCustomer(ctx, p, in.ID); err != nil {
			return nil, err
		}
		return done, nil
	})
}

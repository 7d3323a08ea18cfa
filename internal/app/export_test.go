package app

import (
	"github.com/hostpact/hostpact/internal/billing/ledger"
	"github.com/hostpact/hostpact/internal/payments"
)

// LedgerOf is the payments.Ledger the app gives the payments service.
func LedgerOf(a *App) payments.Ledger { return ledger.New(a.Billing, a.paid.add) }

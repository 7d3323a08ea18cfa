package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestHandlersAskAccounts fails when web or API code decides on roles or permissions
// itself instead of asking accounts (Principal.Can/Check over the action table): no
// HasRole, no Has(permission), no reading a principal's Roles, Permissions or OrgAdmin,
// and no role or permission constant. Whether a signed-in person is staff (IsStaff)
// picks the half of the application, not a right, and stays allowed.
func TestHandlersAskAccounts(t *testing.T) {
	t.Parallel()
	var files []string
	for _, dir := range []string{".", "api"} {
		m, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
	}
	if len(files) < 10 {
		t.Fatalf("found only %d files; is the test running in internal/web?", len(files))
	}
	fset := token.NewFileSet()
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			name := sel.Sel.Name
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "accounts" &&
				(strings.HasPrefix(name, "Role") && name != "Roles" && name != "Role" ||
					strings.HasPrefix(name, "Perm") && name != "Permissions" && name != "Permission") {
				t.Errorf("%s: uses accounts.%s; ask p.Can(action, org) instead", fset.Position(sel.Pos()), name)
			}
			switch name {
			case "HasRole", "Has":
				t.Errorf("%s: checks a role or permission with %s; ask p.Can(action, org) instead", fset.Position(sel.Pos()), name)
			case "Roles", "Permissions", "OrgAdmin":
				// Reading them from the signed-in principal (p.User.X, p.P.User.X) is a
				// role check; a user being shown or edited is data.
				if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "User" && principalExpr(inner.X) {
					t.Errorf("%s: reads the principal's %s; ask p.Can(action, org) instead", fset.Position(sel.Pos()), name)
				}
			}
			return true
		})
	}
}

// principalExpr reports whether e names the acting principal as web code spells it:
// p, by, pg.P or p.P.
func principalExpr(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name == "p" || x.Name == "by"
	case *ast.SelectorExpr:
		return x.Sel.Name == "P"
	case *ast.StarExpr:
		return principalExpr(x.X)
	}
	return false
}

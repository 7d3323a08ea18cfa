package terms

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEveryStepOutsideTermsHasAKey: every explanation step the other packages build
// (a terms.Step literal, or an element of a terms.Explanation literal) names its
// sentence in the catalogue, so no step a reader sees falls back to the English Says.
// A key written as a string literal must be in the catalogue; a key chosen at run time
// (a variable) is covered by the package's own tests.
func TestEveryStepOutsideTermsHasAKey(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	steps := 0
	check := func(lit *ast.CompositeLit) {
		steps++
		pos := fset.Position(lit.Pos())
		rel, _ := filepath.Rel(root, pos.Filename)
		where := filepath.ToSlash(rel) + ":" + strconv.Itoa(pos.Line)
		for _, e := range lit.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			if id, ok := kv.Key.(*ast.Ident); !ok || id.Name != "Key" {
				continue
			}
			if bl, ok := kv.Value.(*ast.BasicLit); ok && bl.Kind == token.STRING {
				k, _ := strconv.Unquote(bl.Value)
				if !HasExplainMessage(k) {
					t.Errorf("%s: step key %q is not in the explanation catalogue", where, k)
				}
			}
			return
		}
		t.Errorf("%s: explanation step without a Key (add its sentence to internal/terms/explain_messages_pkgs.go)", where)
	}
	isTerms := func(x ast.Expr, name string) bool {
		sel, ok := x.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != name {
			return false
		}
		pkg, ok := sel.X.(*ast.Ident)
		return ok && pkg.Name == "terms"
	}
	err = filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, root))
		if d.IsDir() {
			if strings.HasSuffix(rel, "/internal/terms") || strings.Contains(rel, "/testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			switch {
			case isTerms(lit.Type, "Step"):
				check(lit)
			case isTerms(lit.Type, "Explanation"):
				for _, e := range lit.Elts {
					if el, ok := e.(*ast.CompositeLit); ok && el.Type == nil {
						check(el)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if steps == 0 {
		t.Fatal("found no explanation steps outside internal/terms; is the walk looking in the right place?")
	}
}

package terms

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// clauseIDInCode matches a clause id of either reference pack inside a string.
var clauseIDInCode = regexp.MustCompile(`\b(cp|fo)\.[a-z]+\.`)

// clauseIDExceptions are the files outside internal/terms (a file, or a prefix of
// file names) whose string literals may name a clause id, each with the reason. Keep it
// short: a clause id in code is one provider's clause shown to another's customers.
var clauseIDExceptions = map[string]string{
	"internal/catalog/seed.go": "the product texts of the reference providers' own demo catalogues",
	// The processing register is the provider's own record (AVG art. 30), seeded once from
	// the reference provider's privacy statement and DPA and then edited by staff as data.
	"internal/privacy/register.go": "the reference provider's processing register, seeded once as data",
	// The OpenAPI document (huma descriptions, doc tags) documents the reference terms an
	// endpoint implements for integrators; it is not a decision shown to a customer.
	"internal/web/api/routes": "OpenAPI operation descriptions",
	"internal/web/api/models": "OpenAPI field documentation",
	// The document editor's help shows the anchor syntax with an example id.
	"internal/web/messages_documents.go": "the example of a clause anchor in the document editor's help",
}

// clauseIDException returns the exception that covers the file rel, or "".
func clauseIDException(rel string) string {
	for k := range clauseIDExceptions {
		if rel == k || (!strings.HasSuffix(k, ".go") && strings.HasPrefix(rel, k)) {
			return k
		}
	}
	return ""
}

// TestNoClauseIDsInCode fails when a Go string literal outside internal/terms (tests
// and comments aside) names a clause id such as cp.av.13.9 or fo.av.16.1: the clauses
// a decision rests on come from the pack in force (Policy accessors, explanations),
// so 5online's customers never see a Cloud Provider clause.
func TestNoClauseIDsInCode(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var found []string
	used := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "internal/terms" || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		hits, err := clauseIDLiterals(fset, path, nil)
		if err != nil {
			return err
		}
		if k := clauseIDException(rel); k != "" && len(hits) > 0 {
			used[k] = true
			return nil
		}
		found = append(found, hits...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("clause ids in string literals; take them from the policy in force:\n  %s", strings.Join(found, "\n  "))
	}
	for k := range clauseIDExceptions {
		if !used[k] {
			t.Errorf("%s no longer names a clause id: remove it from clauseIDExceptions", k)
		}
	}
}

// clauseIDLiterals lists the string literals of a Go file (src, or the file at path)
// that name a clause id; comments are not literals.
func clauseIDLiterals(fset *token.FileSet, path string, src any) ([]string, error) {
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var hits []string
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		if s, err := strconv.Unquote(lit.Value); err == nil && clauseIDInCode.MatchString(s) {
			hits = append(hits, fset.Position(lit.Pos()).String()+": "+clauseIDInCode.FindString(s)+"…")
		}
		return true
	})
	return hits, nil
}

func TestClauseIDLiterals(t *testing.T) {
	src := `package x

// Refusal rests on cp.av.2.6: comments may cite clauses.
const a = "refused (cp.av.2.6)"

var b = ` + "`" + `see fo.av.16.1` + "`" + `

type T struct {
	F string ` + "`" + `doc:"cp.sla.compensation.5"` + "`" + `
}

var c, d, e = "cp.avx", "backup.cp.av", "scp.av.1"
`
	hits, err := clauseIDLiterals(token.NewFileSet(), "x.go", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 3 || !strings.HasPrefix(hits[0], "x.go:4:") || !strings.HasPrefix(hits[1], "x.go:6:") || !strings.HasPrefix(hits[2], "x.go:9:") {
		t.Errorf("hits = %q, want the two literals and the tag", hits)
	}
}

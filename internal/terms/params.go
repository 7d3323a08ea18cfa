package terms

import (
	"encoding"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Parameter is one number or choice of a policy, flattened for listing and diffing:
// its path as written in the pack file, its value, and the clause ids of the section
// it belongs to.
type Parameter struct {
	Path    string   `json:"path"`
	Value   string   `json:"value"`
	Clauses []string `json:"clauses"`
}

// Parameters flattens a policy version into its parameters, in pack-file order
// (map entries sorted by key). Clause lists and reading notes are not parameters
// themselves; they are attached to the parameters of their section.
func Parameters(p *Policy) []Parameter {
	var out []Parameter
	flatten(reflect.ValueOf(p.Terms), "", nil, &out)
	return out
}

var textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()

func flatten(v reflect.Value, path string, clauses []string, out *[]Parameter) {
	t := v.Type()
	if t.Implements(textMarshalerType) {
		b, _ := v.Interface().(encoding.TextMarshaler).MarshalText() // Period, Date, Money and Rate never fail
		*out = append(*out, Parameter{Path: path, Value: string(b), Clauses: clauses})
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if f := v.FieldByName("Clauses"); f.IsValid() && f.Kind() == reflect.Slice {
			clauses = f.Interface().([]string)
		}
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			name := yamlName(sf)
			if name == "" || strings.HasSuffix(name, "clauses") || name == "reading" {
				continue
			}
			flatten(v.Field(i), joinPath(path, name), clauses, out)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			flatten(v.MapIndex(k), joinPath(path, k.String()), clauses, out)
		}
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		*out = append(*out, Parameter{Path: path, Value: "[" + strings.Join(parts, ", ") + "]", Clauses: clauses})
	default:
		*out = append(*out, Parameter{Path: path, Value: fmt.Sprint(v.Interface()), Clauses: clauses})
	}
}

// yamlName returns the yaml key of an exported struct field, or "" for fields not in
// the pack file.
func yamlName(sf reflect.StructField) string {
	if !sf.IsExported() {
		return ""
	}
	tag := sf.Tag.Get("yaml")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || name == "" {
		return ""
	}
	return name
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// collectClauses gathers every Clauses list reachable from v.
func collectClauses(v reflect.Value, seen map[string]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			collectClauses(v.Elem(), seen)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			if strings.HasSuffix(t.Field(i).Name, "Clauses") {
				for _, c := range v.Field(i).Interface().([]string) {
					seen[c] = true
				}
				continue
			}
			collectClauses(v.Field(i), seen)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			collectClauses(v.MapIndex(k), seen)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			collectClauses(v.Index(i), seen)
		}
	}
}

// ParamDiff is a parameter whose value or clauses differ between two policies.
type ParamDiff struct {
	Path     string   `json:"path"`
	A        string   `json:"a"`
	B        string   `json:"b"`
	AClauses []string `json:"a_clauses"`
	BClauses []string `json:"b_clauses"`
}

// Diff lists the parameters whose values differ between a and b. Clause ids always
// differ between providers, so they are reported but do not by themselves make a
// difference.
func Diff(a, b *Policy) []ParamDiff {
	pa, pb := Parameters(a), Parameters(b)
	ib := make(map[string]Parameter, len(pb))
	for _, p := range pb {
		ib[p.Path] = p
	}
	var out []ParamDiff
	for _, p := range pa {
		q, ok := ib[p.Path]
		if !ok || q.Value != p.Value {
			out = append(out, ParamDiff{Path: p.Path, A: p.Value, B: q.Value, AClauses: p.Clauses, BClauses: q.Clauses})
		}
		delete(ib, p.Path)
	}
	var rest []string
	for path := range ib {
		rest = append(rest, path)
	}
	sort.Strings(rest)
	for _, path := range rest {
		q := ib[path]
		out = append(out, ParamDiff{Path: path, B: q.Value, BClauses: q.Clauses})
	}
	return out
}

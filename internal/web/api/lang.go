package api

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hostpact/hostpact/internal/terms"
)

// Explanations in the reader's language (issue 9, part E). Every explanation step the
// API returns keeps its key and machine arguments and its sentence in both languages
// (text.nl, text.en); `sentence` is the one in the language the request asked for:
// ?lang=nl|en, else Accept-Language, else the token user's language, else Dutch.
// Amounts, dates and the other fields stay in machine form whatever the language.

// langParam lifts ?lang= into the Accept-Language header before huma sees the request:
// huma rejects query parameters an operation does not declare, and the language is
// one every operation accepts. A language hostpact does not write is dropped.
func langParam(r *http.Request) *http.Request {
	q := r.URL.Query()
	if _, asked := q["lang"]; !asked {
		return r
	}
	l := strings.ToLower(strings.TrimSpace(q.Get("lang")))
	q.Del("lang")
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	r2.RequestURI = r2.URL.RequestURI()
	if l == "nl" || l == "en" {
		r2.Header.Set("Accept-Language", l)
	}
	return r2
}

// acceptLanguage returns "nl" or "en", whichever Accept-Language weighs highest, or ""
// when it names neither.
func acceptLanguage(h string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if base != "nl" && base != "en" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// requestLang is the language of the request's sentences.
func requestLang(ctx huma.Context) string {
	if l := acceptLanguage(ctx.Header("Accept-Language")); l != "" {
		return l
	}
	if p, ok := principalFrom(ctx.Context()); ok && (p.User.Language == "nl" || p.User.Language == "en") {
		return p.User.Language
	}
	return "nl"
}

type langKey struct{}

// langOf is the request's language, set by authenticate, for the text fields an
// operation writes itself (term_text, a cancellation's or withdrawal's text); "nl"
// outside a request.
func langOf(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return "nl"
}

// localizeExplanations is a huma transformer: it writes each explanation step's
// sentence in the request's language.
func localizeExplanations(ctx huma.Context, _ string, v any) (any, error) {
	lang := requestLang(ctx)
	if fillSentences(reflect.ValueOf(v), lang) {
		ctx.SetHeader("Content-Language", lang)
	}
	return v, nil
}

var stepType = reflect.TypeFor[ExplanationStep]()

// holdsSteps caches whether a type can reach an []ExplanationStep, so the walk skips
// the bulk of a response (times, strings, lists of amounts).
var holdsSteps sync.Map // reflect.Type → bool

func reaches(t reflect.Type) bool {
	if v, ok := holdsSteps.Load(t); ok {
		return v.(bool)
	}
	r := reachesVia(t, map[reflect.Type]bool{})
	holdsSteps.Store(t, r)
	return r
}

func reachesVia(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false // a recursive type reaches steps only through its other fields
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return t.Elem() == stepType || reachesVia(t.Elem(), seen)
	case reflect.Interface:
		return true
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && reachesVia(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// fillSentences sets Sentence on every ExplanationStep reachable from v through
// pointers, slices and struct fields, and reports whether it found one. The steps sit
// in slices, whose elements are settable even when the struct holding the slice was
// passed by value.
func fillSentences(v reflect.Value, lang string) bool {
	if !v.IsValid() || !reaches(v.Type()) {
		return false
	}
	found := false
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			found = fillSentences(v.Elem(), lang)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem() == stepType && v.Kind() == reflect.Slice {
			for i := range v.Len() {
				st := v.Index(i).Addr().Interface().(*ExplanationStep)
				st.Sentence = terms.Step{Key: st.Key, Args: st.Args, Says: st.Says}.Text(lang)
			}
			return v.Len() > 0
		}
		for i := range v.Len() {
			found = fillSentences(v.Index(i), lang) || found
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			found = fillSentences(it.Value(), lang) || found
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				found = fillSentences(v.Field(i), lang) || found
			}
		}
	}
	return found
}

package web

import (
	"bytes"
	"errors"
	"html"
	"html/template"
	"io"
	"strings"
	"testing"
	"text/template/parse"
)

// readsAsText are html/template's escapers for element content, quoted attribute
// values and RCDATA: where HTML-escaped text reads as the string itself.
var readsAsText = map[string]bool{
	"_html_template_htmlescaper":   true,
	"_html_template_attrescaper":   true,
	"_html_template_rcdataescaper": true,
}

// TestCompiledTranslationsSitWhereTextReadsAsText lets html/template escape every page
// as it would at the first render, then looks at each fixed translation that
// compileTranslations turns into text: it must sit where escaped text reads the same
// as the escaped string would, never in a script, style, URL or unquoted attribute.
func TestCompiledTranslationsSitWhereTextReadsAsText(t *testing.T) {
	t.Parallel()
	set, err := parsePages("")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, l := range set.Templates() {
		if !strings.HasPrefix(l.Name(), "layout:") {
			continue
		}
		// Escaping happens before execution; the nil page only makes execution stop.
		err := set.ExecuteTemplate(io.Discard, l.Name(), nil)
		var escErr *template.Error
		if errors.As(err, &escErr) {
			t.Fatalf("%s: %v", l.Name(), err)
		}
	}
	// Each page's layout escapes what it calls; a partial called in another context is
	// escaped again under a derived name, which Templates lists too.
	for _, x := range set.Templates() {
		if x.Tree == nil {
			continue
		}
		name := x.Name()
		{
			walkActions(x.Tree.Root, func(a *parse.ActionNode) {
				if len(a.Pipe.Cmds) < 2 {
					return
				}
				first := &parse.ActionNode{Pipe: &parse.PipeNode{Cmds: a.Pipe.Cmds[:1]}}
				if _, ok := fixedTranslation(first); !ok {
					return
				}
				seen++
				for _, c := range a.Pipe.Cmds[1:] {
					if id, ok := c.Args[0].(*parse.IdentifierNode); !ok || !readsAsText[id.Ident] {
						t.Errorf("template %s: %s is escaped by %s: it cannot become text", name, a, c)
					}
				}
			})
		}
	}
	if seen < 1000 {
		t.Fatalf("found %d escaped fixed translations; the walk is not reaching the pages", seen)
	}
}

func walkActions(n parse.Node, f func(*parse.ActionNode)) {
	eachNode(n, func(l *parse.ListNode, i int) {
		if a, ok := l.Nodes[i].(*parse.ActionNode); ok {
			f(a)
		}
	})
}

// TestCompiledTranslationsReadTheSame renders a text with every character HTML treats
// specially in each context the pages put translations in, once as an action and once
// compiled, and compares what a browser reads.
func TestCompiledTranslationsReadTheSame(t *testing.T) {
	t.Parallel()
	const text = `Tom & Jerry's "<b>+1</b>" café`
	contexts := []string{
		`<p>%s</p>`,
		`<a title="%s" aria-label='%s'>x</a>`,
		`<input placeholder="%s" value="%s">`,
		`<title>%s</title>`,
		`<textarea>%s</textarea>`,
		`<select><option>%s</option></select>`,
	}
	for _, c := range contexts {
		dynamic := template.Must(template.New("").Parse(strings.ReplaceAll(c, "%s", "{{.}}")))
		var want bytes.Buffer
		if err := dynamic.Execute(&want, text); err != nil {
			t.Fatal(err)
		}
		compiled := template.Must(template.New("").Parse(strings.ReplaceAll(c, "%s", `{{$.T "k"}}`)))
		compileWith(compiled.Tree.Root, html.EscapeString(text))
		var got bytes.Buffer
		if err := compiled.Execute(&got, nil); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if html.UnescapeString(got.String()) != html.UnescapeString(want.String()) {
			t.Errorf("%s:\ncompiled %s\naction   %s", c, got.String(), want.String())
		}
		if strings.Contains(got.String(), "<b>") {
			t.Errorf("%s: the compiled text let markup through: %s", c, got.String())
		}
	}
}

// compileWith does what compileTranslations does, with a given text for every key.
func compileWith(l *parse.ListNode, escaped string) {
	eachNode(l, func(l *parse.ListNode, i int) {
		if _, ok := fixedTranslation(l.Nodes[i]); ok {
			l.Nodes[i] = &parse.TextNode{NodeType: parse.NodeText, Text: []byte(escaped)}
		}
	})
}

// TestCompiledPagesSayWhatTheActionsSay renders a form page and the error page from the compiled and the parsed templates in both languages: the HTML a
// browser reads is the same.
func TestCompiledPagesSayWhatTheActionsSay(t *testing.T) {
	t.Parallel()
	parsed, err := parsePages("")
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := languagePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"nl", "en"} {
		for _, name := range []string{"form", "error"} {
			pg := &page{Lang: lang, Provider: "hostpact", Title: translate(lang, "login.title"),
				Data: errorView{Status: 404, Message: "x"}}
			if name == "form" {
				pg.Data = formView{Action: "/login", Submit: "login.title", Narrow: true}
				pg.Form = newForm(nil)
			}
			var a, b bytes.Buffer
			if err := parsed.ExecuteTemplate(&a, "layout:"+name, pg); err != nil {
				t.Fatalf("%s %s: %v", lang, name, err)
			}
			if err := compiled[lang].ExecuteTemplate(&b, "layout:"+name, pg); err != nil {
				t.Fatalf("%s %s: %v", lang, name, err)
			}
			if html.UnescapeString(a.String()) != html.UnescapeString(b.String()) {
				t.Errorf("%s %s: compiled page differs:\n%s\n---\n%s", lang, name, b.String(), a.String())
			}
			if n := strings.Count(a.String(), "<"); n < 20 {
				t.Errorf("%s %s: only %d tags: the page did not render", lang, name, n)
			}
		}
	}
}

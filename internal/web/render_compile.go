package web

import (
	"html"
	"html/template"
	"sync"
	"text/template/parse"
)

// languagePages are the page templates once per supported language, with every
// translation that takes no arguments written into the template as text.
//
// A page such as the portal home shows some two thousand fixed texts. Left as actions,
// each one costs two reflective calls at every render (page.T, then html/template's
// escaper): half of the page's rendering time under load. The language is known when a
// page is rendered and such a text depends on nothing else, so it is translated once,
// when the templates are parsed. Texts with arguments stay actions.
//
// The templates are embedded in the binary, so they are parsed once per process and
// shared by every server: html/template's sets are safe for concurrent use.
var languagePages = sync.OnceValues(func() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, lang := range []string{"nl", "en"} {
		set, err := parsePages(lang)
		if err != nil {
			return nil, err
		}
		out[lang] = set
	}
	return out, nil
})

// renameCall points every {{template from}} under n at to, and reports whether there
// was one.
func renameCall(n parse.Node, from, to string) bool {
	found := false
	eachNode(n, func(l *parse.ListNode, i int) {
		if t, ok := l.Nodes[i].(*parse.TemplateNode); ok && t.Name == from {
			t.Name, found = to, true
		}
	})
	return found
}

// compileTranslations replaces each {{$.T "key"}}, {{.T "key"}} and {{$p.T "key"}} under
// n by the translation as HTML-escaped text. It runs before html/template escapes the
// tree, which then treats the text as template source: escaped text reads the same in
// element content, quoted attribute values and RCDATA (title, textarea). The templates
// put no translation in a script, style, URL or unquoted attribute
// (TestCompiledTranslationsSitWhereTextReadsAsText lets html/template escape every page
// and fails on any other context).
//
// Only a page has a method T (render.go), and a page renders in one language, so a
// call that names T on the page, its variable or dot is the page's translation.
func compileTranslations(n parse.Node, lang string) {
	eachNode(n, func(l *parse.ListNode, i int) {
		if key, ok := fixedTranslation(l.Nodes[i]); ok {
			l.Nodes[i] = &parse.TextNode{NodeType: parse.NodeText, Pos: l.Nodes[i].Position(),
				Text: []byte(html.EscapeString(translate(lang, key)))}
		}
	})
}

// eachNode calls visit with every node under n, as its list and index so that visit
// may replace it, then goes into what the node (as visit left it) holds.
func eachNode(n parse.Node, visit func(l *parse.ListNode, i int)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for i := range n.Nodes {
			visit(n, i)
			eachNode(n.Nodes[i], visit)
		}
	case *parse.IfNode:
		eachNode(n.List, visit)
		eachNode(n.ElseList, visit)
	case *parse.RangeNode:
		eachNode(n.List, visit)
		eachNode(n.ElseList, visit)
	case *parse.WithNode:
		eachNode(n.List, visit)
		eachNode(n.ElseList, visit)
	}
}

// fixedTranslation reports whether n prints the page's translation of one literal key
// and nothing else, and which key.
func fixedTranslation(n parse.Node) (string, bool) {
	a, ok := n.(*parse.ActionNode)
	if !ok || a.Pipe == nil || len(a.Pipe.Decl) > 0 || len(a.Pipe.Cmds) != 1 {
		return "", false
	}
	args := a.Pipe.Cmds[0].Args
	if len(args) != 2 {
		return "", false
	}
	key, ok := args[1].(*parse.StringNode)
	if !ok {
		return "", false
	}
	switch f := args[0].(type) {
	case *parse.FieldNode:
		ok = len(f.Ident) == 1 && f.Ident[0] == "T"
	case *parse.VariableNode:
		ok = len(f.Ident) == 2 && f.Ident[1] == "T"
	default:
		ok = false
	}
	return key.Text, ok
}

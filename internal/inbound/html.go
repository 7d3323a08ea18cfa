package inbound

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

var blankLines = regexp.MustCompile(`\n{3,}`)

// HTMLToText turns an HTML body into readable plain text, for the many mail clients
// that send HTML alone: block elements start a line, a link keeps its address after
// its text, and scripts, styles and the head are dropped.
func HTMLToText(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "head", "title":
				return
			case "br":
				b.WriteString("\n")
				return
			case "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "pre", "hr":
				b.WriteString("\n")
				if n.Data == "li" {
					b.WriteString("- ")
				}
			}
		}
		if n.Type == html.TextNode {
			b.WriteString(strings.Join(strings.Fields(n.Data), " "))
			if strings.HasSuffix(n.Data, " ") || strings.HasSuffix(n.Data, "\n") {
				b.WriteString(" ")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "a":
				for _, a := range n.Attr {
					if a.Key == "href" && strings.HasPrefix(a.Val, "http") && !strings.Contains(textOf(n), a.Val) {
						b.WriteString(" <" + a.Val + ">")
					}
				}
			case "p", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "pre":
				b.WriteString("\n")
			case "td", "th":
				b.WriteString(" ")
			}
		}
	}
	walk(doc)
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

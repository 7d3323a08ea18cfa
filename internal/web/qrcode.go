package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// qrSVG draws text as a QR code in inline SVG markup, labelled alt for screen readers.
// Inline SVG is part of the page, not an image the browser fetches, so the security
// headers' default-src 'self' allows it without a data: source (middleware.go); and it
// has no style attribute, so no inline style is needed either.
//
// The encoder is github.com/boombuler/barcode, which github.com/pquerna/otp (our TOTP
// library) already depends on: a QR code costs no module that was not in the build.
func qrSVG(text, alt string) (template.HTML, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", err
	}
	const quiet = 4 // the quiet zone the standard asks around the symbol, in modules
	b := code.Bounds()
	n := b.Dx()
	var path strings.Builder
	for y := range b.Dy() {
		for x := range n {
			if r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA(); r != 0 {
				continue // a light module
			}
			fmt.Fprintf(&path, "M%d %dh1v1h-1z", x+quiet, y+quiet)
		}
	}
	size := n + 2*quiet
	// Everything interpolated is a number or the escaped alt text.
	return template.HTML(fmt.Sprintf(`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" shape-rendering="crispEdges"><title>%s</title><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		size, size, template.HTMLEscapeString(alt), template.HTMLEscapeString(alt), size, size, path.String())), nil
}

package vpn

import (
	"bytes"
	"image/png"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// ConfigQR draws a client configuration as a PNG QR code, which the WireGuard apps on
// phones scan. The configuration holds the private key: the page that shows it is the
// one-time display of Created.Sensitive, and the image is never stored.
func ConfigQR(config string) ([]byte, error) {
	code, err := qr.Encode(config, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	code, err = barcode.Scale(code, 384, 384)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, code); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

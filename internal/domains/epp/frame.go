package epp

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// MaxFrame bounds what we read from a registry: a frame header claiming more is refused
// before any allocation (RFC 5734 section 4 leaves the size to the implementation).
const MaxFrame = 4 << 20

// WriteFrame writes one data unit: a 32-bit big-endian length that counts itself,
// then the XML (RFC 5734 section 4).
func WriteFrame(w io.Writer, xmlBytes []byte) error {
	buf := make([]byte, 4+len(xmlBytes))
	binary.BigEndian.PutUint32(buf, uint32(len(buf)))
	copy(buf[4:], xmlBytes)
	_, err := w.Write(buf)
	return err
}

// ReadFrame reads one data unit and returns its XML.
func ReadFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n < 5 || n > MaxFrame {
		return nil, fmt.Errorf("epp: frame length %d out of range", n)
	}
	b := make([]byte, n-4)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Marshal renders a frame's XML with the declaration; indented so that the golden
// files and the registry's logs read well.
func Marshal(e *EPP) ([]byte, error) {
	b, err := xml.MarshalIndent(e, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

// Parse reads one frame's XML from outside. Anything but a well-formed <epp> in the
// EPP namespace with exactly one of greeting, response, command, hello or extension is
// refused; it never panics (FuzzParseResponse).
func Parse(b []byte) (*EPP, error) {
	var e EPP
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(&e); err != nil {
		return nil, fmt.Errorf("epp: malformed frame: %w", err)
	}
	n := 0
	for _, set := range []bool{e.Greeting != nil, e.Response != nil, e.Command != nil, e.Hello != nil, e.Extension != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("epp: frame must hold exactly one of greeting, response, command, hello, extension")
	}
	return &e, nil
}

// ParseResponse reads a registry's answer to a command and checks its shape: at least
// one result with a code in the EPP ranges.
func ParseResponse(b []byte) (*Response, error) {
	e, err := Parse(b)
	if err != nil {
		return nil, err
	}
	if e.Response == nil {
		return nil, errors.New("epp: expected a response")
	}
	r := e.Response
	if len(r.Results) == 0 {
		return nil, errors.New("epp: response without result")
	}
	for _, res := range r.Results {
		if res.Code < 1000 || res.Code > 2599 {
			return nil, fmt.Errorf("epp: result code %d out of range", res.Code)
		}
	}
	return r, nil
}

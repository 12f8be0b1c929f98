package stream

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
)

// Decoder returns a function that decodes the next value of r: the
// function keeps r.
func Decoder(r io.Reader) func(v any) error { // want Decoder:`httpfacts\(0:keeps\)`
	d := json.NewDecoder(r)
	return d.Decode
}

// Stream reads lines of a body it owns.
type Stream struct {
	body io.ReadCloser
	sc   *bufio.Scanner
}

// New keeps body in the stream it returns.
func New(body io.ReadCloser) *Stream { // want New:`httpfacts\(0:keeps\)`
	return &Stream{body: body, sc: bufio.NewScanner(body)}
}

// Lines reads r line by line.
func Lines(r io.Reader, f func(string)) { // want Lines:`httpfacts\(0:stream\)`
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f(sc.Text())
	}
}

// Status returns a response's status; it does nothing to the body.
func Status(resp *http.Response) int { // want Status:`httpfacts\(0:none\)`
	return resp.StatusCode
}

package stream

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
)

// Decoder returns a function that decodes the next value of r: the
// function holds r, and the caller owns r through it.
func Decoder(r io.Reader) func(v any) error { // want Decoder:`httpfacts\(0:builds\)`
	d := json.NewDecoder(r)
	return d.Decode
}

// Stream reads lines of a body it owns.
type Stream struct {
	body io.ReadCloser
	sc   *bufio.Scanner
}

// New holds body in the stream it returns.
func New(body io.ReadCloser) *Stream { // want New:`httpfacts\(0:builds\)`
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

// pending holds the bodies Forward has not finished with.
var pending []io.Reader

// Forward keeps r: it stores it where the caller cannot follow it.
func Forward(r io.Reader) { // want Forward:`httpfacts\(0:keeps\)`
	pending = append(pending, r)
}

// Copy keeps r: a goroutine reads it after Copy returns.
func Copy(r io.Reader) { // want Copy:`httpfacts\(0:keeps\)`
	go io.Copy(io.Discard, r)
}

// Package helper reads and closes bodies for its callers, in another
// package: what it does reaches them as a fact.
package helper

import (
	"io"
	"net/http"
)

// Release drains and closes a response's body.
func Release(resp *http.Response) { // want Release:`httpfacts\(0:eof,closed\)`
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}

// Check reads the body of a response it turns into an error, and
// leaves it open.
func Check(resp *http.Response) error { // want Check:`httpfacts\(0:eof-on-error\)`
	if resp.StatusCode < 300 {
		return nil
	}
	b, _ := io.ReadAll(resp.Body)
	return &statusError{resp.StatusCode, string(b)}
}

type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string { return e.body }

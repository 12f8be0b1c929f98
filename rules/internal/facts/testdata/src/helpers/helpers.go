package helpers

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
)

func requireOK(resp *http.Response) error { // want requireOK:`httpfacts\(0:eof-on-error,closed-on-error\)`
	return requireHttpCodes(resp, 200)
}

func requireHttpCodes(resp *http.Response, httpCodes ...int) error { // want requireHttpCodes:`httpfacts\(0:eof-on-error,closed-on-error\)`
	for _, httpCode := range httpCodes {
		if resp.StatusCode == httpCode {
			return nil
		}
	}
	return generateUnexpectedResponseCodeError(resp)
}

func generateUnexpectedResponseCodeError(resp *http.Response) error { // want generateUnexpectedResponseCodeError:`httpfacts\(0:eof,closed\)`
	var buf bytes.Buffer
	io.Copy(&buf, resp.Body)
	closeResponseBody(resp)
	return fmt.Errorf("unexpected response code: %d (%s)", resp.StatusCode, strings.TrimSpace(buf.String()))
}

func closeResponseBody(resp *http.Response) error { // want closeResponseBody:`httpfacts\(0:eof,closed\)`
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// Package statuses holds request methods whose summaries say which
// statuses the responses they hand back live may have.
package statuses

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

type Client struct{ hc *http.Client }

// Request turns every status but a 2xx into an error, after reading it.
func (c *Client) Request(req *http.Request) (*http.Response, error) { // want Request:`httpfacts\(status:200-299 result:live\)`
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	success := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !success {
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return nil, errors.New(string(b))
	}
	return resp, nil
}

// Get hands back what Request hands back.
func (c *Client) Get(u string) (*http.Response, error) { // want Get:`httpfacts\(status:200-299 result:live\)`
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return c.Request(req)
}

// Fetch hands back a 200 or a 404, through a switch, of the 2xx
// responses Request hands back: a 200.
func (c *Client) Fetch(req *http.Request) (*http.Response, error) { // want Fetch:`httpfacts\(status:200 result:live\)`
	resp, err := c.Request(req)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNotFound:
		return resp, nil
	}
	resp.Body.Close()
	return nil, fmt.Errorf("unexpected status %d", resp.StatusCode)
}

// Below400 uses a class test (StatusCode/100).
func Below400(hc *http.Client, req *http.Request) (*http.Response, error) { // want Below400:`httpfacts\(status:0-399 result:live\)`
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 >= 4 {
		resp.Body.Close()
		return nil, errors.New(resp.Status)
	}
	return resp, nil
}

// Any hands back every status.
func Any(hc *http.Client, req *http.Request) (*http.Response, error) { // want Any:`httpfacts\(result:live\)`
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 500 {
		fmt.Println("server error")
	}
	return resp, nil
}

// Until follows no redirect: the location of a 302 comes with a
// response it closed, and the live response with no location.
func Until(hc *http.Client, req *http.Request) (*url.URL, *http.Response, error) { // want Until:`httpfacts\(status:0-301,303-1023 nil-when-live:0 result:mixed\)`
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode == http.StatusFound {
		resp.Body.Close()
		loc, err := resp.Location()
		return loc, resp, err
	}
	return nil, resp, nil
}

// Both hands back a location with a live response too.
func Both(hc *http.Client, req *http.Request) (*url.URL, *http.Response, error) { // want Both:`httpfacts\(result:live\)`
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	loc, _ := resp.Location()
	return loc, resp, nil
}

// RedirectError is the error of a redirect not followed.
type RedirectError struct{ Location *url.URL }

func (e *RedirectError) Error() string { return "redirect to " + e.Location.String() }

// Found turns a redirect error into a location, with the response that
// came with the error: spent, as net/http's contract has it, even though
// the error check does not end the function. (The statuses are not
// narrowed: the paths from the check that falls through join the others.)
func Found(c *Client, req *http.Request) (*url.URL, *http.Response, error) { // want Found:`httpfacts\(nil-when-live:0 result:live\)`
	resp, err := c.Request(req)
	if err != nil {
		var re *RedirectError
		if errors.As(err, &re) {
			return re.Location, resp, nil
		}
	}
	return nil, resp, err
}

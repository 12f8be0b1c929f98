// Package methods holds request methods that hand their method down
// through layers of their own, and a Head built on them.
package methods

import (
	"context"
	"net/http"
)

// The context parameters are followed as readers may be (an interface),
// which they never are at a call: what the summaries say of them is moot.
type Client struct{ hc *http.Client }

// do sends the request, and retries it with the same method.
func (c *Client) do(ctx context.Context, method, u string, retries int) (*http.Response, error) { // want do:`httpfacts\(0:keeps method:1 result:live\)`
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if retries > 0 {
			return c.do(ctx, method, u, retries-1)
		}
		return nil, err
	}
	return resp, nil
}

// Request hands its method to do.
func (c *Client) Request(ctx context.Context, method, u string) (*http.Response, error) { // want Request:`httpfacts\(0:builds method:1 result:live\)`
	return c.do(ctx, method, u, 3)
}

// Head sends a HEAD request through Request: its response has no body.
func (c *Client) Head(ctx context.Context, u string) (*http.Response, error) { // want Head:`httpfacts\(0:builds head result:live\)`
	return c.Request(ctx, http.MethodHead, u)
}

// Send hands a method of its own choosing: no method parameter.
func (c *Client) Send(ctx context.Context, verb, u string) (*http.Response, error) { // want Send:`httpfacts\(0:builds result:live\)`
	return c.Request(ctx, "POST", u)
}

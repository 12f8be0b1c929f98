package weather

import (
	"net/http"
	"time"
)

// Client is a long-lived client: its Transport, built once per Client and
// kept in it, is the right pattern and is left alone.
type Client struct {
	base string
	hc   *http.Client
}

// New returns a Client for the API at base.
func New(base string) *Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second}
	return &Client{base: base, hc: &http.Client{Transport: tr}}
}

// get returns the response to the caller, who owns its body: left alone.
func (c *Client) get(path string) (*http.Response, error) {
	return c.hc.Get(c.base + path)
}

// Healthy only looks at the status: the body is never closed.
func (c *Client) Healthy() bool {
	resp, err := c.get("/health")
	if err != nil {
		return false
	}
	return resp.StatusCode == http.StatusOK
}

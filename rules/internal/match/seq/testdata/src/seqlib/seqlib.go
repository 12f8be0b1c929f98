package seqlib // want package:"sequential"

import (
	"net/http"
	"sort"
)

type Client struct{ hc *http.Client }

func New(hc *http.Client) *Client { return &Client{hc: hc} }

func (c *Client) GetAll(urls []string) {
	sort.Slice(urls, func(i, j int) bool { return urls[i] < urls[j] })
	for _, u := range urls {
		if resp, err := c.hc.Get(u); err == nil {
			resp.Body.Close()
		}
	}
}

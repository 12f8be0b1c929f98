package a

import (
	"net/http"
	"time"
)

func Fetch(url string) (int, error) {
	c := &http.Client{Transport: &http.Transport{IdleConnTimeout: 30 * time.Second}} // want `a Client and its Transport made on every call of Fetch`
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// NewClient keeps its Transport in what it returns: one pool per client,
// left alone.
func NewClient() *http.Client {
	return &http.Client{Transport: &http.Transport{}}
}

package a

import (
	"net/http"
	"sync"
	"time"
)

// Shared by the package: sized, never above MaxIdleConns.
var shared = &http.Transport{ // want `this Transport leaves MaxIdleConnsPerHost at 0`
	MaxIdleConns:    10,
	IdleConnTimeout: 30 * time.Second,
}

// NewClient keeps its Transport in what it returns: one pool per
// client, which serves every request of that client.
func NewClient() *http.Client {
	return &http.Client{Transport: &http.Transport{IdleConnTimeout: time.Minute}} // want `this Transport leaves MaxIdleConnsPerHost at 0`
}

// A Transport made for one call has a pool nobody shares: left to
// hoisttransport.
func once(url string) error {
	c := &http.Client{Transport: &http.Transport{IdleConnTimeout: time.Second}}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Set, even low, or with keep-alives off: left alone.
var chosen = &http.Transport{MaxIdleConnsPerHost: 8}

var off = &http.Transport{DisableKeepAlives: true}

// Low, and used from goroutines: reported.
var low = &http.Transport{MaxIdleConnsPerHost: 1} // want `keeps 1 idle connection per host and the package uses it from goroutines`

func fanOut(urls []string) {
	var wg sync.WaitGroup
	c := &http.Client{Transport: low}
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, err := c.Get(u); err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
}

package a

import "net/http"

type Options struct{ Close bool }

var tr = &http.Transport{DisableKeepAlives: true} // want `DisableKeepAlives: true turns the Transport's connection pool off`

func Fetch(c *http.Client, url string, opts Options) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	req.Close = true                      // want `req.Close = true closes the connection after every request`
	req.Header.Set("Connection", "close") // want `a "Connection: close" request header`
	if opts.Close {
		req.Close = true // the caller's choice
	}
	req.Close = opts.Close
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

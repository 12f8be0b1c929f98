package a

import (
	"net/http"
	"time"
)

func Status(url string) (int, error) {
	resp, err := http.Get(url) // want `http.Get uses http.DefaultClient`
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

func Poll(url string) (int, error) {
	c := &http.Client{Timeout: 5 * time.Second} // want `this http.Client uses http.DefaultTransport`
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

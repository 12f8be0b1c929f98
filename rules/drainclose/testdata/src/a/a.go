package a

import (
	"errors"
	"net/http"

	"helper"
)

// Released uses a helper of another package that drains and closes:
// nothing to do.
func Released(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer helper.Release(resp)
	if resp.StatusCode != 200 {
		return errors.New("bad status")
	}
	return nil
}

// Checked leaves the body open when the status is bad (the helper reads
// it but does not close it), and unread when it is good.
func Checked(url string) error {
	resp, err := http.Get(url) // want `resp.Body is not closed on every path`
	if err != nil {
		return err
	}
	if err := helper.Check(resp); err != nil {
		return err
	}
	return nil
}

// Leaky never closes the body.
func Leaky(url string) int {
	resp, err := http.Get(url) // want `resp.Body is not closed on every path`
	if err != nil {
		return 0
	}
	return resp.StatusCode
}

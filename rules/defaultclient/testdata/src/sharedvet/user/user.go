package user

import (
	"net/http"

	"sharedvet/httpx"
)

var _ = httpx.Client

func Get(url string) (*http.Response, error) {
	return http.Get(url) // want `http.Get uses http.DefaultClient, whose Transport keeps only 2 idle connections per host: use httpx.Client, the module's shared client`
}

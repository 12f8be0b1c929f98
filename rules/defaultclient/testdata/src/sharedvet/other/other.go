package other

import "net/http"

func Get(url string) (*http.Response, error) {
	return http.Get(url) // want `http.Get uses http.DefaultClient, whose Transport keeps only 2 idle connections per host: use httpClient\(\), the package's configured client`
}

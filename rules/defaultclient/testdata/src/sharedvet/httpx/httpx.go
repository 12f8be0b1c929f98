package httpx

import "net/http"

var Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

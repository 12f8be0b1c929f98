package main // want package:"sequential"

import (
	"net/http"

	"seqlib"
)

func main() {
	seqlib.New(&http.Client{Transport: &http.Transport{}}).GetAll([]string{"http://a", "http://b"})
}

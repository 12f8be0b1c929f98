package usesfan // want package:"concurrent\\(it imports fanlib, where a go statement starts a goroutine at .*\\)"

import (
	"net/http"

	"fanlib"
)

func Search(hc *http.Client, sites []string) { fanlib.GetAll(hc, sites) }

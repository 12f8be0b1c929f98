package timer // want package:"concurrent\\(time.AfterFunc runs code on goroutines at .*\\)"

import (
	"net/http"
	"time"
)

func Later(hc *http.Client, u string) {
	time.AfterFunc(time.Second, func() { hc.Get(u) })
}

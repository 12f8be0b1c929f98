package fanlib // want package:"concurrent\\(a go statement starts a goroutine at .*fanlib.go:9:3\\)"

import "net/http"

func GetAll(hc *http.Client, urls []string) {
	done := make(chan bool)
	for _, u := range urls {
		u := u
		go func() {
			if resp, err := hc.Get(u); err == nil {
				resp.Body.Close()
			}
			done <- true
		}()
	}
	for range urls {
		<-done
	}
}

// Command loadtest hits a server as fast as it can, the way seed 001's
// load test does: TIME_WAIT sockets pile up until ports run out.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"sync"
)

func main() {
	url := flag.String("url", "http://localhost:8080/", "server to load")
	workers := flag.Int("workers", 100, "concurrent workers")
	n := flag.Int("n", 100, "requests per worker")
	flag.Parse()

	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < *n; i++ {
				resp, err := http.Get(*url)
				if err != nil {
					log.Printf("get: %v", err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	once(*url)
}

// once closes the body without reading it.
func once(url string) {
	resp, err := http.Get(url)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
}

package weather

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// radarTransport talks to the radar host. Its dial deadline is meant as a
// timeout, but it stays on the connection in the pool: 10 seconds after
// the dial, whatever request reuses it fails with i/o timeout.
var radarTransport = &http.Transport{
	MaxIdleConnsPerHost: 16,
	DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	},
}

var radarClient = &http.Client{Transport: radarTransport}

// Radar fetches the latest radar frame. The request asks for its
// connection to be closed, against "connection reset by peer": reported.
func Radar(base string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/radar", nil)
	if err != nil {
		return nil, err
	}
	req.Close = true
	resp, err := radarClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// tileClient fetches map tiles many at a time, but its Transport keeps
// two idle connections per host.
var tileClient = &http.Client{Transport: &http.Transport{
	MaxIdleConns:    64,
	IdleConnTimeout: 90 * time.Second,
}, Timeout: 30 * time.Second}

// Tiles fetches map tiles concurrently.
func Tiles(base string, ids []int) ([][]byte, error) {
	tiles := make([][]byte, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := tileClient.Get(fmt.Sprintf("%s/tiles/%d", base, id))
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			tiles[i], errs[i] = io.ReadAll(resp.Body)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return tiles, nil
}

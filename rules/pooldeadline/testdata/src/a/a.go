package a

import (
	"net"
	"net/http"
	"time"
)

// Seed 000: every pooled connection expires 3s after its dial.
var tr = &http.Transport{
	MaxIdleConns: 100,
	Dial: func(netw, addr string) (net.Conn, error) {
		conn, err := net.DialTimeout(netw, addr, time.Second*2)
		if err != nil {
			return nil, err
		}
		err = conn.SetDeadline(time.Now().Add(time.Second * 3)) // want `expiry date on every connection it returns`
		if err != nil {
			return nil, err
		}
		return conn, nil
	},
}

// A named dial function may serve other callers: reported.
func dialTimeout(network, addr string) (net.Conn, error) {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return nil, err
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second)) // want `in dialTimeout \(a Transport's Dial function\)`
	return c, nil
}

var named = &http.Transport{Dial: dialTimeout}

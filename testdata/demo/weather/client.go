// Package weather is a client of a weather API, written the way code that
// loses its connections is usually written.
package weather

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Forecast is one day's forecast.
type Forecast struct {
	City string  `json:"city"`
	High float64 `json:"high"`
}

// Today fetches today's forecast. The deferred Close comes before the
// error check, and the decoder stops after one JSON value.
func Today(base, city string) (*Forecast, error) {
	resp, err := http.Get(base + "/today?city=" + city)
	defer resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("weather: %s", resp.Status)
	}
	var f Forecast
	if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Week builds a Transport for every call: each call dials anew and leaves
// its connections behind.
func Week(base, city string) ([]byte, error) {
	tr := &http.Transport{
		MaxIdleConns:    10,               // per call: useless
		IdleConnTimeout: 30 * time.Second, // never reached
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := client.Get(base + "/week?city=" + city)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// Alerts closes the body on the 404 path without reading it.
func Alerts(base, city string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/alerts?city="+city, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	if resp.StatusCode == http.StatusNotFound {
		resp.Body.Close()
		return "", nil
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b), err
}

// Ping ignores the error, so the response may be nil: reported.
func Ping(base string) int {
	resp, _ := http.Get(base + "/ping")
	defer resp.Body.Close()
	return resp.StatusCode
}

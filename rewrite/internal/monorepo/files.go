package monorepo

import (
	"fmt"
	"sort"
	"strings"
)

// A shape is one way of using net/http that httpfix rewrites, with the
// standard packages its code needs beyond those every client.go imports.
type shape struct {
	imports []string
	code    string
}

// shapes are the misuse shapes; an HTTP package holds three of them.
var shapes = []shape{
	// A body closed without being drained.
	{nil, `
// Touch fetches url and drops the answer.
func Touch(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
`},
	// A close deferred before the error check. The call goes through a
	// method of the package, as in real code, which vet does not follow.
	{nil, `
type fetcher struct{ hc *http.Client }

func (f *fetcher) get(url string) (*http.Response, error) {
	return f.hc.Get(url)
}

// Status returns the status code url answers with.
func Status(url string) (int, error) {
	f := &fetcher{hc: client}
	resp, err := f.get(url)
	defer resp.Body.Close()
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
`},
	// A status-code return before the body is read.
	{[]string{"fmt"}, `
// Body returns the body of url, which must answer 200.
func Body(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("@N: %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}
`},
	// A JSON decoder that stops after one value.
	{[]string{"encoding/json"}, `
// Load decodes the record url serves.
func Load(url string) (*Record, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r Record
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}
`},
	// http.DefaultClient.
	{[]string{"bytes", "fmt"}, `
// Post sends payload to url.
func Post(ctx context.Context, url string, payload []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("@N: post %s: %s", url, resp.Status)
	}
	return nil
}
`},
	// A Transport and a Client built for every call.
	{nil, `
// Fetch gets url through a transport of its own.
func Fetch(url string) ([]byte, error) {
	tr := &http.Transport{
		MaxIdleConns:    10,
		IdleConnTimeout: 30 * time.Second,
	}
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
`},
}

// Code every client.go holds: a constructor that keeps its Transport in
// the client it returns (the right pattern, to be left alone), and a
// helper that hands its response to the caller.
const clientCode = `
// Client talks to one @N server, through a pool of its own.
type Client struct {
	base string
	hc   *http.Client
}

// NewClient returns a client of base.
func NewClient(base string, timeout time.Duration) *Client {
	tr := &http.Transport{
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Client{base: base, hc: &http.Client{Transport: tr, Timeout: timeout}}
}

// Get returns the body at path, read to the end.
func (c *Client) Get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// Open starts a GET of url; the caller closes the body.
func Open(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return client.Do(req)
}
`

const misuseClient = `
// client serves the package's requests.
var client = &http.Client{Timeout: 10 * time.Second}
`

const correctClient = `
// client serves the package's requests, through a pool of its own.
var client = &http.Client{
	Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second},
	Timeout:   10 * time.Second,
}

// Read returns the body of url, read to the end.
func Read(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
`

const recordCode = `
// Record is one @N record.
type Record struct {
	ID    int      ` + "`json:\"id\"`" + `
	Name  string   ` + "`json:\"name\"`" + `
	Tags  []string ` + "`json:\"tags,omitempty\"`" + `
	Score float64  ` + "`json:\"score\"`" + `
}

// String formats the record.
func (r Record) String() string {
	return fmt.Sprintf("%s#%d[%s]", r.Name, r.ID, strings.Join(r.Tags, ","))
}
`

const sortCode = `
// Sort orders records by score, highest first, then by name.
func Sort(rs []Record) {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Score != rs[j].Score {
			return rs[i].Score > rs[j].Score
		}
		return rs[i].Name < rs[j].Name
	})
}

// Index maps records by name; of several with one name, the last wins.
func Index(rs []Record) map[string]*Record {
	m := make(map[string]*Record, len(rs))
	for i := range rs {
		m[rs[i].Name] = &rs[i]
	}
	return m
}

// Filter returns the records carrying tag.
func Filter(rs []Record, tag string) []Record {
	var out []Record
	for _, r := range rs {
		for _, t := range r.Tags {
			if t == tag {
				out = append(out, r)
				break
			}
		}
	}
	return out
}
`

const probeCode = `
// Probe reports whether url answers 200, through @H.
func Probe(ctx context.Context, url string) bool {
	resp, err := @H.Open(ctx, url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == 200
}

// Remote returns a client of base.
func Remote(base string) *@H.Client {
	return @H.NewClient(base, 5*time.Second)
}
`

const utilFile = `package @N

import (
	"errors"
	"strconv"
	"strings"
)

var errEmpty = errors.New("@N: empty record")

// Parse reads a record written as "name:id:score".
func Parse(s string) (Record, error) {
	if s == "" {
		return Record{}, errEmpty
	}
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 {
		return Record{}, errors.New("@N: want name:id:score")
	}
	id, err := strconv.Atoi(parts[1])
	if err != nil {
		return Record{}, err
	}
	score, err := strconv.ParseFloat(parts[2], 64)
	if err != nil {
		return Record{}, err
	}
	return Record{ID: id, Name: parts[0], Score: score}, nil
}

// Sum adds ns.
func Sum(ns []int) int {
	total := 0
	for _, n := range ns {
		total += n
	}
	return total
}

func clamp(x, lo, hi int) int {
	switch {
	case x < lo:
		return lo
	case x > hi:
		return hi
	}
	return x
}
`

const parseTest = `package @N

import "testing"

func TestParse(t *testing.T) {
	r, err := Parse("a:1:2.5")
	if err != nil || r.ID != 1 || r.Name != "a" {
		t.Fatalf("Parse = %+v, %v", r, err)
	}
	if _, err := Parse(""); err == nil {
		t.Fatal("Parse accepted an empty string")
	}
}
`

const handlerTest = `package @N

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestServeRecord(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, Record{ID: 1, Name: "a"}.String())
	})
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/", nil))
	if rr.Code != http.StatusOK {
		t.Fatalf("code %d", rr.Code)
	}
}
`

const clientTest = `package @N

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestClientGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	body, err := NewClient(srv.URL, time.Second).Get(context.Background(), "/")
	if err != nil || string(body) != "ok" {
		t.Fatalf("Get = %q, %v", body, err)
	}
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
`

// files returns the files of p by name.
func (p *pkg) files() map[string]string {
	n := strings.NewReplacer("@N", p.name)
	out := map[string]string{"util.go": n.Replace(utilFile)}

	// The package's main file: its records and its Value, built on the
	// Values of its imports.
	std := []string{"fmt", "sort", "strings"}
	var tree []string
	var b strings.Builder
	b.WriteString(recordCode)
	fmt.Fprintf(&b, `
// Value derives a number from n and the values of the packages it imports.
func Value(n int) int {
	v := n*%d + %d
`, 3+p.index%7, p.index)
	for _, d := range p.deps {
		tree = append(tree, d.path)
		fmt.Fprintf(&b, "\tv += %s.Value(n + 1)\n", d.name)
	}
	b.WriteString("\treturn clamp(v, -1<<20, 1<<20)\n}\n")
	b.WriteString(sortCode)
	if h := p.client; h != nil {
		std = append(std, "context", "time")
		tree = append(tree, h.path)
		b.WriteString(strings.NewReplacer("@H", h.name).Replace(probeCode))
	}
	main := p.name + ".go"
	doc := fmt.Sprintf("// Package %s holds the %s records.\n", p.name, p.name)
	if p.http {
		main = "model.go"
		doc = ""
	}
	out[main] = doc + goFile(p.name, std, tree, n.Replace(b.String()))

	if p.http {
		std := []string{"context", "io", "net/http", "time"}
		b.Reset()
		if p.correct {
			b.WriteString(correctClient)
		} else {
			b.WriteString(misuseClient)
			for _, s := range p.shapes {
				std = append(std, shapes[s].imports...)
				b.WriteString(shapes[s].code)
			}
		}
		b.WriteString(clientCode)
		out["client.go"] = fmt.Sprintf("// Package %s is a client of the %s service.\n", p.name, p.name) +
			goFile(p.name, std, nil, n.Replace(b.String()))
	}

	switch {
	case p.test == 2:
		out["handler_test.go"] = n.Replace(handlerTest)
	case p.test == 1 && p.http:
		out["client_test.go"] = n.Replace(clientTest)
	case p.test == 1:
		out[p.name+"_test.go"] = n.Replace(parseTest)
	}
	return out
}

// goFile returns a gofmt-clean Go file of package name with the given
// imports (standard library first) and body.
func goFile(name string, std, tree []string, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\nimport (\n", name)
	for i, group := range [][]string{dedup(std), dedup(tree)} {
		if i == 1 && len(group) > 0 {
			b.WriteString("\n")
		}
		for _, imp := range group {
			fmt.Fprintf(&b, "\t%q\n", imp)
		}
	}
	b.WriteString(")\n")
	b.WriteString(body)
	return b.String()
}

func dedup(list []string) []string {
	list = append([]string(nil), list...)
	sort.Strings(list)
	out := list[:0]
	for i, s := range list {
		if i == 0 || s != list[i-1] {
			out = append(out, s)
		}
	}
	return out
}

package rewrite

import (
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// reachTree has packages that import net/http (api*), and packages that
// import them without importing net/http themselves (use*), some of which
// may hold a response body of their own.
var reachTree = map[string]string{
	"go.mod": "module example.com/m\n\ngo 1.26\n",
	"api/api.go": `package api

import (
	"net/http"
	"time"
)

type Client struct{ hc *http.Client }

func New(timeout time.Duration) *Client { return &Client{hc: &http.Client{Timeout: timeout}} }

func (c *Client) Get(url string) (*http.Response, error) { return c.hc.Get(url) }

// Version is plain data.
func Version() string { return "1" }

type Record struct{ Name string }

func Parse(s string) Record { return Record{Name: s} }
`,
	// Calls a method returning a response: a site.
	"usemethod/u.go": `package usemethod

import "example.com/m/api"

func Ping(c *api.Client) error {
	resp, err := c.Get("http://x")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
`,
	// Uses only plain data of api: nothing to do.
	"useplain/u.go": `package useplain

import "example.com/m/api"

func V() string { return api.Version() + api.Parse("x").Name }
`,
	// Only its test calls into api.
	"usetest/u.go": `package usetest

import "example.com/m/api"

func V() string { return api.Version() }
`,
	"usetest/u_test.go": `package usetest

import (
	"testing"
	"time"

	"example.com/m/api"
)

func TestX(t *testing.T) { api.New(time.Second) }
`,
	"model/model.go": `package model

type Thing struct{ N int }
`,
	// Exports a variable holding a function of net/http, and a function
	// returning a type of another package of the tree.
	"apivar/a.go": `package apivar

import (
	"net/http"

	"example.com/m/model"
)

var Fetch = http.Get

func Make() *model.Thing { return nil }

func Name() string { return "apivar" }

var _ *http.Response
`,
	"usevar/u.go": `package usevar

import "example.com/m/apivar"

func F() { resp, _ := apivar.Fetch("http://x"); resp.Body.Close() }
`,
	"usemake/u.go": `package usemake

import "example.com/m/apivar"

func F() int { return apivar.Make().N }
`,
	"usename/u.go": `package usename

import "example.com/m/apivar"

func F() string { return apivar.Name() }
`,
	// Embeds a type of net/http: its promoted methods are called under
	// names it does not declare, so every importer counts.
	"apiembed/a.go": `package apiembed

import "net/http"

// Response of the day.
type Client struct{ *http.Client }

func Name() string { return "apiembed" }
`,
	"useembed/u.go": `package useembed

import "example.com/m/apiembed"

func F() string { return apiembed.Name() }
`,
	// Does not mention the word at all: its importers never counted.
	"apinoword/a.go": `package apinoword

import "net/http"

func New() *http.Client { return &http.Client{} }
`,
	"usenoword/u.go": `package usenoword

import "example.com/m/apinoword"

func F() { _ = apinoword.New() }
`,
}

func selected(t *testing.T, dir string, tests bool) []string {
	t.Helper()
	s := newScanner(nil, 2)
	s.needs = []string{"net/http"}
	s.reaches = []string{"Response"}
	s.tests = tests
	pds, err := s.walk(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, pd := range s.selectDirs(pds) {
		rel, _ := filepath.Rel(dir, pd.dir)
		out = append(out, filepath.ToSlash(rel))
	}
	sort.Strings(out)
	return out
}

func TestSelectReaches(t *testing.T) {
	dir := writeTree(t, reachTree)
	want := []string{"api", "apiembed", "apinoword", "apivar", "useembed", "usemake", "usemethod", "usevar"}
	if got := selected(t, dir, false); !reflect.DeepEqual(got, want) {
		t.Errorf("selected %v, want %v", got, want)
	}
	// With tests loaded, a test file calling into api counts too.
	want = []string{"api", "apiembed", "apinoword", "apivar", "useembed", "usemake", "usemethod", "usetest", "usevar"}
	if got := selected(t, dir, true); !reflect.DeepEqual(got, want) {
		t.Errorf("with tests: selected %v, want %v", got, want)
	}
}

func TestContainsWord(t *testing.T) {
	for _, c := range []struct {
		data, word string
		want       bool
	}{
		{"x := api.Get(u)", "Get", true},
		{"x := api.GetAll(u)", "Get", false},
		{"x := api.ForGet(u)", "Get", false},
		{"x := api.ForGet(u); Get", "Get", true},
		{"Get", "Get", true},
		{"éGet()", "Get", true},
		{"", "Get", false},
	} {
		if got := containsWord([]byte(c.data), []byte(c.word)); got != c.want {
			t.Errorf("containsWord(%q, %q) = %v, want %v", c.data, c.word, got, c.want)
		}
	}
}

package rewrite

import (
	"context"
	"golang.org/x/tools/go/analysis"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
)

// modulesTree is a repository with a root module and two nested modules
// joined by a go.work (b uses a through the workspace alone: its go.mod
// requires nothing), plus a module the workspace does not use, which is
// loaded on its own.
var modulesTree = map[string]string{
	"go.work": "go 1.26\n\nuse (\n\t.\n\t./svc/a\n\t./svc/b\n)\n",
	"go.mod":  "module example.com/root\n\ngo 1.26\n",
	"web/web.go": `package web

import "net/http"

func Ping(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
`,
	"web/other.go": `package web

import "net/http"

func Other(url string) { http.Get(url) }
`,
	"svc/a/go.mod": "module example.com/a\n\ngo 1.25\n",
	"svc/a/client/client.go": `package client

import "net/http"

// Client is what b builds on.
type Client struct{ URL string }

func (c Client) Get() (*http.Response, error) { return http.Get(c.URL) }
`,
	"svc/b/go.mod": "module example.com/b\n\ngo 1.26\n",
	"svc/b/app/app.go": `package app

import (
	"net/http"

	"example.com/a/client"
)

func Run(c client.Client) error {
	resp, err := c.Get()
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = http.Get(c.URL)
	return err
}
`,
	"svc/b/app/more.go": `package app

import "net/http"

func More() { http.Get("http://more") }
`,
	"tools/go.mod": "module example.com/tools\n\ngo 1.26\n",
	"tools/gen/gen.go": `package gen

import "net/http"

func Gen() { http.Get("http://gen") }
`,
}

// contextRule wraps toyRule and records, for every package it sees, the
// go version of its module and whether the package it imports from
// another module of the workspace was type-checked.
type contextRule struct {
	mu      sync.Mutex
	version map[string]string // package path -> go version of its module
}

func (c *contextRule) rule() Analyzer {
	a := toyAnalyzer
	inner := *a.Analyzer
	inner.Run = func(pass *analysis.Pass) (any, error) {
		c.mu.Lock()
		c.version[pass.Pkg.Path()] = pass.Module.GoVersion
		c.mu.Unlock()
		return runToyAnalyzer(pass)
	}
	a.Analyzer = &inner
	return a
}

func runModules(t *testing.T, dir string, args ...string) (*Result, *contextRule) {
	t.Helper()
	c := &contextRule{version: map[string]string{}}
	res := Run(context.Background(), Options{Dir: dir, Args: args, Mode: Collect, Analyzers: []Analyzer{c.rule()}})
	if len(res.Errors) > 0 {
		t.Fatalf("httpfix %v: errors %v", args, res.Errors)
	}
	return res, c
}

func changedFiles(dir string, res *Result) []string {
	var out []string
	for _, ch := range res.Changes {
		rel, _ := filepath.Rel(dir, ch.Path)
		out = append(out, filepath.ToSlash(rel))
	}
	sort.Strings(out)
	return out
}

func TestModulesWorkspace(t *testing.T) {
	dir := writeTree(t, modulesTree)
	dir, _ = filepath.EvalSymlinks(dir)

	// From the root, ./... covers every module, each loaded in its own
	// context: its own go version, the workspace for the modules it uses
	// (b imports a through it), and none for the one it does not use.
	res, c := runModules(t, dir, "./...")
	if res.Stats.Modules != 4 || res.Stats.Scanned != 4 || res.Stats.TypeChecked != 4 {
		t.Errorf("stats %+v, want 4 modules, 4 packages scanned and type-checked", res.Stats)
	}
	wantVersions := map[string]string{
		"example.com/root/web":  "1.26",
		"example.com/a/client":  "1.25",
		"example.com/b/app":     "1.26",
		"example.com/tools/gen": "1.26",
	}
	if !reflect.DeepEqual(c.version, wantVersions) {
		t.Errorf("packages seen, with their module's go version: %v, want %v", c.version, wantVersions)
	}
	want := []string{"svc/a/client/client.go", "svc/b/app/app.go", "svc/b/app/more.go", "tools/gen/gen.go", "web/other.go", "web/web.go"}
	if got := changedFiles(dir, res); !reflect.DeepEqual(got, want) {
		t.Errorf("changed %v, want %v", got, want)
	}

	// Files of two modules, as a pre-commit hook passes them: grouped by
	// module and package, and only those files change.
	res, c = runModules(t, dir, "web/web.go", "svc/b/app/app.go")
	if res.Stats.Modules != 2 || res.Stats.TypeChecked != 2 {
		t.Errorf("stats %+v, want 2 modules, 2 packages type-checked", res.Stats)
	}
	if _, ok := c.version["example.com/b/app"]; !ok {
		t.Errorf("example.com/b/app was not loaded: %v", c.version)
	}
	want = []string{"svc/b/app/app.go", "web/web.go"}
	if got := changedFiles(dir, res); !reflect.DeepEqual(got, want) {
		t.Errorf("changed %v, want %v", got, want)
	}
	for _, ch := range res.Changes {
		if !strings.Contains(string(ch.New), "http.Head(") {
			t.Errorf("%s: not rewritten:\n%s", ch.Path, ch.New)
		}
	}

	// A pattern below the root reaches the nested modules under it only.
	res, _ = runModules(t, dir, "./svc/...")
	want = []string{"svc/a/client/client.go", "svc/b/app/app.go", "svc/b/app/more.go"}
	if got := changedFiles(dir, res); !reflect.DeepEqual(got, want) || res.Stats.Modules != 2 {
		t.Errorf("./svc/...: %d modules, changed %v, want 2 modules, %v", res.Stats.Modules, got, want)
	}
}

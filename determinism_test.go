package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
)

// detTemplates are files of a package that the rules change or report in
// various ways; %[1]s is the package's name.
var detTemplates = []string{`package %[1]s

import "net/http"

func Status(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
`, `package %[1]s

import (
	"net/http"
	"time"
)

func Hoist(url string) int {
	c := &http.Client{Transport: &http.Transport{IdleConnTimeout: time.Minute}}
	resp, _ := c.Get(url)
	return resp.StatusCode
}
`, `package %[1]s

import "net/http"

func Loop(c *http.Client, urls []string) {
	for _, u := range urls {
		resp, err := c.Get(u)
		if err != nil {
			continue
		}
		defer resp.Body.Close()
	}
}
`, `package %[1]s

import (
	"io"
	"net/http"
)

func Fine(c *http.Client, url string) ([]byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
`}

// TestDeterministic checks that the output does not depend on how many
// packages are processed at once, or loaded at once: the diff, the
// reports, the errors and the summary (but its time) are byte for byte
// the same with -parallel=1, -parallel=8, and -parallel=8 -batch=3.
func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "go.mod"), []byte("module example.com/det\n\ngo 1.26\n"))
	for i := range 12 {
		pkg := fmt.Sprintf("p%02d", i)
		// Two files a package, from two templates, so that the order of
		// files within a package shows too.
		for j, k := range []int{i % len(detTemplates), (i + 1) % len(detTemplates)} {
			src := fmt.Sprintf(detTemplates[k], pkg)
			src = regexp.MustCompile(`func (\w+)`).ReplaceAllString(src, fmt.Sprintf("func ${1}%d", j))
			writeTestFile(t, filepath.Join(dir, pkg, fmt.Sprintf("f%d.go", j)), []byte(src))
		}
	}
	writeTestFile(t, filepath.Join(dir, "broken", "b.go"), []byte("package broken\n\nimport \"net/http\"\n\nfunc Oops( {\n"))
	writeTestFile(t, filepath.Join(dir, "typeerr", "t.go"), []byte("package typeerr\n\nimport \"net/http\"\n\nvar _ int = http.Get\n"))

	elapsed := regexp.MustCompile(`; \d+\.\ds\n`)
	run := func(args ...string) (string, string) {
		code, stdout, stderr := httpfix(t, dir, append(args, "-v", "./...")...)
		if code != 2 {
			t.Fatalf("%v: exit status %d, want 2; stderr:\n%s", args, code, stderr)
		}
		return stdout, elapsed.ReplaceAllString(stderr, "; (time)\n")
	}
	out1, err1 := run("-parallel=1")
	for _, args := range [][]string{{"-parallel=8"}, {"-parallel=8", "-batch=3"}} {
		out, errs := run(args...)
		if out != out1 {
			t.Errorf("%v: the diff differs from -parallel=1's:\n%s\nwant:\n%s", args, out, out1)
		}
		if errs != err1 {
			t.Errorf("%v: stderr differs from -parallel=1's:\n%s\nwant:\n%s", args, errs, err1)
		}
	}
	if t.Failed() {
		return
	}
	// The run did exercise what it should: changes, reports, errors.
	for _, want := range []string{"+++ b/p00/f0.go", "drainclose 6", "hoisttransport", "p02/f0.go:7:16: drainclose:", "broken/b.go:5:12:", "typeerr/t.go:5:13:"} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(out1 + err1) {
			t.Errorf("output lacks %q:\n%s\n%s", want, out1, err1)
		}
	}
}

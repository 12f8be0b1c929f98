package rewrite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runToy(t *testing.T, dir string, mode Mode, args ...string) (*Result, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	res := Run(context.Background(), Options{Dir: dir, Args: args, Mode: mode, Analyzers: []Analyzer{toyAnalyzer}, Stdout: &stdout, Stderr: &stderr})
	return res, stdout.String(), stderr.String()
}

const toyMod = "module example.com/m\n\ngo 1.26\n"

func TestToyMinimalDiff(t *testing.T) {
	src := `package m

import (
	"fmt"
	h "net/http"
)

// not gofmt-clean on purpose:
var   x    =   1

func F() {
	fmt.Println(  "a"  )
	resp, err := h.Get("http://x") // keep me
	if err != nil {
		return
	}
	_ = resp
	fmt.Println(  "b"  )
}
`
	dir := writeTree(t, map[string]string{"go.mod": toyMod, "m.go": src})
	res, _, stderr := runToy(t, dir, Collect, "./...")
	if len(res.Errors) > 0 || len(res.Changes) != 1 {
		t.Fatalf("errors %v, changes %d, stderr %s", res.Errors, len(res.Changes), stderr)
	}
	want := strings.Replace(src, `	resp, err := h.Get("http://x") // keep me`, "\t_ = io.EOF\n\tresp, err := h.Head(\"http://x\") // keep me", 1)
	want = strings.Replace(want, "\t\"fmt\"\n", "\t\"fmt\"\n\t\"io\"\n", 1)
	if got := string(res.Changes[0].New); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestToyCRLF(t *testing.T) {
	src := "package m\r\n\r\nimport \"net/http\"\r\n\r\nfunc F() {\r\n\tresp, err := http.Get(\"http://x\")\r\n\t_, _ = resp, err\r\n}\r\n"
	dir := writeTree(t, map[string]string{"go.mod": toyMod, "m.go": src})
	res, _, stderr := runToy(t, dir, Collect, "./...")
	if len(res.Errors) > 0 || len(res.Changes) != 1 {
		t.Fatalf("errors %v, changes %d, stderr %s", res.Errors, len(res.Changes), stderr)
	}
	want := "package m\r\n\r\nimport (\r\n\t\"io\"\r\n\t\"net/http\"\r\n)\r\n\r\nfunc F() {\r\n\t_ = io.EOF\r\n\tresp, err := http.Head(\"http://x\")\r\n\t_, _ = resp, err\r\n}\r\n"
	if got := string(res.Changes[0].New); got != want {
		t.Errorf("got:\n%q\nwant:\n%q", got, want)
	}
}

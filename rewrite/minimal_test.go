package rewrite

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMinimalDiff checks that the diff of a rewrite holds only the lines
// the analyzer's edits touch, in files whose other bytes a printer would
// change: CRLF line endings, code that is not gofmt-clean,
// //line directives, build constraints, no newline at the end. The diff
// must apply with git apply and give exactly what -w writes.
func TestMinimalDiff(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		minus, plus     []string // the diff's - and + lines, without the prefix
		bug             string   // a known bug that makes the case fail
	}{{
		name: "crlf-not-gofmt",
		src: "package m\r\n\r\nimport (\r\n\t\"fmt\"\r\n    \"net/http\"\r\n)\r\n\r\n/* odd */ var   x    =   1\r\n\r\n" +
			"func F() {\r\n  fmt.Println(  x  )\r\n\tresp, err := http.Get(\"http://x\")\r\n\t_, _ = resp, err\r\n}\r\n",
		want: "package m\r\n\r\nimport (\r\n\t\"fmt\"\r\n\t\"io\"\r\n    \"net/http\"\r\n)\r\n\r\n/* odd */ var   x    =   1\r\n\r\n" +
			"func F() {\r\n  fmt.Println(  x  )\r\n\t_ = io.EOF\r\n\tresp, err := http.Head(\"http://x\")\r\n\t_, _ = resp, err\r\n}\r\n",
		minus: []string{"\tresp, err := http.Get(\"http://x\")\r\n"},
		plus:  []string{"\t\"io\"\r\n", "\t_ = io.EOF\r\n", "\tresp, err := http.Head(\"http://x\")\r\n"},
	}, {
		// A // comment at the end of a CRLF line, then a blank line.
		name:  "crlf-line-comment",
		src:   "package m\r\n\r\nimport \"net/http\"\r\n\r\nvar x = 1 // odd\r\n\r\nfunc F() {\r\n\tresp, err := http.Get(\"http://x\")\r\n\t_, _ = resp, err\r\n}\r\n",
		want:  "package m\r\n\r\nimport (\r\n\t\"io\"\r\n\t\"net/http\"\r\n)\r\n\r\nvar x = 1 // odd\r\n\r\nfunc F() {\r\n\t_ = io.EOF\r\n\tresp, err := http.Head(\"http://x\")\r\n\t_, _ = resp, err\r\n}\r\n",
		minus: []string{"import \"net/http\"\r\n", "\tresp, err := http.Get(\"http://x\")\r\n"},
		plus:  []string{"import (\r\n", "\t\"io\"\r\n", "\t\"net/http\"\r\n", ")\r\n", "\t_ = io.EOF\r\n", "\tresp, err := http.Head(\"http://x\")\r\n"},
	}, {
		// Space-indented code: the engine changes the bytes the edits
		// say, nothing else.
		name:  "not-gofmt-neighbours",
		src:   "package m\n\nimport \"net/http\"\n\nfunc F() {\n    x := 1\n    resp, err := http.Get(\"http://x\")\n    _, _, _ = resp, err, x\n}\n",
		want:  "package m\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc F() {\n    x := 1\n    _ = io.EOF\n    resp, err := http.Head(\"http://x\")\n    _, _, _ = resp, err, x\n}\n",
		minus: []string{"import \"net/http\"\n", "    resp, err := http.Get(\"http://x\")\n"},
		plus:  []string{"import (\n", "\t\"io\"\n", "\t\"net/http\"\n", ")\n", "    _ = io.EOF\n", "    resp, err := http.Head(\"http://x\")\n"},
	}, {
		name: "line-directives",
		src: "package m\n\nimport \"net/http\"\n\n//line gen.tmpl:10\nfunc F() {\n\t/*line gen.tmpl:20*/ x := 1\n" +
			"\tresp, err := http.Get(\"http://x\")\n\t_, _, _ = resp, err, x\n}\n\n//line m.go:12\nfunc G()    {}\n",
		want: "package m\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\n//line gen.tmpl:10\nfunc F() {\n\t/*line gen.tmpl:20*/ x := 1\n" +
			"\t_ = io.EOF\n\tresp, err := http.Head(\"http://x\")\n\t_, _, _ = resp, err, x\n}\n\n//line m.go:12\nfunc G()    {}\n",
		minus: []string{"import \"net/http\"\n", "\tresp, err := http.Get(\"http://x\")\n"},
		plus:  []string{"import (\n", "\t\"io\"\n", "\t\"net/http\"\n", ")\n", "\t_ = io.EOF\n", "\tresp, err := http.Head(\"http://x\")\n"},
	}, {
		name: "build-constraints",
		src: "//go:build linux || !linux\n// +build linux !linux\n\n// Package m  is  here.\npackage m\n\nimport \"net/http\"\n\n" +
			"//go:generate echo hi\nfunc F() {\n\tresp, err := http.Get(\"http://x\")\n\t_, _ = resp, err\n}\n\nvar y=2\n",
		want: "//go:build linux || !linux\n// +build linux !linux\n\n// Package m  is  here.\npackage m\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\n" +
			"//go:generate echo hi\nfunc F() {\n\t_ = io.EOF\n\tresp, err := http.Head(\"http://x\")\n\t_, _ = resp, err\n}\n\nvar y=2\n",
		minus: []string{"import \"net/http\"\n", "\tresp, err := http.Get(\"http://x\")\n"},
		plus:  []string{"import (\n", "\t\"io\"\n", "\t\"net/http\"\n", ")\n", "\t_ = io.EOF\n", "\tresp, err := http.Head(\"http://x\")\n"},
	}, {
		name:  "no-final-newline",
		src:   "package m\n\nimport \"net/http\"\n\nfunc F() {\n\tresp, err := http.Get(\"http://x\")\n\t_, _ = resp, err\n}",
		want:  "package m\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc F() {\n\t_ = io.EOF\n\tresp, err := http.Head(\"http://x\")\n\t_, _ = resp, err\n}",
		minus: []string{"import \"net/http\"\n", "\tresp, err := http.Get(\"http://x\")\n"},
		plus:  []string{"import (\n", "\t\"io\"\n", "\t\"net/http\"\n", ")\n", "\t_ = io.EOF\n", "\tresp, err := http.Head(\"http://x\")\n"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.bug != "" {
				t.Skip(tc.bug)
			}
			t.Parallel()
			dir := writeTree(t, map[string]string{"go.mod": toyMod, "m.go": tc.src})
			res, diff, _ := runToy(t, dir, Diff|Collect, "./...")
			if len(res.Errors) > 0 || len(res.Changes) != 1 {
				t.Fatalf("errors %q, %d changes", res.Errors, len(res.Changes))
			}
			if got := string(res.Changes[0].New); got != tc.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, tc.want)
			}
			minus, plus := diffLines(diff)
			if !slices.Equal(minus, tc.minus) || !slices.Equal(plus, tc.plus) {
				t.Errorf("diff changes more than the rewritten lines:\n%s", diff)
			}
			if tc.name == "no-final-newline" && !strings.Contains(diff, "}\n\\ No newline at end of file\n") {
				t.Errorf("no \"No newline\" marker:\n%s", diff)
			}
			// The diff applies to the original and gives what -w writes.
			applied := writeTree(t, map[string]string{"go.mod": toyMod, "m.go": tc.src})
			gitApply(t, applied, diff)
			runToy(t, dir, Write, "./...")
			for _, d := range []string{applied, dir} {
				if got, _ := os.ReadFile(filepath.Join(d, "m.go")); string(got) != tc.want {
					t.Errorf("%s: got:\n%q\nwant:\n%q", d, got, tc.want)
				}
			}
		})
	}
}

// diffLines returns the removed and the added lines of a unified diff,
// without their prefix, keeping their line endings.
func diffLines(diff string) (minus, plus []string) {
	for _, l := range strings.SplitAfter(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
		case strings.HasPrefix(l, "-"):
			minus = append(minus, l[1:])
		case strings.HasPrefix(l, "+"):
			plus = append(plus, l[1:])
		}
	}
	return minus, plus
}

// gitApply applies a diff to the files in dir with git apply.
func gitApply(t *testing.T, dir, diff string) {
	t.Helper()
	cmd := exec.Command("git", "apply", "--whitespace=nowarn", "-")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(diff)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git apply: %v\n%s\ndiff:\n%s", err, stderr.String(), diff)
	}
}

package rewrite

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
)

// brokenAnalyzer makes rewrites that do not type-check, chosen by the
// name of the file, to test verification. In every file it does what
// toyAnalyzer does, except that:
//   - in bad*.go files the call becomes http.Gett, which does not exist;
//   - in helper*.go files it also renames func helper to helper2, which
//     breaks the calls of helper left as they were;
//   - in unused*.go files it also deletes the statement after the call,
//     the only use of the variables the call assigns.
var brokenAnalyzer = Analyzer{
	Analyzer: &analysis.Analyzer{Name: "broken", Doc: "broken: a rule whose rewrites do not compile", Run: runBrokenAnalyzer},
	Imports:  []string{"net/http"},
	Adds:     []string{"io"},
}

func runBrokenAnalyzer(pass *analysis.Pass) (any, error) {
	for _, f := range pass.Files {
		if !strings.HasPrefix(filepath.Base(pass.Fset.File(f.Pos()).Name()), "helper") {
			continue
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "helper" {
				pass.Report(analysis.Diagnostic{Pos: fd.Pos(), Message: "rename", SuggestedFixes: []analysis.SuggestedFix{{Message: "rename",
					TextEdits: []analysis.TextEdit{{Pos: fd.Name.Pos(), End: fd.Name.End(), NewText: []byte("helper2")}}}}})
			}
		}
	}
	return nil, toyEdits(pass, func(name string, fx *toyFix) bool {
		switch {
		case strings.HasPrefix(name, "bad"):
			fx.edits = fx.edits[1:]
			fx.rename("Gett")
		case strings.HasPrefix(name, "unused"):
			// The statement after the call, with its line.
			for _, d := range fx.file.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				for i, s := range fd.Body.List {
					if s == fx.stmt && i+1 < len(fd.Body.List) {
						next := fd.Body.List[i+1]
						tf := fx.pass.Fset.File(next.Pos())
						start := tf.LineStart(rawLine(tf, next.Pos()))
						end := tf.LineStart(rawLine(tf, next.End()) + 1)
						fx.edits = append(fx.edits, analysis.TextEdit{Pos: start, End: end})
					}
				}
			}
		}
		return false
	})
}

const fetchSrc = `package m

import "net/http"

func Fetch() {
	resp, err := http.Get("http://x")
	_, _ = resp, err
}
`

const fetchWant = `package m

import (
	"io"
	"net/http"
)

func Fetch() {
	_ = io.EOF
	resp, err := http.Head("http://x")
	_, _ = resp, err
}
`

// runBroken runs brokenRule over the module in files and returns the
// result, the diagnostics as strings, and the changed files by name.
func runBroken(t *testing.T, files map[string]string) (*Result, []string, map[string]string) {
	t.Helper()
	files["go.mod"] = toyMod
	dir := writeTree(t, files)
	res, _, _ := runAnalyzer(t, dir, brokenAnalyzer)
	var diags []string
	for _, d := range res.Diagnostics {
		diags = append(diags, d.String())
	}
	changed := map[string]string{}
	for _, c := range res.Changes {
		changed[filepath.Base(c.Path)] = string(c.New)
	}
	return res, diags, changed
}

func runAnalyzer(t *testing.T, dir string, a Analyzer) (*Result, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	res := Run(t.Context(), Options{Dir: dir, Args: []string{"./..."}, Mode: Collect, Analyzers: []Analyzer{a}, Stdout: &stdout, Stderr: &stderr})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %q", res.Errors)
	}
	return res, stdout.String(), stderr.String()
}

// checkVerify checks that exactly the file named good was changed (as
// fetchWant), that the diagnostics are want, and that only good's site
// is counted as fixed.
func checkVerify(t *testing.T, res *Result, diags []string, changed map[string]string, good string, want ...string) {
	t.Helper()
	if strings.Join(diags, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(diags, "\n"), strings.Join(want, "\n"))
	}
	if len(changed) != 1 || changed[good] != fetchWant {
		t.Errorf("changed files %v, want only %s as fetchWant", keys(changed), good)
	}
	if n := res.Stats.Fixed["broken"]; n != 1 {
		t.Errorf("%d sites counted as fixed, want 1 (in %s)", n, good)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A rewrite that does not type-check is left out and reported at the
// line of the original it replaced, quoting the rewritten line; the other
// files of the package are still changed.
func TestVerifyUndefined(t *testing.T) {
	res, diags, changed := runBroken(t, map[string]string{
		"good.go": fetchSrc,
		"bad.go": `package m

import "net/http"

func Bad() {
	// The call is on line 8 of the original, line 13 of the rewrite.
	x := 1
	resp, err := http.Get("http://x")
	_, _, _ = resp, err, x
}
`,
	})
	checkVerify(t, res, diags, changed, "good.go",
		"bad.go:8:2: verify: rewrite not applied: the rewritten file would not type-check: undefined: http.Gett"+
			" (in the rewritten line `resp, err := http.Gett(\"http://x\")`)")
}

// An error on a line the rewrite kept is placed exactly, in the original's
// numbering.
func TestVerifyUnchangedLine(t *testing.T) {
	res, diags, changed := runBroken(t, map[string]string{
		"good.go": fetchSrc,
		"helper.go": `package m

import "net/http"

func helper() int { return 1 }

func Use() int {
	resp, err := http.Get("http://x")
	_, _ = resp, err
	return 2 * helper()
}
`,
	})
	checkVerify(t, res, diags, changed, "good.go",
		"helper.go:10:13: verify: rewrite not applied: the rewritten file would not type-check: undefined: helper")
}

// The compiler's "soft" errors count: a rewrite that leaves a variable
// unused does not compile.
func TestVerifyUnused(t *testing.T) {
	res, diags, changed := runBroken(t, map[string]string{
		"good.go": fetchSrc,
		"unused.go": `package m

import "net/http"

func Unused() {
	resp, err := http.Get("http://x")
	_, _ = resp, err
}
`,
	})
	checkVerify(t, res, diags, changed, "good.go",
		"unused.go:6:2: verify: rewrite not applied: the rewritten file would not type-check: declared and not used: resp"+
			" (in the rewritten line `resp, err := http.Head(\"http://x\")`)")
}

// A rewrite that breaks another file of the package, one no rule
// changed, drops every rewrite of the package; the message names the
// broken place, relative to the working directory.
func TestVerifyBreaksOtherFile(t *testing.T) {
	_, diags, changed := runBroken(t, map[string]string{
		"good.go":   fetchSrc,
		"helper.go": "package m\n\nfunc helper() int { return 1 }\n",
		"use.go":    "package m\n\nvar _ = helper()\n",
	})
	msg := "verify: rewrite not applied: the rewritten file would not type-check: it breaks use.go:3:9: undefined: helper"
	want := []string{"good.go:1:1: " + msg, "helper.go:1:1: " + msg}
	if strings.Join(diags, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(diags, "\n"), strings.Join(want, "\n"))
	}
	if len(changed) != 0 {
		t.Errorf("changed %v, want nothing", keys(changed))
	}
}

// A //line directive does not hide which file and line an error is in.
func TestVerifyLineDirective(t *testing.T) {
	res, diags, changed := runBroken(t, map[string]string{
		"good.go": fetchSrc,
		"bad.go": `package m

import "net/http"

//line template.tmpl:100
func Bad() {
	resp, err := http.Get("http://x")
	_, _ = resp, err
}
`,
	})
	checkVerify(t, res, diags, changed, "good.go",
		"bad.go:7:2: verify: rewrite not applied: the rewritten file would not type-check: undefined: http.Gett"+
			" (in the rewritten line `resp, err := http.Gett(\"http://x\")`)")
}

func TestOriginalPosition(t *testing.T) {
	orig := "a\nb\nc\nd\n"
	rew := "a\nX\nb\nY\nZ\nd\nW\n" // X inserted after a; c replaced by Y, Z; W appended
	for _, tc := range []struct {
		line, col int
		want      string
	}{
		{1, 1, "f.go:1:1"}, // a: kept
		{2, 3, "f.go:1:1 (in the rewritten line `X`)"},
		{3, 1, "f.go:2:1"}, // b: kept
		{4, 1, "f.go:3:1 (in the rewritten line `Y`)"},
		{5, 1, "f.go:3:1 (in the rewritten line `Z`)"},
		{6, 1, "f.go:4:1"},
		{7, 1, "f.go:4:1 (in the rewritten line `W`)"},
	} {
		p, note := originalPosition("f.go", []byte(orig), []byte(rew), token.Position{Line: tc.line, Column: tc.col})
		if got := p.String() + note; got != tc.want {
			t.Errorf("line %d: got %s, want %s", tc.line, got, tc.want)
		}
	}
	// Inserted before the first line.
	p, note := originalPosition("f.go", []byte("\tb\n"), []byte("X\n\tb\n"), token.Position{Line: 1, Column: 1})
	if got := p.String() + note; got != "f.go:1:2 (in the rewritten line `X`)" {
		t.Errorf("insertion at the top: %s", got)
	}
}

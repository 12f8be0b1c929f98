package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/timakin/bodyclose/passes/bodyclose"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
	"golang.org/x/tools/go/analysis/passes/httpresponse"
	"golang.org/x/tools/go/analysis/unitchecker"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/txtar"

	"github.com/httpfix/httpfix/rewrite"
)

var update = flag.Bool("update", false, "rewrite the want/ sections of the golden cases")

// goldenDirs are the directories of testdata holding txtar cases.
var goldenDirs = []string{"drainclose", "defaultclient", "hoisttransport", "pooldeadline", "poolsize", "keepalive", "engine"}

// A golden case is a txtar archive: a small module (its files at the top
// level), an optional "args" file with the command line (default ./...),
// and the expected outcome under want/: the new contents of every file the
// run changes (want/<path>), the reports (want/reports) and the errors
// (want/errors). A file without a want/ twin must not change.
//
// Each case is run through the same options as the command line, compared
// with its want/ sections, then checked further: the rewritten module must
// type-check, tests included, and a second run over it must change
// nothing and report the same sites.
func TestGolden(t *testing.T) {
	for _, dir := range goldenDirs {
		t.Run(dir, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
			var newer []string
			for _, file := range files {
				name := strings.TrimSuffix(filepath.Base(file), ".txtar")
				ar, err := txtar.ParseFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if v := caseGoVersion(ar); v != "" && needsNewerGo(v) {
					newer = append(newer, name)
					continue
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					runGolden(t, file, ar)
				})
			}
			if len(newer) > 0 {
				t.Run("newer-go", func(t *testing.T) { runUnderNewerGo(t, dir, newer) })
			}
		})
	}
}

// caseGoVersion returns the go directive of the case's go.mod.
func caseGoVersion(ar *txtar.Archive) string {
	for _, f := range ar.Files {
		if f.Name == "go.mod" {
			if mf, err := modfile.ParseLax("go.mod", f.Data, nil); err == nil && mf.Go != nil {
				return mf.Go.Version
			}
		}
	}
	return ""
}

// newerGo is the toolchain that runs the cases whose module needs a Go
// newer than the one running the tests.
const newerGo = "go1.27.1"

func needsNewerGo(v string) bool {
	have := "v" + strings.TrimPrefix(runtime.Version(), "go")
	if i := strings.IndexAny(have, " -"); i >= 0 {
		have = have[:i]
	}
	return semver.Compare(semver.MajorMinor("v"+v), semver.MajorMinor(have)) > 0
}

// runUnderNewerGo runs the named cases in a test binary built by a newer
// Go, fetched through the module proxy: httpfix built with Go 1.26 cannot
// type-check a module that says go 1.27 (and says so; see testdata/cli),
// so the 1.27 behaviour of the rules is tested by the 1.27 toolchain.
func runUnderNewerGo(t *testing.T, dir string, names []string) {
	if os.Getenv("HTTPFIX_NO_TOOLCHAIN") != "" {
		t.Skip("HTTPFIX_NO_TOOLCHAIN set")
	}
	var pats []string
	for _, n := range names {
		pats = append(pats, regexp.QuoteMeta(n))
	}
	args := []string{"test", "-count=1", "-vet=off", "-v", "-run",
		"^TestGolden$/^" + regexp.QuoteMeta(dir) + "$/^(" + strings.Join(pats, "|") + ")$"}
	if *update {
		args = append(args, "-args", "-update")
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+newerGo)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test under %s: %v\n%s", newerGo, err, out)
	}
	for _, n := range names {
		if !bytes.Contains(out, []byte("--- PASS: TestGolden/"+dir+"/"+n+" ")) {
			t.Errorf("case %s did not pass under %s:\n%s", n, newerGo, out)
		}
	}
}

func runGolden(t *testing.T, file string, ar *txtar.Archive) {
	dir := t.TempDir()
	var args []string
	want := map[string]string{}
	for _, f := range ar.Files {
		switch {
		case f.Name == "args":
			args = strings.Fields(string(f.Data))
		case strings.HasPrefix(f.Name, "want/"):
			want[strings.TrimPrefix(f.Name, "want/")] = string(f.Data)
		default:
			writeTestFile(t, filepath.Join(dir, f.Name), f.Data)
		}
	}
	if len(args) == 0 {
		args = []string{"./..."}
	}

	// Run as with -diff -w too: the diff, applied to the input with git
	// apply, must give what -w wrote.
	var diff bytes.Buffer
	res := runCollectAs(t, dir, args, rewrite.Diff|rewrite.Write, &diff)
	checkDiffApplies(t, ar, dir, diff.String())
	got := map[string]string{}
	for _, c := range res.Changes {
		rel, err := filepath.Rel(dir, c.Path)
		if err != nil {
			t.Fatal(err)
		}
		got[filepath.ToSlash(rel)] = string(c.New)
	}
	got["reports"] = lines(diagStrings(res.Diagnostics))
	got["errors"] = lines(res.Errors)

	if *update {
		updateGolden(t, file, ar, got)
		return
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: want a change, got none", name)
			continue
		}
		if g != w {
			t.Errorf("%s: got:\n%s\nwant:\n%s", name, g, w)
		}
	}
	for name, g := range got {
		if _, ok := want[name]; !ok && g != "" {
			t.Errorf("%s: unexpected output:\n%s", name, g)
		}
	}
	if t.Failed() || len(res.Errors) > 0 {
		return
	}

	// Apply the changes, then check the result compiles and is a fixed
	// point of the tool.
	for _, c := range res.Changes {
		if err := os.WriteFile(c.Path, c.New, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	typeCheck(t, dir)
	lintRewritten(t, dir, ar, res)
	again := runCollect(t, dir, args)
	for _, c := range again.Changes {
		t.Errorf("second run changed %s:\n%s", c.Path, c.New)
	}
	if g, w := lines(again.Errors), ""; g != w {
		t.Errorf("second run errors:\n%s", g)
	}
	// The same sites are reported again; inserted declarations may have
	// moved them to other lines.
	if g, w := lines(withoutPositions(again.Diagnostics)), lines(withoutPositions(res.Diagnostics)); g != w {
		t.Errorf("second run reports:\n%s\nfirst run:\n%s", g, w)
	}
}

// runCollect runs the engine as the command line would with args, in dir,
// keeping the changes instead of printing them.
func runCollect(t *testing.T, dir string, args []string) *rewrite.Result {
	t.Helper()
	return runCollectAs(t, dir, args, 0, &bytes.Buffer{})
}

// runCollectAs is runCollect in mode as well, printing to stdout.
func runCollectAs(t *testing.T, dir string, args []string, mode rewrite.Mode, stdout io.Writer) *rewrite.Result {
	t.Helper()
	var stderr bytes.Buffer
	c := &cli{Dir: dir, Stdout: stdout, Stderr: &stderr}
	opts, code := c.options(append([]string{"-q"}, args...))
	if code >= 0 {
		t.Fatalf("bad args %q: %s", args, stderr.String())
	}
	opts.Mode = rewrite.Collect | mode
	return rewrite.Run(context.Background(), opts)
}

// typeCheck loads every package in dir, tests included, and fails on any
// error.
func typeCheck(t *testing.T, root string) {
	t.Helper()
	for _, dir := range moduleDirs(t, root) {
		typeCheckModule(t, dir)
	}
}

// moduleDirs returns the directories below root that hold a go.mod.
func moduleDirs(t *testing.T, root string) []string {
	var dirs []string
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "go.mod" {
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	if len(dirs) == 0 {
		t.Fatalf("no module in %s", root)
	}
	return dirs
}

func typeCheckModule(t *testing.T, dir string) {
	t.Helper()
	cfg := &packages.Config{
		Mode:  packages.NeedName | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo,
		Dir:   dir,
		Tests: true,
		Env:   append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod"),
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		t.Fatalf("type-checking the result: %v", err)
	}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			t.Errorf("result does not type-check: %s", e)
		}
	})
}

// lintRewritten runs the linters users run over HTTP code, bodyclose (with
// golangci-lint's default settings) and vet's httpresponse, over the
// rewritten module, through go vet with this test binary as the vet tool:
// in a function where drainclose rewrote a site, they must find nothing.
func lintRewritten(t *testing.T, dir string, ar *txtar.Archive, res *rewrite.Result) {
	t.Helper()
	fixed := map[string]bool{} // file + declaration
	for _, f := range res.Fixes {
		if f.Rule != "drainclose" {
			continue
		}
		for _, af := range ar.Files {
			if af.Name == f.Pos.Filename {
				fixed[f.Pos.Filename+":"+declAt(t, af.Data, f.Pos.Line)] = true
			}
		}
	}
	if len(fixed) == 0 {
		return
	}
	// A case may name findings that are the linter's blind spot, not the
	// rewrite's ("file:Decl: message" lines in lint-allow).
	allowed := map[string]bool{}
	for _, af := range ar.Files {
		if af.Name == "lint-allow" {
			for _, l := range strings.Split(strings.TrimSpace(string(af.Data)), "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
					allowed[l] = true
				}
			}
		}
	}
	for _, f := range lintFindings(t, dir, fixed) {
		if !allowed[f.decl+": "+f.msg] {
			t.Errorf("linter: %s (in a function drainclose rewrote)", f.line)
		}
	}
}

// A lintFinding is one report of a linter, in a declaration.
type lintFinding struct {
	line string // as go vet printed it
	decl string // "file:Decl"
	msg  string
}

// lintFindings returns the findings of bodyclose and httpresponse in the
// declarations of dir named in decls (by "file:decl").
func lintFindings(t *testing.T, root string, decls map[string]bool) []lintFinding {
	t.Helper()
	var out []lintFinding
	for _, dir := range moduleDirs(t, root) {
		out = append(out, lintModule(t, root, dir, decls)...)
	}
	return out
}

func lintModule(t *testing.T, root, dir string, decls map[string]bool) []lintFinding {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", "-vettool="+exe, "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), vettoolEnv+"=1", "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil && len(out) == 0 {
		t.Fatalf("go vet: %v", err)
	}
	var findings []lintFinding
	for _, line := range strings.Split(string(out), "\n") {
		m := vetLine.FindStringSubmatch(line)
		if m == nil {
			if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
				continue
			}
			t.Errorf("go vet: %s", line)
			continue
		}
		abs := filepath.Join(dir, m[1])
		rel, _ := filepath.Rel(root, abs)
		rel = filepath.ToSlash(rel)
		n, _ := strconv.Atoi(m[2])
		data, err := os.ReadFile(abs)
		if err != nil {
			t.Fatal(err)
		}
		if decl := rel + ":" + declAt(t, data, n); decls[decl] {
			findings = append(findings, lintFinding{line, decl, m[4]})
		}
	}
	return findings
}

// TestLintFindings checks that the linter check of the golden cases can
// fail: on code that leaks a body and closes one before its error check,
// both linters report.
func TestLintFindings(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\ngo 1.26\n"))
	writeTestFile(t, filepath.Join(dir, "m.go"), []byte(`package m

import "net/http"

func Leak(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	return resp.StatusCode
}

func Early(url string) int {
	resp, err := http.Get(url)
	defer resp.Body.Close()
	if err != nil {
		return 0
	}
	return resp.StatusCode
}
`))
	var got []string
	for _, f := range lintFindings(t, dir, map[string]bool{"m.go:Leak": true, "m.go:Early": true}) {
		got = append(got, f.line)
	}
	want := []string{"response body must be closed", "using resp before checking for errors"}
	for _, w := range want {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("linters did not report %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

var vetLine = regexp.MustCompile(`^(?:vet: )?(\S+\.go):(\d+):(\d+): (.*)$`)

// vettoolEnv makes this test binary act as a go vet tool running the
// linters (see TestMain).
const vettoolEnv = "HTTPFIX_TEST_VETTOOL"

// TestMain makes the test binary act as a vet tool (see vettoolEnv), as
// the httpfix command in the scripts of TestCLI (run as "httpfix", its
// main runs), or else runs the tests.
func TestMain(m *testing.M) {
	if os.Getenv(vettoolEnv) != "" {
		unitchecker.Main(bodyclose.Analyzer, httpresponse.Analyzer)
	}
	testscript.Main(m, map[string]func(){"httpfix": main})
}

// declAt names the top-level declaration of a Go source that holds line.
func declAt(t *testing.T, src []byte, line int) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parsing: %v", err)
	}
	for _, d := range f.Decls {
		if fset.Position(d.Pos()).Line <= line && line <= fset.Position(d.End()).Line {
			if fd, ok := d.(*ast.FuncDecl); ok {
				name := fd.Name.Name
				if fd.Recv != nil && len(fd.Recv.List) > 0 {
					name = types.ExprString(fd.Recv.List[0].Type) + "." + name
				}
				return name
			}
			return fmt.Sprintf("decl@%d", fset.Position(d.Pos()).Line)
		}
	}
	return ""
}

func diagStrings(ds []rewrite.Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

// withoutPositions returns the diagnostics as "file: rule: message",
// sorted.
func withoutPositions(ds []rewrite.Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s: %s: %s", d.Pos.Filename, d.Rule, d.Message))
	}
	sort.Strings(out)
	return out
}

func lines(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return strings.Join(ss, "\n") + "\n"
}

func writeTestFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// updateGolden rewrites the want/ sections of a case from what the run
// produced.
func updateGolden(t *testing.T, file string, ar *txtar.Archive, got map[string]string) {
	var kept []txtar.File
	for _, f := range ar.Files {
		if !strings.HasPrefix(f.Name, "want/") {
			kept = append(kept, f)
		}
	}
	var names []string
	for name, g := range got {
		if g != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		kept = append(kept, txtar.File{Name: "want/" + name, Data: []byte(got[name])})
	}
	ar.Files = kept
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "updated %s\n", file)
}

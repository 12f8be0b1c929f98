package rules_test

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/txtar"

	"github.com/httpfix/httpfix/rules"
	"github.com/httpfix/httpfix/rules/config"
)

// TestGolden runs the golden cases of testdata/ (the same txtar archives
// the httpfix command is tested on, in the repository's root) through
// the analysis framework's own driver, go/analysis/checker, which
// analysistest, singlechecker and multichecker are built on: no engine,
// no verification, fixes merged as go fix merges them (identical edits
// once, conflicts an error) and the result formatted, imports left
// unused removed. Each case must give the reports and the files the
// command gives, formatted.
//
// The cases become packages of one module, so that the standard library
// is loaded and analyzed once for all of them. Cases this driver cannot
// run as the command does are skipped, saying why: file arguments (a
// pre-commit run), other build contexts, several modules, a newer Go.
func TestGolden(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), "module example.com/cases\n\ngo 1.26\n")
	var cases []*goldenCase
	for _, dir := range []string{"drainclose", "defaultclient", "hoisttransport", "pooldeadline", "poolsize", "keepalive", "engine"} {
		files, _ := filepath.Glob(filepath.Join("..", "testdata", dir, "*.txtar"))
		for _, file := range files {
			c, why := readCase(t, dir, file)
			if why != "" {
				t.Logf("%s/%s: skipped: %s", dir, c.name, why)
				continue
			}
			c.write(t, root)
			cases = append(cases, c)
		}
	}
	if len(cases) < 50 {
		t.Fatalf("only %d cases run", len(cases))
	}
	for _, tests := range []bool{false, true} {
		var group []*goldenCase
		var pats []string
		for _, c := range cases {
			if c.cfg.Tests == tests {
				group = append(group, c)
				pats = append(pats, "./"+c.dir+"/...")
			}
		}
		if len(group) == 0 {
			continue
		}
		pkgs, err := packages.Load(&packages.Config{Mode: packages.LoadAllSyntax, Dir: root, Tests: tests, Env: append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")}, pats...)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range group {
			t.Run(c.rule+"/"+c.name, func(t *testing.T) { c.run(t, root, pkgs) })
		}
	}
}

// A goldenCase is one txtar archive: a module, its arguments, and what
// the command makes of it.
type goldenCase struct {
	rule, name string
	dir        string // the case's directory in the module of all cases
	modPath    string // its module path in the archive
	ar         *txtar.Archive
	cfg        config.Config
	want       map[string]string
}

// readCase reads a case, or says why this driver cannot run it.
func readCase(t *testing.T, rule, file string) (*goldenCase, string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := &goldenCase{rule: rule, name: strings.TrimSuffix(filepath.Base(file), ".txtar"), ar: ar, want: map[string]string{}, cfg: config.Default()}
	c.dir = rule + "_" + c.name
	args := []string{"./..."}
	mods := 0
	var configFile []byte
	for _, f := range ar.Files {
		switch {
		case f.Name == "args":
			args = strings.Fields(string(f.Data))
		case strings.HasPrefix(f.Name, "want/"):
			c.want[strings.TrimPrefix(f.Name, "want/")] = string(f.Data)
		case f.Name == "go.mod":
			mf, err := modfile.ParseLax(f.Name, f.Data, nil)
			if err != nil {
				t.Fatal(err)
			}
			c.modPath = mf.Module.Mod.Path
			if mf.Go != nil && semver.Compare("v"+mf.Go.Version, "v1.26.99") > 0 {
				return c, "needs a newer Go"
			}
			if len(mf.Replace) > 0 || len(mf.Require) > 0 {
				return c, "has dependencies"
			}
			mods++
		case strings.HasSuffix(f.Name, "go.mod") || strings.HasSuffix(f.Name, "go.work"):
			mods++
		case f.Name == config.File:
			configFile = f.Data
		}
	}
	if mods != 1 {
		return c, "several modules"
	}
	if c.want["errors"] != "" {
		return c, "errors expected"
	}
	if strings.Contains(c.want["reports"], ": verify: ") {
		return c, "the command's verification drops a fix"
	}
	fs := flag.NewFlagSet("httpfix", flag.ContinueOnError)
	fs.Bool("q", false, "")
	tests := fs.Bool("test", false, "")
	c.cfg.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return c, "flags: " + err.Error()
	}
	for _, a := range fs.Args() {
		if a != "./..." {
			return c, "arguments other than ./...: " + a
		}
	}
	if configFile != nil {
		path := filepath.Join(t.TempDir(), config.File)
		writeFile(t, path, string(configFile))
		set, err := c.cfg.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		flagCfg := c.cfg
		fs2 := flag.NewFlagSet("again", flag.ContinueOnError)
		fs2.Bool("q", false, "")
		fs2.Bool("test", false, "")
		flagCfg.RegisterFlags(fs2)
		fs2.Parse(args)
		given := map[string]bool{}
		fs2.Visit(func(f *flag.Flag) { given[config.KeyOfFlag(f.Name)] = true })
		_ = set
		c.cfg.Overlay(&flagCfg, given)
	}
	c.cfg.Tests = *tests
	if c.cfg.Client != "" {
		return c, "a shared client: which packages may import it depends on the module's import graph, which the command loads and this driver does not"
	}
	return c, ""
}

// write puts the case's files in its directory of the module at root,
// its import paths made the directory's.
func (c *goldenCase) write(t *testing.T, root string) {
	for _, f := range c.ar.Files {
		if f.Name == "args" || f.Name == "go.mod" || f.Name == config.File || strings.HasPrefix(f.Name, "want/") || !strings.HasSuffix(f.Name, ".go") {
			continue
		}
		writeFile(t, filepath.Join(root, c.dir, f.Name), c.rewritePaths(string(f.Data)))
	}
}

// rewritePaths gives the case's import paths its directory's path.
func (c *goldenCase) rewritePaths(src string) string {
	src = strings.ReplaceAll(src, strconv.Quote(c.modPath), strconv.Quote("example.com/cases/"+c.dir))
	return strings.ReplaceAll(src, "\""+c.modPath+"/", "\"example.com/cases/"+c.dir+"/")
}

func (c *goldenCase) run(t *testing.T, root string, all []*packages.Package) {
	var pkgs []*packages.Package
	prefix := "example.com/cases/" + c.dir
	hasTestVariant := map[string]bool{}
	for _, p := range all {
		if p.ForTest != "" && p.PkgPath == p.ForTest {
			hasTestVariant[p.PkgPath] = true
		}
	}
	for _, p := range all {
		if p.PkgPath != prefix && !strings.HasPrefix(p.PkgPath, prefix+"/") && !strings.HasPrefix(p.PkgPath, prefix+"_test") {
			continue
		}
		switch {
		case strings.HasSuffix(p.ID, ".test") && p.Name == "main" && p.ForTest == "":
			continue // the generated test main
		case p.ForTest == "" && hasTestVariant[p.PkgPath]:
			continue // replaced by its test variant, as the command does
		}
		pkgs = append(pkgs, p)
	}
	var analyzers []*analysis.Analyzer
	for _, r := range rules.New(c.cfg) {
		analyzers = append(analyzers, r.Analyzer)
	}
	graph, err := checker.Analyze(analyzers, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	caseDir := filepath.Join(root, c.dir)
	var reports []string
	type fix struct {
		edits []analysis.TextEdit
		fset  *token.FileSet
	}
	var fixes []fix
	for act := range graph.All() {
		if !act.IsRoot || act.Err != nil {
			if act.Err != nil {
				t.Errorf("%s on %s: %v", act.Analyzer.Name, act.Package.PkgPath, act.Err)
			}
			continue
		}
		for _, d := range act.Diagnostics {
			if len(d.SuggestedFixes) > 0 {
				fixes = append(fixes, fix{d.SuggestedFixes[0].TextEdits, act.Package.Fset})
				continue
			}
			pos := act.Package.Fset.PositionFor(d.Pos, false)
			rel, _ := filepath.Rel(caseDir, pos.Filename)
			reports = append(reports, fmt.Sprintf("%s:%d:%d: %s: %s", filepath.ToSlash(rel), pos.Line, pos.Column, act.Analyzer.Name, d.Message))
		}
	}
	sort.Strings(reports)
	reports = dedup(reports)
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(c.want["reports"]), "\n") {
		if l != "" && !strings.Contains(l, "; not fixed") {
			want = append(want, l)
		}
	}
	sort.Strings(want)
	if g, w := strings.Join(reports, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("reports:\n%s\nwant:\n%s", g, w)
	}

	// Merge the fixes file by file, as go fix does.
	type edit struct {
		start, end int
		text       string
	}
	byFile := map[string][]edit{}
	for _, fx := range fixes {
		for _, te := range fx.edits {
			f := fx.fset.File(te.Pos)
			e := edit{f.Offset(te.Pos), f.Offset(te.End), string(te.NewText)}
			dup := false
			for _, x := range byFile[f.Name()] {
				if x == e {
					dup = true
				}
			}
			if !dup {
				byFile[f.Name()] = append(byFile[f.Name()], e)
			}
		}
	}
	got := map[string]string{}
	for name, es := range byFile {
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].start != es[j].start {
				return es[i].start < es[j].start
			}
			return es[i].end < es[j].end
		})
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		last := 0
		for _, e := range es {
			if e.start < last {
				t.Errorf("%s: edits conflict at offset %d", name, e.start)
				continue
			}
			b.Write(src[last:e.start])
			b.WriteString(e.text)
			last = e.end
		}
		b.Write(src[last:])
		rel, _ := filepath.Rel(caseDir, name)
		got[filepath.ToSlash(rel)] = formatRemoveImports(t, b.Bytes())
	}
	for name, w := range c.want {
		if name == "reports" || !strings.HasSuffix(name, ".go") {
			continue
		}
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: want a change, got none", name)
			continue
		}
		if want := formatRemoveImports(t, []byte(c.rewritePaths(w))); g != want {
			t.Errorf("%s: got:\n%s\nwant:\n%s", name, g, want)
		}
	}
	for name := range got {
		if _, ok := c.want[name]; !ok {
			t.Errorf("%s: changed, want no change:\n%s", name, got[name])
		}
	}
}

// formatRemoveImports formats a fixed file as go fix does: imports no
// longer used removed, imports sorted, gofmt's layout.
func formatRemoveImports(t *testing.T, src []byte) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "fixed.go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		t.Errorf("fixed file does not parse: %v\n%s", err, src)
		return string(src)
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		specs := gd.Specs[:0]
		for _, sp := range gd.Specs {
			is := sp.(*ast.ImportSpec)
			path, _ := strconv.Unquote(is.Path.Value)
			name := path[strings.LastIndex(path, "/")+1:]
			if is.Name != nil {
				name = is.Name.Name
			}
			if name == "_" || name == "." || path == "C" || used[name] {
				specs = append(specs, sp)
			}
		}
		gd.Specs = specs
	}
	decls := f.Decls[:0]
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT && len(gd.Specs) == 0 {
			continue
		}
		decls = append(decls, d)
	}
	f.Decls = decls
	ast.SortImports(fset, f)
	var b bytes.Buffer
	if err := format.Node(&b, fset, f); err != nil {
		t.Fatal(err)
	}
	// Formatting a file whose import declaration went leaves a blank
	// line too many; a second pass settles it.
	out, err := format.Source(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func dedup(ss []string) []string {
	var out []string
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

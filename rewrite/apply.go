package rewrite

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/decorator/resolver/gotypes"
	"golang.org/x/tools/go/packages"
)

// A Change is the new contents of one file.
type Change struct {
	Path     string // absolute path of the file to write
	Old, New []byte
}

// pkgResult is what processing one package produced.
type pkgResult struct {
	changes     []Change
	diags       []Diagnostic
	errs        []string
	fixes       map[string]int // rule -> sites fixed in files that changed
	fixedAt     []Diagnostic   // the sites fixed in files that changed
	typeChecked bool
}

// process runs the rules over one loaded package and returns the verified
// changes, the reports and the errors.
func (e *engine) process(pkg *packages.Package, pd *pkgDir, rules []*Rule, src *sources, mf *moduleFiles) (res *pkgResult) {
	res = &pkgResult{}
	if len(pkg.Errors) > 0 {
		res.errs = packageErrors(pkg)
		return res
	}
	if pkg.Types == nil || pkg.TypesInfo == nil {
		return res
	}
	res.typeChecked = true
	defer func() {
		if r := recover(); r != nil {
			res.changes = nil
			res.fixes = nil
			res.errs = append(res.errs, fmt.Sprintf("%s: internal error, package left unchanged: %v\n%s", pkg.PkgPath, r, debug.Stack()))
		}
	}()

	modDirReal, err := filepath.EvalSymlinks(pd.module.Dir)
	if err != nil {
		modDirReal = pd.module.Dir
	}
	goFiles := map[string]bool{}
	for _, f := range pkg.GoFiles {
		goFiles[f] = true
	}
	dec := decorator.NewDecoratorWithImports(pkg.Fset, pkg.PkgPath, gotypes.New(pkg.TypesInfo.Uses))
	var files []*File
	realPath := map[*File]string{}
	for i, af := range pkg.Syntax {
		if i >= len(pkg.CompiledGoFiles) {
			break
		}
		path := pkg.CompiledGoFiles[i]
		test := strings.HasSuffix(path, "_test.go")
		switch {
		case !goFiles[path]: // produced by cgo: never decorated
			continue
		case importsC(af):
			continue
		case ast.IsGenerated(af):
			continue
		case test && !e.opts.Tests:
			continue
		case pd.only != nil && !pd.only[path]:
			continue
		}
		real, err := filepath.EvalSymlinks(path)
		if err != nil || !within(modDirReal, real) {
			continue // reached through a link that leaves the module
		}
		f := &File{Path: path, Ast: af, Test: test, dec: dec}
		f.ignores = ignoreRanges(pkg.Fset, af, src.get(path))
		files = append(files, f)
		realPath[f] = real
	}
	if len(files) == 0 {
		return res
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })

	u := &unit{modFiles: mf, dir: pd.dir}
	goVersion := pd.module.GoVersion
	if pkg.Module != nil && pkg.Module.GoVersion != "" {
		goVersion = pkg.Module.GoVersion
	}
	for _, r := range rules {
		if !applies(r, pkg.Types) {
			continue
		}
		pass := &Pass{
			Rule:      r,
			Fset:      pkg.Fset,
			Pkg:       pkg.Types,
			TypesInfo: pkg.TypesInfo,
			GoVersion: goVersion,
			Syntax:    pkg.Syntax,
			Files:     files,
			unit:      u,
		}
		r.Run(pass)
	}
	res.diags = u.diags

	var changed []*File
	for _, f := range files {
		if f.decorErr != nil {
			res.errs = append(res.errs, fmt.Sprintf("%s: cannot decorate: %v", f.Path, f.decorErr))
			continue
		}
		if f.changed {
			changed = append(changed, f)
		}
	}
	if len(changed) == 0 {
		return res
	}

	imports := transitiveImports(pkg.Types)
	e.mu.Lock()
	for path, p := range e.extra {
		if _, ok := imports[path]; !ok {
			imports[path] = p
		}
	}
	e.mu.Unlock()
	newText := map[*File][]byte{}
	for _, f := range changed {
		out, err := e.render(pkg, f, src.get(f.Path), imports)
		if err != nil {
			res.errs = append(res.errs, fmt.Sprintf("%s: rewrite not applied: %v", e.rel(f.Path), err))
			continue
		}
		if !bytes.Equal(out, src.get(f.Path)) {
			newText[f] = out
		}
	}

	if os.Getenv("HTTPFIX_DEBUG") != "" {
		for f, b := range newText {
			fmt.Fprintf(os.Stderr, "=== %s\n%s\n", f.Path, b)
		}
	}
	verified, diags := e.verify(pkg, goVersion, newText, imports)
	res.diags = append(res.diags, diags...)
	res.fixes = map[string]int{}
	for _, f := range changed {
		out, ok := verified[f]
		if !ok {
			continue
		}
		res.changes = append(res.changes, Change{Path: realPath[f], Old: src.get(f.Path), New: out})
	}
	for f := range verified {
		for rule, n := range u.fixes[f] {
			res.fixes[rule] += n
		}
		res.fixedAt = append(res.fixedAt, u.fixedAt[f]...)
	}
	return res
}

// render restores the rewritten file and merges it into the original
// bytes, so that only the rewritten lines and the import block differ.
func (e *engine) render(pkg *packages.Package, f *File, original []byte, imports map[string]*types.Package) ([]byte, error) {
	rewritten, err := restore(pkg.Types, f.Dst(), imports)
	if err != nil {
		return nil, err
	}
	// The file as the printer renders it before any rule ran: the common
	// ancestor of the original and the rewrite.
	base, err := restore(pkg.Types, f.base, imports)
	if err != nil {
		return nil, err
	}
	merged := merge(original, base, rewritten)

	// The merge must not change the meaning of anything: formatted, it
	// must be exactly the rewrite. Should the printer ever have moved a
	// comment or a line the merge cannot place, fall back to the rewrite
	// as printed (a larger diff, but a correct one).
	got, err := format.Source(merged)
	same := err == nil && bytes.Equal(withoutBlankLines(got), withoutBlankLines(rewritten))
	if !same {
		// The printer's output is almost always gofmt's already; format
		// it only when the cheap comparison fails.
		want, err := format.Source(rewritten)
		if err != nil {
			return nil, fmt.Errorf("rewritten file does not parse: %v", err)
		}
		same = got != nil && bytes.Equal(withoutBlankLines(got), withoutBlankLines(want))
	}
	if !same {
		if isCRLF(original) {
			rewritten = bytes.ReplaceAll(rewritten, []byte("\n"), []byte("\r\n"))
		}
		return rewritten, nil
	}
	return merged, nil
}

// withoutBlankLines drops the empty lines of formatted source, which mean
// nothing to the compiler: the printer sometimes loses one the original
// has (after a // comment ending in \r\n) where the merge keeps it.
func withoutBlankLines(src []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(src, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l...)
		}
	}
	return out
}

// restore prints a decorated file, managing its imports: imports a rule
// added are placed (see placeImport), imports no longer used are removed.
// An added import whose name is taken by a package-level declaration
// (var time = ...) gets an alias.
func restore(pkg *types.Package, f *dst.File, imports map[string]*types.Package) ([]byte, error) {
	r := decorator.NewRestorerWithImports(pkg.Path(), packageNames(imports))
	fr := r.FileRestorer()
	have := map[string]bool{}
	for _, d := range f.Decls {
		if gd, ok := d.(*dst.GenDecl); ok && gd.Tok == token.IMPORT {
			for _, spec := range gd.Specs {
				have[importPath(spec)] = true
			}
		}
	}
	var added []string
	dst.Inspect(f, func(n dst.Node) bool {
		if id, ok := n.(*dst.Ident); ok && id.Path != "" && id.Path != pkg.Path() && !have[id.Path] {
			have[id.Path] = true
			added = append(added, id.Path)
		}
		return true
	})
	sort.Strings(added)
	for _, path := range added {
		name, _ := packageNames(imports).ResolvePackage(path)
		alias := ""
		if pkg.Scope().Lookup(name) != nil {
			alias = name
			for i := 1; pkg.Scope().Lookup(alias) != nil; i++ {
				alias = fmt.Sprintf("%s%d", name, i)
			}
		}
		if !placeImport(f, path, alias) && alias != "" {
			fr.Alias[path] = alias // no import declaration: the restorer adds one
		}
	}
	var buf bytes.Buffer
	if err := fr.Fprint(&buf, f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func importPath(spec dst.Spec) string {
	is, ok := spec.(*dst.ImportSpec)
	if !ok {
		return ""
	}
	p, _ := strconv.Unquote(is.Path.Value)
	return p
}

// placeImport adds an import of path to the file's first import
// declaration as goimports would, leaving every other import where it
// is: a standard library package goes into the group of standard library
// imports, another package into the group whose paths share most of its
// path, at its place in the group's order; without such a group, into a
// new group (first for the standard library, last otherwise). It reports
// false if the file has no import declaration to add to.
func placeImport(f *dst.File, path, alias string) bool {
	var decl *dst.GenDecl
	for _, d := range f.Decls {
		gd, ok := d.(*dst.GenDecl)
		if !ok || gd.Tok != token.IMPORT || len(gd.Specs) == 1 && importPath(gd.Specs[0]) == "C" {
			continue
		}
		decl = gd
		break
	}
	if decl == nil || len(decl.Specs) == 0 {
		return false
	}
	spec := &dst.ImportSpec{Path: &dst.BasicLit{Kind: token.STRING, Value: strconv.Quote(path)}}
	if alias != "" {
		spec.Name = dst.NewIdent(alias)
	}
	spec.Decs.Before, spec.Decs.After = dst.NewLine, dst.NewLine

	// The groups of the declaration: runs of specs between blank lines.
	type group struct{ start, end int }
	var groups []group
	for i, sp := range decl.Specs {
		if i == 0 || sp.Decorations().Before == dst.EmptyLine {
			groups = append(groups, group{i, i + 1})
		} else {
			groups[len(groups)-1].end = i + 1
		}
	}
	isStd := func(p string) bool { return !strings.Contains(strings.Split(p, "/")[0], ".") }
	best, bestScore := -1, 0
	for gi, g := range groups {
		for _, sp := range decl.Specs[g.start:g.end] {
			p := importPath(sp)
			score := 0
			switch {
			case isStd(path) && isStd(p):
				score = 1
			case !isStd(path) && !isStd(p):
				score = commonPrefix(path, p)
			}
			if score > bestScore {
				best, bestScore = gi, score
			}
		}
	}
	insert := func(i int) {
		decl.Specs = append(decl.Specs[:i], append([]dst.Spec{spec}, decl.Specs[i:]...)...)
	}
	switch {
	case best < 0 && isStd(path):
		// A new first group.
		decl.Specs[0].Decorations().Before = dst.EmptyLine
		spec.Decs.After = dst.EmptyLine
		insert(0)
	case best < 0:
		// A new last group.
		last := decl.Specs[len(decl.Specs)-1].Decorations()
		last.After = dst.EmptyLine
		spec.Decs.Before = dst.EmptyLine
		insert(len(decl.Specs))
	default:
		g := groups[best]
		at := g.end
		for i := g.start; i < g.end; i++ {
			if importPath(decl.Specs[i]) > path {
				at = i
				break
			}
		}
		if at == g.start {
			// The new spec opens the group: it takes the group's spacing.
			spec.Decs.Before = decl.Specs[at].Decorations().Before
			decl.Specs[at].Decorations().Before = dst.NewLine
		}
		if at == g.end {
			// It closes the group: the blank line after the group follows it.
			prev := decl.Specs[at-1].Decorations()
			spec.Decs.After, prev.After = prev.After, dst.NewLine
		}
		insert(at)
	}
	decl.Lparen = true
	return true
}

// commonPrefix returns the number of leading path elements a and b share.
func commonPrefix(a, b string) int {
	ea, eb := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for n < len(ea) && n < len(eb) && ea[n] == eb[n] {
		n++
	}
	return n
}

// packageNames resolves import paths to package names from the type
// information already loaded, falling back to the last path element (which
// is right for the standard library packages rules add).
type packageNames map[string]*types.Package

func (m packageNames) ResolvePackage(path string) (string, error) {
	if p, ok := m[path]; ok {
		return p.Name(), nil
	}
	return DefaultImportName(path), nil
}

// DefaultImportName returns the name a package is imported under when
// the import gives none, guessed from its path as goimports does: the
// last element, without a major version suffix (example.com/x/v2) or a
// gopkg.in version (yaml.v3), and without dashes or dots.
func DefaultImportName(path string) string {
	elems := strings.Split(path, "/")
	name := elems[len(elems)-1]
	if len(elems) > 1 && len(name) > 1 && name[0] == 'v' && strings.Trim(name[1:], "0123456789") == "" {
		name = elems[len(elems)-2]
	}
	if i := strings.Index(name, ".v"); i > 0 {
		name = name[:i]
	}
	return strings.NewReplacer("-", "", ".", "").Replace(name)
}

// transitiveImports maps the path of every package reachable from pkg's
// imports to its type information.
func transitiveImports(pkg *types.Package) map[string]*types.Package {
	m := map[string]*types.Package{}
	var visit func(p *types.Package)
	visit = func(p *types.Package) {
		for _, q := range p.Imports() {
			if _, ok := m[q.Path()]; !ok {
				m[q.Path()] = q
				visit(q)
			}
		}
	}
	visit(pkg)
	return m
}

// applies reports whether pkg imports, directly or through one of its
// imports, a package the rule needs.
func applies(r *Rule, pkg *types.Package) bool {
	if len(r.Imports) == 0 {
		return true
	}
	for _, imp := range pkg.Imports() {
		if slices.Contains(r.Imports, imp.Path()) {
			return true
		}
	}
	for _, imp := range pkg.Imports() {
		for _, imp2 := range imp.Imports() {
			if slices.Contains(r.Imports, imp2.Path()) {
				return true
			}
		}
	}
	return false
}

func importsC(f *ast.File) bool {
	for _, is := range f.Imports {
		if is.Path.Value == `"C"` {
			return true
		}
	}
	return false
}

// packageErrors returns the errors of a package that failed to load, one
// line each: the first syntax error of each file that does not parse
// (what follows is the parser losing its way, and the type errors it
// causes are consequences), else the type errors, else what the go
// command said, without the "# pkg" header of a failed compile.
func packageErrors(pkg *packages.Package) []string {
	byKind := map[packages.ErrorKind][]packages.Error{}
	for _, err := range pkg.Errors {
		byKind[err.Kind] = append(byKind[err.Kind], err)
	}
	var errs []packages.Error
	switch {
	case len(byKind[packages.ParseError]) > 0:
		seenFile := map[string]bool{}
		for _, err := range byKind[packages.ParseError] {
			file := err.Pos
			if i := strings.IndexByte(file, ':'); i >= 0 {
				file = file[:i]
			}
			if !seenFile[file] {
				seenFile[file] = true
				errs = append(errs, err)
			}
		}
	case len(byKind[packages.TypeError]) > 0:
		errs = byKind[packages.TypeError]
	default:
		errs = pkg.Errors
	}
	seen := map[string]bool{}
	var out []string
	for _, err := range errs {
		msg := strings.TrimSpace(err.Msg)
		if strings.HasPrefix(msg, "# ") {
			// A failed compile: the header, then the compiler's lines.
			if _, rest, ok := strings.Cut(msg, "\n"); ok {
				msg = strings.TrimSpace(rest)
			}
		}
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if err.Pos != "" && err.Pos != "-" {
			msg = err.Pos + ": " + msg
		} else if !strings.HasPrefix(msg, pkg.PkgPath) {
			msg = pkg.PkgPath + ": " + msg
		}
		if !seen[msg] {
			seen[msg] = true
			out = append(out, msg)
		}
	}
	// Like gofmt, say the first few: the rest are usually consequences.
	const maxErrors = 10
	if len(out) > maxErrors {
		more := len(out) - maxErrors
		out = append(out[:maxErrors], fmt.Sprintf("%s: %d more errors", pkg.PkgPath, more))
	}
	return out
}

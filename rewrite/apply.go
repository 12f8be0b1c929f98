package rewrite

import (
	"bytes"
	"fmt"
	"go/types"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
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
	findings    []Finding // every diagnostic, for the machine-readable outputs
	notes       []string  // for the summary, of the analyzers whose fixes are applied
}

// process runs the analyzers over one loaded package and returns the
// verified changes, the reports and the errors.
//
// Every fixed site is a diagnostic with one suggested fix. The fixes are
// merged in the order of the analyzers, then of their sites: identical
// edits (an import, a shared declaration) are made once, and a fix that
// conflicts with one merged before it is left for a later run. The
// merged files are type-checked with the rest of the package; a file
// that does not check is left as it was, with every fix that touches it,
// and the others are checked again without them.
func (e *engine) process(pkg *packages.Package, pd *pkgDir, analyzers []Analyzer, src *sources) (res *pkgResult) {
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

	var roots []*analysis.Analyzer
	for _, a := range analyzers {
		if applies(a, pkg.Types) {
			roots = append(roots, a.Analyzer)
		}
	}
	if len(roots) == 0 {
		return res
	}
	ar := e.analyze(pkg, roots, src)
	if ar.err != nil {
		res.errs = append(res.errs, fmt.Sprintf("%s: %v", pkg.PkgPath, ar.err))
		return res
	}
	var fixes []*fixSite
	for i, ds := range ar.diags {
		rule := roots[i].Name
		for _, d := range ds {
			// Where the file has it, whatever //line directives say: the
			// edits are made to that file.
			pos := pkg.Fset.PositionFor(d.Pos, false)
			if !e.mayChange(pd, pkg, pos.Filename) {
				continue
			}
			res.findings = append(res.findings, newFinding(pkg.Fset, pkg.ID, rule, d))
			if len(d.SuggestedFixes) == 0 {
				res.diags = append(res.diags, Diagnostic{Pos: pos, Rule: rule, Message: d.Message})
				continue
			}
			fx := newFixSite(pkg.Fset, rule, i, d)
			ok := true
			for file := range fx.edits {
				if !e.mayChange(pd, pkg, file) {
					ok = false
				}
			}
			if !ok {
				res.diags = append(res.diags, Diagnostic{Pos: pos, Rule: rule, Message: d.Message + "; not fixed: the fix changes a file httpfix was not asked to change"})
				continue
			}
			fixes = append(fixes, fx)
		}
	}
	if len(fixes) == 0 {
		return res
	}
	sort.SliceStable(fixes, func(i, j int) bool {
		a, b := fixes[i], fixes[j]
		if a.order != b.order {
			return a.order < b.order
		}
		if a.pos.Filename != b.pos.Filename {
			return a.pos.Filename < b.pos.Filename
		}
		return a.pos.Offset < b.pos.Offset
	})

	imports := transitiveImports(pkg.Types)
	e.mu.Lock()
	for path, p := range e.extra {
		if _, ok := imports[path]; !ok {
			imports[path] = p
		}
	}
	e.mu.Unlock()
	goVersion := pd.module.GoVersion
	if pkg.Module != nil && pkg.Module.GoVersion != "" {
		goVersion = pkg.Module.GoVersion
	}

	active := fixes
	rejected := map[string]bool{}
	var verified map[string][]byte
	for len(active) > 0 {
		merged, left := mergeFixes(active, src.get)
		for _, fx := range left {
			res.diags = append(res.diags, Diagnostic{Pos: fx.pos, Rule: fx.rule,
				Message: fx.diag.Message + "; not fixed this time: its edits overlap those of another fix (run httpfix again)"})
		}
		active = without(active, left)
		newText := map[string][]byte{}
		for path, b := range merged {
			b = removeUnusedImports(b, pkg.Types)
			if !bytes.Equal(b, src.get(path)) {
				newText[path] = b
			}
		}
		if os.Getenv("HTTPFIX_DEBUG") != "" {
			for path, b := range newText {
				fmt.Fprintf(os.Stderr, "=== %s\n%s\n", path, b)
			}
		}
		var diags []Diagnostic
		verified, diags = e.verify(pkg, goVersion, newText, imports)
		res.diags = append(res.diags, diags...)
		again := false
		for path := range newText {
			if _, ok := verified[path]; !ok {
				rejected[path] = true
				again = true
			}
		}
		if !again {
			break
		}
		// Leave out every fix that touches a file that did not check,
		// and check the rest again.
		var keep []*fixSite
		for _, fx := range active {
			ok := true
			for file := range fx.edits {
				if rejected[file] {
					ok = false
				}
			}
			if ok {
				keep = append(keep, fx)
			}
		}
		active = keep
		verified = nil
	}
	res.fixes = map[string]int{}
	paths := make([]string, 0, len(verified))
	for path := range verified {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			real = path
		}
		res.changes = append(res.changes, Change{Path: real, Old: src.get(path), New: verified[path]})
	}
	for _, fx := range active {
		res.fixes[fx.rule]++
		res.fixedAt = append(res.fixedAt, Diagnostic{Pos: fx.pos, Rule: fx.rule, Message: "fixed"})
	}
	for i, note := range ar.notes {
		if note != "" && res.fixes[roots[i].Name] > 0 {
			res.notes = append(res.notes, fmt.Sprintf("%s: %s: %s", roots[i].Name, pkg.PkgPath, note))
		}
	}
	return res
}

// without returns fixes less those in drop.
func without(fixes, drop []*fixSite) []*fixSite {
	if len(drop) == 0 {
		return fixes
	}
	d := map[*fixSite]bool{}
	for _, f := range drop {
		d[f] = true
	}
	var out []*fixSite
	for _, f := range fixes {
		if !d[f] {
			out = append(out, f)
		}
	}
	return out
}

// mayChange reports whether the engine may change the file at path, of
// pkg, which belongs to the directory pd: a file of the package as the go
// command lists it (not one cgo produced), that the run was asked to
// change (pd.only), reached without leaving the module through a link.
func (e *engine) mayChange(pd *pkgDir, pkg *packages.Package, path string) bool {
	if pd.only != nil && !pd.only[path] {
		return false
	}
	if !slices.Contains(pkg.GoFiles, path) {
		return false
	}
	return e.editable(path)
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
// imports, a package the analyzer needs.
func applies(a Analyzer, pkg *types.Package) bool {
	if len(a.Imports) == 0 {
		return true
	}
	for _, imp := range pkg.Imports() {
		if slices.Contains(a.Imports, imp.Path()) {
			return true
		}
	}
	for _, imp := range pkg.Imports() {
		for _, imp2 := range imp.Imports() {
			if slices.Contains(a.Imports, imp2.Path()) {
				return true
			}
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

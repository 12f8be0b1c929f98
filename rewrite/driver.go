package rewrite

import (
	"fmt"
	"go/types"
	"os"
	"reflect"
	"sort"
	"sync"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/types/objectpath"
)

// This file is the engine's analysis driver: it runs the analyzers it is
// given (and those they require) on the packages it loaded, and carries
// their facts from package to package, as go vet's unitchecker does
// between processes. A fact is stored by the path of its package and the
// object path of its object, so that a package type-checked from source
// and one importing it from export data (whose objects are others) agree
// on it.

// An Analyzer is an analysis the engine runs, with what its prefilter
// needs to know to spare loading packages the analyzer cannot concern.
type Analyzer struct {
	*analysis.Analyzer
	// Imports lists import paths of which a package must import at least
	// one (directly or through one of its imports) for the analyzer to
	// have work to do; none means every package.
	Imports []string
	// Reaches, if set, also makes worth loading a package that imports a
	// package of the tree which imports one of Imports and whose source
	// contains this word.
	Reaches string
	// Adds lists the import paths the analyzer's fixes may add to a file:
	// their type information is completed before verification.
	Adds []string
}

// factStore holds the facts of a run.
type factStore struct {
	mu  sync.Mutex
	obj map[objFactKey]analysis.Fact
	pkg map[pkgFactKey]analysis.Fact
	// byPkg lists the object facts of each package, by analyzer.
	byPkg map[pkgFactKey][]objFactKey
}

type objFactKey struct {
	a    *analysis.Analyzer
	pkg  string
	path objectpath.Path
	t    reflect.Type
}

type pkgFactKey struct {
	a   *analysis.Analyzer
	pkg string
	t   reflect.Type
}

func newFactStore() *factStore {
	return &factStore{obj: map[objFactKey]analysis.Fact{}, pkg: map[pkgFactKey]analysis.Fact{}, byPkg: map[pkgFactKey][]objFactKey{}}
}

// analysisResult is what the analyzers found in one package.
type analysisResult struct {
	// diags are the diagnostics of the root analyzers, by analyzer, in
	// the order of the roots.
	diags [][]analysis.Diagnostic
	// notes are what the root analyzers' results say for the summary
	// (see summaryNoter), in the order of the roots.
	notes []string
	err   error
}

// A summaryNoter is an analyzer's result that has something to say in
// the summary of a run about the package, when the package's fixes by
// that analyzer are applied (defaultclient: why a package declares a
// client of its own instead of using the shared one).
type summaryNoter interface{ SummaryNote() string }

// requiredOrder returns the roots and every analyzer they require,
// directly or not, each after what it requires.
func requiredOrder(roots []*analysis.Analyzer) []*analysis.Analyzer {
	var order []*analysis.Analyzer
	seen := map[*analysis.Analyzer]bool{}
	var visit func(a *analysis.Analyzer)
	visit = func(a *analysis.Analyzer) {
		if seen[a] {
			return
		}
		seen[a] = true
		for _, r := range a.Requires {
			visit(r)
		}
		order = append(order, a)
	}
	for _, a := range roots {
		visit(a)
	}
	return order
}

// analyze runs the roots, and the analyzers they require, on pkg.
func (e *engine) analyze(pkg *packages.Package, roots []*analysis.Analyzer, src *sources) (res analysisResult) {
	defer func() {
		if r := recover(); r != nil {
			res.err = fmt.Errorf("internal error in an analyzer: %v", r)
		}
	}()
	results := map[*analysis.Analyzer]any{}
	local := map[*analysis.Analyzer]*localFacts{}
	diags := map[*analysis.Analyzer][]analysis.Diagnostic{}
	order := requiredOrder(roots)
	module := &analysis.Module{}
	if pkg.Module != nil {
		module.Path, module.Version, module.GoVersion = pkg.Module.Path, pkg.Module.Version, pkg.Module.GoVersion
	}
	readFile := func(name string) ([]byte, error) {
		if b := src.get(name); b != nil {
			return b, nil
		}
		return os.ReadFile(name)
	}
	for _, a := range order {
		lf := &localFacts{obj: map[types.Object]analysis.Fact{}}
		local[a] = lf
		inputs := map[*analysis.Analyzer]any{}
		for _, r := range a.Requires {
			inputs[r] = results[r]
		}
		pass := &analysis.Pass{
			Analyzer:     a,
			Fset:         pkg.Fset,
			Files:        pkg.Syntax,
			OtherFiles:   pkg.OtherFiles,
			IgnoredFiles: pkg.IgnoredFiles,
			Pkg:          pkg.Types,
			TypesInfo:    pkg.TypesInfo,
			TypesSizes:   pkg.TypesSizes,
			Module:       module,
			ResultOf:     inputs,
			ReadFile:     readFile,
			Report:       func(d analysis.Diagnostic) { diags[a] = append(diags[a], d) },
		}
		e.factFuncs(pass, lf)
		r, err := a.Run(pass)
		if err != nil {
			return analysisResult{err: fmt.Errorf("%s: %v", a.Name, err)}
		}
		results[a] = r
		e.publish(a, pkg.Types, lf)
	}
	for _, a := range roots {
		res.diags = append(res.diags, diags[a])
		note := ""
		if n, ok := results[a].(summaryNoter); ok {
			note = n.SummaryNote()
		}
		res.notes = append(res.notes, note)
	}
	return res
}

// localFacts are the facts an analyzer exports while it runs on a
// package.
type localFacts struct {
	obj map[types.Object]analysis.Fact
	pkg []analysis.Fact
}

// factFuncs gives pass its fact functions.
func (e *engine) factFuncs(pass *analysis.Pass, lf *localFacts) {
	fs := e.facts
	a := pass.Analyzer
	copyFact := func(dst, src analysis.Fact) {
		reflect.ValueOf(dst).Elem().Set(reflect.ValueOf(src).Elem())
	}
	pass.ImportObjectFact = func(obj types.Object, fact analysis.Fact) bool {
		if obj == nil || obj.Pkg() == nil {
			return false
		}
		t := reflect.TypeOf(fact)
		if obj.Pkg() == pass.Pkg {
			if f, ok := lf.obj[obj]; ok && reflect.TypeOf(f) == t {
				copyFact(fact, f)
				return true
			}
			return false
		}
		path, err := objectpath.For(obj)
		if err != nil {
			return false
		}
		fs.mu.Lock()
		f, ok := fs.obj[objFactKey{a, obj.Pkg().Path(), path, t}]
		fs.mu.Unlock()
		if ok {
			copyFact(fact, f)
		}
		return ok
	}
	pass.ExportObjectFact = func(obj types.Object, fact analysis.Fact) {
		if obj.Pkg() != pass.Pkg {
			panic(fmt.Sprintf("%s: fact exported on %v, of another package", a.Name, obj))
		}
		lf.obj[obj] = fact
	}
	pass.ImportPackageFact = func(pkg *types.Package, fact analysis.Fact) bool {
		t := reflect.TypeOf(fact)
		if pkg == pass.Pkg {
			for _, f := range lf.pkg {
				if reflect.TypeOf(f) == t {
					copyFact(fact, f)
					return true
				}
			}
			return false
		}
		fs.mu.Lock()
		f, ok := fs.pkg[pkgFactKey{a, pkg.Path(), t}]
		fs.mu.Unlock()
		if ok {
			copyFact(fact, f)
		}
		return ok
	}
	pass.ExportPackageFact = func(fact analysis.Fact) {
		t := reflect.TypeOf(fact)
		for i, f := range lf.pkg {
			if reflect.TypeOf(f) == t {
				lf.pkg[i] = fact
				return
			}
		}
		lf.pkg = append(lf.pkg, fact)
	}
	deps := func() []*types.Package {
		var out []*types.Package
		seen := map[*types.Package]bool{}
		var visit func(p *types.Package)
		visit = func(p *types.Package) {
			for _, q := range p.Imports() {
				if !seen[q] {
					seen[q] = true
					out = append(out, q)
					visit(q)
				}
			}
		}
		visit(pass.Pkg)
		return out
	}
	pass.AllObjectFacts = func() []analysis.ObjectFact {
		var out []analysis.ObjectFact
		for obj, f := range lf.obj {
			out = append(out, analysis.ObjectFact{Object: obj, Fact: f})
		}
		fs.mu.Lock()
		defer fs.mu.Unlock()
		for _, p := range deps() {
			for _, ft := range a.FactTypes {
				for _, k := range fs.byPkg[pkgFactKey{a, p.Path(), reflect.TypeOf(ft)}] {
					obj, err := objectpath.Object(p, k.path)
					if err != nil {
						continue // not in this view of the package
					}
					out = append(out, analysis.ObjectFact{Object: obj, Fact: fs.obj[k]})
				}
			}
		}
		return out
	}
	pass.AllPackageFacts = func() []analysis.PackageFact {
		var out []analysis.PackageFact
		for _, f := range lf.pkg {
			out = append(out, analysis.PackageFact{Package: pass.Pkg, Fact: f})
		}
		fs.mu.Lock()
		defer fs.mu.Unlock()
		for _, p := range deps() {
			for _, ft := range a.FactTypes {
				if f, ok := fs.pkg[pkgFactKey{a, p.Path(), reflect.TypeOf(ft)}]; ok {
					out = append(out, analysis.PackageFact{Package: p, Fact: f})
				}
			}
		}
		return out
	}
}

// publish records the facts an analyzer exported on pkg for the packages
// that import it. The first analysis of a package wins: a test variant
// analyzed later does not replace what its importers already use.
func (e *engine) publish(a *analysis.Analyzer, pkg *types.Package, lf *localFacts) {
	if len(a.FactTypes) == 0 {
		return
	}
	fs := e.facts
	var enc objectpath.Encoder
	type item struct {
		k objFactKey
		f analysis.Fact
	}
	var items []item
	for obj, f := range lf.obj {
		path, err := enc.For(obj)
		if err != nil {
			continue // not reachable from the package's scope: no importer can name it
		}
		items = append(items, item{objFactKey{a, pkg.Path(), path, reflect.TypeOf(f)}, f})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].k.path < items[j].k.path })
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, it := range items {
		if _, ok := fs.obj[it.k]; ok {
			continue
		}
		fs.obj[it.k] = it.f
		pk := pkgFactKey{a, it.k.pkg, it.k.t}
		fs.byPkg[pk] = append(fs.byPkg[pk], it.k)
	}
	for _, f := range lf.pkg {
		k := pkgFactKey{a, pkg.Path(), reflect.TypeOf(f)}
		if _, ok := fs.pkg[k]; !ok {
			fs.pkg[k] = f
		}
	}
}

package rewrite

import (
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"
)

// isStd reports whether an import path is of the standard library.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// dependencyOrder sorts the package directories of a module so that each
// comes after the directories it imports (transitively), keeping the
// directory order otherwise.
func (l *moduleList) dependencyOrder(dirs []*pkgDir) []*pkgDir {
	byPath := map[string]*pkgDir{}
	for _, pd := range dirs {
		for _, p := range l.roots[pd] {
			byPath[strings.TrimSuffix(p.PkgPath, "_test")] = pd
		}
	}
	deps := map[*pkgDir][]*pkgDir{}
	for _, pd := range dirs {
		seen := map[*packages.Package]bool{}
		found := map[*pkgDir]bool{}
		var visit func(p *packages.Package)
		visit = func(p *packages.Package) {
			for _, q := range p.Imports {
				if seen[q] || isStd(q.PkgPath) {
					continue
				}
				seen[q] = true
				if d := byPath[q.PkgPath]; d != nil && d != pd && !found[d] {
					found[d] = true
					deps[pd] = append(deps[pd], d)
				}
				visit(q)
			}
		}
		for _, p := range l.roots[pd] {
			visit(p)
		}
	}
	var out []*pkgDir
	state := map[*pkgDir]int{} // 1 visiting, 2 done
	var place func(pd *pkgDir)
	place = func(pd *pkgDir) {
		if state[pd] != 0 {
			return // done, or an import cycle (an error of the go command's)
		}
		state[pd] = 1
		ds := deps[pd]
		sort.SliceStable(ds, func(i, j int) bool { return ds[i].dir < ds[j].dir })
		for _, d := range ds {
			place(d)
		}
		state[pd] = 2
		out = append(out, pd)
	}
	for _, pd := range dirs {
		place(pd)
	}
	return out
}

// batchDeps returns, for each package of work, the indices of the others
// it imports, directly or not.
func batchDeps(work []*packages.Package) [][]int {
	index := map[*packages.Package]int{}
	byPath := map[string]int{}
	for i, p := range work {
		index[p] = i
		byPath[p.PkgPath] = i
	}
	out := make([][]int, len(work))
	for i, p := range work {
		seen := map[*packages.Package]bool{}
		found := map[int]bool{}
		var visit func(p *packages.Package)
		visit = func(p *packages.Package) {
			for _, q := range p.Imports {
				if seen[q] || isStd(q.PkgPath) {
					continue
				}
				seen[q] = true
				j, ok := index[q]
				if !ok {
					j, ok = byPath[q.PkgPath]
				}
				if ok && j != i && !found[j] {
					found[j] = true
					out[i] = append(out[i], j)
				}
				visit(q)
			}
		}
		visit(p)
		sort.Ints(out[i])
	}
	return out
}

// factAnalyzers returns the analyzers that the roots require, directly or
// not, and that compute facts: what must run on a dependency for its
// facts to be known (with what they require, which analyze adds).
func factAnalyzers(roots []Analyzer) []*analysis.Analyzer {
	var as []*analysis.Analyzer
	for _, r := range roots {
		as = append(as, r.Analyzer)
	}
	var out []*analysis.Analyzer
	for _, a := range requiredOrder(as) {
		if len(a.FactTypes) > 0 {
			out = append(out, a)
		}
	}
	return out
}

// analyzeDeps computes the facts of the dependencies of work that the
// run does not process itself: the packages outside the run (another
// module, a replaced one, a library) that import net/http, which is what
// a package must do to hand responses to or from its functions, and the
// reader helpers of those. Each is type-checked from source (its own
// dependencies from export data) and analyzed once per run. Those that
// import none of work, directly or not, are analyzed here, before work
// is processed; the others (a package between two of work, such as a
// protocol package that does not import net/http between a client and
// the rate limiter it uses) are returned, to be analyzed once the
// packages of work they import are: before that, their facts are not
// known, and a dependency analyzed without them would say less than it
// does (that it may start goroutines, that it may keep a body).
func (e *engine) analyzeDeps(m *Module, work []*packages.Package, list *moduleList, analyzers []Analyzer) []*lateDep {
	fas := factAnalyzers(analyzers)
	if len(fas) == 0 {
		return nil
	}
	inWork := map[string]bool{}
	for _, p := range work {
		inWork[p.PkgPath] = true
	}
	// reachesWork memoizes whether a package imports one of work,
	// directly or not.
	reach := map[*packages.Package]bool{}
	var reachesWork func(p *packages.Package) bool
	reachesWork = func(p *packages.Package) bool {
		if r, ok := reach[p]; ok {
			return r
		}
		reach[p] = false
		for _, q := range p.Imports {
			if !isStd(q.PkgPath) && (inWork[q.PkgPath] || reachesWork(q)) {
				reach[p] = true
				break
			}
		}
		return reach[p]
	}
	var todo []*packages.Package
	seen := map[*packages.Package]bool{}
	var visit func(p *packages.Package)
	visit = func(p *packages.Package) {
		for _, path := range sortedImports(p) {
			q := p.Imports[path]
			if isStd(q.PkgPath) {
				continue
			}
			if !seen[q] {
				seen[q] = true
				visit(q) // its dependencies first
			}
			// Whether q is needed is decided for each importer: a reader
			// helper first reached through a package that does not import
			// net/http may be reached again through one that does.
			// A package that imports net/http, or a reader helper (it
			// imports io or bufio) of one that does: a bounded ReadAll, a
			// parser, whose summaries say what they do with a body.
			helper := p.Imports["net/http"] != nil && (q.Imports["io"] != nil || q.Imports["bufio"] != nil)
			if inWork[q.PkgPath] || q.Imports["net/http"] == nil && !helper || len(q.CompiledGoFiles) == 0 {
				continue
			}
			e.mu.Lock()
			done := e.depsDone[q.PkgPath]
			if !done {
				e.depsDone[q.PkgPath] = true
			}
			e.mu.Unlock()
			if !done {
				todo = append(todo, q)
			}
		}
	}
	for _, p := range work {
		visit(p)
	}
	if len(todo) == 0 {
		return nil
	}
	x := newExportData(todo)
	var late []*lateDep
	for _, p := range todo {
		if e.ctx.Err() != nil {
			return nil
		}
		d := &lateDep{pkg: p, x: x, fas: fas}
		if reachesWork(p) {
			late = append(late, d)
			continue
		}
		e.analyzeDep(d)
	}
	return late
}

// A lateDep is a dependency to analyze once the packages of work it
// imports are.
type lateDep struct {
	pkg *packages.Package // as the module's listing holds it
	x   *exportData
	fas []*analysis.Analyzer
}

// analyzeDep type-checks a dependency from source and computes its facts.
func (e *engine) analyzeDep(d *lateDep) {
	// A copy: the module's listing shares the package with every batch.
	q := *d.pkg
	q.Errors = nil
	src := &sources{files: map[string][]byte{}}
	typeCheckOne(&q, d.x, src)
	if len(q.Errors) > 0 || q.Types == nil {
		return // no facts: its functions count as unknown
	}
	var roots []*analysis.Analyzer
	for _, a := range d.fas {
		if applies(Analyzer{Analyzer: a, Imports: []string{"net/http", "io", "bufio"}}, q.Types) {
			roots = append(roots, a)
		}
	}
	e.analyze(&q, roots, src)
}

// sortedImports returns the import paths of p, sorted.
func sortedImports(p *packages.Package) []string {
	paths := make([]string, 0, len(p.Imports))
	for path := range p.Imports {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	return paths
}

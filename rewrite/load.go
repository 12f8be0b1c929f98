package rewrite

import (
	"fmt"
	"go/ast"
	"go/parser"
	goscanner "go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/mod/semver"
	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// loadMode is what the rules need: syntax and full type information for
// the packages being rewritten, export data (not syntax) for their
// dependencies.
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedSyntax |
	packages.NeedTypesSizes | packages.NeedModule | packages.NeedForTest

// sources records the bytes of every file go/packages parsed, so that the
// rewrite, the diff and the final "changed during run" check all start
// from exactly what was type-checked.
type sources struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (s *sources) parse(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
	s.mu.Lock()
	s.files[filename] = src
	s.mu.Unlock()
	return parser.ParseFile(fset, filename, src, parser.AllErrors|parser.ParseComments|parser.SkipObjectResolution)
}

func (s *sources) get(filename string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[filename]
}

// listMode is what listing a module asks of the go command: the files of
// the packages, their import graph, and the export data files of their
// dependencies. No syntax and no types: loadBatch adds those, a batch at
// a time.
const listMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedExportFile | packages.NeedTypesSizes | packages.NeedModule | packages.NeedForTest

// loadConfig returns the configuration that loads packages of module m.
func (e *engine) loadConfig(m *Module, mode packages.LoadMode, src *sources) *packages.Config {
	env := os.Environ()
	if m.Workspace == "" {
		env = append(env, "GOWORK=off")
	}
	cfg := &packages.Config{
		Mode:    mode,
		Dir:     m.Dir,
		Env:     env,
		Tests:   e.opts.Tests,
		Context: e.ctx,
	}
	if src != nil {
		cfg.ParseFile = src.parse
	}
	if len(e.opts.Tags) > 0 {
		cfg.BuildFlags = []string{"-tags=" + strings.Join(e.opts.Tags, ",")}
	}
	return cfg
}

// patterns returns the patterns naming dirs, all of module m.
func patterns(m *Module, dirs []*pkgDir) ([]string, error) {
	out := make([]string, len(dirs))
	for i, pd := range dirs {
		rel, err := filepath.Rel(m.Dir, pd.dir)
		if err != nil {
			return nil, err
		}
		out[i] = "./" + filepath.ToSlash(rel)
	}
	return out, nil
}

// A moduleList is what one run of the go command said about the packages
// of a module that are to be loaded: each directory's packages (with
// tests, its test variants too), with their dependencies.
type moduleList struct {
	roots   map[*pkgDir][]*packages.Package
	orphans []*packages.Package // packages listed for no directory
	// exports records, for the packages visited, whether they and all
	// their dependencies have export data.
	exports map[*packages.Package]bool
}

// listModule lists the packages in dirs, all of module m, with one run of
// the go command. Listing costs the go command about a millisecond per
// package of the dependency graph, which the batches of a module mostly
// share: one run per batch would do that work again for every batch.
func (e *engine) listModule(m *Module, dirs []*pkgDir) (*moduleList, error) {
	pats, err := patterns(m, dirs)
	if err != nil {
		return nil, err
	}
	pkgs, err := packages.Load(e.loadConfig(m, listMode, nil), pats...)
	if err != nil {
		return nil, fmt.Errorf("loading packages of module %s: %v", m.Path, err)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ID < pkgs[j].ID })
	l := &moduleList{roots: map[*pkgDir][]*packages.Package{}, exports: map[*packages.Package]bool{}}
	own := newOwners(dirs)
	for _, p := range pkgs {
		if pd := own.of(p); pd != nil {
			l.roots[pd] = append(l.roots[pd], p)
		} else {
			l.orphans = append(l.orphans, p)
		}
	}
	var unlisted []*pkgDir
	for _, pd := range dirs {
		if len(l.roots[pd]) == 0 {
			unlisted = append(unlisted, pd)
		}
	}
	if len(unlisted) > 0 {
		return nil, e.whyUnlisted(m, unlisted)
	}
	return l, nil
}

// whyUnlisted returns the error that kept the go command from listing
// the packages of dirs, which the scan found Go files in. Asked for
// export data, it lists nothing and says nothing when the module itself
// is broken (a go.mod that needs updates: "go mod tidy"); asked for less,
// it says why. Such a module is an error of the run, never a clean pass.
func (e *engine) whyUnlisted(m *Module, dirs []*pkgDir) error {
	pats, err := patterns(m, dirs)
	if err != nil {
		return err
	}
	_, err = packages.Load(e.loadConfig(m, packages.NeedName, nil), pats...)
	if err == nil {
		return fmt.Errorf("loading packages of module %s: the go command lists no package in %s", m.Path, strings.Join(pats, " "))
	}
	return fmt.Errorf("loading packages of module %s: %s", m.Path, strings.Join(strings.Fields(err.Error()), " "))
}

// owners finds the directory a loaded package belongs to.
type owners struct {
	byPath, byDir map[string]*pkgDir
}

func newOwners(dirs []*pkgDir) owners {
	o := owners{byPath: map[string]*pkgDir{}, byDir: map[string]*pkgDir{}}
	for _, pd := range dirs {
		o.byPath[pd.importPath] = pd
		o.byDir[pd.dir] = pd
	}
	return o
}

func (o owners) of(p *packages.Package) *pkgDir {
	pd := o.byPath[strings.TrimSuffix(p.PkgPath, "_test")]
	if pd == nil && len(p.GoFiles) > 0 {
		pd = o.byDir[filepath.Dir(p.GoFiles[0])]
	}
	return pd
}

// loadBatch loads the packages in dirs, all of module m, with syntax and
// types. With tests, the test variants are loaded too.
//
// The packages come from the module's listing. Each is parsed and
// type-checked here, importing its dependencies from their export data
// (shared by the batch), as go/packages would. A directory whose
// packages the go command reported errors for, or one of whose
// dependencies has no export data (it does not compile), is loaded by
// go/packages itself instead, which type-checks such dependencies from
// source and reports the errors as it always does.
//
// Besides the packages, sorted by ID, it returns them grouped by the
// loads that share dependencies (types.Packages), for complete.
func (e *engine) loadBatch(m *Module, dirs []*pkgDir, list *moduleList) ([]*packages.Package, [][]*packages.Package, *sources, error) {
	src := &sources{files: map[string][]byte{}}
	var fallback []*pkgDir
	var roots []*packages.Package
	for _, pd := range dirs {
		ps := list.roots[pd]
		if len(ps) == 0 || !list.loadable(ps) {
			fallback = append(fallback, pd)
			continue
		}
		roots = append(roots, ps...)
	}
	// Only the variants that are rewritten: with tests, a package's test
	// variant holds all its files.
	roots = variants(roots)
	var out []*packages.Package
	var groups [][]*packages.Package
	if len(fallback) > 0 {
		pats, err := patterns(m, fallback)
		if err != nil {
			return nil, nil, nil, err
		}
		pkgs, err := packages.Load(e.loadConfig(m, loadMode, src), pats...)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("loading packages of module %s: %v", m.Path, err)
		}
		out = append(out, pkgs...)
		groups = append(groups, pkgs)
	}
	if err := e.typeCheck(roots, src); err != nil {
		return nil, nil, nil, err
	}
	if len(roots) > 0 {
		out = append(out, roots...)
		groups = append(groups, roots)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, groups, src, nil
}

// loadable reports whether the listed packages of a directory can be
// type-checked against export data: the go command reported no error for
// them, and every dependency has export data.
func (l *moduleList) loadable(pkgs []*packages.Package) bool {
	for _, p := range pkgs {
		if len(p.Errors) > 0 || len(p.CompiledGoFiles) == 0 {
			return false
		}
		for _, q := range p.Imports {
			if !l.hasExports(q) {
				return false
			}
		}
	}
	return true
}

// hasExports reports whether p and all its dependencies have export
// data.
func (l *moduleList) hasExports(p *packages.Package) bool {
	ok, seen := l.exports[p]
	if seen {
		return ok
	}
	l.exports[p] = true // an import cycle is an error of the importer's
	ok = p.PkgPath == "unsafe" || p.ExportFile != ""
	for _, q := range p.Imports {
		if !ok {
			break
		}
		ok = l.hasExports(q)
	}
	l.exports[p] = ok
	return ok
}

// release drops the syntax and types of the packages of a batch, which
// the module's listing would otherwise keep until the module is done.
func release(pkgs []*packages.Package) {
	for _, p := range pkgs {
		p.Syntax, p.Types, p.TypesInfo, p.Fset, p.TypeErrors = nil, nil, nil, nil, nil
	}
}

// typeCheck parses and type-checks roots, as go/packages does with the
// packages a pattern names (see its loadPackage): their files are parsed
// through src, and their dependencies are read from export data into
// packages shared by the batch.
func (e *engine) typeCheck(roots []*packages.Package, src *sources) error {
	if len(roots) == 0 {
		return nil
	}
	x := newExportData(roots)
	var wg sync.WaitGroup
	next := make(chan *packages.Package)
	for w := 0; w < e.opts.Parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				if e.ctx.Err() == nil {
					typeCheckOne(p, x, src)
				}
			}
		}()
	}
	for _, p := range roots {
		next <- p
	}
	close(next)
	wg.Wait()
	return e.ctx.Err()
}

func typeCheckOne(p *packages.Package, x *exportData, src *sources) {
	fset := x.fset
	p.Fset = fset
	p.Types = types.NewPackage(p.PkgPath, p.Name)
	appendError := func(err error) {
		switch err := err.(type) {
		case packages.Error:
			p.Errors = append(p.Errors, err)
		case *os.PathError:
			p.Errors = append(p.Errors, packages.Error{Pos: err.Path + ":1", Msg: err.Err.Error(), Kind: packages.ParseError})
		case goscanner.ErrorList:
			for _, err := range err {
				p.Errors = append(p.Errors, packages.Error{Pos: err.Pos.String(), Msg: err.Msg, Kind: packages.ParseError})
			}
		case types.Error:
			p.TypeErrors = append(p.TypeErrors, err)
			p.Errors = append(p.Errors, packages.Error{Pos: err.Fset.Position(err.Pos).String(), Msg: err.Msg, Kind: packages.TypeError})
		default:
			p.Errors = append(p.Errors, packages.Error{Pos: "-", Msg: err.Error(), Kind: packages.UnknownError})
		}
	}

	p.Syntax = nil
	for _, name := range p.CompiledGoFiles {
		data, err := os.ReadFile(name)
		if err != nil {
			appendError(err)
			continue
		}
		f, err := src.parse(fset, name, data)
		if f != nil {
			p.Syntax = append(p.Syntax, f)
		}
		if err != nil {
			appendError(err)
		}
	}

	p.TypesInfo = &types.Info{
		Types:        make(map[ast.Expr]types.TypeAndValue),
		Defs:         make(map[*ast.Ident]types.Object),
		Uses:         make(map[*ast.Ident]types.Object),
		Implicits:    make(map[ast.Node]types.Object),
		Instances:    make(map[*ast.Ident]types.Instance),
		Scopes:       make(map[ast.Node]*types.Scope),
		Selections:   make(map[*ast.SelectorExpr]*types.Selection),
		FileVersions: make(map[*ast.File]string),
	}
	importer := importerFunc(func(path string) (*types.Package, error) {
		if path == "unsafe" {
			return types.Unsafe, nil
		}
		dep := p.Imports[path]
		if dep == nil {
			return nil, fmt.Errorf("no metadata for %s", path)
		}
		return x.get(dep)
	})
	tc := &types.Config{Importer: importer, Error: appendError, Sizes: p.TypesSizes}
	if p.Module != nil && p.Module.GoVersion != "" {
		tc.GoVersion = "go" + p.Module.GoVersion
	}
	typErr := types.NewChecker(tc, fset, p.Types, p.TypesInfo).Files(p.Syntax)
	if typErr != nil && len(p.Errors) == 0 && len(p.Syntax) > 0 {
		if msg := typErr.Error(); strings.HasPrefix(msg, "package requires newer Go version") {
			appendError(types.Error{Fset: fset, Pos: p.Syntax[0].Package, Msg: msg})
		}
	}
	if typErr != nil && len(p.Errors) == 0 {
		appendError(typErr)
	}
	p.IllTyped = len(p.Errors) > 0
}

// exportData holds the dependencies of a batch's packages, read from
// their export data. As go/packages does, it reads a package that a root
// imports directly only after the direct imports it depends on, and lets
// the read create it: so it is complete, and lists its imports (which
// verification follows to find the packages a rewrite refers to), by the
// time the export data of others refers to it. Packages only reached
// through others are filled in with what those refer to.
type exportData struct {
	mu     sync.Mutex
	fset   *token.FileSet
	direct map[*packages.Package]bool // imported by a root
	done   map[*packages.Package]bool // read, or found unneeded
	types  map[*packages.Package]*types.Package
	errs   map[*packages.Package]error
	// byPath is the view every read shares when no two packages of the
	// batch have one path. Otherwise (test variants) each read gets a view
	// of its own, made of the package's dependencies.
	byPath map[string]*types.Package
}

func newExportData(roots []*packages.Package) *exportData {
	x := &exportData{
		fset:   token.NewFileSet(),
		direct: map[*packages.Package]bool{},
		done:   map[*packages.Package]bool{},
		types:  map[*packages.Package]*types.Package{},
		errs:   map[*packages.Package]error{},
		byPath: map[string]*types.Package{},
	}
	paths := map[string]*packages.Package{}
	seen := map[*packages.Package]bool{}
	var visit func(p *packages.Package)
	visit = func(p *packages.Package) {
		for _, q := range p.Imports {
			if seen[q] {
				continue
			}
			seen[q] = true
			if other := paths[q.PkgPath]; other != nil && other != q {
				x.byPath = nil
			}
			paths[q.PkgPath] = q
			visit(q)
		}
	}
	for _, r := range roots {
		for _, q := range r.Imports {
			x.direct[q] = true
		}
		visit(r)
	}
	return x
}

// get returns the complete types.Package of p, which a root imports.
func (x *exportData) get(p *packages.Package) (*types.Package, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ensure(p)
	if err := x.errs[p]; err != nil {
		return nil, err
	}
	return x.types[p], nil
}

// ensure reads p's export data if a root imports it, after that of the
// packages it depends on that a root imports.
func (x *exportData) ensure(p *packages.Package) {
	if x.done[p] {
		return
	}
	x.done[p] = true
	paths := make([]string, 0, len(p.Imports))
	for path := range p.Imports {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		x.ensure(p.Imports[path])
	}
	if x.direct[p] && p.PkgPath != "unsafe" {
		x.types[p], x.errs[p] = x.read(p)
	}
}

// pkg returns the types.Package of p, creating it empty, for a view of
// its own.
func (x *exportData) pkg(p *packages.Package) *types.Package {
	if p.PkgPath == "unsafe" {
		return types.Unsafe
	}
	t := x.types[p]
	if t == nil {
		t = types.NewPackage(p.PkgPath, p.Name)
		x.types[p] = t
	}
	return t
}

// read reads p's export data.
func (x *exportData) read(p *packages.Package) (*types.Package, error) {
	view := x.byPath
	if view == nil {
		view = map[string]*types.Package{}
		seen := map[*packages.Package]bool{}
		var visit func(deps map[string]*packages.Package)
		visit = func(deps map[string]*packages.Package) {
			for _, q := range deps {
				if !seen[q] {
					seen[q] = true
					view[q.PkgPath] = x.pkg(q)
					visit(q.Imports)
				}
			}
		}
		visit(p.Imports)
	}
	f, err := os.Open(p.ExportFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := gcexportdata.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", p.ExportFile, err)
	}
	t, err := gcexportdata.Read(r, x.fset, view, p.PkgPath)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", p.ExportFile, err)
	}
	return t, nil
}

// tooNew reports, in one line, that m needs a newer Go than the one this
// program was built with, which cannot type-check it; or "" if it does not.
func tooNew(m *Module, built string) string {
	if m.GoVersion == "" {
		return ""
	}
	mod := "v" + m.GoVersion
	have := "v" + strings.TrimPrefix(built, "go")
	if i := strings.IndexAny(have, " -"); i >= 0 {
		have = have[:i]
	}
	if !semver.IsValid(mod) || !semver.IsValid(have) {
		return ""
	}
	// Compare language versions (1.27), ignoring patch releases: go1.27.0
	// type-checks a module that says "go 1.27.3".
	if semver.Compare(semver.MajorMinor(mod), semver.MajorMinor(have)) <= 0 {
		return ""
	}
	return fmt.Sprintf("module %s (%s) requires go %s, but httpfix was built with %s and cannot type-check it: rebuild httpfix with Go %s or newer",
		m.Path, m.Dir, m.GoVersion, built, semver.MajorMinor(mod)[1:])
}

// variants picks, from the packages go/packages returned for a batch, the
// ones to rewrite: with tests, a package's test variant (which holds its
// files and its in-package tests) replaces the package itself, and the
// external test package is a package of its own; the generated test
// main is skipped.
func variants(pkgs []*packages.Package) []*packages.Package {
	hasTestVariant := map[string]bool{}
	for _, p := range pkgs {
		if p.ForTest != "" && p.PkgPath == p.ForTest {
			hasTestVariant[p.PkgPath] = true
		}
	}
	var out []*packages.Package
	for _, p := range pkgs {
		switch {
		case strings.HasSuffix(p.ID, ".test") && p.Name == "main" && p.ForTest == "":
			continue // the generated test main
		case p.ForTest == "" && hasTestVariant[p.PkgPath]:
			continue // replaced by its test variant
		}
		out = append(out, p)
	}
	return out
}

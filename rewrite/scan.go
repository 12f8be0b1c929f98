package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"go/build"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"
)

// A Module is a Go module found under the arguments.
type Module struct {
	Dir       string // absolute directory holding go.mod
	Path      string // module path
	GoVersion string // go directive, "" if none
	// Workspace is the go.work file the module is loaded through, or "" if
	// it is loaded on its own (no go.work, or one that does not use it).
	Workspace string
}

// A pkgDir is a directory holding a Go package, as the cheap scan saw it:
// file names and import lines only.
type pkgDir struct {
	dir        string
	importPath string
	module     *Module
	imports    map[string]bool // of every file, test files included
	// prodImports are the imports of the files that are not tests, those
	// the build context leaves out included (a //go:build ignore
	// generator is a program of its own).
	prodImports []string
	// taggedTestImports are the imports of the test files the build
	// context leaves out (an acceptance suite behind a build tag).
	taggedTestImports []string
	main              bool            // a command (package main)
	goFiles           []string        // non-test files of the build context, cgo ones included (absolute)
	tests             []string        // _test.go files (absolute)
	notCovered        []string        // files the build context excludes that import a path a rule needs
	only              map[string]bool // the files to change (file arguments); nil means all
	mentions          bool            // some non-test file contains a rule's Reaches word
	explicit          bool            // named by an argument rather than found by a walk
}

// scanner finds modules and package directories.
type scanner struct {
	ctx      build.Context
	modules  map[string]*Module // by directory
	work     map[string]*workFile
	mu       sync.Mutex
	errs     []string
	reaches  []string // words that make importers of a package interesting
	needs    []string // import paths that make a package interesting
	tests    bool     // test files are loaded (and rewritten)
	parallel int
	reach    map[*pkgDir]*reachInfo // guarded by mu
	std      sync.Map               // import path -> bool: a standard library package
}

type workFile struct {
	path string
	uses map[string]bool // absolute module directories
}

func newScanner(tags []string, parallel int) *scanner {
	ctx := build.Default
	ctx.BuildTags = append(append([]string(nil), ctx.BuildTags...), tags...)
	// The scan reads files and import lines, not the import path go/build
	// would derive from GOROOT or GOPATH (pd.importPath comes from the
	// module), which costs it a resolution of symbolic links per
	// directory and root.
	ctx.HasSubdir = func(root, dir string) (string, bool) { return "", false }
	return &scanner{
		ctx:      ctx,
		modules:  map[string]*Module{},
		work:     map[string]*workFile{},
		parallel: parallel,
	}
}

func (s *scanner) errorf(format string, args ...any) {
	s.mu.Lock()
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// moduleFor returns the module whose root is dir or its nearest ancestor.
func (s *scanner) moduleFor(dir string) (*Module, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if m, ok := s.modules[d]; ok {
			return m, nil
		}
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return s.readModule(d)
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("directory %s is outside any module (no go.mod in it or above it)", dir)
		}
	}
}

// readModule reads the go.mod in dir.
func (s *scanner) readModule(dir string) (*Module, error) {
	if m, ok := s.modules[dir]; ok {
		return m, nil
	}
	gomod := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return nil, err
	}
	f, err := modfile.ParseLax(gomod, data, nil)
	if err != nil {
		return nil, err
	}
	if f.Module == nil {
		return nil, fmt.Errorf("%s: no module directive", gomod)
	}
	m := &Module{Dir: dir, Path: f.Module.Mod.Path}
	if f.Go != nil {
		m.GoVersion = f.Go.Version
	}
	if w := s.workFor(dir); w != nil && w.uses[dir] {
		m.Workspace = w.path
	}
	s.modules[dir] = m
	return m, nil
}

// workFor returns the go.work that the go command would use in dir.
func (s *scanner) workFor(dir string) *workFile {
	gowork := os.Getenv("GOWORK")
	if gowork == "off" {
		return nil
	}
	if gowork == "" {
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
				gowork = filepath.Join(d, "go.work")
				break
			}
			if filepath.Dir(d) == d {
				return nil
			}
		}
	}
	if w, ok := s.work[gowork]; ok {
		return w
	}
	w := &workFile{path: gowork, uses: map[string]bool{}}
	if data, err := os.ReadFile(gowork); err == nil {
		if f, err := modfile.ParseWork(gowork, data, nil); err == nil {
			for _, u := range f.Use {
				p := u.Path
				if !filepath.IsAbs(p) {
					p = filepath.Join(filepath.Dir(gowork), p)
				}
				w.uses[filepath.Clean(p)] = true
			}
		}
	}
	s.work[gowork] = w
	return w
}

// walk finds the package directories below root, as ./... would, except
// that nested modules are entered too (each is a module of its own).
// Like the go command it skips vendor, testdata, and directories whose
// names begin with "." or "_", and it does not follow symbolic links.
//
// The directories are scanned (see scanDir) on s.parallel goroutines as
// the walk finds them.
func (s *scanner) walk(root string) ([]*pkgDir, error) {
	rootMod, rootErr := s.moduleFor(root)
	type job struct {
		dir string
		mod *Module
	}
	var (
		mu   sync.Mutex
		pkgs []*pkgDir
		wg   sync.WaitGroup
	)
	jobs := make(chan job, 256)
	for w := 0; w < max(1, s.parallel); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if pd := s.scanDir(j.dir, j.mod); pd != nil {
					mu.Lock()
					pkgs = append(pkgs, pd)
					mu.Unlock()
				}
			}
		}()
	}
	modOf := map[string]*Module{}
	// A root that is a symbolic link is walked as the directory it names,
	// under the name it was given.
	walkRoot := root
	if fi, err := os.Lstat(root); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if real, err := filepath.EvalSymlinks(root); err == nil {
			walkRoot = real
		}
	}
	err := filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
		if walkRoot != root {
			p = root + strings.TrimPrefix(p, walkRoot)
		}
		if err != nil {
			if p == root {
				return err
			}
			s.errorf("%s: %v", p, err)
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if p != root {
			name := d.Name()
			if name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
		}
		mod := rootMod
		if p != root {
			mod = modOf[filepath.Dir(p)]
		}
		if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
			m, err := s.readModule(p)
			if err != nil {
				s.errorf("%v", err)
				return filepath.SkipDir
			}
			mod = m
		}
		modOf[p] = mod
		jobs <- job{p, mod}
		return nil
	})
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].dir < pkgs[j].dir })
	if rootErr == nil {
		return pkgs, nil
	}
	// The root is in no module: the modules below it are processed, and
	// each package outside them is an error of its own.
	var in, out []*pkgDir
	for _, pd := range pkgs {
		if pd.module == nil {
			out = append(out, pd)
		} else {
			in = append(in, pd)
		}
	}
	if len(in) == 0 && len(out) > 0 {
		return nil, rootErr
	}
	for _, pd := range out {
		s.errorf("directory %s is outside any module (no go.mod in it or above it)", pd.dir)
	}
	return in, nil
}

// scanDir reads the import lines of the Go files in dir. It returns nil if
// dir holds no Go package.
func (s *scanner) scanDir(dir string, mod *Module) *pkgDir {
	bp, err := s.ctx.ImportDir(dir, 0)
	var noGo *build.NoGoError
	if errors.As(err, &noGo) {
		if len(bp.IgnoredGoFiles) == 0 {
			return nil
		}
		err = nil
	}
	pd := &pkgDir{dir: dir, module: mod, imports: map[string]bool{}}
	if mod != nil {
		rel, _ := filepath.Rel(mod.Dir, dir)
		pd.importPath = path.Join(mod.Path, filepath.ToSlash(rel))
	}
	if err != nil && bp == nil {
		s.errorf("%s: %v", dir, err)
		return nil
	}
	// A directory with errors (several package names, a file with a bad
	// build constraint) is still a candidate: loading it reports the error
	// properly.
	pd.prodImports = append(pd.prodImports, bp.Imports...)
	pd.main = bp.Name == "main"
	for _, lists := range [][]string{bp.Imports, bp.TestImports, bp.XTestImports} {
		for _, imp := range lists {
			pd.imports[imp] = true
		}
	}
	for _, name := range append(append([]string(nil), bp.GoFiles...), bp.CgoFiles...) {
		pd.goFiles = append(pd.goFiles, filepath.Join(dir, name))
	}
	for _, name := range append(append([]string(nil), bp.TestGoFiles...), bp.XTestGoFiles...) {
		pd.tests = append(pd.tests, filepath.Join(dir, name))
	}
	sort.Strings(pd.tests)
	if len(bp.InvalidGoFiles) > 0 {
		// A file that does not parse: make sure loading sees the
		// directory, so that the error is reported.
		pd.imports[invalidMarker] = true
	}
	if len(s.reaches) > 0 && s.needed(pd) {
		for _, name := range bp.GoFiles {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				continue
			}
			for _, w := range s.reaches {
				if bytes.Contains(data, []byte(w)) {
					pd.mentions = true
				}
			}
			if pd.mentions {
				break
			}
		}
	}
	for _, name := range bp.IgnoredGoFiles {
		test := strings.HasSuffix(name, "_test.go")
		file := filepath.Join(dir, name)
		if test && !s.tests {
			// Never rewritten, whatever the context; what it imports
			// says which packages tests use.
			if imports, err := importsOf(file); err == nil {
				pd.taggedTestImports = append(pd.taggedTestImports, imports...)
			}
			continue
		}
		if imports, err := importsOf(file); err == nil {
			if !test {
				pd.prodImports = append(pd.prodImports, imports...)
			}
			for _, imp := range imports {
				if s.isNeeded(imp) {
					pd.notCovered = append(pd.notCovered, file)
					break
				}
			}
		}
	}
	return pd
}

// invalidMarker stands in the imports of a directory with a file that does
// not parse, so that the directory is loaded and the error reported.
const invalidMarker = "\x00invalid"

func (s *scanner) isNeeded(imp string) bool {
	for _, n := range s.needs {
		if imp == n {
			return true
		}
	}
	return false
}

// needed reports whether some file of pd imports a path a rule needs.
func (s *scanner) needed(pd *pkgDir) bool {
	if pd.imports[invalidMarker] {
		return true
	}
	for _, n := range s.needs {
		if pd.imports[n] {
			return true
		}
	}
	return false
}

// importsOf returns the import paths of a Go file, reading only as far as
// its import block.
func importsOf(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, err
	}
	af, err := parser.ParseFile(token.NewFileSet(), file, src, parser.ImportsOnly)
	if af == nil {
		return nil, err
	}
	var out []string
	for _, is := range af.Imports {
		if p, err := strconv.Unquote(is.Path.Value); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// selectDirs returns the directories worth loading: those that import a
// path a rule needs, and those that import such a package whose source
// mentions a rule's Reaches word (a package that calls a helper returning
// *http.Response need not import net/http itself) and that mention one of
// the names through which that package reaches (see reach.go).
func (s *scanner) selectDirs(all []*pkgDir) []*pkgDir {
	byPath := map[string]*pkgDir{}
	for _, pd := range all {
		if pd.importPath != "" {
			byPath[pd.importPath] = pd
		}
	}
	keep := make([]bool, len(all))
	var cands []int
	var candDeps [][]*pkgDir
	for i, pd := range all {
		if s.needed(pd) {
			keep[i] = true
			continue
		}
		if len(s.reaches) == 0 {
			continue
		}
		var deps []*pkgDir
		for imp := range pd.imports {
			if dep := byPath[imp]; dep != nil && dep.mentions && s.needed(dep) {
				deps = append(deps, dep)
			}
		}
		if len(deps) > 0 {
			cands = append(cands, i)
			candDeps = append(candDeps, deps)
		}
	}
	s.each(len(cands), func(k int) {
		keep[cands[k]] = s.callsInto(all[cands[k]], candDeps[k])
	})
	var out []*pkgDir
	for i, pd := range all {
		if keep[i] {
			out = append(out, pd)
		}
	}
	return out
}

// each calls f(0), ..., f(n-1) on s.parallel goroutines.
func (s *scanner) each(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(1, s.parallel); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func defaultParallel() int { return runtime.GOMAXPROCS(0) }

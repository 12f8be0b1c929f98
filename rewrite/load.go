package rewrite

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/mod/semver"
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

// loadBatch loads the packages in dirs, all of module m, with syntax and
// types. With tests, the test variants are loaded too.
func (e *engine) loadBatch(m *Module, dirs []*pkgDir) ([]*packages.Package, *sources, error) {
	src := &sources{files: map[string][]byte{}}
	env := os.Environ()
	if m.Workspace == "" {
		env = append(env, "GOWORK=off")
	}
	cfg := &packages.Config{
		Mode:      loadMode,
		Dir:       m.Dir,
		Env:       env,
		Tests:     e.opts.Tests,
		ParseFile: src.parse,
		Context:   e.ctx,
	}
	if len(e.opts.Tags) > 0 {
		cfg.BuildFlags = []string{"-tags=" + strings.Join(e.opts.Tags, ",")}
	}
	patterns := make([]string, len(dirs))
	for i, pd := range dirs {
		rel, err := filepath.Rel(m.Dir, pd.dir)
		if err != nil {
			return nil, nil, err
		}
		patterns[i] = "./" + filepath.ToSlash(rel)
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, nil, fmt.Errorf("loading packages of module %s: %v", m.Path, err)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ID < pkgs[j].ID })
	return pkgs, src, nil
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

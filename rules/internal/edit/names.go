package edit

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// A DirFile is a Go file of the package's directory that is not one of
// the package's typed files: the test files when tests are not part of
// the pass, the external test package, files for other platforms or
// build tags. Their names and what they do to http's defaults matter to
// the rules (a test that mocks http.DefaultTransport, a test helper a new
// declaration would collide with) though they are never changed.
type DirFile struct {
	Path string
	Ast  *ast.File
	Fset *token.FileSet
}

type dirFiles struct {
	once  sync.Once
	files []DirFile
}

// DirFiles returns the other Go files of the package's directory, parsed
// without type information, once for every rule of the package. Files
// the build context ignores are read through the driver; the others
// (an external test package) from the file system, where there is one: a
// driver that offers none (a sandbox) simply shows fewer.
func (fs *Files) DirFiles(ignored []string) []DirFile {
	fs.dir.once.Do(func() {
		if len(fs.list) == 0 {
			return
		}
		own := map[string]bool{}
		for _, f := range fs.list {
			own[f.Name] = true
		}
		dir := filepath.Dir(fs.list[0].Name)
		read := func(path string) ([]byte, error) { return os.ReadFile(path) }
		isIgnored := map[string]bool{}
		for _, p := range ignored {
			isIgnored[p] = true
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		fset := token.NewFileSet()
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				continue
			}
			path := filepath.Join(dir, name)
			if own[path] {
				continue
			}
			var src []byte
			var err error
			if isIgnored[path] && fs.read != nil {
				src, err = fs.read(path)
			} else {
				src, err = read(path)
			}
			if err != nil {
				continue
			}
			af, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
			if af == nil || err != nil && af.Name == nil {
				continue
			}
			fs.dir.files = append(fs.dir.files, DirFile{path, af, fset})
		}
	})
	return fs.dir.files
}

// TakenNames returns the names a new package-level declaration must not
// use: the package's declarations, the names its files give their
// imports, and the same for the other files of its directory that belong
// to the package (or its external tests, which share a binary with it).
func (fs *Files) TakenNames(ignored []string) map[string]bool {
	taken := map[string]bool{}
	for _, name := range fs.pkg.Scope().Names() {
		taken[name] = true
	}
	for _, f := range fs.list {
		for _, is := range f.Ast.Imports {
			if pn := fs.info.PkgNameOf(is); pn != nil {
				taken[pn.Name()] = true
			}
		}
	}
	base := strings.TrimSuffix(fs.pkg.Name(), "_test")
	for _, df := range fs.DirFiles(ignored) {
		if n := df.Ast.Name.Name; n != base && n != base+"_test" {
			continue
		}
		for _, is := range df.Ast.Imports {
			name := DefaultImportName(importPath(is))
			if is.Name != nil {
				name = is.Name.Name
			}
			taken[name] = true
		}
		for _, d := range df.Ast.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					taken[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch spec := spec.(type) {
					case *ast.ValueSpec:
						for _, id := range spec.Names {
							taken[id.Name] = true
						}
					case *ast.TypeSpec:
						taken[spec.Name.Name] = true
					}
				}
			}
		}
	}
	return taken
}

// FreshName returns base, or base followed by a number (base2, base3...),
// whichever first is not in taken, is no keyword or predeclared name, and
// names nothing at any of the positions uses (so that a new package-level
// declaration of it is not shadowed where it is used).
func (fs *Files) FreshName(base string, taken map[string]bool, uses []token.Pos) string {
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s%d", base, i)
		}
		if taken[name] || token.IsKeyword(name) || types.Universe.Lookup(name) != nil {
			continue
		}
		free := true
		for _, pos := range uses {
			if LookupAt(fs.pkg, name, pos) != nil {
				free = false
				break
			}
		}
		if free {
			return name
		}
	}
}

// LookupAt returns the object name refers to at pos in pkg, or nil.
func LookupAt(pkg *types.Package, name string, pos token.Pos) types.Object {
	scope := pkg.Scope().Innermost(pos)
	if scope == nil {
		return pkg.Scope().Lookup(name)
	}
	_, obj := scope.LookupParent(name, pos)
	return obj
}

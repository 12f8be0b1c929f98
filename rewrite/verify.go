package rewrite

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"

	"golang.org/x/tools/go/packages"
)

// verify type-checks the package again with the rewritten files in place
// of the originals, reusing the type information already loaded for its
// dependencies. A rewritten file that does not type-check is dropped
// (the original stays) and reported with the first type error; the others
// are checked again without it, until what remains checks. It returns the
// rewrites that passed.
func (e *engine) verify(pkg *packages.Package, goVersion string, rewritten map[*File][]byte, imports map[string]*types.Package) (map[*File][]byte, []Diagnostic) {
	pending := map[*File][]byte{}
	for f, b := range rewritten {
		pending[f] = b
	}
	byPath := map[string]*File{}
	for f := range pending {
		byPath[f.Path] = f
	}
	importer := importerFunc(func(path string) (*types.Package, error) {
		if p, ok := imports[path]; ok {
			return p, nil
		}
		if path == "unsafe" {
			return types.Unsafe, nil
		}
		return nil, fmt.Errorf("package %s is not loaded", path)
	})
	var diags []Diagnostic
	reject := func(f *File, pos token.Position, msg string) {
		delete(pending, f)
		pos.Filename = f.Path
		diags = append(diags, Diagnostic{
			Pos:     pos,
			Rule:    "verify",
			Message: "rewrite not applied: the rewritten file would not type-check: " + msg,
		})
	}

	for len(pending) > 0 {
		fset := pkg.Fset // safe for concurrent use; the rewritten files are added to it
		var files []*ast.File
		fileOf := map[string]*File{}
		ok := true
		for i, af := range pkg.Syntax {
			path := pkg.CompiledGoFiles[i]
			f := byPath[path]
			src, rewrittenHere := pending[f]
			if f == nil || !rewrittenHere {
				files = append(files, af)
				continue
			}
			// Parse under a name of its own so that errors are placed in
			// the rewritten text, not confused with the original's.
			nf, err := parser.ParseFile(fset, path+"#rewritten", src, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				var list interface{ Len() int }
				pos := token.Position{Line: 1, Column: 1}
				if errors.As(err, &list) {
					pos = fset.Position(nf.Pos())
				}
				reject(f, pos, err.Error())
				ok = false
				break
			}
			fileOf[path+"#rewritten"] = f
			files = append(files, nf)
		}
		if !ok {
			continue
		}
		var errs []types.Error
		conf := types.Config{
			Importer:  importer,
			Sizes:     pkg.TypesSizes,
			GoVersion: "go" + goVersion,
			Error: func(err error) {
				if os.Getenv("HTTPFIX_DEBUG") != "" {
					fmt.Fprintln(os.Stderr, "verify:", err)
				}
				if te, ok := err.(types.Error); ok && !te.Soft {
					errs = append(errs, te)
				}
			},
		}
		conf.Check(pkg.PkgPath, fset, files, nil)
		if len(errs) == 0 {
			break
		}
		blamed := false
		for _, te := range errs {
			pos := te.Fset.Position(te.Pos)
			if f := fileOf[pos.Filename]; f != nil {
				if _, still := pending[f]; still {
					reject(f, pos, te.Msg)
					blamed = true
				}
			}
		}
		if !blamed {
			// The errors are in files no rule changed: a change in one
			// file broke another. Drop every rewrite of the package.
			te := errs[0]
			for f := range pending {
				reject(f, token.Position{Line: 1, Column: 1}, te.Fset.Position(te.Pos).String()+": "+te.Msg)
			}
		}
	}
	return pending, diags
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

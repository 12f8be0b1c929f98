package rewrite

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	goscanner "go/scanner"
	"go/token"
	"go/types"
	"os"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/httpfix/httpfix/rewrite/textdiff"
)

// verify type-checks the package again with the rewritten files in place
// of the originals, reusing the type information already loaded for its
// dependencies. A rewritten file that does not type-check is dropped
// (the original stays) and reported with the first type error, placed in
// the original file; the others are checked again without it, until what
// remains checks. It returns the rewrites that passed.
//
// Every error counts, the "soft" ones too (a variable declared and not
// used, an import not used): the compiler rejects them, and the package
// had none before the rewrite, or it would not have been rewritten.
func (e *engine) verify(pkg *packages.Package, goVersion string, rewritten map[string][]byte, imports map[string]*types.Package) (map[string][]byte, []Diagnostic) {
	pending := map[string][]byte{}
	for f, b := range rewritten {
		pending[f] = b
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
	// reject drops the rewrite of f for an error at pos, a position in
	// the rewritten text (or, if pos has no line, in no text at all).
	reject := func(f string, pos token.Position, msg string) {
		p, where := token.Position{Filename: f, Line: 1, Column: 1}, ""
		if pos.Line > 0 {
			// The original as it is on disk: this runs only for a
			// rejected rewrite, and a file changed since it was read
			// would not be written anyway.
			original, _ := os.ReadFile(f)
			p, where = originalPosition(f, original, pending[f], pos)
		}
		delete(pending, f)
		diags = append(diags, Diagnostic{
			Pos:     p,
			Rule:    "verify",
			Message: "rewrite not applied: the rewritten file would not type-check: " + msg + where,
		})
	}

	for len(pending) > 0 {
		fset := pkg.Fset // safe for concurrent use; the rewritten files are added to it
		var files []*ast.File
		fileOf := map[string]string{}
		ok := true
		for i, af := range pkg.Syntax {
			path := pkg.CompiledGoFiles[i]
			f := path
			src, rewrittenHere := pending[f]
			if !rewrittenHere {
				files = append(files, af)
				continue
			}
			// Parse under a name of its own so that errors are placed in
			// the rewritten text, not confused with the original's.
			name := path + "#rewritten"
			nf, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				var list goscanner.ErrorList
				if errors.As(err, &list) && len(list) > 0 {
					reject(f, list[0].Pos, list[0].Msg)
				} else {
					reject(f, token.Position{}, err.Error())
				}
				ok = false
				break
			}
			fileOf[name] = f
			files = append(files, nf)
		}
		if !ok {
			continue
		}
		var errs []types.Error
		conf := types.Config{
			Importer: importer,
			Sizes:    pkg.TypesSizes,
			Error: func(err error) {
				if os.Getenv("HTTPFIX_DEBUG") != "" {
					fmt.Fprintln(os.Stderr, "verify:", err)
				}
				if te, ok := err.(types.Error); ok {
					errs = append(errs, te)
				}
			},
		}
		if goVersion != "" {
			conf.GoVersion = "go" + goVersion
		}
		conf.Check(pkg.PkgPath, fset, files, nil)
		if len(errs) == 0 {
			break
		}
		blamed := false
		for _, te := range errs {
			// Unadjusted: a //line directive must not hide which file
			// the error is in.
			pos := te.Fset.PositionFor(te.Pos, false)
			if f, ok := fileOf[pos.Filename]; ok {
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
			pos := te.Fset.PositionFor(te.Pos, false)
			at := fmt.Sprintf("%s:%d:%d", e.rel(pos.Filename), pos.Line, pos.Column)
			for f := range pending {
				reject(f, token.Position{}, "it breaks "+at+": "+te.Msg)
			}
		}
	}
	return pending, diags
}

// originalPosition maps pos, a position in the rewritten text of the file
// at path, to the original text, and returns it with a note for the
// message. A line the rewrite kept maps exactly. A line it wrote maps to
// the first original line it replaced, or, for an inserted line, to the
// original line before it (the statement the insertion follows), at the
// first non-blank column; the note then quotes the rewritten line, which
// the original does not have.
func originalPosition(path string, original, rewritten []byte, pos token.Position) (token.Position, string) {
	orig, rew := textdiff.SplitLines(string(original)), textdiff.SplitLines(string(rewritten))
	out := token.Position{Filename: path, Line: 1, Column: 1}
	if len(orig) == 0 || pos.Line < 1 || pos.Line > len(rew) {
		return out, ""
	}
	target := pos.Line - 1 // 0-based line of the rewritten text
	lo, lr := 0, 0         // lines of the original and the rewrite before the edit
	replaced := -1         // 0-based first original line of a deletion just before
	for _, e := range textdiff.Lines(orig, rew) {
		switch e.Op {
		case textdiff.Equal:
			if target < lr+e.N {
				out.Line = lo + (target - lr) + 1
				out.Column = pos.Column
				return out, ""
			}
			lo += e.N
			lr += e.N
			replaced = -1
		case textdiff.Delete:
			replaced = lo
			lo += e.N
		case textdiff.Insert:
			if target < lr+e.N {
				line := replaced // the first line the rewrite replaced
				if line < 0 {
					line = max(lo-1, 0) // the line the insertion follows
				}
				out.Line = line + 1
				out.Column = firstColumn(orig[line])
				return out, " (in the rewritten line `" + strings.TrimSpace(rew[target]) + "`)"
			}
			lr += e.N
			replaced = -1
		}
	}
	return out, ""
}

// firstColumn returns the 1-based column of the first non-blank byte of
// line.
func firstColumn(line string) int {
	return len(line) - len(strings.TrimLeft(line, " \t")) + 1
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

package edit

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

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

// ImportName returns the name under which new code in f refers to the
// package path: the name f imports it under, or, for a package f does
// not import, its own name, numbered (time1, time2...) if a
// package-level declaration or another import of f takes it. The choice
// depends on the file alone, so every fix that adds the import adds the
// same one.
func ImportName(f *File, path string) string {
	for _, is := range f.importSpecs()[path] {
		if is.Name == nil {
			return pkgNameOf(f, path)
		}
		if is.Name.Name != "_" {
			return is.Name.Name
		}
	}
	base := pkgNameOf(f, path)
	taken := func(name string) bool {
		if f.files.pkg.Scope().Lookup(name) != nil {
			return true
		}
		for _, is := range f.Ast.Imports {
			if importName(f, is) == name {
				return true
			}
		}
		return false
	}
	name := base
	for i := 1; taken(name); i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	return name
}

// pkgNameOf returns the declared name of the package path, as the loaded
// packages know it, or as its path suggests.
func pkgNameOf(f *File, path string) string {
	name, _ := packageNames(f.files.pkg).ResolvePackage(path)
	return name
}

// importName returns the name an import spec of f gives its package.
func importName(f *File, is *ast.ImportSpec) string {
	if is.Name != nil {
		return is.Name.Name
	}
	return pkgNameOf(f, importPath(is))
}

func importPath(is *ast.ImportSpec) string {
	p, _ := strconv.Unquote(is.Path.Value)
	return p
}

// UsableAt reports whether new code at pos in f can refer to the package
// path by the name ImportName gives it: nothing declared between the file
// and pos hides that name.
func UsableAt(f *File, info *types.Info, pos token.Pos, path string) (string, bool) {
	name := ImportName(f, path)
	for _, is := range f.importSpecs()[path] {
		if is.Name != nil && is.Name.Name == "." {
			return "", true // a dot import: the new code names the package's members alone
		}
	}
	scope := f.files.pkg.Scope().Innermost(pos)
	if scope == nil {
		return name, true
	}
	_, obj := scope.LookupParent(name, pos)
	switch obj := obj.(type) {
	case nil:
		return name, true
	case *types.PkgName:
		return name, obj.Imported().Path() == path
	}
	return name, false
}

// isStd reports whether an import path is of the standard library.
func isStd(p string) bool { return !strings.Contains(strings.Split(p, "/")[0], ".") }

// addImport returns the edits that import path under name in f, placed
// as goimports would place it, leaving every other import where it is: a
// standard library package goes into the group of standard library
// imports, another package into the group whose paths share most of its
// path, at its place in the group's order; without such a group, into a
// new group (first for the standard library, last otherwise).
//
// Every edit is an insertion at a place that depends only on the
// original file and the path, so that fixes adding different imports
// merge cleanly, and fixes adding the same one coalesce.
func addImport(f *File, path, name string) ([]analysis.TextEdit, error) {
	src, err := f.Source()
	if err != nil {
		return nil, err
	}
	nl := "\n"
	if isCRLF(string(src)) {
		nl = "\r\n"
	}
	spec := strconv.Quote(path)
	if name != pkgNameOf(f, path) {
		spec = name + " " + spec
	}
	tf := f.Tok
	ins := func(off int, text string) analysis.TextEdit {
		return analysis.TextEdit{Pos: tf.Pos(off), End: tf.Pos(off), NewText: []byte(text)}
	}
	var decl *ast.GenDecl
	for _, d := range f.Ast.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		if len(gd.Specs) == 1 && importPath(gd.Specs[0].(*ast.ImportSpec)) == "C" {
			continue
		}
		decl = gd
		break
	}
	lineEnd := func(p token.Pos) int { // offset of the "\n" (or "\r\n") ending p's line
		off := lineStart(tf, rawLine(tf, p)+1)
		if off > 0 && off <= len(src) && src[off-1] == '\n' {
			off--
			if off > 0 && src[off-1] == '\r' {
				off--
			}
		}
		return off
	}
	if decl == nil || len(decl.Specs) == 0 {
		// No imports: a declaration of its own after the package clause.
		return []analysis.TextEdit{ins(lineEnd(f.Ast.Name.End()), nl+nl+"import "+spec)}, nil
	}
	if !decl.Lparen.IsValid() {
		// import "fmt": made a block, the new spec after the old one.
		// The opening and closing edits are the same for every import
		// added, and the spec sits between them at a place of its own.
		//
		// The opening is a replacement of "import " by "import (\n\t",
		// so that a spec sorting before the old one is inserted at a
		// place of its own: drivers that merge fixes by sorting their
		// edits and dropping neighbours that are equal (golangci-lint)
		// see the identical openings side by side.
		old := decl.Specs[0].(*ast.ImportSpec)
		open := analysis.TextEdit{Pos: decl.TokPos, End: old.Pos(), NewText: []byte("import (" + nl + "\t")}
		closing := ins(lineEnd(old.End())+len(nl), ")"+nl)
		if path < importPath(old) {
			return []analysis.TextEdit{open, ins(tf.Offset(old.Pos()), spec+nl+"\t"), closing}, nil
		}
		return []analysis.TextEdit{open, ins(lineEnd(old.End()), nl+"\t"+spec), closing}, nil
	}
	// The groups of the block: runs of specs between blank lines.
	type group struct{ start, end int }
	var groups []group
	specs := decl.Specs
	for i, sp := range specs {
		if i == 0 || rawLine(tf, sp.Pos()) > rawLine(tf, specs[i-1].End())+1 || hasBlankBefore(f, sp) {
			groups = append(groups, group{i, i + 1})
		} else {
			groups[len(groups)-1].end = i + 1
		}
	}
	best, bestScore := -1, 0
	for gi, g := range groups {
		for _, sp := range specs[g.start:g.end] {
			p := importPath(sp.(*ast.ImportSpec))
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
	specStart := func(sp ast.Spec) int {
		pos := sp.Pos()
		if is := sp.(*ast.ImportSpec); is.Doc != nil {
			pos = is.Doc.Pos()
		}
		return lineStart(tf, rawLine(tf, pos))
	}
	switch {
	case best < 0 && isStd(path):
		// A new first group, right after "import (": the specs of the
		// group at the end of that line, the blank line after them at
		// the start of the next.
		return []analysis.TextEdit{
			ins(lineEnd(decl.Lparen), nl+"\t"+spec),
			ins(lineEnd(decl.Lparen)+len(nl), nl),
		}, nil
	case best < 0:
		// A new last group: the blank line at the end of the last
		// spec's line, the specs at the start of the next.
		last := specs[len(specs)-1]
		return []analysis.TextEdit{
			ins(lineEnd(last.End()), nl),
			ins(lineEnd(last.End())+len(nl), "\t"+spec+nl),
		}, nil
	}
	g := groups[best]
	for i := g.start; i < g.end; i++ {
		if importPath(specs[i].(*ast.ImportSpec)) > path {
			return []analysis.TextEdit{ins(specStart(specs[i]), "\t"+spec+nl)}, nil
		}
	}
	// Last of its group.
	return []analysis.TextEdit{ins(lineEnd(specs[g.end-1].End()), nl+"\t"+spec)}, nil
}

// hasBlankBefore reports whether a blank line precedes the spec (or its
// doc comment).
func hasBlankBefore(f *File, sp ast.Spec) bool {
	src, _ := f.Source()
	pos := sp.Pos()
	if is := sp.(*ast.ImportSpec); is.Doc != nil {
		pos = is.Doc.Pos()
	}
	line := rawLine(f.Tok, pos)
	if line <= 1 {
		return false
	}
	start, end := lineStart(f.Tok, line-1), lineStart(f.Tok, line)
	return strings.TrimSpace(string(src[start:end])) == ""
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

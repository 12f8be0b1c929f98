package rewrite

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// removeUnusedImports deletes, from a file the fixes changed, the imports
// nothing refers to any more, as go fix does after merging fixes: each
// fix adds the imports it needs, but cannot tell whether the last use of
// one goes with it, since another fix may use it still. The original
// compiled, so every unused import is one the fixes left unused. Only
// the lines of those specs change (the whole declaration, if all its
// specs go); a file that does not parse is returned as it is, for
// verification to reject.
func removeUnusedImports(src []byte, pkg *types.Package) []byte {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return src
	}
	names := map[string]string{}
	for path, p := range transitiveImports(pkg) {
		names[path] = p.Name()
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	gone := map[*ast.ImportSpec]bool{}
	for _, is := range f.Imports {
		path, err := strconv.Unquote(is.Path.Value)
		if err != nil || path == "C" {
			continue
		}
		name := names[path]
		if is.Name != nil {
			name = is.Name.Name
		}
		if name == "" || name == "_" || name == "." || used[name] {
			continue
		}
		gone[is] = true
	}
	if len(gone) == 0 {
		return src
	}
	tf := fset.File(f.Pos())
	lineStart := func(line int) int {
		if line > tf.LineCount() {
			return tf.Size()
		}
		return tf.Offset(tf.LineStart(line))
	}
	blank := func(line int) bool {
		if line < 1 || line > tf.LineCount() {
			return false
		}
		return strings.TrimSpace(string(src[lineStart(line):lineStart(line+1)])) == ""
	}
	type cut struct{ start, end int }
	var cuts []cut
	del := func(from, to token.Pos) {
		cuts = append(cuts, cut{lineStart(rawLine(tf, from)), lineStart(rawLine(tf, to) + 1)})
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		all := len(gd.Specs) > 0
		for _, sp := range gd.Specs {
			all = all && gone[sp.(*ast.ImportSpec)]
		}
		if all {
			from, to := gd.Pos(), gd.End()
			if gd.Doc != nil {
				from = gd.Doc.Pos()
			}
			if blank(rawLine(tf, from)-1) && blank(rawLine(tf, to)+1) {
				to = tf.LineStart(rawLine(tf, to) + 1) // between blank lines, one goes too
			}
			del(from, to)
			continue
		}
		for _, sp := range gd.Specs {
			is := sp.(*ast.ImportSpec)
			if !gone[is] {
				continue
			}
			from := is.Pos()
			if is.Doc != nil {
				from = is.Doc.Pos()
			}
			if rawLine(tf, from) == rawLine(tf, gd.Lparen) || rawLine(tf, is.End()) == rawLine(tf, gd.Rparen) {
				return src // a spec sharing a line with the parentheses: leave it to verification
			}
			del(from, is.End())
		}
	}
	var b strings.Builder
	last := 0
	for _, c := range cuts {
		if c.start < last {
			continue
		}
		b.Write(src[last:c.start])
		last = c.end
	}
	b.Write(src[last:])
	return []byte(b.String())
}

// rawLine returns the line of p in tf as the file has it, whatever //line
// directives say.
func rawLine(tf *token.File, p token.Pos) int { return tf.PositionFor(p, false).Line }

package edit

import (
	"go/ast"
	"go/token"
	"strings"
)

// ignoreDirective is the comment that suppresses rewrites and reports on
// the statement or declaration it is written on or above.
const ignoreDirective = "//httpfix:ignore"

// ignoreRange is a part of a file marked //httpfix:ignore, for one rule or
// (rule == "") for all.
type ignoreRange struct {
	pos, end token.Pos
	rule     string
}

// ignoreRanges finds the statements and declarations of f that carry an
// //httpfix:ignore comment: a comment alone on its line applies to the
// statement or declaration that starts on the line after its comment
// group; a comment after code applies to the statement on that line.
func ignoreRanges(fset *token.FileSet, f *ast.File, src []byte) []ignoreRange {
	var ranges []ignoreRange
	tf := fset.File(f.Pos())
	if tf == nil {
		return nil
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			rule, ok := parseIgnore(c.Text)
			if !ok {
				continue
			}
			line := rawLine(tf, c.Pos())
			var target ast.Node
			if standalone(tf, src, c.Pos()) {
				target = outermostAt(tf, f, rawLine(tf, cg.End())+1, true)
			} else {
				target = outermostAt(tf, f, line, true)
				if target == nil {
					target = outermostAt(tf, f, line, false)
				}
			}
			if target != nil {
				ranges = append(ranges, ignoreRange{pos: target.Pos(), end: target.End(), rule: rule})
			}
		}
	}
	return ranges
}

// parseIgnore reports whether text is an ignore directive, and the rule it
// names ("" for all rules).
func parseIgnore(text string) (rule string, ok bool) {
	rest, ok := strings.CutPrefix(text, ignoreDirective)
	if !ok {
		return "", false
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false // e.g. //httpfix:ignored
	}
	fields := strings.Fields(rest)
	if len(fields) > 0 {
		rule = fields[0]
	}
	return rule, true
}

// standalone reports whether only white space precedes pos on its line.
func standalone(tf *token.File, src []byte, pos token.Pos) bool {
	off := tf.Offset(pos)
	if src == nil || off > len(src) {
		return true
	}
	for i := off - 1; i >= 0 && src[i] != '\n'; i-- {
		if src[i] != ' ' && src[i] != '\t' && src[i] != '\r' {
			return false
		}
	}
	return true
}

// outermostAt returns the largest statement or declaration that starts
// (start=true) or ends (start=false) on line.
func outermostAt(tf *token.File, f *ast.File, line int, start bool) ast.Node {
	var best ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil || best != nil {
			return false
		}
		switch n.(type) {
		case ast.Stmt, ast.Decl, ast.Spec:
		default:
			return true
		}
		if _, ok := n.(*ast.BlockStmt); ok {
			return true
		}
		p := n.Pos()
		if !start {
			p = n.End()
		}
		if rawLine(tf, p) == line {
			best = n // Inspect visits outer nodes first
			return false
		}
		return rawLine(tf, n.Pos()) <= line && line <= rawLine(tf, n.End())
	})
	return best
}

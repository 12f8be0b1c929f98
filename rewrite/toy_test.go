package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// The engine's tests drive it with toy analyzers whose fixes are plain
// text edits: the engine's part is to merge, verify and write what the
// analyzers suggest, whatever they are. (How the real rules make their
// edits is tested with them, in rules/.)

// toyAnalyzer turns each call of http.Get into http.Head and puts
// "_ = io.EOF" before the statement holding it: an expression edit, a
// statement insertion and an import, one fix per call.
var toyAnalyzer = Analyzer{
	Analyzer: &analysis.Analyzer{Name: "toy", Doc: "toy: a rule for the engine's tests", Run: runToyAnalyzer},
	Imports:  []string{"net/http"},
	Adds:     []string{"io"},
}

func runToyAnalyzer(pass *analysis.Pass) (any, error) {
	return nil, toyEdits(pass, func(name string, fix *toyFix) bool { return false })
}

// A toyFix is the edits of one site being built.
type toyFix struct {
	pass  *analysis.Pass
	file  *ast.File
	src   []byte
	call  *ast.CallExpr
	stmt  ast.Stmt
	edits []analysis.TextEdit
}

// toyEdits reports, for each call of http.Get in a statement, a fix that
// renames the call and inserts "_ = io.EOF" before the statement, after
// letting change adjust the fix for the file it is in.
func toyEdits(pass *analysis.Pass, change func(name string, fix *toyFix) (skip bool)) error {
	for _, f := range pass.Files {
		name := pass.Fset.File(f.Pos()).Name()
		src, err := pass.ReadFile(name)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			block, ok := n.(*ast.BlockStmt)
			if !ok {
				return true
			}
			for _, s := range block.List {
				call := httpGetIn(pass.TypesInfo, s)
				if call == nil {
					continue
				}
				fx := &toyFix{pass: pass, file: f, src: src, call: call, stmt: s}
				fx.rename("Head")
				fx.insertBefore("_ = io.EOF")
				fx.importIO()
				if change(filepath.Base(name), fx) {
					return true
				}
				pass.Report(analysis.Diagnostic{Pos: call.Pos(), Message: "toy", SuggestedFixes: []analysis.SuggestedFix{{Message: "toy", TextEdits: fx.edits}}})
			}
			return true
		})
	}
	return nil
}

// nl returns the file's line ending.
func (fx *toyFix) nl() string {
	if strings.Count(string(fx.src), "\r\n") > strings.Count(string(fx.src), "\n")/2 {
		return "\r\n"
	}
	return "\n"
}

func (fx *toyFix) rename(name string) {
	sel := fx.call.Fun.(*ast.SelectorExpr).Sel
	fx.edits = append(fx.edits, analysis.TextEdit{Pos: sel.Pos(), End: sel.End(), NewText: []byte(name)})
}

// insertBefore inserts a statement before fx.stmt, on a line of its own
// with the same indentation.
func (fx *toyFix) insertBefore(stmt string) {
	tf := fx.pass.Fset.File(fx.stmt.Pos())
	off := tf.Offset(fx.stmt.Pos())
	lineStart := tf.Offset(tf.LineStart(rawLine(tf, fx.stmt.Pos())))
	indent := string(fx.src[lineStart:off])
	text := stmt + fx.nl() + indent
	if strings.TrimSpace(indent) != "" {
		text = stmt + "; " // the statement does not start its line
	}
	fx.edits = append(fx.edits, analysis.TextEdit{Pos: fx.stmt.Pos(), End: fx.stmt.Pos(), NewText: []byte(text)})
}

// importIO adds import "io" to the file, if it lacks it.
func (fx *toyFix) importIO() {
	for _, is := range fx.file.Imports {
		if is.Path.Value == `"io"` {
			return
		}
	}
	nl := fx.nl()
	for _, d := range fx.file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		if !gd.Lparen.IsValid() {
			old := gd.Specs[0].(*ast.ImportSpec)
			fx.edits = append(fx.edits, analysis.TextEdit{Pos: gd.Pos(), End: gd.End(),
				NewText: []byte("import (" + nl + "\t\"io\"" + nl + "\t" + old.Path.Value + nl + ")")})
			return
		}
		tf := fx.pass.Fset.File(gd.Pos())
		for _, sp := range gd.Specs {
			if p, _ := strconv.Unquote(sp.(*ast.ImportSpec).Path.Value); p > "io" {
				at := tf.LineStart(rawLine(tf, sp.Pos()))
				fx.edits = append(fx.edits, analysis.TextEdit{Pos: at, End: at, NewText: []byte("\t\"io\"" + nl)})
				return
			}
		}
		at := tf.LineStart(rawLine(tf, gd.Rparen))
		fx.edits = append(fx.edits, analysis.TextEdit{Pos: at, End: at, NewText: []byte("\t\"io\"" + nl)})
		return
	}
}

// httpGetIn returns the call of net/http.Get in s, or nil.
func httpGetIn(info *types.Info, s ast.Stmt) *ast.CallExpr {
	var found *ast.CallExpr
	ast.Inspect(s, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok || found != nil {
			return false
		}
		if call, ok := n.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
				if fn, ok := info.Uses[sel.Sel].(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() == "net/http" && fn.Name() == "Get" {
					found = call
				}
			}
		}
		return true
	})
	return found
}

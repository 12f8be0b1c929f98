package edit

import (
	"fmt"
	"go/ast"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/decorator/resolver/goast"
	"github.com/dave/dst/decorator/resolver/simple"
	"github.com/dave/dst/dstutil"
	"golang.org/x/tools/go/ast/inspector"
)

// A Slot is the place of a statement in a fix's copy of the decorated
// syntax: the statement list (of a block, a case or a select clause) that
// holds it.
type Slot struct {
	list *[]dst.Stmt
	stmt dst.Stmt
}

// SlotOf returns the slot, in x's copy, of the statement at cur, whose
// parent must be a block, a case clause or a comm clause.
func SlotOf(x *Fix, cur inspector.Cursor) (Slot, bool) {
	s, ok := cur.Node().(ast.Stmt)
	if !ok {
		return Slot{}, false
	}
	ds, ok := x.Node(s).(dst.Stmt)
	if !ok {
		return Slot{}, false
	}
	var list *[]dst.Stmt
	switch p := cur.Parent().Node().(type) {
	case *ast.BlockStmt:
		if d, ok := x.Node(p).(*dst.BlockStmt); ok {
			list = &d.List
		}
	case *ast.CaseClause:
		if d, ok := x.Node(p).(*dst.CaseClause); ok {
			list = &d.Body
		}
	case *ast.CommClause:
		if d, ok := x.Node(p).(*dst.CommClause); ok {
			list = &d.Body
		}
	}
	if list == nil {
		return Slot{}, false
	}
	return Slot{list, ds}, true
}

// Stmt returns the slot's statement.
func (s Slot) Stmt() dst.Stmt { return s.stmt }

// index returns the statement's position in its list, or -1 if an edit
// removed it. It searches by identity, as other edits may have shifted it.
func (s Slot) index() int {
	for i, x := range *s.list {
		if x == s.stmt {
			return i
		}
	}
	return -1
}

// InsertAfter inserts stmts after the slot's statement. The spacing after
// the statement (a blank line before what follows) moves after the new
// statements, so that they join the statement they complete.
func (s Slot) InsertAfter(stmts ...dst.Stmt) bool {
	i := s.index()
	if i < 0 {
		return false
	}
	if len(stmts) > 0 {
		dec := s.stmt.Decorations()
		stmts[0].Decorations().Before = dst.NewLine
		stmts[len(stmts)-1].Decorations().After = dec.After
		dec.After = dst.NewLine
	}
	*s.list = append((*s.list)[:i+1], append(stmts, (*s.list)[i+1:]...)...)
	return true
}

// InsertFirst inserts stmts at the start of a block.
func InsertFirst(block *dst.BlockStmt, stmts ...dst.Stmt) {
	if len(stmts) > 0 {
		stmts[0].Decorations().Before = dst.NewLine
		stmts[len(stmts)-1].Decorations().After = dst.NewLine
	}
	block.List = append(stmts, block.List...)
}

// InsertBefore inserts stmts before the slot's statement. The comments
// above the statement head the new statements: they introduce the step
// the new statements are part of (a comment over a Close now sits over
// the drain and the Close).
func (s Slot) InsertBefore(stmts ...dst.Stmt) bool {
	i := s.index()
	if i < 0 {
		return false
	}
	if len(stmts) > 0 {
		dec, first := s.stmt.Decorations(), stmts[0].Decorations()
		first.Before, first.Start = dec.Before, dec.Start
		dec.Before, dec.Start = dst.NewLine, nil
	}
	*s.list = append((*s.list)[:i], append(stmts, (*s.list)[i:]...)...)
	return true
}

// Remove removes the slot's statement from its list.
func (s Slot) Remove() bool {
	i := s.index()
	if i < 0 {
		return false
	}
	*s.list = append((*s.list)[:i], (*s.list)[i+1:]...)
	return true
}

// Replace puts stmt in the place of the slot's statement, keeping the
// statement's comments and spacing.
func (s Slot) Replace(stmt dst.Stmt) bool {
	i := s.index()
	if i < 0 {
		return false
	}
	old, dec := s.stmt.Decorations(), stmt.Decorations()
	dec.Before, dec.After = old.Before, old.After
	dec.Start = append(append(dst.Decorations(nil), old.Start...), dec.Start...)
	dec.End = append(append(dst.Decorations(nil), dec.End...), old.End...)
	(*s.list)[i] = stmt
	return true
}

// Snippet parses Go statements written with package-qualified names
// (io.CopyN, http.Response) into decorated syntax whose qualified
// identifiers carry their import paths, so that the printer names them
// as the target file imports them (an alias, a dot import) and the fix
// adds any import the file lacks. imports maps the names used in src to
// paths.
//
// A rule writes the same few snippets at thousands of sites: each is
// parsed once, and every call gets its own copy.
func Snippet(src string, imports map[string]string) []dst.Stmt {
	key := snippetFile(imports, "func _() {\n"+src+"\n}\n")
	parsed, ok := snippets.Load(key)
	if !ok {
		parsed, _ = snippets.LoadOrStore(key, parseSnippet(key, imports))
	}
	stmts := parsed.([]dst.Stmt)
	out := make([]dst.Stmt, len(stmts))
	for i, s := range stmts {
		out[i] = dst.Clone(s).(dst.Stmt)
	}
	return out
}

// snippets caches the statements of every snippet parsed, by source: a
// cache of pure functions of their key, safe to share.
var snippets sync.Map

// snippetFile returns the source of a file of package p that imports
// imports (name to path, in the order of the names) and holds decls.
func snippetFile(imports map[string]string, decls string) string {
	names := make([]string, 0, len(imports))
	for name := range imports {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("package p\n\nimport (\n")
	for _, name := range names {
		fmt.Fprintf(&b, "\t%s %s\n", name, strconv.Quote(imports[name]))
	}
	b.WriteString(")\n\n")
	b.WriteString(decls)
	return b.String()
}

// parseSnippetFile parses the source snippetFile made, resolving each
// import path to the name imports gives it.
func parseSnippetFile(src string, imports map[string]string) *dst.File {
	paths := map[string]string{}
	for name, path := range imports {
		paths[path] = name
	}
	dec := decorator.NewDecoratorWithImports(token.NewFileSet(), "p", goast.WithResolver(simple.New(paths)))
	f, err := dec.Parse(src)
	if err != nil {
		panic(fmt.Sprintf("snippet %q: %v", src, err))
	}
	return f
}

func parseSnippet(src string, imports map[string]string) []dst.Stmt {
	f := parseSnippetFile(src, imports)
	for _, d := range f.Decls {
		if fd, ok := d.(*dst.FuncDecl); ok {
			stmts := fd.Body.List
			fd.Body.List = nil
			if len(stmts) > 0 {
				stmts[0].Decorations().Before = dst.NewLine
				stmts[len(stmts)-1].Decorations().After = dst.NewLine
			}
			return stmts
		}
	}
	panic("snippet: no function")
}

// DeclSnippet parses a package-level declaration written with the
// package names of imports, and gives it a doc comment.
func DeclSnippet(src string, imports map[string]string, doc []string) dst.Decl {
	stmts := Snippet(src, imports)
	d := stmts[0].(*dst.DeclStmt).Decl.(*dst.GenDecl)
	d.Decs.Before = dst.EmptyLine
	d.Decs.Start = append(dst.Decorations(nil), doc...)
	d.Decs.After = dst.EmptyLine
	return d
}

// ReplaceNode puts repl in the place of the fix's copy of n, keeping the
// spacing around it. It reports whether the copy was found.
func ReplaceNode(x *Fix, n ast.Node, repl dst.Node) bool {
	old := x.Node(n)
	if old == nil {
		return false
	}
	f := x.s.files.Of(n.Pos())
	d := f.DeclOf(n.Pos())
	c := x.clones[d]
	if c == nil {
		return false
	}
	found := false
	dstutil.Apply(c.node, func(cur *dstutil.Cursor) bool {
		if found {
			return false
		}
		if cur.Node() == old && cur.Parent() != nil {
			od, rd := old.Decorations(), repl.Decorations()
			if rd.Before == dst.None && rd.After == dst.None {
				rd.Before, rd.After = od.Before, od.After
			}
			cur.Replace(repl)
			found = true
			return false
		}
		return true
	}, nil)
	return found
}

// FileSnippet parses package-level declarations (types, methods,
// variables) written with the package names of imports, into decorated
// syntax whose qualified identifiers carry their import paths. Each call
// gets its own copy.
func FileSnippet(src string, imports map[string]string) []dst.Decl {
	key := snippetFile(imports, src)
	parsed, ok := fileSnippets.Load(key)
	if !ok {
		var decls []dst.Decl
		for _, d := range parseSnippetFile(key, imports).Decls {
			if gd, ok := d.(*dst.GenDecl); ok && gd.Tok == token.IMPORT {
				continue
			}
			decls = append(decls, d)
		}
		parsed, _ = fileSnippets.LoadOrStore(key, decls)
	}
	decls := parsed.([]dst.Decl)
	out := make([]dst.Decl, len(decls))
	for i, d := range decls {
		out[i] = dst.Clone(d).(dst.Decl)
	}
	return out
}

// fileSnippets caches FileSnippet's parses, by source.
var fileSnippets sync.Map

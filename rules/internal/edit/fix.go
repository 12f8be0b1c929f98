package edit

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/token"
	"sort"
	"strings"

	"github.com/dave/dst"
	"golang.org/x/tools/go/analysis"
)

// A Fix is the rewrite of one site: copies of the declarations it edits,
// the declarations it adds, and the imports they need. A rule makes its
// changes in Do functions, which the session replays on fresh copies if
// the fix must be merged with another one.
type Fix struct {
	s      *Session
	steps  []func(*Fix) bool
	clones map[ast.Decl]*clone
	order  []*clone
	added  []addedDecl
	failed string // why an edit could not be made
}

// A clone is a fix's copy of one top-level declaration.
type clone struct {
	file  *File
	orig  ast.Decl
	node  dst.Decl
	nodes map[dst.Node]dst.Node // decorated original -> copy
}

// An addedDecl is a package-level declaration a fix adds.
type addedDecl struct {
	file   *File
	before ast.Decl // the declaration it goes before, or
	after  ast.Decl // the one it goes after; neither: after the imports
	decls  []dst.Decl
}

// Do adds a step to the fix. A step edits the copies it gets from Node and
// reports whether it could make its change.
func (x *Fix) Do(step func(*Fix) bool) { x.steps = append(x.steps, step) }

// Node returns the fix's copy of the decorated node of n, a node inside a
// top-level declaration of a file of the package, or nil.
func (x *Fix) Node(n ast.Node) dst.Node {
	f := x.s.files.Of(n.Pos())
	if f == nil {
		return nil
	}
	d := f.DeclOf(n.Pos())
	if d == nil {
		return nil
	}
	c, err := x.clone(f, d)
	if err != nil {
		x.failed = err.Error()
		return nil
	}
	orig := f.dstOf(n)
	if orig == nil {
		return nil
	}
	return c.nodes[orig]
}

// Decl returns the fix's copy of a top-level declaration.
func (x *Fix) Decl(d ast.Decl) dst.Decl {
	n, _ := x.Node(d).(dst.Decl)
	return n
}

func (x *Fix) clone(f *File, d ast.Decl) (*clone, error) {
	if c, ok := x.clones[d]; ok {
		return c, nil
	}
	orig, ok := f.dstOf(d).(dst.Decl)
	if !ok {
		return nil, fmt.Errorf("%s: cannot decorate the declaration", f.Name)
	}
	f.files.mu.Lock()
	cp := dst.Clone(orig).(dst.Decl)
	f.files.mu.Unlock()
	// Clone keeps the shape of the tree: walking both in the same order
	// pairs each node with its copy.
	var a, b []dst.Node
	dst.Inspect(orig, func(n dst.Node) bool {
		if n != nil {
			a = append(a, n)
		}
		return true
	})
	dst.Inspect(cp, func(n dst.Node) bool {
		if n != nil {
			b = append(b, n)
		}
		return true
	})
	if len(a) != len(b) {
		return nil, fmt.Errorf("%s: copying a declaration changed its shape", f.Name)
	}
	nodes := make(map[dst.Node]dst.Node, len(a))
	for i := range a {
		nodes[a[i]] = b[i]
	}
	c := &clone{file: f, orig: d, node: cp, nodes: nodes}
	if x.clones == nil {
		x.clones = map[ast.Decl]*clone{}
	}
	x.clones[d] = c
	x.order = append(x.order, c)
	return c, nil
}

// AddDecl adds a package-level declaration to file, right after the
// imports. Fixes that add the same declaration at the same place produce
// the same edit.
func (x *Fix) AddDecl(file *File, d dst.Decl) {
	x.added = append(x.added, addedDecl{file: file, decls: []dst.Decl{d}})
}

// AddDecls adds package-level declarations to file, right after the
// imports, as one edit.
func (x *Fix) AddDecls(file *File, ds ...dst.Decl) {
	x.added = append(x.added, addedDecl{file: file, decls: ds})
}

// AddDeclBefore adds package-level declarations before a top-level
// declaration (and its doc comment) of file, as one edit.
func (x *Fix) AddDeclBefore(file *File, before ast.Decl, ds ...dst.Decl) {
	x.added = append(x.added, addedDecl{file: file, before: before, decls: ds})
}

// AddDeclAfter adds a package-level declaration after a top-level
// declaration of file.
func (x *Fix) AddDeclAfter(file *File, after ast.Decl, d dst.Decl) {
	x.added = append(x.added, addedDecl{file: file, after: after, decls: []dst.Decl{d}})
}

// Fail records that an edit could not be made.
func (x *Fix) Fail(format string, args ...any) bool {
	x.failed = fmt.Sprintf(format, args...)
	return false
}

// replay runs the steps of fixes on fresh copies.
func (s *Session) replay(fixes ...*Fix) *Fix {
	y := &Fix{s: s}
	for _, f := range fixes {
		y.steps = append(y.steps, f.steps...)
	}
	for _, step := range y.steps {
		if !step(y) {
			if y.failed == "" {
				y.failed = "an edit could not be made"
			}
			return y
		}
	}
	return y
}

// textEdits returns the fix's edits, sorted by file and position.
func (x *Fix) textEdits() ([]analysis.TextEdit, error) {
	if x.failed != "" {
		return nil, fmt.Errorf("%s", x.failed)
	}
	byFile := map[*File]*fileEdits{}
	get := func(f *File) *fileEdits {
		if byFile[f] == nil {
			byFile[f] = &fileEdits{file: f}
		}
		return byFile[f]
	}
	// The names of the imports the new code needs, file by file: what
	// the file calls the package already, else a name that collides with
	// nothing of the file or package.
	for _, c := range x.order {
		get(c.file).collect(c.node)
	}
	for _, a := range x.added {
		for _, d := range a.decls {
			get(a.file).collect(d)
		}
	}
	var out []analysis.TextEdit
	var files []*File
	for f := range byFile {
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	for _, f := range files {
		fe := byFile[f]
		if err := fe.names(); err != nil {
			return nil, err
		}
		for _, c := range x.order {
			if c.file != f {
				continue
			}
			es, err := fe.declEdits(c)
			if err != nil {
				return nil, err
			}
			out = append(out, es...)
		}
		for _, a := range x.added {
			if a.file != f {
				continue
			}
			e, err := fe.addedEdit(a)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		ie, err := fe.importEdits(x)
		if err != nil {
			return nil, err
		}
		out = append(out, ie...)
	}
	sortEdits(out)
	// Steps replayed together (overlapping sites merged into one fix)
	// may each have added the same declaration or import: once is enough.
	type key struct {
		pos, end token.Pos
		text     string
	}
	seen := map[key]bool{}
	dedup := out[:0]
	for _, e := range out {
		k := key{e.Pos, e.End, string(e.NewText)}
		if !seen[k] {
			seen[k] = true
			dedup = append(dedup, e)
		}
	}
	// Insertions at one place become one edit (the imports a fix adds
	// after the same spec): fixes that insert the same things there then
	// have the same edit, which every driver makes once.
	joined := dedup[:0]
	for _, e := range dedup {
		if n := len(joined); n > 0 && e.Pos == e.End && joined[n-1].Pos == e.Pos && joined[n-1].End == e.Pos {
			joined[n-1].NewText = append(append([]byte(nil), joined[n-1].NewText...), e.NewText...)
			continue
		}
		joined = append(joined, e)
	}
	return joined, nil
}

// sortEdits sorts edits by position; insertions at one place keep their
// order.
func sortEdits(es []analysis.TextEdit) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Pos != es[j].Pos {
			return es[i].Pos < es[j].Pos
		}
		return es[i].End < es[j].End
	})
}

// fileEdits gathers what a fix does to one file.
type fileEdits struct {
	file    *File
	paths   map[string]bool   // import paths the new code refers to
	aliases map[string]string // new imports: path -> name to give them
	added   []string          // new imports, sorted
}

// collect records the packages a decorated declaration refers to.
func (fe *fileEdits) collect(d dst.Node) {
	if fe.paths == nil {
		fe.paths = map[string]bool{}
	}
	pkgPath := fe.file.files.pkg.Path()
	dst.Inspect(d, func(n dst.Node) bool {
		if id, ok := n.(*dst.Ident); ok && id.Path != "" && id.Path != pkgPath {
			fe.paths[id.Path] = true
		}
		return true
	})
}

// names decides the name of each import the file lacks.
func (fe *fileEdits) names() error {
	specs := fe.file.importSpecs()
	fe.aliases = map[string]string{}
	for path := range fe.paths {
		if usableImport(specs[path]) {
			continue
		}
		fe.added = append(fe.added, path)
		fe.aliases[path] = ImportName(fe.file, path)
	}
	sort.Strings(fe.added)
	return nil
}

// usableImport reports whether one of specs imports its package under a
// name the new code can use (not blank).
func usableImport(specs []*ast.ImportSpec) bool {
	for _, is := range specs {
		if is.Name == nil || is.Name.Name != "_" {
			return true
		}
	}
	return false
}

// declEdits merges the fix's copy of a declaration into the original text
// of the declaration.
func (fe *fileEdits) declEdits(c *clone) ([]analysis.TextEdit, error) {
	f := fe.file
	src, err := f.Source()
	if err != nil {
		return nil, err
	}
	start, end, err := f.declRange(c.orig)
	if err != nil {
		return nil, err
	}
	base, err := f.base(c.orig)
	if err != nil {
		return nil, err
	}
	rewritten, err := f.render(c.node, fe.aliases)
	if err != nil {
		return nil, err
	}
	original := string(src[start:end])
	orig, hs, m := mergeHunks(original, base, rewritten)
	merged := apply(orig, hs, m)
	if !sameCode(merged, rewritten) {
		// The merge must not change the meaning of anything: formatted,
		// it must be exactly the rewrite. Should the printer ever have
		// moved a comment or a line the merge cannot place, replace the
		// declaration as printed (a larger change, but a correct one).
		text := rewritten
		if isCRLF(original) {
			text = strings.ReplaceAll(text, "\n", "\r\n")
		}
		lead := len(original) - len(strings.TrimLeft(original, " \t\r\n"))
		return []analysis.TextEdit{{
			Pos:     f.Tok.Pos(start + lead),
			End:     f.Tok.Pos(end),
			NewText: []byte(text),
		}}, nil
	}
	var out []analysis.TextEdit
	offsets := make([]int, len(orig)+1)
	for i, l := range orig {
		offsets[i+1] = offsets[i] + len(l)
	}
	for _, h := range hs {
		var b strings.Builder
		for _, l := range m[h.mS:h.mE] {
			b.WriteString(l)
		}
		out = append(out, analysis.TextEdit{
			Pos:     f.Tok.Pos(start + offsets[h.oS]),
			End:     f.Tok.Pos(start + offsets[h.oE]),
			NewText: []byte(b.String()),
		})
	}
	return out, nil
}

// sameCode reports whether two texts of declarations are the same code
// once formatted.
func sameCode(a, b string) bool {
	fa, errA := format.Source([]byte("package p\n\n" + a))
	fb, errB := format.Source([]byte("package p\n\n" + b))
	return errA == nil && errB == nil && string(withoutBlankLines(fa)) == string(withoutBlankLines(fb))
}

// addedEdit inserts a new declaration: before a declaration, at the
// start of the line of its first comment, with a blank line after it; or
// after the imports, at the end of the import declaration's last line,
// with a blank line before it.
func (fe *fileEdits) addedEdit(a addedDecl) (analysis.TextEdit, error) {
	f := fe.file
	src, err := f.Source()
	if err != nil {
		return analysis.TextEdit{}, err
	}
	var parts []string
	for _, d := range a.decls {
		text, err := f.render(d, fe.aliases)
		if err != nil {
			return analysis.TextEdit{}, err
		}
		parts = append(parts, strings.TrimRight(text, "\n"))
	}
	text := strings.Join(parts, "\n\n")
	nl := "\n"
	if isCRLF(string(src)) {
		nl = "\r\n"
		text = strings.ReplaceAll(text, "\n", "\r\n")
	}
	if a.before != nil {
		pos := a.before.Pos()
		switch d := a.before.(type) {
		case *ast.FuncDecl:
			if d.Doc != nil {
				pos = d.Doc.Pos()
			}
		case *ast.GenDecl:
			if d.Doc != nil {
				pos = d.Doc.Pos()
			}
		}
		at := f.Tok.Pos(lineStart(f.Tok, rawLine(f.Tok, pos)))
		return analysis.TextEdit{Pos: at, End: at, NewText: []byte(text + nl + nl)}, nil
	}
	var after token.Pos = f.Ast.Name.End()
	for _, d := range f.Ast.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			after = gd.End()
		}
	}
	if a.after != nil {
		after = a.after.End()
	}
	// At the start of the first line with code or a comment after it:
	// the edits that add imports are all on the import declaration's
	// lines, so that whatever order a driver merges them in, the new
	// declaration comes after the imports.
	first := rawLine(f.Tok, after) + 1
	line := first
	for line <= f.Tok.LineCount() {
		start, end := lineStart(f.Tok, line), lineStart(f.Tok, line+1)
		if strings.TrimSpace(string(src[start:end])) != "" {
			break
		}
		line++
	}
	if line > f.Tok.LineCount() {
		at := f.Tok.Pos(len(src))
		lead := nl
		if len(src) > 0 && src[len(src)-1] != '\n' {
			lead = nl + nl
		}
		return analysis.TextEdit{Pos: at, End: at, NewText: []byte(lead + text + nl)}, nil
	}
	at := f.Tok.Pos(lineStart(f.Tok, line))
	if line == first {
		text = nl + text // no blank line after the imports: one before the declaration
	}
	return analysis.TextEdit{Pos: at, End: at, NewText: []byte(text + nl + nl)}, nil
}

// importEdits adds the imports the fix's new code needs. An import the
// fix leaves unused is left to the driver, which removes imports no fix
// still uses once it has merged them all (go fix, analysistest and the
// httpfix command do): a fix cannot know whether another one still needs
// it.
func (fe *fileEdits) importEdits(x *Fix) ([]analysis.TextEdit, error) {
	var out []analysis.TextEdit
	for _, path := range fe.added {
		es, err := addImport(fe.file, path, fe.aliases[path])
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// What a package and its tests do to http.DefaultClient and
// http.DefaultTransport. Moving requests off the defaults is safe only if
// nothing replaces, mocks or reconfigures them: a test that mocks
// http.DefaultTransport (httpmock.Activate, gock, an assignment) would stop
// intercepting the calls the rule moves, and settings made on the defaults
// at run time (http.DefaultClient.Timeout = d, TLS settings on
// http.DefaultTransport) would be lost. The typed files of the package are
// scanned with types; the other Go files of its directory (its tests when
// they are not loaded, the external test package, files for other build
// configurations) without, resolving names through their imports.

package defaultclient

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/internal/edit"
	"github.com/httpfix/httpfix/rules/internal/match"
)

// A defaultsChangeKind is something code does to the defaults.
type defaultsChangeKind int

const (
	// replacedTransport: http.DefaultTransport is assigned or mocked
	// (httpmock.Activate, gock).
	replacedTransport defaultsChangeKind = iota
	// replacedClient: http.DefaultClient is assigned.
	replacedClient
	// replacedClientTransport: http.DefaultClient.Transport is assigned
	// or mocked (httpmock.ActivateNonDefault(http.DefaultClient)).
	replacedClientTransport
	// configuredTransport: the settings of http.DefaultTransport are
	// changed, or it is handed to code that may change them.
	configuredTransport
	// configuredClient: a field of http.DefaultClient other than its
	// Transport is set.
	configuredClient
)

// blocksTransport reports whether the change concerns requests that use
// http.DefaultTransport through a Client of their own, not only those
// that use http.DefaultClient. Only settings changed on
// http.DefaultTransport do: the declared Transport defers to a replaced
// http.DefaultTransport (a mock, gock, an assignment) on every request,
// but clones the original once, at the package's first request, and
// would miss a setting changed after that.
func (k defaultsChangeKind) blocksTransport() bool { return k == configuredTransport }

// blocksClient reports whether the change concerns requests moved off
// http.DefaultClient: every change but a replaced http.DefaultTransport,
// which the declared client's Transport defers to.
func (k defaultsChangeKind) blocksClient() bool { return k != replacedTransport }

// A defaultsChange is a place where code replaces, mocks or reconfigures
// the defaults.
type defaultsChange struct {
	kind  defaultsChangeKind
	pos   token.Position
	test  bool   // in a _test.go file
	text  string // what the code does, as written: httpmock.Activate
	field string // for configuredClient, the field set
	// write is the assignment's left-hand side for a change of
	// http.DefaultClient or its fields, "" otherwise.
	write string
	addr  bool // the write takes the address
	// fn names the function the change is in ("func main"), so that a
	// report names it in a way a rewrite elsewhere in the file does not
	// change.
	fn string
}

// placeChanges names the function each change is in.
func placeChanges(ds []defaultsChange, files []*ast.File, fset *token.FileSet, dir []edit.DirFile) {
	type parsed struct {
		f    *ast.File
		fset *token.FileSet
	}
	byName := map[string]parsed{}
	for _, f := range files {
		byName[fset.File(f.Pos()).Name()] = parsed{f, fset}
	}
	for _, df := range dir {
		byName[df.Path] = parsed{df.Ast, df.Fset}
	}
	for i := range ds {
		p, ok := byName[ds[i].pos.Filename]
		if !ok {
			continue
		}
		for _, d := range p.f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if p.fset.Position(fd.Pos()).Line <= ds[i].pos.Line && ds[i].pos.Line <= p.fset.Position(fd.End()).Line {
				name := fd.Name.Name
				if fd.Recv != nil && len(fd.Recv.List) > 0 {
					name = "(" + types.ExprString(fd.Recv.List[0].Type) + ")." + name
				}
				ds[i].fn = "func " + name
			}
		}
	}
}

// why says, in a report, what the package does to the defaults.
func (d defaultsChange) why() string {
	who, verb := "the package", "replaces"
	if d.test {
		who, verb = "the package's tests", "mock"
	}
	switch d.kind {
	case replacedTransport:
		return who + " " + verb + " the default transport"
	case replacedClient:
		if d.test {
			return who + " replace the default client"
		}
		return who + " replaces the default client"
	case replacedClientTransport:
		return who + " " + verb + " the default client's transport"
	case configuredTransport:
		if d.test {
			return who + " change the settings of the default transport"
		}
		return who + " changes the settings of the default transport"
	}
	if d.test {
		return who + " set http.DefaultClient." + d.field
	}
	return who + " sets http.DefaultClient." + d.field
}

// where says where the change is: file:line: what.
func (d defaultsChange) where() string {
	place := filepath.Base(d.pos.Filename)
	if d.fn != "" {
		place += ", " + d.fn
	}
	return place + ": " + d.text
}

// configures reports whether the change is to settings, rather than a
// replacement or a mock.
func (d defaultsChange) configures() bool {
	return d.kind == configuredClient || d.kind == configuredTransport
}

// consequence says why the change blocks moving a site off the defaults.
func (d defaultsChange) consequence() string {
	if d.configures() {
		return "which a configured client would not have"
	}
	return "which a configured client would bypass"
}

// advice says what the person can do about a site the change blocks.
func (d defaultsChange) advice() string {
	switch {
	case d.configures():
		return "move those settings to a client of your own and use it"
	case d.test:
		return "let the tests inject a client and mock that instead"
	}
	return "install the replacement in a client of your own and use that"
}

// summary names a write to http.DefaultClient in its report.
func (d defaultsChange) summary() string {
	if d.addr {
		return "taking the address of " + d.write
	}
	return "assignment to " + d.write
}

// sortDefaultsChanges sorts changes by position.
func sortDefaultsChanges(ds []defaultsChange) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].pos, ds[j].pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
}

// A defaultsAccess is how an expression naming http.DefaultClient or
// http.DefaultTransport (or a variable holding it) is used: the chain of
// parentheses, dereferences, type assertions and field selections built
// on it, and whether the outermost of them is written.
type defaultsAccess struct {
	top      inspector.Cursor // the outermost expression of the chain
	fields   []string         // the fields selected, outermost last
	asserted bool             // the chain has a type assertion
	write    bool             // top is assigned, incremented, or its address taken
	addr     bool             // top's address is taken
}

// accessOf follows the chain built on the expression at cur. isField
// says whether a selector selects a field (rather than a method).
func accessOf(cur inspector.Cursor, isField func(*ast.SelectorExpr) bool) defaultsAccess {
	var a defaultsAccess
loop:
	for {
		switch cur.ParentEdgeKind() {
		case edge.ParenExpr_X, edge.StarExpr_X:
		case edge.TypeAssertExpr_X:
			if cur.Parent().Node().(*ast.TypeAssertExpr).Type == nil {
				break loop // a type switch
			}
			a.asserted = true
		case edge.SelectorExpr_X:
			sel := cur.Parent().Node().(*ast.SelectorExpr)
			if !isField(sel) {
				break loop
			}
			a.fields = append(a.fields, sel.Sel.Name)
		default:
			break loop
		}
		cur = cur.Parent()
	}
	a.top = cur
	switch cur.ParentEdgeKind() {
	case edge.AssignStmt_Lhs, edge.IncDecStmt_X:
		a.write = true
	case edge.RangeStmt_Key, edge.RangeStmt_Value:
		a.write = cur.Parent().Node().(*ast.RangeStmt).Tok == token.ASSIGN
	case edge.UnaryExpr_X:
		a.addr = cur.Parent().Node().(*ast.UnaryExpr).Op == token.AND
		a.write = a.addr
	}
	return a
}

// writeText renders a write for a report: http.DefaultClient = ...
func (a defaultsAccess) writeText() string {
	e := types.ExprString(a.top.Node().(ast.Expr))
	if a.addr {
		return "&" + e
	}
	if a.top.ParentEdgeKind() == edge.IncDecStmt_X {
		return e + a.top.Parent().Node().(*ast.IncDecStmt).Tok.String()
	}
	return e + " = ..."
}

// defaultClientChange returns the change an access of
// http.DefaultClient makes, if it writes to it or to its fields.
func defaultClientChange(a defaultsAccess, fset *token.FileSet, test bool) (defaultsChange, bool) {
	if !a.write {
		return defaultsChange{}, false
	}
	d := defaultsChange{
		pos:   fset.Position(a.top.Node().Pos()),
		test:  test,
		text:  a.writeText(),
		write: types.ExprString(a.top.Node().(ast.Expr)),
		addr:  a.addr,
	}
	switch {
	case len(a.fields) == 0:
		d.kind = replacedClient
	case a.fields[0] == "Transport":
		d.kind = replacedClientTransport
	default:
		d.kind, d.field = configuredClient, a.fields[0]
	}
	return d, true
}

// defaultTransportChange returns the change an access of
// http.DefaultTransport makes: assigning it, assigning a field of the
// *http.Transport it holds, or handing that *http.Transport to a
// function or a method that may change it.
func defaultTransportChange(a defaultsAccess, fset *token.FileSet, test bool) (defaultsChange, bool) {
	d := defaultsChange{pos: fset.Position(a.top.Node().Pos()), test: test}
	switch {
	case a.write && !a.asserted && len(a.fields) == 0:
		d.kind, d.text = replacedTransport, a.writeText()
		return d, true
	case a.write && a.asserted:
		d.kind, d.text = configuredTransport, a.writeText()
		return d, true
	case a.asserted && len(a.fields) == 0:
		if text, ok := handedOff(a.top); ok {
			d.kind, d.text = configuredTransport, text
			return d, true
		}
	}
	return defaultsChange{}, false
}

// harmlessMethods are the methods of *http.Transport that do not change
// its settings.
var harmlessMethods = map[string]bool{"Clone": true, "CloseIdleConnections": true, "RoundTrip": true}

// handedOff reports whether the *http.Transport expression at cur is
// passed to a function (which may configure it, as
// http2.ConfigureTransport does) or has a method called that may change
// it (RegisterProtocol), and returns the call as written.
func handedOff(cur inspector.Cursor) (string, bool) {
	switch cur.ParentEdgeKind() {
	case edge.CallExpr_Args:
		return types.ExprString(cur.Parent().Node().(ast.Expr)), true
	case edge.SelectorExpr_X:
		sel := cur.Parent().Node().(*ast.SelectorExpr)
		if !harmlessMethods[sel.Sel.Name] && cur.Parent().ParentEdgeKind() == edge.CallExpr_Fun {
			return types.ExprString(cur.Parent().Parent().Node().(ast.Expr)), true
		}
	}
	return "", false
}

// assertedInto returns the variable an asserted http.DefaultTransport is
// stored in (tr := http.DefaultTransport.(*http.Transport), with or
// without ok), or nil.
func assertedInto(info *types.Info, a defaultsAccess) *types.Var {
	if !a.asserted || a.write || len(a.fields) > 0 {
		return nil
	}
	cur := a.top
	var target *ast.Ident
	switch parent := cur.Parent().Node().(type) {
	case *ast.AssignStmt:
		if cur.ParentEdgeKind() != edge.AssignStmt_Rhs {
			return nil
		}
		i := cur.ParentEdgeIndex()
		if len(parent.Lhs) != len(parent.Rhs) {
			i = 0 // v, ok := x.(T)
		}
		target, _ = ast.Unparen(parent.Lhs[i]).(*ast.Ident)
	case *ast.ValueSpec:
		if cur.ParentEdgeKind() != edge.ValueSpec_Values {
			return nil
		}
		i := cur.ParentEdgeIndex()
		if len(parent.Names) != len(parent.Values) {
			i = 0
		}
		target = parent.Names[i]
	}
	if target == nil {
		return nil
	}
	v, _ := info.ObjectOf(target).(*types.Var)
	return v
}

// changedThrough reports whether the package changes the
// http.DefaultTransport held by v: assigns a field of v, or hands v to a
// function or a method that may change it. A use that follows, in the
// same block or one nested in it, a statement giving v another value
// (t = t.Clone()) concerns that value instead.
func (p *defaultClientPass) changedThrough(v *types.Var) (defaultsChange, bool) {
	info := p.TypesInfo
	isField := func(sel *ast.SelectorExpr) bool {
		s, ok := info.Selections[sel]
		return ok && s.Kind() == types.FieldVal
	}
	type use struct {
		a    defaultsAccess
		test bool
	}
	var uses []use
	type reassignment struct {
		block ast.Node
		end   token.Pos
	}
	var reassigned []reassignment
	for _, file := range p.Files {
		test := strings.HasSuffix(p.Fset.File(file.Pos()).Name(), "_test.go")
		for cur := range p.inspectorOf(file).Root().Preorder((*ast.Ident)(nil)) {
			if info.Uses[cur.Node().(*ast.Ident)] != v {
				continue
			}
			a := accessOf(cur, isField)
			if a.write && len(a.fields) == 0 && a.top.ParentEdgeKind() == edge.AssignStmt_Lhs {
				as := a.top.Parent().Node().(*ast.AssignStmt)
				rhs := as.Rhs[0]
				if len(as.Lhs) == len(as.Rhs) {
					rhs = as.Rhs[a.top.ParentEdgeIndex()]
				}
				if ta, ok := ast.Unparen(rhs).(*ast.TypeAssertExpr); ok && match.IsPkgObj(match.ObjOf(info, ta.X), match.NetHTTP, "DefaultTransport") {
					continue // v gets the default again
				}
				switch a.top.Parent().ParentEdgeKind() {
				case edge.BlockStmt_List, edge.CaseClause_Body, edge.CommClause_Body:
					reassigned = append(reassigned, reassignment{a.top.Parent().Parent().Node(), as.End()})
				}
				continue
			}
			uses = append(uses, use{a, test})
		}
	}
	for _, u := range uses {
		pos := u.a.top.Node().Pos()
		stale := false
		for _, r := range reassigned {
			if r.block.Pos() <= pos && pos < r.block.End() && r.end <= pos {
				stale = true
			}
		}
		if stale {
			continue
		}
		d := defaultsChange{kind: configuredTransport, pos: p.Fset.Position(pos), test: u.test}
		if u.a.write && len(u.a.fields) > 0 {
			d.text = u.a.writeText()
			return d, true
		}
		if len(u.a.fields) == 0 && !u.a.write {
			if text, ok := handedOff(u.a.top); ok {
				d.text = text
				return d, true
			}
		}
	}
	return defaultsChange{}, false
}

// isGock reports whether path is the import path of gock, which mocks
// http.DefaultTransport.
func isGock(path string) bool {
	return path == "gopkg.in/h2non/gock.v1" || path == "github.com/h2non/gock" || strings.HasPrefix(path, "github.com/h2non/gock/")
}

// importedMock reports whether an import is of a package that mocks
// http.DefaultTransport when it is imported.
func importedMock(spec *ast.ImportSpec, fset *token.FileSet, test bool) (defaultsChange, bool) {
	path, err := strconv.Unquote(spec.Path.Value)
	if err != nil || !isGock(path) {
		return defaultsChange{}, false
	}
	return defaultsChange{kind: replacedTransport, pos: fset.Position(spec.Pos()), test: test, text: "imports gock"}, true
}

// mockActivation reports whether call activates httpmock on the defaults:
// any Activate* function of a package whose path contains httpmock, except
// ActivateNonDefault, which mocks the client it is given (a change only
// when that is http.DefaultClient). pkgPath returns the import path of the
// package a function expression belongs to; isDefaultClient says whether
// an expression is http.DefaultClient.
func mockActivation(call *ast.CallExpr, pkgPath func(ast.Expr) string, isDefaultClient func(ast.Expr) bool, fset *token.FileSet, test bool) (defaultsChange, bool) {
	fun := ast.Unparen(call.Fun)
	var name string
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		name = f.Sel.Name
	case *ast.Ident:
		name = f.Name
	}
	if !strings.HasPrefix(name, "Activate") || !strings.Contains(pkgPath(fun), "httpmock") {
		return defaultsChange{}, false
	}
	d := defaultsChange{kind: replacedTransport, pos: fset.Position(call.Pos()), test: test, text: types.ExprString(fun)}
	if name == "ActivateNonDefault" {
		if len(call.Args) != 1 || !isDefaultClient(call.Args[0]) {
			return defaultsChange{}, false
		}
		d.kind, d.text = replacedClientTransport, types.ExprString(call)
	}
	return d, true
}

// pkgPathOf returns the import path of the package a qualified
// identifier (or, under a dot import of a path containing want, an
// identifier) refers to, syntactically.
func pkgPathOf(imps match.FileImports, e ast.Expr, want string) string {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			return imps.ByName[x.Name]
		}
	case *ast.Ident:
		for _, path := range imps.Dot {
			if strings.Contains(path, want) {
				return path
			}
		}
	}
	return ""
}

// isNetHTTP reports whether e names the net/http object name,
// syntactically.
func isNetHTTP(imps match.FileImports, e ast.Expr, name string) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.SelectorExpr:
		return e.Sel.Name == name && pkgPathOf(imps, e, match.NetHTTP) == match.NetHTTP
	case *ast.Ident:
		return e.Name == name && pkgPathOf(imps, e, match.NetHTTP) == match.NetHTTP
	}
	return false
}

// scanDirDefaults returns what the other Go files of the package's
// directory do to the defaults, found without type information.
func scanDirDefaults(pass *analysis.Pass, files *edit.Files) []defaultsChange {
	var out []defaultsChange
	anySelector := func(*ast.SelectorExpr) bool { return true }
	// The package and its external tests share a test binary; other
	// packages of the directory (a //go:build ignore program) do not.
	base := strings.TrimSuffix(pass.Pkg.Name(), "_test")
	for _, df := range files.DirFiles(pass.IgnoredFiles) {
		if name := df.Ast.Name.Name; name != base && name != base+"_test" {
			continue
		}
		test := strings.HasSuffix(df.Path, "_test.go")
		imps := match.ImportsOf(df.Ast, edit.DefaultImportName)
		in := inspector.New([]*ast.File{df.Ast})
		for cur := range in.Root().Preorder((*ast.ImportSpec)(nil), (*ast.CallExpr)(nil), (*ast.SelectorExpr)(nil), (*ast.Ident)(nil)) {
			switch n := cur.Node().(type) {
			case *ast.ImportSpec:
				if d, ok := importedMock(n, df.Fset, test); ok {
					out = append(out, d)
				}
			case *ast.CallExpr:
				pkgPath := func(e ast.Expr) string { return pkgPathOf(imps, e, "httpmock") }
				isDefaultClient := func(e ast.Expr) bool { return isNetHTTP(imps, e, "DefaultClient") }
				if d, ok := mockActivation(n, pkgPath, isDefaultClient, df.Fset, test); ok {
					out = append(out, d)
				}
			case *ast.SelectorExpr, *ast.Ident:
				if cur.ParentEdgeKind() == edge.SelectorExpr_Sel {
					continue // seen as the selector
				}
				e := n.(ast.Expr)
				switch {
				case isNetHTTP(imps, e, "DefaultClient"):
					if d, ok := defaultClientChange(accessOf(cur, anySelector), df.Fset, test); ok {
						out = append(out, d)
					}
				case isNetHTTP(imps, e, "DefaultTransport"):
					if d, ok := defaultTransportChange(accessOf(cur, anySelector), df.Fset, test); ok {
						out = append(out, d)
					}
				}
			}
		}
	}
	return out
}

// The defaultclient rule moves a package's requests off http.DefaultClient
// and onto a client the package declares, and gives http.Client values
// that have no Transport the Transport the package declares.
//
// Why the rewrite is safe: before and after the transformation, every
// request goes through an *http.Client whose Transport is an
// *http.Transport with http.DefaultTransport's settings (proxy from the
// environment, HTTP/2, dialer, TLS and handshake timeouts): http.Get(u) is
// http.DefaultClient.Get(u), a Client with a nil Transport uses
// http.DefaultTransport, and the declared Transport is a clone of it. What
// changes is the pool (more idle connections kept per host) and, only when
// configured, a bound on connections per host and a client timeout.
//
// Two things the defaults have that a declared client may not have are
// looked for: being replaced or mocked (httpmock, gock, an assignment in
// the package or its tests), which the declared client would bypass; and
// settings made on them at run time (http.DefaultClient.Timeout = d, or a
// field of http.DefaultTransport), which it would not have. The declared
// Transport defers to a replaced http.DefaultTransport; a library's
// client copies http.DefaultClient at each request; what neither covers
// is reported instead of rewritten. See defaults.go.

package defaultclient

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"strings"
	"time"

	"github.com/dave/dst"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/config"
	"github.com/httpfix/httpfix/rules/internal/edit"
	"github.com/httpfix/httpfix/rules/internal/flow"
	"github.com/httpfix/httpfix/rules/internal/match"
	"github.com/httpfix/httpfix/rules/internal/match/seq"
)

//go:embed doc.go
var doc string

// Analyzer is defaultclient with the default settings (and its flags).
var Analyzer = New(config.Default())

// New returns defaultclient configured by cfg (a copy of which its flags
// set).
func New(cfg config.Config) *analysis.Analyzer {
	a := edit.NewAnalyzer("defaultclient", "https://github.com/httpfix/httpfix#defaultclient-use-a-configured-client-instead-of-the-defaults", doc, cfg, nil,
		func(pass *analysis.Pass, c *config.Config) (any, error) {
			res := &Result{}
			if !match.Imports(pass.Pkg, match.NetHTTP) {
				return res, nil
			}
			p := &defaultClientPass{Pass: pass, cfg: c, s: edit.NewSession(pass, c)}
			var err error
			if p.shared, p.sharedNote, err = p.sharedClient(); err != nil {
				return nil, err
			}
			p.files = p.s.Files()
			p.run()
			p.s.Flush()
			if p.declaredOwn && p.sharedNote != "" {
				res.Note = "declares a client of its own instead of using " + c.Client + ": " + p.sharedNote
			}
			return res, nil
		})
	a.ResultType = reflect.TypeOf((*Result)(nil))
	return a
}

// A defaultSiteKind is a kind of site the rule rewrites.
type defaultSiteKind int

const (
	// requestFuncSite is a use of http.Get, Head, Post or PostForm.
	requestFuncSite defaultSiteKind = iota
	// defaultClientSite is a read of http.DefaultClient.
	defaultClientSite
	// clientLitSite is an http.Client composite literal whose Transport
	// is missing, nil or http.DefaultTransport.
	clientLitSite
	// newClientSite is new(http.Client).
	newClientSite
)

// usesClient reports whether the rewrite of a site of kind k refers to
// the declared client (the others refer to the declared Transport).
func (k defaultSiteKind) usesClient() bool {
	return k == requestFuncSite || k == defaultClientSite
}

// A defaultSite is a place that uses the defaults and can be moved off
// them.
type defaultSite struct {
	kind defaultSiteKind
	file *edit.File
	pos  token.Pos
	// expr is the http.Get or http.DefaultClient expression (a selector,
	// or an identifier under a dot import), the composite literal, or the
	// call of new.
	expr ast.Expr
	// transport is the element of a client literal that sets the
	// Transport to nil or http.DefaultTransport (a key-value pair, or the
	// first element of an unkeyed literal), or nil if there is none.
	transport ast.Expr
	// sends says, of a client site, that the request is sent where the
	// site is: http.Get(u), http.DefaultClient.Do(req). A read of
	// http.DefaultClient that is kept (stored, returned, handed on, a
	// method value) is used later, when the program may have set it up.
	sends bool
}

// describe names the site in a report.
func (s defaultSite) describe() string {
	switch s.kind {
	case requestFuncSite:
		return "call of http." + siteFuncName(s.expr)
	case defaultClientSite:
		return "use of http.DefaultClient"
	case newClientSite:
		return "new(http.Client)"
	}
	if s.transport != nil {
		return "http.Client using http.DefaultTransport"
	}
	return "http.Client without a Transport"
}

// siteFuncName returns Get, Head, Post or PostForm for the expression of
// a requestFuncSite.
func siteFuncName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return ""
}

type defaultClientPass struct {
	*analysis.Pass
	cfg   *config.Config
	s     *edit.Session
	files *edit.Files

	sites []defaultSite
	// defaults lists what the package and its tests do to the defaults
	// (mocks, assignments, settings), sorted by position.
	defaults []defaultsChange
	// declared are the client and Transport variables a previous run
	// declared, found by their shape.
	declared declaredVars
	// inspects memoizes inspectsTransports.
	inspects *bool
	// inspectors of the package's files, made on first use.
	inspectors map[*ast.File]*inspector.Inspector

	// shared is the client the client key names, if the package can use
	// it; otherwise sharedNote says why not (when the key is set), and
	// declaredOwn records that the package's fixes declare a client.
	shared      *config.SharedClient
	sharedNote  string
	declaredOwn bool
	// clientFunc says that the package's client is a function (a
	// library's, see clientFuncDecl), called where the variable would
	// be named.
	clientFunc bool
	// runsOnce are the functions of a main package that run once, in
	// main's goroutine (commandOneOff).
	runsOnce map[*ast.FuncDecl]bool
}

// inspectorOf returns an inspector of one file of the package.
func (p *defaultClientPass) inspectorOf(file *ast.File) *inspector.Inspector {
	if p.inspectors == nil {
		p.inspectors = map[*ast.File]*inspector.Inspector{}
	}
	in, ok := p.inspectors[file]
	if !ok {
		in = inspector.New([]*ast.File{file})
		p.inspectors[file] = in
	}
	return in
}

func (p *defaultClientPass) run() {
	p.declared = findDeclared(p.Pass)
	for _, file := range p.Files {
		p.scanFile(file)
	}
	sites := p.sites[:0]
	for _, s := range p.sites {
		if !p.s.Skip(s.pos) && (s.kind.usesClient() || p.clientPrivate(s)) && !p.commandOneOff(s) {
			sites = append(sites, s)
		}
	}
	p.sites = sites
	if len(p.sites) == 0 {
		return
	}

	// What the package, its tests and the other files of its directory
	// do to the defaults decides whether its sites may move off them.
	p.defaults = append(p.defaults, scanDirDefaults(p.Pass, p.files)...)
	sortDefaultsChanges(p.defaults)
	placeChanges(p.defaults, p.Files, p.Fset, p.files.DirFiles(p.IgnoredFiles))
	var blockAll, blockClient *defaultsChange
	for i := range p.defaults {
		d := &p.defaults[i]
		if p.shared != nil && d.kind == replacedTransport {
			// The declared Transport defers to a replaced
			// http.DefaultTransport; the shared client may not.
			p.sharedNote = fmt.Sprintf("%s (%s), which the declared Transport defers to and the shared client may not", d.why(), d.where())
			p.shared = nil
		}
		if blockAll == nil && d.kind.blocksTransport() {
			blockAll = d
		}
		if blockClient == nil && d.kind.blocksClient() {
			blockClient = d
		}
	}
	p.clientFunc = p.shared == nil && p.libraryClient()
	var todo []defaultSite
	for _, s := range p.sites {
		switch {
		case blockAll != nil:
			p.reportLeft(s, *blockAll)
		case p.clientFunc && s.kind.usesClient() && !s.sends:
			// A library's read of http.DefaultClient that is kept, as
			// its default say, is the client the program may set up
			// later (its Transport, Timeout, Jar): a copy made now would
			// not have what it sets. Left as it is.
		case p.clientFunc && s.kind.usesClient():
			// The function copies http.DefaultClient as it is when the
			// request is sent: whatever the package or its tests do to
			// it (a mock of its Transport, a Timeout, a replacement) is
			// kept.
			todo = append(todo, s)
		case blockClient != nil && s.kind.usesClient():
			p.reportLeft(s, *blockClient)
		default:
			todo = append(todo, s)
		}
	}
	if len(todo) > 0 {
		p.rewrite(todo)
	}
}

// commandOneOff reports whether s sends a request from a command's own
// goroutine, one request after the other: http.Get(u) or
// http.DefaultClient.Do(req) called directly in main, or in a function
// only main calls (outside loops, go statements and function literals:
// seq.RunsOnce), when the configuration asks the client for nothing but
// a pool (no timeout, no bound on connections per host). Such a site
// has one request in flight at a time and reuses the one idle
// connection http.DefaultTransport keeps for it: a pool of its own would
// change nothing, and in an example or a one-shot tool the declared
// client is noise. (Whatever else the program sends concurrently through
// the defaults is at its own sites, which are moved.)
//
// So is a client without a Transport made there and used there only, to
// send (client := &http.Client{Timeout: t}; client.Do(req)): the pool
// it would get serves those requests alone, one at a time.
func (p *defaultClientPass) commandOneOff(s defaultSite) bool {
	if p.Pkg.Name() != "main" || s.file == nil {
		return false
	}
	cur, ok := p.inspectorOf(s.file.Ast).Root().FindNode(s.expr)
	if !ok {
		return false
	}
	switch s.kind {
	case requestFuncSite:
		ok = s.sends && cur.ParentEdgeKind() == edge.CallExpr_Fun
	case defaultClientSite:
		ok = s.sends && cur.ParentEdgeKind() == edge.SelectorExpr_X && cur.Parent().ParentEdgeKind() == edge.CallExpr_Fun
	case clientLitSite, newClientSite:
		ok = sendsOnlyHere(p.TypesInfo, cur, map[*types.Var]bool{})
	}
	if !ok || s.kind.usesClient() && (p.cfg.Timeout > 0 || p.cfg.MaxConnsPerHost > 0) {
		return false
	}
	fn, ok := enclosingFunc(cur)
	if !ok {
		return false
	}
	fd, ok := fn.Node().(*ast.FuncDecl)
	if !ok {
		return false // in a function literal: it may run anywhere
	}
	for c := cur.Parent(); c != fn; c = c.Parent() {
		if _, ok := c.Node().(*ast.GoStmt); ok {
			return false
		}
	}
	if p.runsOnce == nil {
		p.runsOnce = seq.RunsOnce(p.Pass)
	}
	return p.runsOnce[fd]
}

// sendsOnlyHere reports whether the client the expression at cur makes
// is used only in its function, outside function literals and go
// statements, to send requests or set its fields: called at once
// ((&http.Client{}).Get(u)), or kept in a local variable that is only so
// used.
func sendsOnlyHere(info *types.Info, cur inspector.Cursor, seen map[*types.Var]bool) bool {
	fn, ok := enclosingFunc(cur)
	return ok && sendsOnlyIn(info, fn, cur, seen)
}

// sendsOnlyIn is sendsOnlyHere for a use at cur of the client, in fn.
func sendsOnlyIn(info *types.Info, fn, cur inspector.Cursor, seen map[*types.Var]bool) bool {
	cur = sameClient(cur, false)
	for c := cur.Parent(); c != fn; c = c.Parent() {
		switch c.Node().(type) {
		case *ast.GoStmt, *ast.FuncLit:
			return false
		}
	}
	switch cur.ParentEdgeKind() {
	case edge.SelectorExpr_X:
		sel := cur.Parent().Node().(*ast.SelectorExpr)
		if sel.Sel.Name == "Transport" {
			return false
		}
		if _, isField := info.Selections[sel]; isField && info.Selections[sel].Kind() == types.FieldVal {
			return true // c.Timeout = t
		}
		return match.ClientSends(sel.Sel.Name) && cur.Parent().ParentEdgeKind() == edge.CallExpr_Fun
	case edge.AssignStmt_Lhs:
		return true // a new value for the variable
	case edge.AssignStmt_Rhs, edge.ValueSpec_Values:
		lhs, rhs := flow.AssignParts(cur.Parent().Node())
		if len(lhs) != len(rhs) {
			return false
		}
		v := match.LocalVar(info, lhs[cur.ParentEdgeIndex()])
		if v == nil {
			return false // a field, a package variable
		}
		if seen[v] {
			return true
		}
		seen[v] = true
		for use := range fn.Preorder((*ast.Ident)(nil)) {
			if info.Uses[use.Node().(*ast.Ident)] == v && !sendsOnlyIn(info, fn, use, seen) {
				return false
			}
		}
		return true
	}
	return false
}

// sameClient returns the outermost expression around cur that denotes
// the client cur does: through parentheses and &, and with deref through
// * too (a copy of the client is the same client to its Transport).
func sameClient(cur inspector.Cursor, deref bool) inspector.Cursor {
	for {
		if cur.ParentEdgeKind() == edge.ParenExpr_X {
			cur = cur.Parent()
			continue
		}
		if u, ok := cur.Parent().Node().(*ast.UnaryExpr); ok && u.Op == token.AND {
			cur = cur.Parent()
			continue
		}
		if u, ok := cur.Parent().Node().(*ast.StarExpr); ok && deref && u.X == cur.Node() {
			cur = cur.Parent()
			continue
		}
		return cur
	}
}

// libraryClient says whether the package's client is the function a
// library declares (see clientFuncDecl) rather than a variable: in a
// package other than main, unless a previous run declared a variable
// the sites can use.
func (p *defaultClientPass) libraryClient() bool {
	onlyTests := true
	for _, s := range p.sites {
		onlyTests = onlyTests && s.file.Test
	}
	if c := p.declared.client; c != nil && (!c.test || onlyTests) {
		_, fn := c.obj.(*types.Func)
		return fn
	}
	return p.Pkg.Name() != "main"
}

// reportLeft reports a site left on the defaults because of d.
func (p *defaultClientPass) reportLeft(s defaultSite, d defaultsChange) {
	p.s.Reportf(s.pos, "%s not rewritten: %s (%s), %s; %s",
		s.describe(), d.why(), d.where(), d.consequence(), d.advice())
}

// scanFile collects the sites of one file of the package, what the file
// does to the defaults, and the variables whose Transport it sets.
func (p *defaultClientPass) scanFile(file *ast.File) {
	info := p.TypesInfo
	f := p.files.File(file)
	if !p.s.Editable(f) {
		f = nil
	}
	test := strings.HasSuffix(p.Fset.File(file.Pos()).Name(), "_test.go")
	in := p.inspectorOf(file)
	isField := func(sel *ast.SelectorExpr) bool {
		s, ok := info.Selections[sel]
		return ok && s.Kind() == types.FieldVal
	}
	nodeTypes := []ast.Node{(*ast.Ident)(nil), (*ast.CompositeLit)(nil), (*ast.CallExpr)(nil), (*ast.ImportSpec)(nil), (*ast.AssignStmt)(nil)}
	for cur := range in.Root().Preorder(nodeTypes...) {
		if p.declared.contains(cur.Node().Pos()) {
			continue // what a previous run declared
		}
		switch n := cur.Node().(type) {
		case *ast.ImportSpec:
			if d, ok := importedMock(n, p.Fset, test); ok {
				p.defaults = append(p.defaults, d)
			}

		case *ast.CallExpr:
			pkgPath := func(e ast.Expr) string { return typedPkgPath(info, e) }
			isDefaultClient := func(e ast.Expr) bool { return match.IsPkgObj(match.ObjOf(info, e), match.NetHTTP, "DefaultClient") }
			if d, ok := mockActivation(n, pkgPath, isDefaultClient, p.Fset, test); ok {
				p.defaults = append(p.defaults, d)
			}
			if f != nil && isNewClient(info, n) {
				p.sites = append(p.sites, defaultSite{kind: newClientSite, file: f, pos: n.Pos(), expr: n})
			}

		case *ast.CompositeLit:
			// An element of a []*http.Client literal that elides its
			// type has type *http.Client.
			t := info.TypeOf(n)
			if f == nil || !match.IsNamed(t, match.NetHTTP, "Client") && !(n.Type == nil && match.IsPtrTo(t, match.NetHTTP, "Client")) {
				continue
			}
			if tr, ok := defaultTransportElt(info, n); ok {
				p.sites = append(p.sites, defaultSite{kind: clientLitSite, file: f, pos: n.Pos(), expr: n, transport: tr})
			}

		case *ast.Ident:
			obj := info.Uses[n]
			if obj == nil || obj.Pkg() == nil || obj.Pkg().Path() != match.NetHTTP {
				continue
			}
			// The expression naming the object: the qualified
			// identifier, or the identifier alone under a dot import.
			ecur := cur
			if cur.ParentEdgeKind() == edge.SelectorExpr_Sel {
				ecur = cur.Parent()
			}
			expr := ecur.Node().(ast.Expr)
			switch {
			case match.IsDefaultClientFunc(asFunc(obj)):
				if f != nil {
					sends := ecur.ParentEdgeKind() == edge.CallExpr_Fun
					p.sites = append(p.sites, defaultSite{kind: requestFuncSite, file: f, pos: expr.Pos(), expr: expr, sends: sends})
				}
			case match.IsPkgObj(obj, match.NetHTTP, "DefaultClient"):
				a := accessOf(ecur, isField)
				if d, ok := defaultClientChange(a, p.Fset, test); ok {
					p.defaults = append(p.defaults, d)
					if f != nil {
						p.s.Reportf(a.top.Node().Pos(), "%s not rewritten: it changes the client that every package of the program shares; %s",
							d.summary(), "set up a client of your own and use it instead")
					}
				} else if be, ok := ecur.Parent().Node().(*ast.BinaryExpr); ok && (be.Op == token.EQL || be.Op == token.NEQ) {
					// c == http.DefaultClient asks whether c is the
					// shared default; comparing with the declared client
					// instead would answer another question.
					if f != nil {
						p.s.Reportf(be.Pos(), "comparison with http.DefaultClient not rewritten: it tells whether a client is the shared default; check the result still means what you want once this package uses its own client")
					}
				} else if f != nil {
					sends := usedAtOnce(info, ecur, isField)
					p.sites = append(p.sites, defaultSite{kind: defaultClientSite, file: f, pos: expr.Pos(), expr: expr, sends: sends})
				}
			case match.IsPkgObj(obj, match.NetHTTP, "DefaultTransport"):
				a := accessOf(ecur, isField)
				if d, ok := defaultTransportChange(a, p.Fset, test); ok {
					p.defaults = append(p.defaults, d)
				} else if v := assertedInto(info, a); v != nil {
					if d, ok := p.changedThrough(v); ok {
						p.defaults = append(p.defaults, d)
					}
				}
			}
		}
	}
}

// usedAtOnce reports whether the read of http.DefaultClient at cur is
// used for the request it is read for, and kept nowhere: a method called
// on it (http.DefaultClient.Do(req)), or the result of an unexported
// function or method of the package, the fallback of a getter that its
// callers call for each request (seed 003's c.httpClient().Do(req)). An
// exported function hands the client out to code that may keep it.
func usedAtOnce(info *types.Info, cur inspector.Cursor, isField func(*ast.SelectorExpr) bool) bool {
	switch cur.ParentEdgeKind() {
	case edge.SelectorExpr_X:
		sel := cur.Parent()
		se := sel.Node().(*ast.SelectorExpr)
		_, ok := info.Selections[se]
		return ok && !isField(se) && sel.ParentEdgeKind() == edge.CallExpr_Fun
	case edge.ReturnStmt_Results:
		for c := cur.Parent(); c.Node() != nil; c = c.Parent() {
			switch fn := c.Node().(type) {
			case *ast.FuncLit:
				return false
			case *ast.FuncDecl:
				return !fn.Name.IsExported()
			}
		}
	}
	return false
}

func asFunc(obj types.Object) *types.Func {
	fn, _ := obj.(*types.Func)
	return fn
}

// typedPkgPath returns the import path of the package a selector's
// qualifier or a dot-imported identifier belongs to, from types.
func typedPkgPath(info *types.Info, e ast.Expr) string {
	if obj := match.ObjOf(info, e); obj != nil && obj.Pkg() != nil {
		if _, ok := obj.(*types.Func); ok {
			return obj.Pkg().Path()
		}
	}
	return ""
}

// isNewClient reports whether call is new(http.Client).
func isNewClient(info *types.Info, call *ast.CallExpr) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok || len(call.Args) != 1 {
		return false
	}
	if b, ok := info.Uses[id].(*types.Builtin); !ok || b.Name() != "new" {
		return false
	}
	tv, ok := info.Types[call.Args[0]]
	return ok && tv.IsType() && match.IsNamed(tv.Type, match.NetHTTP, "Client")
}

// defaultTransportElt reports whether an http.Client literal uses the
// default Transport: it sets none (ok, nil) or sets it to nil or
// http.DefaultTransport (ok, the element that does).
func defaultTransportElt(info *types.Info, lit *ast.CompositeLit) (ast.Expr, bool) {
	isDefault := func(e ast.Expr) bool {
		if tv, ok := info.Types[e]; ok && tv.IsNil() {
			return true
		}
		return match.IsPkgObj(match.ObjOf(info, e), match.NetHTTP, "DefaultTransport")
	}
	for i, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			// Unkeyed: the Transport is the first field.
			if i == 0 && isDefault(elt) {
				return elt, true
			}
			return nil, false
		}
		if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Transport" {
			if isDefault(kv.Value) {
				return kv, true
			}
			return nil, false
		}
	}
	return nil, true
}

// clientPrivate reports whether the Transport of the client a literal
// makes is left to net/http: nothing hands the client to a function, and
// the package never looks at or sets a client's Transport itself.
//
// Code that gets a client may give it a Transport of its own when it has
// none (resty's createClient does) or fetch its Transport to reconfigure
// it (SetTLSClientConfig); with the package's shared Transport in place it
// would keep, or worse change for every client, the shared settings. A
// client that is only used for requests, returned, or stored in a
// variable or field is what the rule is for: its nil Transport meant
// http.DefaultTransport, the shared Transport is a better pool of the
// same settings.
func (p *defaultClientPass) clientPrivate(s defaultSite) bool {
	if p.inspectsTransports() {
		return false
	}
	file := p.enclosingFile(s.pos)
	if file == nil {
		return false
	}
	cur, ok := p.inspectorOf(file).Root().FindNode(s.expr)
	if !ok {
		return false
	}
	info := p.TypesInfo
	seen := map[*types.Var]bool{}
	var handedOn func(c inspector.Cursor) bool
	handedOn = func(c inspector.Cursor) bool {
		c = sameClient(c, true)
		switch c.ParentEdgeKind() {
		case edge.CallExpr_Args:
			return true
		case edge.SelectorExpr_X:
			ok, _ := clientUseOK(c)
			return !ok
		case edge.AssignStmt_Rhs, edge.ValueSpec_Values:
			var lhs ast.Expr
			switch parent := c.Parent().Node().(type) {
			case *ast.AssignStmt:
				if len(parent.Lhs) != len(parent.Rhs) {
					return true
				}
				lhs = parent.Lhs[c.ParentEdgeIndex()]
			case *ast.ValueSpec:
				if len(parent.Names) != len(parent.Values) {
					return true
				}
				lhs = parent.Names[c.ParentEdgeIndex()]
			}
			v := match.LocalVar(info, lhs)
			if v == nil || seen[v] {
				return false // stored in a field or package variable, or followed already
			}
			seen[v] = true
			fn, ok := enclosingFunc(c)
			if !ok {
				return true
			}
			for use := range fn.Preorder((*ast.Ident)(nil)) {
				if info.Uses[use.Node().(*ast.Ident)] == v && use.ParentEdgeKind() != edge.AssignStmt_Lhs && handedOn(use) {
					return true
				}
			}
			return false
		}
		// Returned, stored in a composite, compared: not handed to code
		// that could look at its Transport.
		return false
	}
	return !handedOn(cur)
}

// inspectsTransports reports whether the package reads or sets the
// Transport of an http.Client anywhere (c.Transport == nil,
// c.Transport = rt, c.Transport.(*http.Transport)): it manages transports
// itself, and its client literals are left to it.
func (p *defaultClientPass) inspectsTransports() bool {
	if p.inspects != nil {
		return *p.inspects
	}
	found := false
	for _, f := range p.Files {
		for c := range p.inspectorOf(f).Root().Preorder((*ast.SelectorExpr)(nil)) {
			sel := c.Node().(*ast.SelectorExpr)
			if sel.Sel.Name == "Transport" && match.IsClient(p.TypesInfo.TypeOf(sel.X)) {
				found = true
				break
			}
		}
	}
	p.inspects = &found
	return found
}

// clientUseOK reports whether the client value at cur is used only for a
// request or a field other than Transport, and says why not otherwise.
func clientUseOK(cur inspector.Cursor) (bool, string) {
	sel, ok := cur.Parent().Node().(*ast.SelectorExpr)
	if !ok || cur.ParentEdgeKind() != edge.SelectorExpr_X {
		return false, "handed on"
	}
	switch name := sel.Sel.Name; {
	case match.ClientSends(name) || name == "CloseIdleConnections":
		return cur.Parent().ParentEdgeKind() == edge.CallExpr_Fun, "a method value"
	case name == "Transport":
		return false, "its Transport is used"
	}
	return true, ""
}

// enclosingFunc returns the innermost function (declaration or literal)
// around cur.
func enclosingFunc(cur inspector.Cursor) (inspector.Cursor, bool) {
	for c := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		return c, true
	}
	return inspector.Cursor{}, false
}

// enclosingFile returns the file of the package that contains pos.
func (p *defaultClientPass) enclosingFile(pos token.Pos) *ast.File {
	for _, f := range p.Files {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}

// rewrite moves the sites onto the declared client and Transport,
// declaring them if need be. Each site is a fix of its own, which holds
// the declarations it needs: the same text at the same place in every fix
// of the package, so that drivers merging the fixes declare them once.
func (p *defaultClientPass) rewrite(sites []defaultSite) {
	if p.shared != nil {
		p.rewriteShared(sites, p.shared)
		return
	}
	// New declarations go into a test file only if only test files have
	// sites; a declaration of a previous run in a test file serves test
	// files only (the package's own build does not see it).
	onlyTests := true
	var clientUses, transportUses []token.Pos
	for _, s := range sites {
		onlyTests = onlyTests && s.file.Test
		if s.kind.usesClient() {
			clientUses = append(clientUses, s.pos)
		} else {
			transportUses = append(transportUses, s.pos)
		}
	}
	taken := p.files.TakenNames(p.IgnoredFiles)
	var clientName, transportName string
	declareClient, declareTransport := false, false
	if len(clientUses) > 0 {
		// A client of a previous run of the other form (a variable in a
		// library, decided on for sites a test file's declaration does
		// not serve) is not the one the sites were chosen for.
		c := p.declared.client
		isFunc := false
		if c != nil {
			_, isFunc = c.obj.(*types.Func)
		}
		if c != nil && (!c.test || onlyTests) && isFunc == p.clientFunc {
			clientName = c.obj.Name()
		} else {
			declareClient = true
		}
	}
	if len(transportUses) > 0 || declareClient {
		if t := p.declared.transport; t != nil && (!t.test || onlyTests) {
			transportName = t.obj.Name()
		} else {
			declareTransport = true
		}
	}
	if declareTransport {
		transportName = p.files.FreshName("httpTransport", taken, transportUses)
		taken[transportName] = true
	}
	if declareClient {
		clientName = p.files.FreshName("httpClient", taken, clientUses)
	}

	// The sites that can move, before the declarations are placed: the
	// declarations go into the first file (by path) with such a site, a
	// test file only if no other has one.
	var todo []defaultSite
	for _, s := range sites {
		name, what := transportName, "transport"
		if s.kind.usesClient() {
			name, what = clientName, "client"
		}
		if obj := edit.LookupAt(p.Pkg, name, s.pos); obj != nil && !match.IsPackageLevel(obj) {
			// Only a name declared by a previous run can be
			// shadowed here: a fresh name is chosen not to be.
			p.s.Reportf(s.pos, "%s not rewritten: %s, the package's configured %s, is shadowed here by a local %s; rename the local and run httpfix again",
				s.describe(), name, what, name)
			continue
		}
		todo = append(todo, s)
	}
	var home *edit.File
	for _, s := range todo {
		if home == nil || home.Test && !s.file.Test || home.Test == s.file.Test && s.file.Name < home.Name {
			home = s.file
		}
	}
	if home == nil {
		return
	}
	var transportDecl, clientDecl dst.Decl
	var typeDecls []dst.Decl
	if declareTransport {
		typeName := p.files.FreshName("pooledTransport", taken, nil)
		transportDecl, typeDecls = p.transportDecls(home, transportName, typeName)
	}
	if declareClient {
		if p.clientFunc {
			clientDecl = p.clientFuncDecl(clientName, transportName)
		} else {
			clientDecl = p.clientDecl(clientName, transportName)
		}
	}
	// A client declared for a Transport of a previous run goes right
	// after it, if it is in the same file.
	var afterTransport ast.Decl
	if t := p.declared.transport; !declareTransport && t != nil {
		for _, d := range home.Ast.Decls {
			if d.Pos() <= t.node.Pos() && t.node.End() <= d.End() {
				afterTransport = d
			}
		}
	}
	if declareClient || declareTransport {
		p.declaredOwn = true
	}
	for _, s := range todo {
		s := s
		name := transportName
		if s.kind.usesClient() {
			name = clientName
		}
		said := name
		if p.clientFunc {
			said = name + "()"
		}
		refs := siteRefs{
			client:        func() dst.Expr { return p.clientRef(name) },
			transport:     func() dst.Expr { return dst.NewIdent(name) },
			clientText:    said + ", the package's configured client",
			transportText: name + ", the package's configured Transport",
		}
		fix := p.s.NewFix()
		fix.Do(func(x *edit.Fix) bool { return rewriteSite(x, s, refs) })
		// Every fix declares all the package's fixes need, as one edit:
		// the same text at the same place in each, which every driver
		// that merges fixes makes once (a Transport variable a fix does
		// not use costs nothing).
		fix.Do(func(x *edit.Fix) bool {
			var decls []dst.Decl
			if transportDecl != nil {
				decls = append(decls, dst.Clone(transportDecl).(dst.Decl))
			}
			if clientDecl != nil {
				if afterTransport != nil {
					x.AddDeclAfter(home, afterTransport, dst.Clone(clientDecl).(dst.Decl))
				} else {
					decls = append(decls, dst.Clone(clientDecl).(dst.Decl))
				}
			}
			for _, d := range typeDecls {
				decls = append(decls, dst.Clone(d).(dst.Decl))
			}
			if len(decls) > 0 {
				x.AddDecls(home, decls...)
			}
			return true
		})
		p.s.Fixed(s.pos, s.expr.End(), fix, "%s", s.finding(refs))
	}
}

// siteRefs are what the fix of a site refers to, and how its finding
// names them: the package's client (a variable, a library's function, the
// module's shared client) and the Transport for clients that have none.
type siteRefs struct {
	client, transport         func() dst.Expr
	clientText, transportText string
}

// finding says what is wrong with a site, and what the fix does.
func (s defaultSite) finding(refs siteRefs) string {
	switch s.kind {
	case requestFuncSite:
		return fmt.Sprintf("http.%s uses http.DefaultClient, whose Transport keeps only 2 idle connections per host: use %s", siteFuncName(s.expr), refs.clientText)
	case defaultClientSite:
		return fmt.Sprintf("http.DefaultClient's Transport keeps only 2 idle connections per host: use %s", refs.clientText)
	case newClientSite:
		return fmt.Sprintf("new(http.Client) uses http.DefaultTransport, which keeps only 2 idle connections per host: give it %s", refs.transportText)
	}
	return fmt.Sprintf("this http.Client uses http.DefaultTransport, which keeps only 2 idle connections per host: give it %s", refs.transportText)
}

// rewriteSite edits the fix's copy of one site.
func rewriteSite(x *edit.Fix, s defaultSite, refs siteRefs) bool {
	switch s.kind {
	case requestFuncSite:
		id, ok := x.Node(s.expr).(*dst.Ident)
		if !ok {
			return false
		}
		sel := &dst.SelectorExpr{X: refs.client(), Sel: dst.NewIdent(id.Name)}
		sel.Decs.NodeDecs = id.Decs.NodeDecs
		return edit.ReplaceNode(x, s.expr, sel)

	case defaultClientSite:
		id, ok := x.Node(s.expr).(*dst.Ident)
		if !ok {
			return false
		}
		ref := refs.client()
		*ref.Decorations() = id.Decs.NodeDecs
		return edit.ReplaceNode(x, s.expr, ref)

	case newClientSite:
		call, ok := x.Node(s.expr).(*dst.CallExpr)
		if !ok || len(call.Args) != 1 {
			return false
		}
		lit := &dst.CompositeLit{
			Type: dst.Clone(call.Args[0]).(dst.Expr),
			Elts: []dst.Expr{&dst.KeyValueExpr{Key: dst.NewIdent("Transport"), Value: refs.transport()}},
		}
		addr := &dst.UnaryExpr{Op: token.AND, X: lit}
		addr.Decs.NodeDecs = call.Decs.NodeDecs
		return edit.ReplaceNode(x, s.expr, addr)

	case clientLitSite:
		lit, ok := x.Node(s.expr).(*dst.CompositeLit)
		if !ok {
			return false
		}
		if s.transport == nil {
			kv := &dst.KeyValueExpr{Key: dst.NewIdent("Transport"), Value: refs.transport()}
			if len(lit.Elts) > 0 && lit.Elts[0].Decorations().Before != dst.None {
				kv.Decs.Before = lit.Elts[0].Decorations().Before
				kv.Decs.After = dst.NewLine
			}
			lit.Elts = append([]dst.Expr{kv}, lit.Elts...)
			return true
		}
		old := s.transport
		if kv, ok := old.(*ast.KeyValueExpr); ok {
			old = kv.Value
		}
		oldExpr, ok := x.Node(old).(dst.Expr)
		if !ok {
			return false
		}
		repl := refs.transport()
		*repl.Decorations() = *oldExpr.Decorations()
		return edit.ReplaceNode(x, old, repl)
	}
	return false
}

// clientRef returns the expression that names the package's client:
// the variable, or a call of the function a library declares.
func (p *defaultClientPass) clientRef(name string) dst.Expr {
	if p.clientFunc {
		return &dst.CallExpr{Fun: dst.NewIdent(name)}
	}
	return dst.NewIdent(name)
}

// transportDecls returns the declarations of the package's Transport, to
// be placed in file: the variable, then the type that defers to
// http.DefaultTransport and its methods.
//
// Why the Transport is safe for a library: every request the package
// makes, and every request of a client it hands out, goes through
// whatever http.DefaultTransport is when the request is made. While it
// is the *http.Transport it was at the package's first request (the
// net/http default, or one a program installed before that), a clone of
// it serves, with a larger pool and otherwise its settings; once a
// program replaces it (a test's httpmock or gock, a proxy, an
// instrumented Transport), that is what serves.
func (p *defaultClientPass) transportDecls(file *edit.File, name, typeName string) (dst.Decl, []dst.Decl) {
	v := declFrom(fmt.Sprintf("var %s = &%s{}", name, typeName), []string{
		fmt.Sprintf("// %s is the connection pool of this package's HTTP clients:", name),
		"// http.DefaultTransport's settings, but keeping enough idle connections",
		"// per host for concurrent requests to reuse them instead of dialing anew.",
	})
	var set strings.Builder
	fmt.Fprintf(&set, "\t\tt.pool.MaxIdleConns = %d\n", p.cfg.MaxIdleConns)
	fmt.Fprintf(&set, "\t\tt.pool.MaxIdleConnsPerHost = %d\n", p.cfg.MaxIdleConnsPerHost)
	fmt.Fprintf(&set, "\t\tt.pool.IdleConnTimeout = %s\n", durationSource(time.Duration(p.cfg.IdleConnTimeout)))
	if p.cfg.MaxConnsPerHost > 0 {
		fmt.Fprintf(&set, "\t\tt.pool.MaxConnsPerHost = %d\n", p.cfg.MaxConnsPerHost)
	}
	src := fmt.Sprintf(`// %[1]s serves requests with a clone of http.DefaultTransport, made at
// the first request, that keeps more idle connections, for as long as
// http.DefaultTransport is the Transport it was cloned from. A program
// that replaces http.DefaultTransport (a test's mock, a proxy,
// instrumentation) gets every request.
type %[1]s struct {
	once sync.Once
	base *http.Transport // http.DefaultTransport at the first request
	pool *http.Transport // its clone
}

// pooled returns the clone, or nil when http.DefaultTransport is no
// longer the Transport it was made from.
func (t *%[1]s) pooled() *http.Transport {
	t.once.Do(func() {
		base, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			return
		}
		t.base, t.pool = base, base.Clone()
%[2]s	})
	if base, ok := http.DefaultTransport.(*http.Transport); !ok || base != t.base {
		return nil
	}
	return t.pool
}

// RoundTrip implements http.RoundTripper.
func (t *%[1]s) RoundTrip(req *http.Request) (*http.Response, error) {
	if pool := t.pooled(); pool != nil {
		return pool.RoundTrip(req)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// CloseIdleConnections closes the idle connections of the clone, as
// http.Client.CloseIdleConnections asks of its Transport.
func (t *%[1]s) CloseIdleConnections() {
	if pool := t.pooled(); pool != nil {
		pool.CloseIdleConnections()
	}
}
`, typeName, set.String())
	decls := edit.FileSnippet(src, map[string]string{"http": match.NetHTTP, "time": "time", "sync": "sync"})
	for _, d := range decls {
		d.Decorations().Before = dst.EmptyLine
		d.Decorations().After = dst.EmptyLine
	}
	return v, decls
}

// clientDecl returns the declaration of the package's client.
func (p *defaultClientPass) clientDecl(name, transport string) dst.Decl {
	src := fmt.Sprintf("var %s = &http.Client{Transport: %s}", name, transport)
	if p.cfg.Timeout > 0 {
		src = fmt.Sprintf("var %s = &http.Client{Transport: %s, Timeout: %s}", name, transport, durationSource(time.Duration(p.cfg.Timeout)))
	}
	return declFrom(src, []string{
		fmt.Sprintf("// %s is used instead of http.DefaultClient, whose Transport", name),
		"// keeps only two idle connections per host.",
	})
}

// clientFuncDecl returns the declaration of a library's client: a
// function that returns http.DefaultClient as the program has set it up,
// with the package's Transport in place of the default one.
//
// Why a function, in a library: the program that imports the library may
// set up http.DefaultClient (a Timeout, a cookie Jar, a CheckRedirect
// policy, a Transport that trusts its test server or mocks the network),
// at any time, and what the library cannot see it must not drop. A copy
// of http.DefaultClient made at each request keeps all of that and
// changes only what a nil Transport means: the package's pooled
// Transport, which itself defers to a replaced http.DefaultTransport,
// instead of http.DefaultTransport's two idle connections per host. A
// program that gives http.DefaultClient a Transport of its own gets
// http.DefaultClient itself, as before. The copy shares the Transport
// and the Jar, so connections and cookies are reused across requests.
func (p *defaultClientPass) clientFuncDecl(name, transport string) dst.Decl {
	timeout := ""
	if p.cfg.Timeout > 0 {
		timeout = fmt.Sprintf("\tif c.Timeout == 0 {\n\t\tc.Timeout = %s\n\t}\n", durationSource(time.Duration(p.cfg.Timeout)))
	}
	src := fmt.Sprintf(`// %[1]s returns the client of this package's requests: http.DefaultClient
// as the program has set it up (its Timeout, Jar and CheckRedirect), with
// %[2]s, which keeps more idle connections per host, in place of
// http.DefaultTransport. A program that gives http.DefaultClient a
// Transport of its own (a mock, a proxy) gets http.DefaultClient itself.
func %[1]s() *http.Client {
	if http.DefaultClient.Transport != nil {
		return http.DefaultClient
	}
	c := *http.DefaultClient
	c.Transport = %[2]s
%[3]s	return &c
}
`, name, transport, timeout)
	d := edit.FileSnippet(src, map[string]string{"http": match.NetHTTP, "time": "time"})[0]
	d.Decorations().Before = dst.EmptyLine
	d.Decorations().After = dst.EmptyLine
	return d
}

// declFrom parses a package-level declaration written with the names
// http and time, and gives it a doc comment.
func declFrom(src string, doc []string) dst.Decl {
	return edit.DeclSnippet(src, map[string]string{"http": match.NetHTTP, "time": "time"}, doc)
}

// durationSource writes d as Go source: 90 * time.Second, time.Minute, 0.
func durationSource(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	units := []struct {
		d    time.Duration
		name string
	}{
		{time.Hour, "time.Hour"},
		{time.Minute, "time.Minute"},
		{time.Second, "time.Second"},
		{time.Millisecond, "time.Millisecond"},
		{time.Microsecond, "time.Microsecond"},
		{time.Nanosecond, "time.Nanosecond"},
	}
	for _, u := range units {
		if d%u.d == 0 {
			if n := d / u.d; n != 1 {
				return fmt.Sprintf("%d * %s", n, u.name)
			}
			return u.name
		}
	}
	return fmt.Sprint(int64(d))
}

// A declaredVar is a package-level variable (or, for a library's client,
// function) a previous run declared.
type declaredVar struct {
	obj  types.Object
	node ast.Node // the *ast.ValueSpec or *ast.FuncDecl
	test bool     // declared in a _test.go file
}

// declaredVars are the Transport and client of the package that have the
// shape this rule declares them with.
type declaredVars struct {
	client, transport *declaredVar
	specs             []ast.Node // every declaration of that shape
}

// contains reports whether pos lies in one of the declarations.
func (d declaredVars) contains(pos token.Pos) bool {
	for _, s := range d.specs {
		if s.Pos() <= pos && pos < s.End() {
			return true
		}
	}
	return false
}

// findDeclared finds the Transport and the client a previous run
// declared, by shape rather than by name: a variable initialised by a
// function literal that clones http.DefaultTransport, and a variable
// holding &http.Client{Transport: that variable, ...}. Declarations in
// non-test files are preferred.
func findDeclared(pass *analysis.Pass) declaredVars {
	info := pass.TypesInfo
	var d declaredVars
	type candidate struct {
		vs   *ast.ValueSpec
		obj  *types.Var
		test bool
	}
	var vars []candidate
	for _, file := range pass.Files {
		test := strings.HasSuffix(pass.Fset.File(file.Pos()).Name(), "_test.go")
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if len(vs.Names) != 1 || len(vs.Values) != 1 {
					continue
				}
				if obj, ok := info.Defs[vs.Names[0]].(*types.Var); ok {
					vars = append(vars, candidate{vs, obj, test})
				}
			}
		}
	}
	better := func(old *declaredVar, test bool) bool { return old == nil || old.test && !test }
	transports := map[types.Object]bool{}
	for _, c := range vars {
		if isDeclaredTransport(info, c.vs.Values[0]) || isPooledTransport(info, c.vs.Values[0]) {
			transports[c.obj] = true
			d.specs = append(d.specs, c.vs)
			if better(d.transport, c.test) {
				d.transport = &declaredVar{c.obj, c.vs, c.test}
			}
		}
	}
	for _, c := range vars {
		if t := declaredClientTransport(info, c.vs.Values[0]); t != nil && transports[t] {
			d.specs = append(d.specs, c.vs)
			if better(d.client, c.test) {
				d.client = &declaredVar{c.obj, c.vs, c.test}
			}
		}
	}
	for _, file := range pass.Files {
		test := strings.HasSuffix(pass.Fset.File(file.Pos()).Name(), "_test.go")
		for _, decl := range file.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if t := declaredClientFuncTransport(info, fd); t != nil && transports[t] {
				d.specs = append(d.specs, fd)
				if better(d.client, test) {
					d.client = &declaredVar{info.Defs[fd.Name], fd, test}
				}
			}
		}
	}
	return d
}

// declaredClientFuncTransport returns the Transport variable t if fd has
// the shape of the function the rule declares as a library's client (see
// clientFuncDecl), else nil:
//
//	func name() *http.Client {
//		if http.DefaultClient.Transport != nil {
//			return http.DefaultClient
//		}
//		c := *http.DefaultClient
//		c.Transport = t
//		if c.Timeout == 0 { c.Timeout = d } (optional)
//		return &c
//	}
func declaredClientFuncTransport(info *types.Info, fd *ast.FuncDecl) types.Object {
	if fd.Recv != nil || fd.Body == nil || fd.Type.TypeParams != nil || fd.Type.Params.NumFields() != 0 || fd.Type.Results.NumFields() != 1 {
		return nil
	}
	if !match.IsPtrTo(info.TypeOf(fd.Type.Results.List[0].Type), match.NetHTTP, "Client") {
		return nil
	}
	stmts := fd.Body.List
	if len(stmts) != 4 && len(stmts) != 5 {
		return nil
	}
	isDefaultClient := func(e ast.Expr) bool {
		return match.IsPkgObj(match.ObjOf(info, e), match.NetHTTP, "DefaultClient")
	}
	// if http.DefaultClient.Transport != nil { return http.DefaultClient }
	ifs, ok := stmts[0].(*ast.IfStmt)
	if !ok || ifs.Init != nil || ifs.Else != nil || len(ifs.Body.List) != 1 {
		return nil
	}
	cond, ok := ifs.Cond.(*ast.BinaryExpr)
	if !ok || cond.Op != token.NEQ {
		return nil
	}
	if sel, ok := cond.X.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Transport" || !isDefaultClient(sel.X) {
		return nil
	}
	if ret, ok := ifs.Body.List[0].(*ast.ReturnStmt); !ok || len(ret.Results) != 1 || !isDefaultClient(ret.Results[0]) {
		return nil
	}
	// c := *http.DefaultClient
	def, ok := stmts[1].(*ast.AssignStmt)
	if !ok || def.Tok != token.DEFINE || len(def.Lhs) != 1 || len(def.Rhs) != 1 {
		return nil
	}
	if star, ok := def.Rhs[0].(*ast.StarExpr); !ok || !isDefaultClient(star.X) {
		return nil
	}
	c := match.IdentObj(info, def.Lhs[0])
	if c == nil {
		return nil
	}
	// c.Transport = t
	set, ok := stmts[2].(*ast.AssignStmt)
	if !ok || set.Tok != token.ASSIGN || len(set.Lhs) != 1 || len(set.Rhs) != 1 {
		return nil
	}
	if sel, ok := set.Lhs[0].(*ast.SelectorExpr); !ok || sel.Sel.Name != "Transport" || match.IdentObj(info, sel.X) != c {
		return nil
	}
	t := match.IdentObj(info, set.Rhs[0])
	// return &c
	ret, ok := stmts[len(stmts)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return nil
	}
	if addr, ok := ret.Results[0].(*ast.UnaryExpr); !ok || addr.Op != token.AND || match.IdentObj(info, addr.X) != c {
		return nil
	}
	if len(stmts) == 5 {
		// if c.Timeout == 0 { c.Timeout = d }
		ifs, ok := stmts[3].(*ast.IfStmt)
		if !ok || ifs.Init != nil || ifs.Else != nil || len(ifs.Body.List) != 1 {
			return nil
		}
		if as, ok := ifs.Body.List[0].(*ast.AssignStmt); !ok || len(as.Lhs) != 1 {
			return nil
		} else if sel, ok := as.Lhs[0].(*ast.SelectorExpr); !ok || sel.Sel.Name != "Timeout" || match.IdentObj(info, sel.X) != c {
			return nil
		}
	}
	return t
}

// isPooledTransport reports whether e has the shape of the Transport the
// rule declares: &T{} (or new(T)) for a struct type T of the package
// holding a sync.Once and two *http.Transport (the Transport it was
// cloned from and the clone), with the methods RoundTrip and
// CloseIdleConnections.
func isPooledTransport(info *types.Info, e ast.Expr) bool {
	var t types.Type
	switch x := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		lit, ok := x.X.(*ast.CompositeLit)
		if !ok || x.Op != token.AND || len(lit.Elts) != 0 {
			return false
		}
		t = info.TypeOf(lit)
	case *ast.CallExpr:
		if id, ok := ast.Unparen(x.Fun).(*ast.Ident); !ok || id.Name != "new" || len(x.Args) != 1 {
			return false
		}
		t = info.TypeOf(x.Args[0])
	default:
		return false
	}
	named, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok || st.NumFields() != 3 {
		return false
	}
	once, transports := 0, 0
	for i := 0; i < st.NumFields(); i++ {
		switch ft := st.Field(i).Type(); {
		case match.IsNamed(ft, "sync", "Once"):
			once++
		case match.IsPtrTo(ft, match.NetHTTP, "Transport"):
			transports++
		}
	}
	if once != 1 || transports != 2 {
		return false
	}
	mset := types.NewMethodSet(types.NewPointer(named))
	return mset.Lookup(named.Obj().Pkg(), "RoundTrip") != nil && mset.Lookup(named.Obj().Pkg(), "CloseIdleConnections") != nil
}

// poolFields are the fields of the declared Transport that the rule sets
// (and that a person may have tuned since).
var poolFields = map[string]bool{"MaxIdleConns": true, "MaxIdleConnsPerHost": true, "IdleConnTimeout": true, "MaxConnsPerHost": true}

// isDeclaredTransport reports whether e has the shape of the Transport
// the rule declares, statement by statement:
//
//	func() *http.Transport {
//		t, ok := http.DefaultTransport.(*http.Transport)
//		if !ok {
//			t = ...
//		}
//		t = t.Clone()
//		t.MaxIdleConns = ... (and the other pool sizes, any of them)
//		return t
//	}()
//
// Anything else (another setting, TLS say) makes it a Transport of the
// person's own, which the rule must not hand to other clients.
func isDeclaredTransport(info *types.Info, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) != 0 {
		return false
	}
	lit, ok := ast.Unparen(call.Fun).(*ast.FuncLit)
	if !ok || !match.IsPtrTo(info.TypeOf(call), match.NetHTTP, "Transport") || len(lit.Body.List) < 4 {
		return false
	}
	stmts := lit.Body.List
	// t, ok := http.DefaultTransport.(*http.Transport)
	def, ok := stmts[0].(*ast.AssignStmt)
	if !ok || def.Tok != token.DEFINE || len(def.Lhs) != 2 || len(def.Rhs) != 1 {
		return false
	}
	assert, ok := def.Rhs[0].(*ast.TypeAssertExpr)
	if !ok || !match.IsPkgObj(match.ObjOf(info, assert.X), match.NetHTTP, "DefaultTransport") || assert.Type == nil || !match.IsPtrTo(info.TypeOf(assert.Type), match.NetHTTP, "Transport") {
		return false
	}
	t, okVar := match.IdentObj(info, def.Lhs[0]), match.IdentObj(info, def.Lhs[1])
	if t == nil || okVar == nil {
		return false
	}
	isT := func(e ast.Expr) bool { return match.IdentObj(info, e) == t }
	// if !ok { t = ... }
	ifs, ok := stmts[1].(*ast.IfStmt)
	if !ok || ifs.Init != nil || ifs.Else != nil || len(ifs.Body.List) != 1 {
		return false
	}
	if not, ok := ifs.Cond.(*ast.UnaryExpr); !ok || not.Op != token.NOT || match.IdentObj(info, not.X) != okVar {
		return false
	}
	if as, ok := ifs.Body.List[0].(*ast.AssignStmt); !ok || as.Tok != token.ASSIGN || len(as.Lhs) != 1 || !isT(as.Lhs[0]) {
		return false
	}
	// t = t.Clone()
	clone, ok := stmts[2].(*ast.AssignStmt)
	if !ok || clone.Tok != token.ASSIGN || len(clone.Lhs) != 1 || len(clone.Rhs) != 1 || !isT(clone.Lhs[0]) {
		return false
	}
	cc, ok := clone.Rhs[0].(*ast.CallExpr)
	if !ok || !match.IsMethod(match.CalleeFunc(info, cc), match.NetHTTP, "Transport", "Clone") {
		return false
	}
	if sel, ok := ast.Unparen(cc.Fun).(*ast.SelectorExpr); !ok || !isT(sel.X) {
		return false
	}
	// t.MaxIdleConns = ... and the like
	last := len(stmts) - 1
	for _, st := range stmts[3:last] {
		as, ok := st.(*ast.AssignStmt)
		if !ok || as.Tok != token.ASSIGN || len(as.Lhs) != 1 {
			return false
		}
		sel, ok := as.Lhs[0].(*ast.SelectorExpr)
		if !ok || !isT(sel.X) || !poolFields[sel.Sel.Name] {
			return false
		}
	}
	// return t
	ret, ok := stmts[last].(*ast.ReturnStmt)
	return ok && len(ret.Results) == 1 && isT(ret.Results[0])
}

// declaredClientTransport returns the variable t if e is
// &http.Client{Transport: t} or &http.Client{Transport: t, Timeout: d}
// (the client the rule declares), else nil. A client with other settings
// (a cookie jar, a redirect policy) is the person's own, and would change
// the behaviour of calls moved to it from http.DefaultClient.
func declaredClientTransport(info *types.Info, e ast.Expr) types.Object {
	u, ok := ast.Unparen(e).(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return nil
	}
	lit, ok := u.X.(*ast.CompositeLit)
	if !ok || !match.IsNamed(info.TypeOf(lit), match.NetHTTP, "Client") {
		return nil
	}
	var transport types.Object
	for _, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			return nil
		}
		key, ok := kv.Key.(*ast.Ident)
		if !ok {
			return nil
		}
		switch key.Name {
		case "Transport":
			transport = match.IdentObj(info, kv.Value)
		case "Timeout":
		default:
			return nil
		}
	}
	return transport
}

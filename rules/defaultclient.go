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
// Two things the defaults have that a declared client has not are looked
// for, and a package that has either is reported instead of rewritten:
// being replaced or mocked (httpmock, gock, an assignment in the package or
// its tests), which the declared client would bypass; and settings made on
// them at run time (http.DefaultClient.Timeout = d, or a field of
// http.DefaultTransport), which it would not have. See
// defaultclient_defaults.go.

package rules

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
	"time"

	"github.com/dave/dst"
	"github.com/dave/dst/dstutil"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rewrite"
)

func newDefaultClient(c Config) *rewrite.Rule {
	r := &rewrite.Rule{
		Name: "defaultclient",
		Doc: `use a configured client instead of the defaults

The defaultclient rule replaces calls of http.Get, http.Head, http.Post and
http.PostForm, and every read of http.DefaultClient, with a client declared
once per package. Its Transport starts from a clone of http.DefaultTransport
(proxy, HTTP/2, dialer and TLS settings kept) and keeps up to 100 idle
connections per host by default, where http.DefaultTransport keeps 2: under
concurrency every other connection is closed after use and a new one
dialed, which fills the machine with TIME_WAIT sockets and exhausts its
ephemeral ports.
An http.Client with no Transport, or with http.DefaultTransport, gets the
declared Transport. A bound on connections per host and a client timeout
are added only when configured (max_conns_per_host, timeout).

Assignments to http.DefaultClient or its fields are reported, not
rewritten. So is every site of a package whose code or tests mock or
change the defaults (httpmock.Activate, gock, assigning
http.DefaultTransport or http.DefaultClient, changing the settings of
http.DefaultTransport): moving its calls off the defaults would bypass the
mocks or lose the settings.`,
		Imports: []string{netHTTP},
		Adds:    []string{netHTTP, "time"},
	}
	r.Run = func(pass *rewrite.Pass) {
		(&defaultClientPass{Pass: pass, cfg: c}).run()
	}
	return r
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
	file *rewrite.File
	pos  token.Pos
	// expr is the http.Get or http.DefaultClient expression (a selector,
	// or an identifier under a dot import), the composite literal, or the
	// call of new.
	expr ast.Expr
	// transport is the element of a client literal that sets the
	// Transport to nil or http.DefaultTransport (a key-value pair, or the
	// first element of an unkeyed literal), or nil if there is none.
	transport ast.Expr
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

// requestFuncs are the net/http functions that send a request with
// http.DefaultClient.
var requestFuncs = map[string]bool{"Get": true, "Head": true, "Post": true, "PostForm": true}

type defaultClientPass struct {
	*rewrite.Pass
	cfg Config

	sites []defaultSite
	// defaults lists what the package and its tests do to the defaults
	// (mocks, assignments, settings), sorted by position.
	defaults []defaultsChange
	// declared are the client and Transport variables a previous run
	// declared, found by their shape.
	declared declaredVars
	// inspects memoizes inspectsTransports.
	inspects *bool
	// dirNames are the package-level names of the package's untyped
	// files, computed on first use.
	dirNames map[string]bool
	// inspectors of the package's files, made on first use.
	inspectors map[*ast.File]*inspector.Inspector
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
	for _, file := range p.Syntax {
		p.scanFile(file)
	}
	sites := p.sites[:0]
	for _, s := range p.sites {
		if !p.Ignored(s.pos) && (s.kind.usesClient() || p.clientPrivate(s)) {
			sites = append(sites, s)
		}
	}
	p.sites = sites
	if len(p.sites) == 0 {
		return
	}

	// What the package, its tests and the other files of its directory
	// do to the defaults decides whether its sites may move off them.
	p.defaults = append(p.defaults, scanDirDefaults(p.Pass)...)
	sortDefaultsChanges(p.defaults)
	var blockAll, blockClient *defaultsChange
	for i := range p.defaults {
		d := &p.defaults[i]
		if blockAll == nil && d.kind.blocksTransport() {
			blockAll = d
		}
		if blockClient == nil {
			blockClient = d
		}
	}
	var todo []defaultSite
	for _, s := range p.sites {
		switch {
		case blockAll != nil:
			p.reportLeft(s, *blockAll)
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

// reportLeft reports a site left on the defaults because of d.
func (p *defaultClientPass) reportLeft(s defaultSite, d defaultsChange) {
	p.Reportf(s.pos, "%s not rewritten: %s (%s), %s; %s",
		s.describe(), d.why(), d.where(), d.consequence(), d.advice())
}

// scanFile collects the sites of one file of the package, what the file
// does to the defaults, and the variables whose Transport it sets.
func (p *defaultClientPass) scanFile(file *ast.File) {
	info := p.TypesInfo
	f := p.File(file.Pos())
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
			isDefaultClient := func(e ast.Expr) bool { return isPkgObj(objOf(info, e), netHTTP, "DefaultClient") }
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
			if f == nil || !isNamed(t, netHTTP, "Client") && !(n.Type == nil && isPtrTo(t, netHTTP, "Client")) {
				continue
			}
			if tr, ok := defaultTransportElt(info, n); ok {
				p.sites = append(p.sites, defaultSite{kind: clientLitSite, file: f, pos: n.Pos(), expr: n, transport: tr})
			}

		case *ast.Ident:
			obj := info.Uses[n]
			if obj == nil || obj.Pkg() == nil || obj.Pkg().Path() != netHTTP {
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
			case isFunc(asFunc(obj), netHTTP, obj.Name()) && requestFuncs[obj.Name()]:
				if f != nil {
					p.sites = append(p.sites, defaultSite{kind: requestFuncSite, file: f, pos: expr.Pos(), expr: expr})
				}
			case isPkgObj(obj, netHTTP, "DefaultClient"):
				a := accessOf(ecur, isField)
				if d, ok := defaultClientChange(a, p.Fset, test); ok {
					p.defaults = append(p.defaults, d)
					if f != nil {
						p.Reportf(a.top.Node().Pos(), "%s not rewritten: it changes the client that every package of the program shares; %s",
							d.summary(), "set up a client of your own and use it instead")
					}
				} else if be, ok := ecur.Parent().Node().(*ast.BinaryExpr); ok && (be.Op == token.EQL || be.Op == token.NEQ) {
					// c == http.DefaultClient asks whether c is the
					// shared default; comparing with the declared client
					// instead would answer another question.
					if f != nil {
						p.Reportf(be.Pos(), "comparison with http.DefaultClient not rewritten: it tells whether a client is the shared default; check the result still means what you want once this package uses its own client")
					}
				} else if f != nil {
					p.sites = append(p.sites, defaultSite{kind: defaultClientSite, file: f, pos: expr.Pos(), expr: expr})
				}
			case isPkgObj(obj, netHTTP, "DefaultTransport"):
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

func asFunc(obj types.Object) *types.Func {
	fn, _ := obj.(*types.Func)
	return fn
}

// typedPkgPath returns the import path of the package a selector's
// qualifier or a dot-imported identifier belongs to, from types.
func typedPkgPath(info *types.Info, e ast.Expr) string {
	if obj := objOf(info, e); obj != nil && obj.Pkg() != nil {
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
	return ok && tv.IsType() && isNamed(tv.Type, netHTTP, "Client")
}

// defaultTransportElt reports whether an http.Client literal uses the
// default Transport: it sets none (ok, nil) or sets it to nil or
// http.DefaultTransport (ok, the element that does).
func defaultTransportElt(info *types.Info, lit *ast.CompositeLit) (ast.Expr, bool) {
	isDefault := func(e ast.Expr) bool {
		if tv, ok := info.Types[e]; ok && tv.IsNil() {
			return true
		}
		return isPkgObj(objOf(info, e), netHTTP, "DefaultTransport")
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
		for {
			if c.ParentEdgeKind() == edge.ParenExpr_X {
				c = c.Parent()
				continue
			}
			if u, ok := c.Parent().Node().(*ast.UnaryExpr); ok && u.Op == token.AND {
				c = c.Parent()
				continue
			}
			if u, ok := c.Parent().Node().(*ast.StarExpr); ok && u.X == c.Node() {
				c = c.Parent()
				continue
			}
			break
		}
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
			v := localVar(info, lhs)
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
	for _, f := range p.Syntax {
		for c := range p.inspectorOf(f).Root().Preorder((*ast.SelectorExpr)(nil)) {
			sel := c.Node().(*ast.SelectorExpr)
			if sel.Sel.Name == "Transport" && isClient(p.TypesInfo.TypeOf(sel.X)) {
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
	switch sel.Sel.Name {
	case "Do", "Get", "Head", "Post", "PostForm", "CloseIdleConnections":
		return cur.Parent().ParentEdgeKind() == edge.CallExpr_Fun, "a method value"
	case "Transport":
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
	for _, f := range p.Syntax {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}

// rewrite moves the sites onto the declared client and Transport,
// declaring them if need be.
func (p *defaultClientPass) rewrite(sites []defaultSite) {
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
	taken := map[string]bool{}
	var clientName, transportName string
	declareClient, declareTransport := false, false
	if len(clientUses) > 0 {
		if c := p.declared.client; c != nil && (!c.test || onlyTests) {
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
		transportName = p.freshName("httpTransport", transportUses, taken)
		taken[transportName] = true
	}
	if declareClient {
		clientName = p.freshName("httpClient", clientUses, taken)
	}

	replace := map[*rewrite.File]map[dst.Node]dst.Node{}
	fixed := map[*rewrite.File]bool{}
	usedClient, usedTransport := false, false
	for _, s := range sites {
		name, what := transportName, "transport"
		if s.kind.usesClient() {
			name, what = clientName, "client"
		}
		if obj := p.lookupAt(name, s.pos); obj != nil && !isPackageLevel(obj) {
			// Only a name declared by a previous run can be
			// shadowed here: a fresh name is chosen not to be.
			p.Reportf(s.pos, "%s not rewritten: %s, the package's configured %s, is shadowed here by a local %s; rename the local and run httpfix again",
				s.describe(), name, what, name)
			continue
		}
		if p.rewriteSite(s, name, replace) {
			p.Fixed(s.pos)
			fixed[s.file] = true
			usedClient = usedClient || s.kind.usesClient()
			usedTransport = usedTransport || !s.kind.usesClient()
		}
	}
	for f, m := range replace {
		dstutil.Apply(f.Dst(), func(c *dstutil.Cursor) bool {
			if n, ok := m[c.Node()]; ok {
				c.Replace(n)
				return false
			}
			return true
		}, nil)
	}

	// The declarations go into the first file (by path) that changed, a
	// test file only if no other did: a file whose sites were all left
	// alone is not written.
	var home *rewrite.File
	for _, f := range p.Files {
		if fixed[f] && (home == nil || home.Test && !f.Test) {
			home = f
		}
	}
	if home == nil {
		return
	}
	declareClient = declareClient && usedClient
	declareTransport = declareTransport && (usedTransport || declareClient)
	var decls []dst.Decl
	if declareTransport {
		decls = append(decls, p.transportDecl(home, transportName))
	}
	if declareClient {
		decls = append(decls, p.clientDecl(clientName, transportName))
	}
	if len(decls) == 0 {
		return
	}
	// A client declared for a Transport of a previous run goes right
	// after it, if it is in the same file.
	if t := p.declared.transport; !declareTransport && t != nil {
		for i, d := range home.Ast.Decls {
			if d.Pos() <= t.spec.Pos() && t.spec.End() <= d.End() {
				if dd, ok := home.DstNode(d).(dst.Decl); ok && i < len(home.Dst().Decls) && home.Dst().Decls[i] == dd {
					insertDecls(home.Dst(), i+1, decls...)
					return
				}
			}
		}
	}
	insertDecls(home.Dst(), afterImports(home.Dst()), decls...)
}

// rewriteSite edits the decorated syntax of one site; replacements of
// whole nodes are collected in replace, to be made in one walk per file.
func (p *defaultClientPass) rewriteSite(s defaultSite, name string, replace map[*rewrite.File]map[dst.Node]dst.Node) bool {
	replaceNode := func(old, new dst.Node) {
		if replace[s.file] == nil {
			replace[s.file] = map[dst.Node]dst.Node{}
		}
		replace[s.file][old] = new
	}
	switch s.kind {
	case requestFuncSite:
		id, ok := s.file.DstNode(s.expr).(*dst.Ident)
		if !ok {
			return false
		}
		sel := &dst.SelectorExpr{X: dst.NewIdent(name), Sel: dst.NewIdent(id.Name)}
		sel.Decs.NodeDecs = id.Decs.NodeDecs
		replaceNode(id, sel)

	case defaultClientSite:
		id, ok := s.file.DstNode(s.expr).(*dst.Ident)
		if !ok {
			return false
		}
		id.Name, id.Path = name, ""

	case newClientSite:
		call, ok := s.file.DstNode(s.expr).(*dst.CallExpr)
		if !ok || len(call.Args) != 1 {
			return false
		}
		lit := &dst.CompositeLit{
			Type: dst.Clone(call.Args[0]).(dst.Expr),
			Elts: []dst.Expr{transportField(name)},
		}
		addr := &dst.UnaryExpr{Op: token.AND, X: lit}
		addr.Decs.NodeDecs = call.Decs.NodeDecs
		replaceNode(call, addr)

	case clientLitSite:
		lit, ok := s.file.DstNode(s.expr).(*dst.CompositeLit)
		if !ok {
			return false
		}
		if s.transport == nil {
			kv := transportField(name)
			if len(lit.Elts) > 0 && lit.Elts[0].Decorations().Before != dst.None {
				kv.Decs.Before = lit.Elts[0].Decorations().Before
				kv.Decs.After = dst.NewLine
			}
			lit.Elts = append([]dst.Expr{kv}, lit.Elts...)
			break
		}
		old := s.file.DstNode(s.transport)
		if kv, ok := old.(*dst.KeyValueExpr); ok {
			old = kv.Value
		}
		oldExpr, ok := old.(dst.Expr)
		if !ok {
			return false
		}
		id := dst.NewIdent(name)
		id.Decs.NodeDecs = *oldExpr.Decorations()
		replaceNode(oldExpr, id)
	}
	return true
}

// transportField returns the key-value pair Transport: name.
func transportField(name string) *dst.KeyValueExpr {
	return &dst.KeyValueExpr{Key: dst.NewIdent("Transport"), Value: dst.NewIdent(name)}
}

// lookupAt returns the object name refers to at pos, or nil.
func (p *defaultClientPass) lookupAt(name string, pos token.Pos) types.Object {
	scope := p.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return p.Pkg.Scope().Lookup(name)
	}
	_, obj := scope.LookupParent(name, pos)
	return obj
}

// freshName returns base, or base followed by a number, whichever first
// names nothing in the package (its files and the other files of its
// directory, tests included) and is not taken, and would not be shadowed
// at any of uses.
func (p *defaultClientPass) freshName(base string, uses []token.Pos, taken map[string]bool) string {
	if p.dirNames == nil {
		p.dirNames = dirPackageNames(p.Pass)
	}
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s%d", base, i)
		}
		if taken[name] || p.dirNames[name] || p.Pkg.Scope().Lookup(name) != nil {
			continue
		}
		free := true
		for _, file := range p.Syntax {
			if s := p.TypesInfo.Scopes[file]; s != nil && s.Lookup(name) != nil {
				free = false
			}
		}
		for _, pos := range uses {
			if p.lookupAt(name, pos) != nil {
				free = false
			}
		}
		if free {
			return name
		}
	}
}

// transportDecl returns the declaration of the package's Transport, to be
// placed in file.
func (p *defaultClientPass) transportDecl(file *rewrite.File, name string) dst.Decl {
	// The function's locals must not hide the file's imports.
	scope := p.TypesInfo.Scopes[file.Ast]
	pick := func(names ...string) string {
		for _, n := range names {
			if scope == nil || scope.Lookup(n) == nil {
				return n
			}
		}
		return names[len(names)-1]
	}
	t := pick("t", "tr", "transport", "defaultTransport")
	ok := pick("ok", "isTransport", "isHTTPTransport")

	var b strings.Builder
	fmt.Fprintf(&b, "var %s = func() *http.Transport {\n", name)
	fmt.Fprintf(&b, "%s, %s := http.DefaultTransport.(*http.Transport)\n", t, ok)
	fmt.Fprintf(&b, "if !%s {\n%s = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}\n}\n", ok, t)
	fmt.Fprintf(&b, "%s = %s.Clone()\n", t, t)
	fmt.Fprintf(&b, "%s.MaxIdleConns = %d\n", t, p.cfg.MaxIdleConns)
	fmt.Fprintf(&b, "%s.MaxIdleConnsPerHost = %d\n", t, p.cfg.MaxIdleConnsPerHost)
	fmt.Fprintf(&b, "%s.IdleConnTimeout = %s\n", t, durationSource(time.Duration(p.cfg.IdleConnTimeout)))
	if p.cfg.MaxConnsPerHost > 0 {
		fmt.Fprintf(&b, "%s.MaxConnsPerHost = %d\n", t, p.cfg.MaxConnsPerHost)
	}
	fmt.Fprintf(&b, "return %s\n}()", t)
	return declFrom(b.String(), []string{
		fmt.Sprintf("// %s is the connection pool of this package's HTTP clients:", name),
		"// http.DefaultTransport's settings, but keeping enough idle connections",
		"// per host for concurrent requests to reuse them instead of dialing anew.",
	})
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

// declFrom parses a package-level declaration written with the names
// http and time, and gives it a doc comment.
func declFrom(src string, doc []string) dst.Decl {
	stmts := snippet(src, map[string]string{"http": netHTTP, "time": "time"})
	d := stmts[0].(*dst.DeclStmt).Decl.(*dst.GenDecl)
	d.Decs.Before = dst.EmptyLine
	d.Decs.Start = doc
	d.Decs.After = dst.EmptyLine
	return d
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

// afterImports returns the index in f.Decls right after its import
// declarations.
func afterImports(f *dst.File) int {
	i := 0
	for j, d := range f.Decls {
		if gd, ok := d.(*dst.GenDecl); ok && gd.Tok == token.IMPORT {
			i = j + 1
		}
	}
	return i
}

// insertDecls inserts package-level declarations into f.Decls at index
// i, each separated from its neighbours by a blank line.
func insertDecls(f *dst.File, i int, decls ...dst.Decl) {
	if i < len(f.Decls) {
		f.Decls[i].Decorations().Before = dst.EmptyLine
	}
	f.Decls = append(f.Decls[:i], append(decls, f.Decls[i:]...)...)
}

// A declaredVar is a package-level variable a previous run declared.
type declaredVar struct {
	obj  *types.Var
	spec *ast.ValueSpec
	test bool // declared in a _test.go file
}

// declaredVars are the Transport and client variables of the package
// that have the shape this rule declares them with.
type declaredVars struct {
	client, transport *declaredVar
	specs             []*ast.ValueSpec // every declaration of that shape
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
func findDeclared(pass *rewrite.Pass) declaredVars {
	info := pass.TypesInfo
	var d declaredVars
	type candidate struct {
		vs   *ast.ValueSpec
		obj  *types.Var
		test bool
	}
	var vars []candidate
	for _, file := range pass.Syntax {
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
		if isDeclaredTransport(info, c.vs.Values[0]) {
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
	return d
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
	if !ok || !isPtrTo(info.TypeOf(call), netHTTP, "Transport") || len(lit.Body.List) < 4 {
		return false
	}
	stmts := lit.Body.List
	// t, ok := http.DefaultTransport.(*http.Transport)
	def, ok := stmts[0].(*ast.AssignStmt)
	if !ok || def.Tok != token.DEFINE || len(def.Lhs) != 2 || len(def.Rhs) != 1 {
		return false
	}
	assert, ok := def.Rhs[0].(*ast.TypeAssertExpr)
	if !ok || !isPkgObj(objOf(info, assert.X), netHTTP, "DefaultTransport") || assert.Type == nil || !isPtrTo(info.TypeOf(assert.Type), netHTTP, "Transport") {
		return false
	}
	t, okVar := identObj(info, def.Lhs[0]), identObj(info, def.Lhs[1])
	if t == nil || okVar == nil {
		return false
	}
	isT := func(e ast.Expr) bool { return identObj(info, e) == t }
	// if !ok { t = ... }
	ifs, ok := stmts[1].(*ast.IfStmt)
	if !ok || ifs.Init != nil || ifs.Else != nil || len(ifs.Body.List) != 1 {
		return false
	}
	if not, ok := ifs.Cond.(*ast.UnaryExpr); !ok || not.Op != token.NOT || identObj(info, not.X) != okVar {
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
	if !ok || !isMethod(calleeFunc(info, cc), netHTTP, "Transport", "Clone") {
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

// identObj returns the object an identifier declares or uses, or nil.
func identObj(info *types.Info, e ast.Expr) types.Object {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	return info.ObjectOf(id)
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
	if !ok || !isNamed(info.TypeOf(lit), netHTTP, "Client") {
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
			transport = identObj(info, kv.Value)
		case "Timeout":
		default:
			return nil
		}
	}
	return transport
}

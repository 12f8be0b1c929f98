// poolsize: enough idle connections per host.
//
// Why the rewrite is safe. MaxIdleConnsPerHost only bounds how many
// connections to one host a Transport keeps open, idle, for the next
// request; it never makes a request wait or fail. Raising it from 0
// (which means http.DefaultMaxIdleConnsPerHost, 2) keeps connections that
// were being closed after use: the program sends the same requests and
// gets the same responses over fewer new connections. The value is never
// above a MaxIdleConns the Transport sets (the bound on all idle
// connections, which still applies), and a Transport whose pool is off
// (DisableKeepAlives) or whose per-host value the code chooses (set in
// the literal or assigned anywhere the rule can see, even from a
// variable) is not touched.
//
// Which Transports. A Transport made for one call and dropped when it
// returns has a pool nobody shares: sizing it changes nothing (and
// sequential requests need one idle connection). hoisttransport moves such
// a Transport to package level, and poolsize leaves it to hoisttransport:
// the two rewrites would edit the same lines. To know exactly which
// Transports hoisttransport moves or reports, poolsize runs hoisttransport's
// own analysis of the package (without its reports) and skips them; a
// Transport that does not escape its function (flow.Tracker) is skipped
// too. A Transport hoisttransport has moved to package level (its
// variable's comment says so) is left as it was moved: sizing it on the
// next run would make a second run of httpfix change its own output.
// What is left are the pools that serve more than one call, or
// concurrent requests: a Transport declared at package level, stored in
// what a constructor returns (or in a package variable, by main or init),
// handed to other code, or used from goroutines. One used only by the
// function that builds it, main included, sends its requests one at a
// time: it needs one idle connection, and is left alone. So is one a
// command builds once (in main, or in a function only main calls,
// outside loops) in a program that starts no goroutine (seq: the
// command's code and every package it imports, the library it hands the
// Transport to included): whoever makes its requests, each waits for the
// one before; and so is one that an asynchronous sender's single worker
// goroutine drives (worker.go). (A program that holds several bodies of
// one host open at once uses several connections without goroutines; it
// is left alone too, as one that reads its responses one by one would
// be.) A clone of http.DefaultTransport counts as the package's own
// Transport when the code sets some of its fields (a clone left as it is
// has the defaults' settings on purpose); the rule sets the field after
// the ones the code sets, before the clone is used.

package poolsize

import (
	_ "embed"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"github.com/dave/dst"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/config"
	"github.com/httpfix/httpfix/rules/hoisttransport"
	"github.com/httpfix/httpfix/rules/internal/edit"
	"github.com/httpfix/httpfix/rules/internal/flow"
	"github.com/httpfix/httpfix/rules/internal/match"
	"github.com/httpfix/httpfix/rules/internal/match/seq"
)

//go:embed doc.go
var doc string

// Analyzer is poolsize with the default settings (and its flags).
var Analyzer = New(config.Default())

// New returns poolsize configured by cfg (a copy of which its flags set).
func New(cfg config.Config) *analysis.Analyzer {
	return edit.NewAnalyzer("poolsize", "https://github.com/httpfix/httpfix#poolsize-enough-idle-connections-per-host", doc, cfg, []*analysis.Analyzer{seq.Analyzer},
		func(pass *analysis.Pass, c *config.Config) (any, error) {
			s := edit.NewSession(pass, c)
			p := &sizer{pass: pass, info: pass.TypesInfo, s: s, cfg: c, seq: pass.ResultOf[seq.Analyzer].(*seq.Result)}
			p.run()
			s.Flush()
			return nil, nil
		})
}

// defaultPerHost is what a MaxIdleConnsPerHost of 0 means.
const defaultPerHost = 2

// lowPerHost is the per-host value below which a Transport used from
// goroutines is reported.
const lowPerHost = 4

// The Transport fields whose writes the rule looks for.
const (
	fPerHost   = "MaxIdleConnsPerHost"
	fIdle      = "MaxIdleConns"
	fKeepAlive = "DisableKeepAlives"
)

// The kinds of values a site's flow follows.
const (
	kTransport flow.Kind = iota // the Transport (a pointer, or a value variable)
	kHolder                     // a value that holds it: a Client, a struct, an interface
)

// sizer applies the rule to one package.
type sizer struct {
	pass  *analysis.Pass
	info  *types.Info
	s     *edit.Session
	cfg   *config.Config
	sites []*site

	// writes are the assignments to fields of Transports the package
	// makes, by the variable or struct field that holds the Transport.
	writes map[types.Object][]fieldWrite
	// unknown lists the fields written on a Transport the rule cannot
	// tell (a parameter, an element, a call's result).
	unknown map[string]bool
	// claimed are the local variables some site's flow follows: writes
	// through them are that site's.
	claimed map[types.Object]bool

	perCall  map[token.Pos]bool // what hoisttransport moves or reports
	perCallK bool
	goAreas  []ast.Node // code that runs in goroutines
	goAreasK bool

	seq   *seq.Result // whether the program may start goroutines
	once  map[*ast.FuncDecl]bool
	onceK bool

	ins    *inspector.Inspector                 // of the package's files (inspector)
	decls  map[*types.Func]*ast.FuncDecl        // the package's functions (funcDecls)
	serial map[*types.Func]map[*types.Func]bool // the methods only workers run, with their workers (serialMethods)
}

// A fieldWrite is an assignment to a field of a Transport.
type fieldWrite struct {
	field string
	value ast.Expr // nil for ++, --, op=
	pos   token.Pos
}

// A site is a Transport literal, or a clone of http.DefaultTransport, that
// the package builds.
type site struct {
	p     *sizer
	file  *edit.File
	cur   inspector.Cursor  // the literal, or the Clone call
	expr  ast.Expr          // what holds the Transport: &lit, lit, or the call
	lit   *ast.CompositeLit // nil for a clone
	owner inspector.Cursor  // the innermost function around it, if any
	flow  *flow.Tracker

	handles   map[types.Object]bool // variables and fields that hold it
	writes    []fieldWrite          // seen by the flow
	fieldsSet bool                  // the flow saw a field assigned
	escaped   bool
	goroutine bool // the flow saw it used in a go statement
}

func (p *sizer) run() {
	for _, f := range p.s.Files().All() {
		if !p.s.Editable(f) {
			continue
		}
		ins := inspector.New([]*ast.File{f.Ast})
		for cur := range ins.Root().Preorder((*ast.CompositeLit)(nil), (*ast.CallExpr)(nil)) {
			p.candidate(f, cur)
		}
	}
	if len(p.sites) == 0 {
		return
	}
	p.scanWrites()
	for _, st := range p.sites {
		p.decide(st)
	}
}

// candidate records the node at cur if it builds a Transport.
func (p *sizer) candidate(f *edit.File, cur inspector.Cursor) {
	st := &site{p: p, file: f, cur: cur, handles: map[types.Object]bool{}}
	switch n := cur.Node().(type) {
	case *ast.CompositeLit:
		if !match.IsTransport(match.LitType(p.info, n)) {
			return
		}
		st.lit, st.expr = n, n
		if u, ok := cur.Parent().Node().(*ast.UnaryExpr); ok && u.Op == token.AND {
			st.expr = u
		}
	case *ast.CallExpr:
		if !isDefaultClone(p.info, n) {
			return
		}
		st.expr = n
	default:
		return
	}
	if p.s.Skip(st.expr.Pos()) {
		return
	}
	for enc := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		st.owner = enc
		break
	}
	if st.owner.Valid() {
		st.flow = flow.NewTracker(p.info, st.owner, st.hook)
		start := cur
		if st.expr != st.lit && st.lit != nil {
			start = cur.Parent()
		}
		st.flow.Follow(start, kTransport)
		st.flow.Run()
		st.escaped = st.flow.Escaped != nil
	} else {
		if p.hoistedDecl(f, cur.Node().Pos()) {
			return
		}
		st.packageHandles()
		st.escaped = true // a package-level Transport serves the whole program
	}
	p.sites = append(p.sites, st)
}

// hoistedDecl reports whether pos lies in a package-level variable that
// hoisttransport declared (its doc comment starts "name is shared by
// every call of"): a Transport that was made per call, moved as it was.
// Sizing it on the run after the move would make httpfix's output change
// on a second run; hoisttransport is where the size of such a Transport
// is to be chosen.
func (p *sizer) hoistedDecl(f *edit.File, pos token.Pos) bool {
	for _, d := range f.Ast.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR || pos < gd.Pos() || pos >= gd.End() {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if pos < vs.Pos() || pos >= vs.End() || len(vs.Names) != 1 {
				continue
			}
			doc := vs.Doc
			if doc == nil && len(gd.Specs) == 1 {
				doc = gd.Doc
			}
			return doc != nil && strings.HasPrefix(doc.Text(), vs.Names[0].Name+" is shared by every call of ")
		}
	}
	return false
}

// isDefaultClone reports whether call is
// http.DefaultTransport.(*http.Transport).Clone().
func isDefaultClone(info *types.Info, call *ast.CallExpr) bool {
	if len(call.Args) != 0 || !match.IsMethod(match.CalleeFunc(info, call), match.NetHTTP, "Transport", "Clone") {
		return false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	ta, ok := ast.Unparen(sel.X).(*ast.TypeAssertExpr)
	return ok && ta.Type != nil &&
		match.IsPkgObj(match.ObjOf(info, ta.X), match.NetHTTP, "DefaultTransport") &&
		match.IsPtrTo(info.TypeOf(ta.Type), match.NetHTTP, "Transport")
}

// packageHandles records what holds a Transport built in a package-level
// declaration: the variable it initializes, directly or inside a Client
// or a struct of the package's own, and the fields of such structs.
func (st *site) packageHandles() {
	c := st.cur
	for {
		ek, idx := c.ParentEdge()
		switch ek {
		case edge.ParenExpr_X, edge.UnaryExpr_X, edge.CompositeLit_Elts:
			c = c.Parent()
			continue
		case edge.KeyValueExpr_Value:
			st.fieldHandle(c.Parent().Node().(*ast.KeyValueExpr))
			c = c.Parent()
			continue
		case edge.ValueSpec_Values:
			vs := c.Parent().Node().(*ast.ValueSpec)
			if len(vs.Names) == len(vs.Values) {
				if obj := st.p.info.Defs[vs.Names[idx]]; obj != nil {
					st.handles[obj] = true
				}
			}
		}
		return
	}
}

// fieldHandle records the field of a struct of the package that a keyed
// element sets.
func (st *site) fieldHandle(kv *ast.KeyValueExpr) {
	id, ok := kv.Key.(*ast.Ident)
	if !ok {
		return
	}
	if v, ok := st.p.info.Uses[id].(*types.Var); ok && v.IsField() && v.Pkg() == st.p.pass.Pkg {
		st.handles[v] = true
	}
}

// ---- Following the Transport through its function ----

// hook interprets a use of the Transport, or of what holds it, for the
// flow.
func (st *site) hook(cur inspector.Cursor, k flow.Kind) bool {
	if inGoStmt(cur, st.owner) {
		st.goroutine = true
	}
	parent := cur.Parent()
	ek, idx := cur.ParentEdge()
	switch ek {
	case edge.UnaryExpr_X:
		if parent.Node().(*ast.UnaryExpr).Op == token.AND {
			st.flow.Follow(parent, k)
		}
	case edge.StarExpr_X:
		if flow.AssignTarget(parent) {
			st.flow.Escape(parent.Node().Pos(), "overwritten through a pointer")
		}
	case edge.SelectorExpr_X:
		st.selector(parent, k)
	case edge.CallExpr_Args:
		st.argument(cur, parent, k)
	case edge.CompositeLit_Elts, edge.KeyValueExpr_Value:
		st.contained(cur)
	case edge.AssignStmt_Rhs:
		as := parent.Node().(*ast.AssignStmt)
		if len(as.Lhs) == len(as.Rhs) {
			st.lhsHandle(as.Lhs[idx])
		}
		return false
	case edge.ValueSpec_Values:
		vs := parent.Node().(*ast.ValueSpec)
		if len(vs.Names) == len(vs.Values) {
			st.lhsHandle(vs.Names[idx])
		}
		return false
	case edge.AssignStmt_Lhs, edge.IncDecStmt_X:
		if _, ok := cur.Node().(*ast.Ident); ok {
			return false
		}
	case edge.TypeAssertExpr_X, edge.IndexExpr_X, edge.IndexListExpr_X, edge.SliceExpr_X:
		st.flow.Follow(parent, kHolder)
	case edge.BinaryExpr_X, edge.BinaryExpr_Y, edge.ExprStmt_X, edge.SwitchStmt_Tag, edge.CaseClause_List, edge.IfStmt_Cond:
		// compared, or evaluated for nothing
	default:
		return false
	}
	return true
}

// lhsHandle records the variable or field a value of the flow is
// assigned to.
func (st *site) lhsHandle(lhs ast.Expr) {
	switch l := ast.Unparen(lhs).(type) {
	case *ast.Ident:
		if obj := st.p.info.ObjectOf(l); obj != nil && l.Name != "_" {
			st.handles[obj] = true
		}
	case *ast.SelectorExpr:
		if v := match.FieldOf(st.p.info, l); v != nil && v.Pkg() == st.p.pass.Pkg {
			st.handles[v] = true
		}
	}
}

// selector interprets x.f or x.m where x denotes a value of the flow.
func (st *site) selector(selCur inspector.Cursor, k flow.Kind) {
	info := st.p.info
	se := selCur.Node().(*ast.SelectorExpr)
	sel := info.Selections[se]
	if sel == nil {
		return
	}
	switch sel.Kind() {
	case types.FieldVal:
		v, _ := sel.Obj().(*types.Var)
		if isTransportField(v) {
			if flow.AssignTarget(selCur) {
				st.fieldsSet = true
				st.writes = append(st.writes, writeAt(selCur, v.Name()))
			}
			return
		}
		if k == kHolder && match.MayHold(sel.Type(), match.NetHTTP, "Transport") {
			st.flow.Follow(selCur, kHolder)
		}
	case types.MethodVal:
		if selCur.ParentEdgeKind() != edge.CallExpr_Fun {
			st.flow.Escape(se.Pos(), "method value taken")
			return
		}
		if why := st.flow.CallOutlives(selCur.Parent()); why != "" {
			st.goroutine = true
			st.flow.Escape(se.Pos(), why)
			return
		}
		recv := sel.Recv()
		if k == kTransport || match.IsClient(recv) || match.IsNamed(recv, match.NetHTTP, "Transport") || match.IsPtrTo(recv, match.NetHTTP, "Transport") {
			return // a request, CloseIdleConnections, Clone...
		}
		st.flow.Escape(se.Pos(), "passed to method "+sel.Obj().Name())
	}
}

// isTransportField reports whether v is a field of http.Transport.
func isTransportField(v *types.Var) bool {
	return v != nil && v.IsField() && match.IsField(v, match.NetHTTP, "Transport", v.Name())
}

// writeAt describes the assignment to field, the selector at cur.
func writeAt(cur inspector.Cursor, field string) fieldWrite {
	w := fieldWrite{field: field, pos: cur.Node().Pos()}
	if ek, idx := cur.ParentEdge(); ek == edge.AssignStmt_Lhs {
		as := cur.Parent().Node().(*ast.AssignStmt)
		if as.Tok == token.ASSIGN && len(as.Lhs) == len(as.Rhs) {
			w.value = as.Rhs[idx]
		}
	}
	return w
}

// argument interprets a value of the flow passed to a call.
func (st *site) argument(cur, callCur inspector.Cursor, k flow.Kind) {
	info := st.p.info
	call := callCur.Node().(*ast.CallExpr)
	if tv, ok := info.Types[call.Fun]; ok && tv.IsType() {
		st.flow.Follow(callCur, kHolder) // a conversion
		return
	}
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := info.Uses[id].(*types.Builtin); ok {
			switch b.Name() {
			case "len", "cap", "print", "println":
			default:
				st.flow.Escape(cur.Node().Pos(), "passed to "+b.Name())
			}
			return
		}
	}
	if callCur.ParentEdgeKind() == edge.GoStmt_Call {
		st.goroutine = true
	}
	st.flow.Escape(cur.Node().Pos(), "passed to "+types.ExprString(call.Fun))
}

// contained follows a struct literal that holds a value of the flow; a
// slice, array or map literal holding it keeps it beyond the flow.
func (st *site) contained(cur inspector.Cursor) {
	litCur := cur.Parent()
	if kv, ok := litCur.Node().(*ast.KeyValueExpr); ok {
		st.fieldHandle(kv)
		litCur = litCur.Parent()
	}
	lit, ok := litCur.Node().(*ast.CompositeLit)
	if !ok {
		st.flow.Escape(cur.Node().Pos(), "stored")
		return
	}
	if _, ok := match.LitType(st.p.info, lit).Underlying().(*types.Struct); !ok {
		st.flow.Escape(cur.Node().Pos(), "stored in a slice or map")
		return
	}
	st.flow.Follow(litCur, kHolder)
}

// inGoStmt reports whether cur lies in a go statement of fn (its call,
// arguments included, or the function literal it starts).
func inGoStmt(cur, fn inspector.Cursor) bool {
	for c := cur.Parent(); c.Valid() && c != fn; c = c.Parent() {
		if _, ok := c.Node().(*ast.GoStmt); ok {
			return true
		}
	}
	return false
}

// ---- Writes elsewhere in the package ----

// scanWrites records every assignment to MaxIdleConnsPerHost, MaxIdleConns
// or DisableKeepAlives of a Transport in the package, by what holds the
// Transport: a package variable, a struct field, or a local variable some
// site's flow follows (those the site has seen). Anything else (a
// parameter, an element, a call's result) may be any Transport.
func (p *sizer) scanWrites() {
	p.writes = map[types.Object][]fieldWrite{}
	p.unknown = map[string]bool{}
	p.claimed = map[types.Object]bool{}
	for _, st := range p.sites {
		for obj := range st.handles {
			if v, ok := obj.(*types.Var); ok && !v.IsField() && !match.IsPackageLevel(v) {
				p.claimed[v] = true
			}
		}
	}
	for _, f := range p.pass.Files {
		ins := inspector.New([]*ast.File{f})
		for cur := range ins.Root().Preorder((*ast.SelectorExpr)(nil)) {
			v := match.FieldOf(p.info, cur.Node().(ast.Expr))
			if v == nil || !isTransportField(v) || !flow.AssignTarget(cur) {
				continue
			}
			switch v.Name() {
			case fPerHost, fIdle, fKeepAlive:
			default:
				continue
			}
			w := writeAt(cur, v.Name())
			switch root := p.root(cur.Node().(*ast.SelectorExpr).X).(type) {
			case nil:
				p.unknown[v.Name()] = true
			case *types.Var:
				switch {
				case root.IsField() || match.IsPackageLevel(root):
					p.writes[root] = append(p.writes[root], w)
				case p.claimed[root]:
					// the site that follows it saw the write
				default:
					p.unknown[v.Name()] = true
				}
			}
		}
	}
}

// root returns what the Transport whose field is assigned is reached
// from: the variable x names (x.F = ...), the struct field that holds it
// (c.tr.F = ...), nothing for http.DefaultTransport (which is not the
// package's), or nil when it cannot tell.
func (p *sizer) root(e ast.Expr) types.Object {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		return p.info.Uses[x]
	case *ast.SelectorExpr:
		if v := match.FieldOf(p.info, x); v != nil {
			return v
		}
		return match.ObjOf(p.info, x) // a qualified package variable
	case *ast.StarExpr:
		return p.root(x.X)
	case *ast.TypeAssertExpr:
		if match.IsPkgObj(match.ObjOf(p.info, x.X), match.NetHTTP, "DefaultTransport") {
			return noTransport
		}
		return p.root(x.X)
	}
	return nil
}

// noTransport is the root of a write to http.DefaultTransport's fields:
// none of the package's Transports.
var noTransport = types.NewVar(token.NoPos, nil, "DefaultTransport", types.Typ[types.Invalid])

// allWrites returns the writes to st's Transport the rule knows of, and
// whether some write the rule cannot attribute may be one.
func (p *sizer) allWrites(st *site) (ws []fieldWrite, maybe map[string]bool) {
	ws = append(ws, st.writes...)
	for obj := range st.handles {
		ws = append(ws, p.writes[obj]...)
	}
	maybe = map[string]bool{}
	if st.escaped {
		for f := range p.unknown {
			maybe[f] = true
		}
	}
	return ws, maybe
}

// ---- The decision ----

func (p *sizer) decide(st *site) {
	if st.lit != nil && keepAlivesOff(p.info, st.lit) {
		return
	}
	if p.sequential(st) {
		// Built once in a program whose requests go one at a time,
		// wherever the Transport is handed.
		return
	}
	if p.oneSender(st) {
		// Kept by one object whose single worker goroutine sends every
		// request on it, one after the other.
		return
	}
	if st.owner.Valid() && (!st.escaped || p.hoisted(st.expr.Pos())) {
		// Made for one call, and dropped when it returns (in main too:
		// main's own requests, one at a time, need one idle connection);
		// hoisttransport's business.
		return
	}
	if st.lit == nil && !st.fieldsSet {
		return // a clone as it is: the defaults' settings, on purpose
	}
	ws, maybe := p.allWrites(st)
	for _, w := range ws {
		if w.field == fKeepAlive && w.value != nil && match.IsConstTrue(p.info, w.value) {
			return
		}
	}
	// The per-host value the code chooses, if any.
	var perHost []ast.Expr
	if st.lit != nil {
		if kv := match.KeyedField(st.lit, fPerHost); kv != nil {
			perHost = append(perHost, kv.Value)
		}
	}
	chosen := len(perHost) > 0 || maybe[fPerHost]
	for _, w := range ws {
		if w.field == fPerHost {
			chosen = true
			perHost = append(perHost, w.value)
		}
	}
	if chosen {
		if !maybe[fPerHost] {
			p.checkLow(st, perHost)
		}
		return
	}
	// MaxIdleConns bounds every idle connection: the per-host value
	// never exceeds it.
	what := "this Transport"
	limit := int64(0) // no limit
	if st.lit == nil {
		what = "this clone of http.DefaultTransport"
		limit = 100 // http.DefaultTransport's
	}
	var idle []ast.Expr
	if st.lit != nil {
		if kv := match.KeyedField(st.lit, fIdle); kv != nil {
			idle = append(idle, kv.Value)
		}
	}
	for _, w := range ws {
		if w.field == fIdle {
			idle = append(idle, w.value)
		}
	}
	if maybe[fIdle] {
		idle = append(idle, nil)
	}
	for _, e := range idle {
		n, ok := int64(0), false
		if e != nil {
			n, ok = match.ConstInt(p.info, e)
		}
		if !ok {
			text := "in a way the rule cannot follow"
			if e != nil {
				text = "from " + types.ExprString(e)
			}
			p.s.Reportf(st.expr.Pos(), "%s keeps %d idle connections per host (MaxIdleConnsPerHost is not set), and its MaxIdleConns is set %s: set MaxIdleConnsPerHost next to it (at most that value) to the number of requests in flight per host", what, defaultPerHost, text)
			return
		}
		if n < 0 {
			return // no idle connections at all
		}
		limit = n
	}
	want := int64(p.cfg.MaxIdleConnsPerHost)
	if limit > 0 && limit < want {
		want = limit
	}
	if want <= defaultPerHost {
		return // MaxIdleConns allows no more than the default anyway
	}
	fix := p.s.NewFix()
	if st.lit != nil {
		lit := st.lit
		fix.Do(func(x *edit.Fix) bool { return addField(x, p.pass.Fset, lit, want) })
	} else {
		stmt, v, ok := p.cloneStmt(st)
		if !ok {
			return
		}
		last := lastFieldSet(p.info, stmt, v)
		fix.Do(func(x *edit.Fix) bool { return addAssign(x, last, v, want) })
	}
	p.s.Fixed(st.expr.Pos(), st.expr.End(), fix,
		"%s leaves MaxIdleConnsPerHost at 0, so it keeps %d idle connections per host, as http.DefaultTransport does: under concurrency every connection beyond %d is closed after use and the next request dials a new one (sockets in TIME_WAIT, ports running out); keep %d",
		what, defaultPerHost, defaultPerHost, want)
}

// sequential reports whether the Transport of st is built in a main
// package's function that runs once (main, or a function only such
// functions call, outside loops), in a program that starts no goroutine:
// neither the package's code nor any package it imports (seq.Fact) may
// start one, and the code it hands to packages not analyzed is none.
// Then every request on the Transport, whoever makes it (main, or the
// library it hands a Client to), waits for the one before: a second
// idle connection per host would never be used.
func (p *sizer) sequential(st *site) bool {
	if !st.owner.Valid() || p.seq.Concurrent || st.goroutine {
		return false
	}
	fd, ok := st.owner.Node().(*ast.FuncDecl)
	if !ok {
		return false
	}
	if !p.onceK {
		p.onceK = true
		p.once = seq.RunsOnce(p.pass)
	}
	return p.once[fd]
}

// keepAlivesOff reports whether a Transport literal sets DisableKeepAlives
// to true.
func keepAlivesOff(info *types.Info, lit *ast.CompositeLit) bool {
	kv := match.KeyedField(lit, fKeepAlive)
	return kv != nil && match.IsConstTrue(info, kv.Value)
}

// hoisted reports whether hoisttransport moves or reports the Transport
// at pos: a Transport made for one call. poolsize runs hoisttransport's
// analysis of the package to know, once, and only if a site needs it.
func (p *sizer) hoisted(pos token.Pos) bool {
	if !p.perCallK {
		p.perCallK = true
		p.perCall = map[token.Pos]bool{}
		shadow := *p.pass
		shadow.Report = func(d analysis.Diagnostic) { p.perCall[d.Pos] = true }
		if _, err := hoisttransport.New(*p.cfg).Run(&shadow); err != nil {
			return true // not known: leave it
		}
	}
	return p.perCall[pos]
}

// checkLow reports a per-host value below lowPerHost on a Transport the
// package uses from goroutines.
func (p *sizer) checkLow(st *site, values []ast.Expr) {
	var low []int64
	for _, e := range values {
		if e == nil {
			return
		}
		n, ok := match.ConstInt(p.info, e)
		if !ok {
			return // chosen at run time
		}
		if n == 0 {
			n = defaultPerHost
		}
		if n < 0 {
			n = 0
		}
		if n >= lowPerHost {
			return
		}
		low = append(low, n)
	}
	if len(low) == 0 || !p.fromGoroutines(st) {
		return
	}
	pos := st.expr.Pos()
	if st.lit != nil {
		if kv := match.KeyedField(st.lit, fPerHost); kv != nil {
			pos = kv.Pos()
		}
	}
	n := low[len(low)-1]
	p.s.Reportf(pos, "this Transport keeps %d idle connection%s per host and the package uses it from goroutines: under concurrency every connection beyond %d is closed after use and the next request dials a new one (sockets in TIME_WAIT, ports running out); raise MaxIdleConnsPerHost to the number of requests in flight per host (MaxConnsPerHost bounds them)",
		n, plural(n), n)
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// fromGoroutines reports whether the package uses the Transport of st
// from goroutines: in a go statement of the function that builds it; or,
// through a variable or field that holds it, in code that runs in a
// goroutine, or in a function that hands it (or a Client on it) to a
// goroutine.
func (p *sizer) fromGoroutines(st *site) bool {
	if st.goroutine {
		return true
	}
	// What holds the Transport, and what package-level declarations
	// built on those hold (var client = &http.Client{Transport: tr}).
	handles := map[types.Object]bool{}
	for obj := range st.handles {
		handles[obj] = true
	}
	for grew := true; grew; {
		grew = false
		for _, f := range p.pass.Files {
			ins := inspector.New([]*ast.File{f})
			for cur := range ins.Root().Preorder((*ast.Ident)(nil)) {
				if obj := p.info.Uses[cur.Node().(*ast.Ident)]; obj == nil || !handles[obj] || enclosingFunc(cur).Valid() {
					continue
				}
				if cur.ParentEdgeKind() == edge.SelectorExpr_Sel {
					cur = cur.Parent()
				}
				up := &site{p: p, cur: cur, handles: map[types.Object]bool{}}
				up.packageHandles()
				for obj := range up.handles {
					if !handles[obj] {
						handles[obj] = true
						grew = true
					}
				}
			}
		}
	}
	areas := p.goroutineAreas()
	for _, f := range p.pass.Files {
		ins := inspector.New([]*ast.File{f})
		for cur := range ins.Root().Preorder((*ast.Ident)(nil)) {
			id := cur.Node().(*ast.Ident)
			obj := p.info.Uses[id]
			if obj == nil || !handles[obj] {
				continue
			}
			for _, a := range areas {
				if a.Pos() <= id.Pos() && id.Pos() < a.End() {
					return true
				}
			}
			// Follow the value from this use through its function.
			if cur.ParentEdgeKind() == edge.SelectorExpr_Sel {
				cur = cur.Parent()
			}
			fn := enclosingFunc(cur)
			if !fn.Valid() {
				continue
			}
			probe := &site{p: p, owner: fn, handles: map[types.Object]bool{}}
			probe.flow = flow.NewTracker(p.info, fn, probe.hook)
			probe.flow.Follow(cur, kTransport)
			probe.flow.Run()
			if probe.goroutine {
				return true
			}
		}
	}
	return false
}

// enclosingFunc returns the innermost function around cur, if any.
func enclosingFunc(cur inspector.Cursor) inspector.Cursor {
	for enc := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		return enc
	}
	return inspector.Cursor{}
}

// goroutineAreas returns the code of the package that runs in goroutines:
// go statements (with the function literals they start), the functions
// and methods of the package they call, functions handed to a Go method
// (errgroup.Group.Go, sync.WaitGroup.Go), and, transitively, the
// package's functions those call.
func (p *sizer) goroutineAreas() []ast.Node {
	if p.goAreasK {
		return p.goAreas
	}
	p.goAreasK = true
	decls := p.funcDecls()
	seen := map[ast.Node]bool{}
	var queue []ast.Node
	add := func(n ast.Node) {
		if n != nil && !seen[n] {
			seen[n] = true
			queue = append(queue, n)
			p.goAreas = append(p.goAreas, n)
		}
	}
	callee := func(call *ast.CallExpr) {
		if fn := match.CalleeFunc(p.info, call); fn != nil {
			if fd := decls[fn.Origin()]; fd != nil {
				add(fd)
			}
		}
	}
	for _, f := range p.pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				add(n)
				callee(n.Call)
			case *ast.CallExpr:
				if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && sel.Sel.Name == "Go" {
					for _, a := range n.Args {
						if fl, ok := ast.Unparen(a).(*ast.FuncLit); ok {
							add(fl)
						}
					}
				}
			}
			return true
		})
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		ast.Inspect(n, func(x ast.Node) bool {
			if call, ok := x.(*ast.CallExpr); ok {
				callee(call)
			}
			return true
		})
	}
	return p.goAreas
}

// ---- The rewrite ----

// addField sets MaxIdleConnsPerHost in the fix's copy of lit: after
// MaxIdleConns if the literal sets it, else after its last field, on a
// line of its own in a literal written one field per line.
func addField(x *edit.Fix, fset *token.FileSet, lit *ast.CompositeLit, n int64) bool {
	dl, ok := x.Node(lit).(*dst.CompositeLit)
	if !ok {
		return x.Fail("cannot find the Transport literal")
	}
	kv := &dst.KeyValueExpr{
		Key:   dst.NewIdent(fPerHost),
		Value: &dst.BasicLit{Kind: token.INT, Value: strconv.FormatInt(n, 10)},
	}
	at := len(dl.Elts)
	for i, elt := range lit.Elts {
		if kve, ok := elt.(*ast.KeyValueExpr); ok {
			if id, ok := kve.Key.(*ast.Ident); ok && id.Name == fIdle {
				at = i + 1
			}
		}
	}
	if match.OneFieldPerLine(fset, lit) {
		kv.Decs.Before = dst.NewLine
		kv.Decs.After = dst.NewLine
	}
	dl.Elts = append(dl.Elts[:at], append([]dst.Expr{kv}, dl.Elts[at:]...)...)
	return true
}

// cloneStmt returns the statement a clone is assigned to a local variable
// in, and the variable.
func (p *sizer) cloneStmt(st *site) (inspector.Cursor, *types.Var, bool) {
	c := st.cur
	ek, idx := c.ParentEdge()
	var id *ast.Ident
	stmt := c.Parent()
	switch ek {
	case edge.AssignStmt_Rhs:
		as := stmt.Node().(*ast.AssignStmt)
		if len(as.Lhs) != len(as.Rhs) {
			return c, nil, false
		}
		id, _ = as.Lhs[idx].(*ast.Ident)
	case edge.ValueSpec_Values:
		vs := stmt.Node().(*ast.ValueSpec)
		if len(vs.Names) != len(vs.Values) {
			return c, nil, false
		}
		id = vs.Names[idx]
		stmt = stmt.Parent().Parent() // ValueSpec -> GenDecl -> DeclStmt
		if _, ok := stmt.Node().(*ast.DeclStmt); !ok {
			return c, nil, false
		}
	default:
		return c, nil, false
	}
	if id == nil {
		return c, nil, false
	}
	v, ok := p.info.ObjectOf(id).(*types.Var)
	if !ok || match.IsPackageLevel(v) {
		return c, nil, false
	}
	return stmt, v, true
}

// lastFieldSet returns the last of the statements right after a clone's
// that only set fields of the clone (or the clone's statement itself).
func lastFieldSet(info *types.Info, stmt inspector.Cursor, v *types.Var) inspector.Cursor {
	last := stmt
	for next, ok := stmt.NextSibling(); ok; next, ok = next.NextSibling() {
		as, isAssign := next.Node().(*ast.AssignStmt)
		if !isAssign || as.Tok != token.ASSIGN || !setsFieldsOf(info, as, v) {
			break
		}
		last = next
	}
	return last
}

// addAssign sets the clone's MaxIdleConnsPerHost right after the
// statement at last.
func addAssign(x *edit.Fix, last inspector.Cursor, v *types.Var, n int64) bool {
	slot, ok := edit.SlotOf(x, last)
	if !ok {
		return x.Fail("cannot place the assignment")
	}
	assign := &dst.AssignStmt{
		Lhs: []dst.Expr{&dst.SelectorExpr{X: dst.NewIdent(v.Name()), Sel: dst.NewIdent(fPerHost)}},
		Tok: token.ASSIGN,
		Rhs: []dst.Expr{&dst.BasicLit{Kind: token.INT, Value: strconv.FormatInt(n, 10)}},
	}
	return slot.InsertAfter(assign)
}

// setsFieldsOf reports whether every target of an assignment is a field
// of the variable v (v.F, v.F.G).
func setsFieldsOf(info *types.Info, as *ast.AssignStmt, v *types.Var) bool {
	for _, lhs := range as.Lhs {
		e := lhs
		for {
			se, ok := ast.Unparen(e).(*ast.SelectorExpr)
			if !ok {
				break
			}
			e = se.X
		}
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok || id == lhs || info.Uses[id] != v {
			return false
		}
	}
	return true
}

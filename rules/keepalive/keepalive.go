// keepalive: report the "fixes" that turn pooling off (seed 000).
//
// The rule only reports. Each of req.Close = true, a "Connection: close"
// request header and DisableKeepAlives: true makes net/http close the
// connection once the response is read, on purpose; turning reuse back
// on could bring back the failure someone turned it off for, unless the
// Transport's IdleConnTimeout is also below the server's keep-alive
// timeout, which only a person can know. So the report says what the
// setting costs and what to do instead.
//
// What is not reported, and why:
//
//   - A value that is not the constant true (or "close"): it comes from a
//     parameter, a field, a flag: someone's per-request or per-client
//     choice.
//   - A setting made under a condition (an if, a switch or select case)
//     in its function: a choice the code makes per request (if
//     opts.Close, if the last attempt failed...), not the blanket advice.
//   - A setting in a function literal that its function returns: a
//     functional option, which the caller chooses to apply.
//   - A request that a handler receives (a function with an
//     http.ResponseWriter parameter): the server's, not a client request.
//   - A one-shot command: in main of package main, or in a function that
//     only such functions call, outside loops (seq.RunsOnce), and outside
//     loops there, a request closed after use costs one handshake that
//     nothing could have saved. A Transport built there with keep-alives
//     off is one-shot when the flow of the Transport (flow.Tracker) shows
//     it, and every Client built on it, used for requests only in that
//     function, outside loops and goroutines, and handed to no other code
//     (which might loop). Anything the flow cannot follow counts as
//     reuse, and is reported.

package keepalive

import (
	_ "embed"
	"go/ast"
	"go/token"
	"go/types"
	"net/http"
	"strings"

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

// Analyzer is keepalive with the default settings (and its flags).
var Analyzer = New(config.Default())

// New returns keepalive configured by cfg (a copy of which its flags
// set).
func New(cfg config.Config) *analysis.Analyzer {
	return edit.NewAnalyzer("keepalive", "https://github.com/httpfix/httpfix#keepalive-report-the-fixes-that-turn-pooling-off", doc, cfg, nil,
		func(pass *analysis.Pass, c *config.Config) (any, error) {
			s := edit.NewSession(pass, c)
			r := &reporter{pass: pass, info: pass.TypesInfo, s: s}
			r.run()
			s.Flush()
			return nil, nil
		})
}

// The cost of a setting that closes connections, and the fix for the
// failure it is usually there for.
const (
	cost   = "each request pays a new TCP (and TLS) handshake and leaves a socket in TIME_WAIT, which runs out of ports under load"
	advice = "against \"connection reset by peer\" or EOF on reused connections, set the Transport's IdleConnTimeout below the server's keep-alive timeout instead (Go already retries idempotent requests that fail on a reused connection)"
)

// reporter applies the rule to one package.
type reporter struct {
	pass *analysis.Pass
	info *types.Info
	s    *edit.Session

	once  map[*ast.FuncDecl]bool // seq.RunsOnce
	onceK bool
}

func (r *reporter) run() {
	for _, f := range r.s.Files().All() {
		if !r.s.Editable(f) {
			continue
		}
		ins := inspector.New([]*ast.File{f.Ast})
		for cur := range ins.Root().Preorder((*ast.AssignStmt)(nil), (*ast.KeyValueExpr)(nil), (*ast.CallExpr)(nil)) {
			switch n := cur.Node().(type) {
			case *ast.AssignStmt:
				r.assign(cur, n)
			case *ast.KeyValueExpr:
				r.keyValue(cur, n)
			case *ast.CallExpr:
				r.headerCall(cur, n)
			}
		}
	}
}

// assign looks at req.Close = true, req.Header["Connection"] = ... and
// tr.DisableKeepAlives = true.
func (r *reporter) assign(cur inspector.Cursor, as *ast.AssignStmt) {
	if as.Tok != token.ASSIGN || len(as.Lhs) != len(as.Rhs) {
		return
	}
	for i, lhs := range as.Lhs {
		rhs := as.Rhs[i]
		if v := match.FieldOf(r.info, lhs); v != nil {
			base := ast.Unparen(lhs).(*ast.SelectorExpr).X
			switch {
			case match.IsField(v, match.NetHTTP, "Request", "Close") && match.IsConstTrue(r.info, rhs):
				if r.deliberate(cur, true, base) {
					continue
				}
				r.s.Reportf(lhs.Pos(), "%s = true closes the connection after every request: %s; %s", types.ExprString(lhs), cost, advice)
			case match.IsField(v, match.NetHTTP, "Transport", "DisableKeepAlives") && match.IsConstTrue(r.info, rhs):
				if r.deliberate(cur, false, nil) || r.oneShotAssign(cur, base) {
					continue
				}
				r.s.Reportf(lhs.Pos(), "%s = true turns the Transport's connection pool off: %s; %s", types.ExprString(lhs), cost, advice)
			}
			continue
		}
		// req.Header["Connection"] = []string{"close"}
		ix, ok := ast.Unparen(lhs).(*ast.IndexExpr)
		if !ok {
			continue
		}
		h := match.FieldOf(r.info, ix.X)
		if !match.IsField(h, match.NetHTTP, "Request", "Header") {
			continue
		}
		key, ok := match.ConstString(r.info, ix.Index)
		if !ok || http.CanonicalHeaderKey(key) != "Connection" || !r.closeValues(rhs) {
			continue
		}
		if r.deliberate(cur, true, ast.Unparen(ix.X).(*ast.SelectorExpr).X) {
			continue
		}
		r.s.Reportf(lhs.Pos(), "a \"Connection: close\" request header (%s) closes the connection after every request: %s; %s", types.ExprString(lhs), cost, advice)
	}
}

// keyValue looks at Close: true in a Request literal, DisableKeepAlives:
// true in a Transport literal, and "Connection": {"close"} in the Header
// literal of a Request literal.
func (r *reporter) keyValue(cur inspector.Cursor, kv *ast.KeyValueExpr) {
	lit, ok := cur.Parent().Node().(*ast.CompositeLit)
	if !ok {
		return
	}
	t := match.LitType(r.info, lit)
	id, _ := kv.Key.(*ast.Ident)
	switch {
	case id != nil && match.IsNamed(t, match.NetHTTP, "Request") && id.Name == "Close" && match.IsConstTrue(r.info, kv.Value):
		if r.deliberate(cur, true, nil) {
			return
		}
		r.s.Reportf(kv.Pos(), "Close: true closes the connection after the request: %s; %s", cost, advice)
	case id != nil && match.IsTransport(t) && id.Name == "DisableKeepAlives" && match.IsConstTrue(r.info, kv.Value):
		if r.deliberate(cur, false, nil) || r.oneShotLit(cur.Parent()) {
			return
		}
		if fn := r.perCall(cur.Parent()); fn != "" {
			// Keep-alives off is how a Transport made per call avoids
			// leaving its connections open: the fix is one Transport.
			r.s.Reportf(kv.Pos(), "DisableKeepAlives: true turns the Transport's connection pool off: %s; this Transport is made on every call of %s: share one, declared at package level, with keep-alives on (and an IdleConnTimeout below the server's keep-alive timeout, against connections the server closed)", cost, fn)
			return
		}
		r.s.Reportf(kv.Pos(), "DisableKeepAlives: true turns the Transport's connection pool off: %s; %s", cost, advice)
	case match.IsNamed(t, match.NetHTTP, "Header"):
		key, ok := match.ConstString(r.info, kv.Key)
		if !ok || http.CanonicalHeaderKey(key) != "Connection" || !r.closeValues(kv.Value) {
			return
		}
		// Only a request's header: the Header field of a Request literal.
		hc := cur.Parent()
		for hc.ParentEdgeKind() == edge.UnaryExpr_X || hc.ParentEdgeKind() == edge.ParenExpr_X {
			hc = hc.Parent()
		}
		if hc.ParentEdgeKind() != edge.KeyValueExpr_Value {
			return
		}
		outer, ok := hc.Parent().Parent().Node().(*ast.CompositeLit)
		if !ok || !match.IsNamed(match.LitType(r.info, outer), match.NetHTTP, "Request") {
			return
		}
		if r.deliberate(cur, true, nil) {
			return
		}
		r.s.Reportf(kv.Pos(), "a \"Connection: close\" request header closes the connection after the request: %s; %s", cost, advice)
	}
}

// headerCall looks at req.Header.Set("Connection", "close") (and Add).
func (r *reporter) headerCall(cur inspector.Cursor, call *ast.CallExpr) {
	fn := match.CalleeFunc(r.info, call)
	if fn == nil || len(call.Args) != 2 || !(match.IsMethod(fn, match.NetHTTP, "Header", "Set") || match.IsMethod(fn, match.NetHTTP, "Header", "Add")) {
		return
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return
	}
	h := match.FieldOf(r.info, sel.X)
	if !match.IsField(h, match.NetHTTP, "Request", "Header") {
		return // a response's header, or one the rule cannot place
	}
	key, ok := match.ConstString(r.info, call.Args[0])
	if !ok || http.CanonicalHeaderKey(key) != "Connection" {
		return
	}
	val, ok := match.ConstString(r.info, call.Args[1])
	if !ok || !strings.EqualFold(strings.TrimSpace(val), "close") {
		return
	}
	if r.deliberate(cur, true, ast.Unparen(sel.X).(*ast.SelectorExpr).X) {
		return
	}
	r.s.Reportf(call.Pos(), "a \"Connection: close\" request header (%s) closes the connection after every request: %s; %s", types.ExprString(call), cost, advice)
}

// closeValues reports whether e is a []string literal holding "close".
func (r *reporter) closeValues(e ast.Expr) bool {
	cl, ok := ast.Unparen(e).(*ast.CompositeLit)
	if !ok {
		return false
	}
	for _, elt := range cl.Elts {
		if s, ok := match.ConstString(r.info, elt); ok && strings.EqualFold(strings.TrimSpace(s), "close") {
			return true
		}
	}
	return false
}

// ---- Deliberate choices ----

// deliberate reports whether the setting at cur is someone's choice
// rather than the blanket advice: made under a condition of its function,
// or in a function literal its function returns (an option). For a
// setting of one request (request set), also on a request a handler
// received (req, if known), or in a function of a command that runs
// once, outside loops.
func (r *reporter) deliberate(cur inspector.Cursor, request bool, req ast.Expr) bool {
	fn := enclosingFunc(cur)
	if !fn.Valid() {
		return false // a package-level declaration: for every use
	}
	for c := cur; c.Parent().Valid() && c.Parent() != fn; c = c.Parent() {
		switch c.Parent().Node().(type) {
		case *ast.IfStmt:
			if ek := c.ParentEdgeKind(); ek == edge.IfStmt_Body || ek == edge.IfStmt_Else {
				return true
			}
		case *ast.CaseClause, *ast.CommClause:
			return true
		}
	}
	if _, ok := fn.Node().(*ast.FuncLit); ok && returned(fn) {
		return true
	}
	if !request {
		return false
	}
	if req != nil && r.handlerRequest(fn, req) {
		return true
	}
	return r.runsOnce(fn) && !flow.InsideLoop(cur, fn)
}

// enclosingFunc returns the innermost function around cur.
func enclosingFunc(cur inspector.Cursor) inspector.Cursor {
	for enc := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		return enc
	}
	return inspector.Cursor{}
}

// returned reports whether the function literal at fl is returned by the
// function around it (directly, or as a conversion to a named func type).
func returned(fl inspector.Cursor) bool {
	c := fl
	for {
		switch c.ParentEdgeKind() {
		case edge.ParenExpr_X, edge.CallExpr_Args:
			c = c.Parent()
			continue
		case edge.ReturnStmt_Results:
			return true
		}
		return false
	}
}

// handlerRequest reports whether req names a parameter of fn, a handler
// (a function that also takes an http.ResponseWriter).
func (r *reporter) handlerRequest(fn inspector.Cursor, req ast.Expr) bool {
	id, ok := ast.Unparen(req).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := r.info.Uses[id].(*types.Var)
	if !ok {
		return false
	}
	sig := flow.FuncSignature(r.info, fn.Node())
	if sig == nil {
		return false
	}
	isParam, writer := false, false
	for i := range sig.Params().Len() {
		p := sig.Params().At(i)
		isParam = isParam || p == v
		writer = writer || match.IsNamed(p.Type(), match.NetHTTP, "ResponseWriter")
	}
	return isParam && writer
}

// runsOnce reports whether fn runs at most once, in main's goroutine:
// main of package main, or a function only such functions call, outside
// loops (seq.RunsOnce).
func (r *reporter) runsOnce(fn inspector.Cursor) bool {
	if !r.onceK {
		r.onceK = true
		r.once = seq.RunsOnce(r.pass)
	}
	fd, ok := fn.Node().(*ast.FuncDecl)
	return ok && r.once[fd]
}

// ---- One-shot Transports ----

// oneShotLit reports whether the Transport literal at litCur, built
// outside loops in a function that runs once, serves requests made only
// there, outside loops and goroutines, and is handed to no other code.
func (r *reporter) oneShotLit(litCur inspector.Cursor) bool {
	fn := enclosingFunc(litCur)
	if !fn.Valid() || !r.runsOnce(fn) || flow.InsideLoop(litCur, fn) {
		return false
	}
	o := r.followLit(litCur, fn)
	return o.flow.Escaped == nil && !o.reused
}

// followLit follows the Transport the literal at litCur makes (or its
// address) through fn.
func (r *reporter) followLit(litCur, fn inspector.Cursor) *oneShot {
	start := litCur
	if u, ok := litCur.Parent().Node().(*ast.UnaryExpr); ok && u.Op == token.AND {
		start = litCur.Parent()
	}
	o := &oneShot{main: fn}
	o.flow = flow.NewTracker(r.info, fn, o.hook)
	o.flow.Follow(start, kTransport)
	o.flow.Run()
	return o
}

// perCall returns the name of the function the Transport literal at
// litCur is made in, for one call (it does not leave the function), or
// "" if it is not: at package level, in main or init, or kept.
func (r *reporter) perCall(litCur inspector.Cursor) string {
	fn := enclosingFunc(litCur)
	if !fn.Valid() {
		return ""
	}
	name := "the function literal"
	if fd, ok := fn.Node().(*ast.FuncDecl); ok {
		if fd.Recv == nil && fd.Name.Name == "init" || seq.InMain(r.pass.Pkg, fd) {
			return ""
		}
		name = fd.Name.Name
	}
	if r.followLit(litCur, fn).flow.Escaped != nil {
		return ""
	}
	return name
}

// oneShotAssign reports whether tr.DisableKeepAlives = true, in a
// function that runs once, sets a one-shot Transport: tr a variable of
// the function that a Transport literal initializes.
func (r *reporter) oneShotAssign(asCur inspector.Cursor, base ast.Expr) bool {
	fn := enclosingFunc(asCur)
	if !fn.Valid() || !r.runsOnce(fn) || flow.InsideLoop(asCur, fn) {
		return false
	}
	id, ok := ast.Unparen(base).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := r.info.Uses[id].(*types.Var)
	if !ok {
		return false
	}
	for c := range fn.Preorder((*ast.CompositeLit)(nil)) {
		lit := c.Node().(*ast.CompositeLit)
		if !match.IsTransport(match.LitType(r.info, lit)) {
			continue
		}
		e := c
		if u, ok := c.Parent().Node().(*ast.UnaryExpr); ok && u.Op == token.AND {
			e = c.Parent()
		}
		if e.ParentEdgeKind() == edge.AssignStmt_Rhs {
			as := e.Parent().Node().(*ast.AssignStmt)
			if len(as.Lhs) == 1 {
				if lid, ok := as.Lhs[0].(*ast.Ident); ok && r.info.ObjectOf(lid) == v {
					return r.oneShotLit(c)
				}
			}
		}
	}
	return false
}

// The kinds of values a one-shot flow follows.
const (
	kTransport flow.Kind = iota
	kHolder              // a Client, or a struct, holding it
)

// oneShot follows a Transport built in a function that runs once.
type oneShot struct {
	main   inspector.Cursor
	flow   *flow.Tracker
	reused bool // a request in a loop, or in a goroutine
}

func (o *oneShot) hook(cur inspector.Cursor, k flow.Kind) bool {
	parent := cur.Parent()
	switch ek, _ := cur.ParentEdge(); ek {
	case edge.UnaryExpr_X:
		if parent.Node().(*ast.UnaryExpr).Op != token.AND {
			return false
		}
		o.flow.Follow(parent, k)
	case edge.KeyValueExpr_Value, edge.CompositeLit_Elts:
		lc := parent
		if ek == edge.KeyValueExpr_Value {
			lc = parent.Parent()
		}
		lit, ok := lc.Node().(*ast.CompositeLit)
		if !ok || !match.IsClient(o.flow.Info().TypeOf(lit)) {
			return false // stored elsewhere: not followed
		}
		o.flow.Follow(lc, kHolder)
	case edge.SelectorExpr_X:
		sel := o.flow.Info().Selections[parent.Node().(*ast.SelectorExpr)]
		if sel == nil {
			return false
		}
		if sel.Kind() == types.FieldVal {
			return true // configured or read
		}
		if parent.ParentEdgeKind() != edge.CallExpr_Fun {
			return false
		}
		call := parent.Parent()
		if o.flow.CallOutlives(call) != "" || flow.InsideLoop(call, o.main) {
			o.reused = true
		}
	case edge.ExprStmt_X, edge.BinaryExpr_X, edge.BinaryExpr_Y:
	default:
		return false
	}
	return true
}

// pooldeadline: no absolute deadline on a pooled connection (seed 000).
//
// Why the rewrite is safe. A deadline set on a connection while it is
// dialed stays on it for its whole life: net/http never resets it, and
// a Transport hands a pooled connection to request after request. With
// conn.SetDeadline(time.Now().Add(d)) in the dial function, every
// request that runs on the connection after d from the dial fails with
// "i/o timeout", whatever the server does; requests before that are
// bounded by what is left of d. The rewrite removes the deadline and
// bounds each request from its own start instead:
//
//   - ResponseHeaderTimeout = d on the Transport, for SetDeadline and
//     SetReadDeadline, where the Transport sets none: a server that
//     accepts the request and does not answer still fails it after d,
//     which is what the deadline was there for. A request that the
//     deadline let through (it finished within d of the dial) gets its
//     headers within d, so the header timeout never fails it.
//   - Timeout = d on the http.Client built on the Transport, where the
//     deadline means the whole request: the Transport already bounds the
//     wait for headers (the deadline's remaining effect was on the rest
//     of the exchange), or the deadline bounds only writes, which no
//     Transport field bounds. A Client timeout counts from the start of
//     each request, so it is never stricter than the deadline was.
//
// d moves from the dial function, which runs at each dial, into the
// Transport (or Client) literal, which runs once. That is the same value
// only if d does not depend on the connection or on anything that
// changes after the literal is built: constants, and variables (local,
// or of the package) that nothing assigns after their declaration, read
// without a pointer. Anything else is reported, and so is a deadline the
// rule cannot remove cleanly (its error handled in a way that other code
// reads) or that also bounds I/O in the dial function (a TLS handshake,
// a proxy CONNECT), where the fix is to clear it before returning the
// connection. A dial function that clears its deadline before returning
// is right already; a named dial function may serve other callers, so
// its deadline is reported, not removed. A Transport with keep-alives
// off pools nothing, and is left alone.

package pooldeadline

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dave/dst"
	"github.com/dave/dst/dstutil"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/config"
	"github.com/httpfix/httpfix/rules/internal/edit"
	"github.com/httpfix/httpfix/rules/internal/match"
)

//go:embed doc.go
var doc string

// Analyzer is pooldeadline with the default settings (and its flags).
var Analyzer = New(config.Default())

// New returns pooldeadline configured by cfg (a copy of which its flags
// set).
func New(cfg config.Config) *analysis.Analyzer {
	return edit.NewAnalyzer("pooldeadline", "https://github.com/httpfix/httpfix#pooldeadline-no-absolute-deadline-on-a-pooled-connection", doc, cfg, nil,
		func(pass *analysis.Pass, c *config.Config) (any, error) {
			s := edit.NewSession(pass, c)
			ch := &checker{pass: pass, info: pass.TypesInfo, s: s, reported: map[token.Pos]bool{}}
			ch.run()
			s.Flush()
			return nil, nil
		})
}

// dialFields are the fields of http.Transport that hold a dial function.
var dialFields = map[string]bool{"Dial": true, "DialContext": true, "DialTLS": true, "DialTLSContext": true}

// deadlineMethods are the methods that set a deadline on a connection.
var deadlineMethods = map[string]bool{"SetDeadline": true, "SetReadDeadline": true, "SetWriteDeadline": true}

// checker applies the rule to one package.
type checker struct {
	pass     *analysis.Pass
	info     *types.Info
	s        *edit.Session
	reported map[token.Pos]bool // deadlines of named dial functions already reported

	decls   map[*types.Func]*ast.FuncDecl
	writes  map[*types.Var]string // variables assigned after their declaration: where
	scanned bool

	// factories are the functions of the package that make the dial
	// functions of Transport literals (Dial: timeoutDialer(c, rw)), with
	// those uses, in the order found.
	factories map[*types.Func][]factoryUse
	order     []*types.Func
}

// A factoryUse is a Transport literal whose dial function a call of a
// factory of the package makes.
type factoryUse struct {
	litCur inspector.Cursor
	kv     *ast.KeyValueExpr
	field  string
	call   *ast.CallExpr
}

func (c *checker) run() {
	for _, f := range c.s.Files().All() {
		if !c.s.Editable(f) {
			continue
		}
		ins := inspector.New([]*ast.File{f.Ast})
		for cur := range ins.Root().Preorder((*ast.CompositeLit)(nil), (*ast.AssignStmt)(nil)) {
			switch n := cur.Node().(type) {
			case *ast.CompositeLit:
				if !match.IsTransport(match.LitType(c.info, n)) || keepAlivesOff(c.info, n) {
					continue
				}
				for _, elt := range n.Elts {
					kv, ok := elt.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					if id, ok := kv.Key.(*ast.Ident); ok && dialFields[id.Name] {
						c.dialFunc(f, cur, kv)
					}
				}
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					v := match.FieldOf(c.info, lhs)
					if v == nil || !dialFields[v.Name()] || !match.IsField(v, match.NetHTTP, "Transport", v.Name()) || len(n.Lhs) != len(n.Rhs) {
						continue
					}
					c.assignedDial(f, cur, n.Rhs[i], v.Name())
				}
			}
		}
	}
	for _, fn := range c.order {
		c.factory(fn, c.factories[fn])
	}
}

// keepAlivesOff reports whether a Transport literal sets DisableKeepAlives
// to true: it pools nothing, and a deadline bounds a single request.
func keepAlivesOff(info *types.Info, lit *ast.CompositeLit) bool {
	kv := match.KeyedField(lit, "DisableKeepAlives")
	return kv != nil && match.IsConstTrue(info, kv.Value)
}

// A deadline is a call that sets a deadline on a connection a dial
// function returns.
type deadline struct {
	cur    inspector.Cursor // the call
	call   *ast.CallExpr
	method string
	conn   *types.Var
	d      ast.Expr         // for time.Now().Add(d); nil for any other time
	dvar   *types.Var       // the local variable holding time.Now().Add(d), if the call reads one
	dvarAt inspector.Cursor // the statement defining dvar
}

// text renders the call for a message.
func (dl *deadline) text() string { return types.ExprString(dl.call) }

// dialFunc examines the dial function a Transport literal's field sets.
func (c *checker) dialFunc(f *edit.File, litCur inspector.Cursor, kv *ast.KeyValueExpr) {
	field := kv.Key.(*ast.Ident).Name
	valCur, ok := litCur.FindNode(kv.Value)
	if !ok {
		return
	}
	for valCur.ParentEdgeKind() != edge.KeyValueExpr_Value {
		valCur = valCur.Parent()
	}
	if fl, ok := ast.Unparen(kv.Value).(*ast.FuncLit); ok {
		flCur, ok := valCur.FindNode(fl)
		if !ok {
			return
		}
		dls := c.deadlines(flCur)
		if len(dls) == 0 {
			return
		}
		c.fixOrReport(litCur, field, flCur, dls)
		return
	}
	if call, ok := ast.Unparen(kv.Value).(*ast.CallExpr); ok {
		if fn := match.CalleeFunc(c.info, call); fn != nil && fn.Pkg() == c.pass.Pkg && c.funcDecl(fn) != nil {
			if c.factories == nil {
				c.factories = map[*types.Func][]factoryUse{}
			}
			if _, ok := c.factories[fn]; !ok {
				c.order = append(c.order, fn)
			}
			c.factories[fn] = append(c.factories[fn], factoryUse{litCur, kv, field, call})
			return
		}
	}
	c.namedDial(kv.Value, field)
}

// assignedDial examines a dial function assigned to a Transport's field
// (tr.DialContext = ...): its deadline is reported, as the Transport the
// field belongs to (and its ResponseHeaderTimeout) is elsewhere.
func (c *checker) assignedDial(f *edit.File, asCur inspector.Cursor, rhs ast.Expr, field string) {
	if fl, ok := ast.Unparen(rhs).(*ast.FuncLit); ok {
		flCur, ok := asCur.FindNode(fl)
		if !ok {
			return
		}
		for _, dl := range c.deadlines(flCur) {
			c.reportOnce(dl, "the Transport it belongs to is built elsewhere", "the function assigned to a Transport's %s", field)
		}
		return
	}
	c.namedDial(rhs, field)
}

// reportShared reports the deadlines of fn, the dial function named
// obj, which a Transport's field uses but other code may call too.
func (c *checker) reportShared(fn inspector.Cursor, obj types.Object, field string) {
	for _, dl := range c.deadlines(fn) {
		c.reportOnce(dl, "the function is not a literal of the Transport (other code may call it)", "%s (a Transport's %s function)", obj.Name(), field)
	}
}

// namedDial reports the deadlines a named dial function of the package
// (a function, a method, a variable holding a function literal) puts on
// the connections it returns: other code may call it, and the Transport
// only refers to it, so the rule does not change it.
func (c *checker) namedDial(e ast.Expr, field string) {
	var obj types.Object
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		obj = c.info.Uses[x]
	case *ast.SelectorExpr:
		if sel := c.info.Selections[x]; sel != nil {
			obj = sel.Obj()
		} else {
			obj = c.info.Uses[x.Sel]
		}
	}
	switch obj := obj.(type) {
	case *types.Func:
		if obj.Pkg() != c.pass.Pkg {
			return
		}
		fd := c.funcDecl(obj)
		if fd == nil || fd.Body == nil {
			return
		}
		fdCur, ok := c.cursorOf(fd)
		if !ok {
			return
		}
		c.reportShared(fdCur, obj, field)
	case *types.Var:
		// var dial = func(...) (net.Conn, error) {...}, at package level.
		if obj.Pkg() != c.pass.Pkg || obj.Parent() != c.pass.Pkg.Scope() || c.written(obj) != "" {
			return
		}
		for _, f := range c.pass.Files {
			for _, d := range f.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.VAR {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, id := range vs.Names {
						if c.info.Defs[id] != obj || len(vs.Values) != len(vs.Names) {
							continue
						}
						fl, ok := ast.Unparen(vs.Values[i]).(*ast.FuncLit)
						if !ok {
							continue
						}
						flCur, ok := c.cursorOf(fl)
						if !ok {
							continue
						}
						c.reportShared(flCur, obj, field)
					}
				}
			}
		}
	}
}

// factory rewrites the deadlines of the dial function a factory of the
// package returns (func timeoutDialer(connect, rw time.Duration) ... {
// return func(...) { ...; conn.SetDeadline(time.Now().Add(rw)); ... } }),
// when every Transport that uses it can take the bound: the deadline goes
// from the factory, and each Transport gets its ResponseHeaderTimeout (or
// its Client a Timeout) with the factory's parameters replaced by the
// arguments that Transport passes. Only a factory that nothing else can
// call is changed: unexported, called only to make the dial functions of
// Transport literals, in files of the package the rule sees. Otherwise,
// or if one of the Transports cannot take the bound, every use is
// reported instead.
func (c *checker) factory(fn *types.Func, uses []factoryUse) {
	fd := c.funcDecl(fn)
	fdCur, ok := c.cursorOf(fd)
	if !ok || fd.Body == nil {
		return
	}
	// The function literal the factory returns.
	var flCur inspector.Cursor
	returns := 0
	for rc := range fdCur.Preorder((*ast.ReturnStmt)(nil)) {
		if !directlyIn(rc, fdCur) {
			continue
		}
		returns++
		rs := rc.Node().(*ast.ReturnStmt)
		if len(rs.Results) == 1 {
			if fl, ok := ast.Unparen(rs.Results[0]).(*ast.FuncLit); ok {
				flCur, _ = rc.FindNode(fl)
			}
		}
	}
	if !flCur.Valid() {
		return
	}
	dls := c.deadlines(flCur)
	if len(dls) == 0 {
		return
	}
	first := dls[0]
	report := func(why string) {
		c.reportOnce(first, why, "the function %s returns (a Transport's %s function)", fn.Name(), uses[0].field)
	}
	if why := c.ownFactory(fn, returns); why != "" {
		report(why)
		return
	}
	p, why := c.planDial(flCur, dls)
	if why != "" {
		report(why)
		return
	}
	// The duration may use the factory's parameters, which each call
	// gives; nothing else of the factory.
	sig := fn.Signature()
	params := map[*types.Var]int{}
	for i := range sig.Params().Len() {
		params[sig.Params().At(i)] = i
	}
	if sig.Variadic() {
		report("the factory is variadic; remove the deadline, and " + bound)
		return
	}
	used := map[int]bool{}
	var local string
	ast.Inspect(p.d, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := c.info.Uses[id].(*types.Var); ok && v.Pos() >= fd.Pos() && v.Pos() < fd.End() {
				if i, ok := params[v]; ok {
					used[i] = true
				} else if v.Pos() < flCur.Node().Pos() || v.Pos() >= flCur.Node().End() {
					local = v.Name()
				}
			}
		}
		return true
	})
	if local != "" {
		report(fmt.Sprintf("%s uses %s, a variable of %s; remove the deadline, and %s", types.ExprString(p.d), local, fn.Name(), bound))
		return
	}
	outside := map[types.Object]bool{}
	for v := range params {
		outside[v] = true
	}
	if why := c.movableExcept(p.d, flCur, outside); why != "" {
		report(fmt.Sprintf("%s %s; remove the deadline, and %s", types.ExprString(p.d), why, bound))
		return
	}
	// Every use must take the bound.
	type planned struct {
		use   factoryUse
		b     *boundPlan
		value string
	}
	var plans []planned
	for _, u := range uses {
		for i := range used {
			if why := c.pure(u.call.Args[i]); why != "" {
				report(fmt.Sprintf("the argument %s of %s %s; remove the deadline, and %s", types.ExprString(u.call.Args[i]), types.ExprString(u.call), why, bound))
				return
			}
		}
		var args []ast.Expr
		for i := range used {
			args = append(args, u.call.Args[i])
		}
		text := c.substituted(p.d, params, u.call)
		b, why := c.placeBound(u.litCur, p, text, outside, append(args, p.d)...)
		if why != "" {
			report(why)
			return
		}
		plans = append(plans, planned{u, b, text})
	}
	// One rewrite for all the uses: the factory's deadline goes for all
	// of them at once, so each site's fix makes the whole change (the
	// fixes are the same), and any one of them applied alone is right.
	step := func(x *edit.Fix) bool {
		for i, pl := range plans {
			if pl.b.addTo == nil {
				continue
			}
			v, ok := c.substitute(x, p.d, params, pl.use.call)
			if !ok {
				return x.Fail("cannot copy %s", types.ExprString(p.d))
			}
			none := &dialPlan{dls: p.dls}
			if i == 0 {
				none = p
			}
			if !c.applyPlan(x, none, pl.b, v) {
				return false
			}
		}
		if plans[0].b.addTo == nil {
			return c.applyPlan(x, p, plans[0].b, nil)
		}
		return true
	}
	for _, pl := range plans {
		fix := c.s.NewFix()
		fix.Do(step)
		instead := strings.Replace(pl.b.instead, types.ExprString(p.d), pl.value, 1)
		c.s.Fixed(pl.use.kv.Pos(), pl.use.kv.End(), fix,
			"%s makes a dial function that puts an expiry date on every connection it returns (%s in %s): %s after the dial, whatever request reuses a pooled connection fails with i/o timeout, however fast the server; %s",
			types.ExprString(pl.use.call), first.text(), fn.Name(), pl.value, instead)
	}
}

// ownFactory returns why the rule may not change the factory fn (""
// if it may): it can be called from other packages, or the package uses it
// for something other than making a Transport literal's dial function, or
// a file of the package the rule does not see (a test, another platform's
// file) may.
func (c *checker) ownFactory(fn *types.Func, returns int) string {
	if returns != 1 {
		return fn.Name() + " has several return statements"
	}
	if fn.Exported() && c.pass.Pkg.Name() != "main" {
		return fn.Name() + " is exported (other packages may call it)"
	}
	if fn.Signature().Recv() != nil {
		return fn.Name() + " is a method"
	}
	for _, f := range c.pass.Files {
		ins := inspector.New([]*ast.File{f})
		for cur := range ins.Root().Preorder((*ast.Ident)(nil)) {
			id := cur.Node().(*ast.Ident)
			if c.info.Uses[id] != fn {
				continue
			}
			fnCur := cur
			if fnCur.ParentEdgeKind() == edge.SelectorExpr_Sel {
				fnCur = fnCur.Parent()
			}
			if fnCur.ParentEdgeKind() != edge.CallExpr_Fun {
				return fn.Name() + " is used as a value"
			}
			callCur := fnCur.Parent()
			if callCur.ParentEdgeKind() != edge.KeyValueExpr_Value {
				return fn.Name() + " is called for something other than a Transport's dial function"
			}
			kv := callCur.Parent().Node().(*ast.KeyValueExpr)
			lit, ok := callCur.Parent().Parent().Node().(*ast.CompositeLit)
			key, _ := kv.Key.(*ast.Ident)
			if !ok || key == nil || !dialFields[key.Name] || !match.IsTransport(match.LitType(c.info, lit)) ||
				keepAlivesOff(c.info, lit) || c.s.Skip(lit.Pos()) {
				return fn.Name() + " is called for something other than a Transport's dial function"
			}
		}
	}
	for _, df := range c.s.Files().DirFiles(c.pass.IgnoredFiles) {
		found := false
		ast.Inspect(df.Ast, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == fn.Name() {
				found = true
			}
			return !found
		})
		if found {
			return fn.Name() + " is named in " + filepath.Base(df.Path) + ", which the rule does not see"
		}
	}
	return ""
}

// pure returns why an argument expression cannot be evaluated a second
// time with the same value, or "": it calls something, or receives.
func (c *checker) pure(e ast.Expr) string {
	why := ""
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			if tv, ok := c.info.Types[x.Fun]; ok && tv.IsType() {
				return true
			}
			why = "calls " + types.ExprString(x.Fun)
		case *ast.UnaryExpr:
			if x.Op == token.ARROW {
				why = "receives from a channel"
			}
		case *ast.FuncLit:
			why = "is a function literal"
		}
		return why == ""
	})
	return why
}

// substituted returns the text of d with the factory's parameters
// replaced by the arguments of call, for messages.
func (c *checker) substituted(d ast.Expr, params map[*types.Var]int, call *ast.CallExpr) string {
	text := types.ExprString(d)
	if id, ok := ast.Unparen(d).(*ast.Ident); ok {
		if v, ok := c.info.Uses[id].(*types.Var); ok {
			if i, ok := params[v]; ok {
				return types.ExprString(call.Args[i])
			}
		}
		return text
	}
	// Replace whole identifiers, longest first.
	var names []string
	repl := map[string]string{}
	for v, i := range params {
		names = append(names, v.Name())
		repl[v.Name()] = types.ExprString(call.Args[i])
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	var b strings.Builder
	for i := 0; i < len(text); {
		matched := false
		for _, n := range names {
			if strings.HasPrefix(text[i:], n) && (i == 0 || !isIdentByte(text[i-1])) &&
				(i+len(n) == len(text) || !isIdentByte(text[i+len(n)])) && (i == 0 || text[i-1] != '.') {
				b.WriteString(repl[n])
				i += len(n)
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte(text[i])
			i++
		}
	}
	return b.String()
}

func isIdentByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// substitute returns, in the fix, a copy of d with the factory's
// parameters replaced by copies of the arguments of call.
func (c *checker) substitute(x *edit.Fix, d ast.Expr, params map[*types.Var]int, call *ast.CallExpr) (dst.Expr, bool) {
	repl := map[dst.Node]dst.Node{}
	ok := true
	ast.Inspect(d, func(n ast.Node) bool {
		id, isID := n.(*ast.Ident)
		if !isID {
			return true
		}
		v, isVar := c.info.Uses[id].(*types.Var)
		if !isVar {
			return true
		}
		i, isParam := params[v]
		if !isParam {
			return true
		}
		from, ok1 := x.Node(id).(dst.Node)
		to, ok2 := x.Node(call.Args[i]).(dst.Expr)
		if !ok1 || !ok2 || from == nil || to == nil {
			ok = false
			return false
		}
		repl[from] = plainCopy(to)
		return true
	})
	dd, isExpr := x.Node(d).(dst.Expr)
	if !ok || !isExpr || dd == nil {
		return nil, false
	}
	if r, ok := repl[dd]; ok {
		return r.(dst.Expr), true // d is a parameter
	}
	v := plainCopy(dd)
	// plainCopy cloned dd: find the copies of the identifiers to replace
	// by walking both in step.
	var orig, cp []dst.Node
	dst.Inspect(dd, func(n dst.Node) bool {
		if n != nil {
			orig = append(orig, n)
		}
		return true
	})
	dst.Inspect(v, func(n dst.Node) bool {
		if n != nil {
			cp = append(cp, n)
		}
		return true
	})
	if len(orig) != len(cp) {
		return nil, false
	}
	swap := map[dst.Node]dst.Node{}
	for i := range orig {
		if r, ok := repl[orig[i]]; ok {
			swap[cp[i]] = r
		}
	}
	res := dstutil.Apply(v, func(cur *dstutil.Cursor) bool {
		if r, ok := swap[cur.Node()]; ok {
			cur.Replace(r)
			return false
		}
		return true
	}, nil)
	return res.(dst.Expr), true
}

// cursorOf returns the cursor of a node of one of the package's files.
func (c *checker) cursorOf(n ast.Node) (inspector.Cursor, bool) {
	f := c.s.Files().Of(n.Pos())
	if f == nil {
		return inspector.Cursor{}, false
	}
	return inspector.New([]*ast.File{f.Ast}).Root().FindNode(n)
}

// reportOnce reports a deadline of a dial function the rule does not
// rewrite, once however many Transports use the function.
func (c *checker) reportOnce(dl *deadline, why, format string, args ...any) {
	if c.reported[dl.call.Pos()] {
		return
	}
	c.reported[dl.call.Pos()] = true
	where := fmt.Sprintf(format, args...)
	c.s.Reportf(dl.call.Pos(), "%s in %s puts an expiry date on every connection it returns: whatever request reuses a pooled connection after that fails with i/o timeout, however fast the server; not rewritten, as %s; remove the deadline, and bound each request with the Transport's ResponseHeaderTimeout or the client's Timeout",
		dl.text(), where, why)
}

// funcDecl returns the declaration of a function or method of the
// package.
func (c *checker) funcDecl(fn *types.Func) *ast.FuncDecl {
	if c.decls == nil {
		c.decls = map[*types.Func]*ast.FuncDecl{}
		for _, f := range c.pass.Files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok {
					if obj, ok := c.info.Defs[fd.Name].(*types.Func); ok {
						c.decls[obj] = fd
					}
				}
			}
		}
	}
	return c.decls[fn.Origin()]
}

// ---- The deadlines a dial function sets ----

// deadlines returns the calls of the dial function fn that set a deadline
// on a connection it returns and leave it set: a later call on the same
// connection that clears the deadline (time.Time{}) makes them a bound on
// the dial alone, which is right.
func (c *checker) deadlines(fn inspector.Cursor) []*deadline {
	returned := map[*types.Var]bool{}
	for cur := range fn.Preorder((*ast.ReturnStmt)(nil)) {
		if !directlyIn(cur, fn) {
			continue
		}
		rs := cur.Node().(*ast.ReturnStmt)
		if len(rs.Results) == 0 {
			continue
		}
		if id, ok := ast.Unparen(rs.Results[0]).(*ast.Ident); ok {
			if v, ok := c.info.Uses[id].(*types.Var); ok {
				returned[v] = true
			}
		}
	}
	var set []*deadline
	cleared := map[*types.Var]token.Pos{} // the last clearing call on each connection
	for cur := range fn.Preorder((*ast.CallExpr)(nil)) {
		if !directlyIn(cur, fn) {
			continue
		}
		call := cur.Node().(*ast.CallExpr)
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || !deadlineMethods[sel.Sel.Name] || len(call.Args) != 1 {
			continue
		}
		id, ok := ast.Unparen(sel.X).(*ast.Ident)
		if !ok {
			continue
		}
		conn, ok := c.info.Uses[id].(*types.Var)
		if !ok || !returned[conn] || !c.setsDeadline(call) {
			continue
		}
		if isZeroTime(c.info, call.Args[0]) {
			if call.Pos() > cleared[conn] {
				cleared[conn] = call.Pos()
			}
			continue
		}
		dl := &deadline{cur: cur, call: call, method: sel.Sel.Name, conn: conn}
		c.relative(fn, dl)
		set = append(set, dl)
	}
	var out []*deadline
	for _, dl := range set {
		if cleared[dl.conn] > dl.call.Pos() {
			continue
		}
		out = append(out, dl)
	}
	return out
}

// setsDeadline reports whether call calls a method of the signature
// func(time.Time) error (net.Conn's, *net.TCPConn's, *tls.Conn's...).
func (c *checker) setsDeadline(call *ast.CallExpr) bool {
	sig, ok := types.Unalias(c.info.TypeOf(call.Fun)).(*types.Signature)
	return ok && sig.Params().Len() == 1 && match.IsNamed(sig.Params().At(0).Type(), "time", "Time") &&
		sig.Results().Len() == 1 && match.IsError(sig.Results().At(0).Type())
}

// directlyIn reports whether cur is in fn's own body, not in a function
// literal within it.
func directlyIn(cur, fn inspector.Cursor) bool {
	for enc := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		return enc == fn
	}
	return false
}

// isZeroTime reports whether e is time.Time{}.
func isZeroTime(info *types.Info, e ast.Expr) bool {
	cl, ok := ast.Unparen(e).(*ast.CompositeLit)
	return ok && len(cl.Elts) == 0 && match.IsNamed(info.TypeOf(cl), "time", "Time")
}

// relative fills in d if the deadline is time.Now().Add(d), directly or
// through a local variable of the dial function used for nothing else.
func (c *checker) relative(fn inspector.Cursor, dl *deadline) {
	arg := ast.Unparen(dl.call.Args[0])
	if d := nowAdd(c.info, arg); d != nil {
		dl.d = d
		return
	}
	id, ok := arg.(*ast.Ident)
	if !ok {
		return
	}
	v, ok := c.info.Uses[id].(*types.Var)
	if !ok || v.Pos() < fn.Node().Pos() || v.Pos() >= fn.Node().End() {
		return
	}
	uses := 0
	for cur := range fn.Preorder((*ast.Ident)(nil)) {
		if c.info.Uses[cur.Node().(*ast.Ident)] == v {
			uses++
		}
	}
	if uses != 1 {
		return
	}
	for cur := range fn.Preorder((*ast.AssignStmt)(nil)) {
		as := cur.Node().(*ast.AssignStmt)
		if as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			continue
		}
		if lid, ok := as.Lhs[0].(*ast.Ident); ok && c.info.Defs[lid] == v {
			if d := nowAdd(c.info, ast.Unparen(as.Rhs[0])); d != nil {
				dl.d, dl.dvar, dl.dvarAt = d, v, cur
			}
		}
	}
}

// nowAdd returns d if e is time.Now().Add(d).
func nowAdd(info *types.Info, e ast.Expr) ast.Expr {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 || !match.IsMethod(match.CalleeFunc(info, call), "time", "Time", "Add") {
		return nil
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	now, ok := ast.Unparen(sel.X).(*ast.CallExpr)
	if !ok || len(now.Args) != 0 || !match.IsFunc(match.CalleeFunc(info, now), "time", "Now") {
		return nil
	}
	return call.Args[0]
}

// ---- Fix or report ----

// bound is the advice every report ends with.
const bound = "bound each request with the Transport's ResponseHeaderTimeout or the client's Timeout"

// fixOrReport rewrites the deadlines of a dial function literal of the
// Transport literal at litCur, or reports them with the reason it cannot.
func (c *checker) fixOrReport(litCur inspector.Cursor, field string, fn inspector.Cursor, dls []*deadline) {
	first := dls[0]
	report := func(why string) {
		c.s.Reportf(first.call.Pos(), "%s in the Transport's %s function puts an expiry date on every connection it returns: whatever request reuses a pooled connection after that fails with i/o timeout, however fast the server; not rewritten, as %s",
			first.text(), field, why)
	}
	p, why := c.planDial(fn, dls)
	if why != "" {
		report(why)
		return
	}
	if why := c.movable(p.d, fn); why != "" {
		report(fmt.Sprintf("%s %s; remove the deadline, and %s", types.ExprString(p.d), why, bound))
		return
	}
	b, why := c.placeBound(litCur, p, types.ExprString(p.d), nil, p.d)
	if why != "" {
		report(why)
		return
	}
	fix := c.s.NewFix()
	fix.Do(func(x *edit.Fix) bool {
		var value dst.Expr
		if b.addTo != nil {
			dd, ok := x.Node(p.d).(dst.Expr)
			if !ok {
				return x.Fail("cannot copy %s", types.ExprString(p.d))
			}
			value = plainCopy(dd)
		}
		return c.applyPlan(x, p, b, value)
	})
	c.s.Fixed(first.call.Pos(), first.call.End(), fix,
		"%s in the Transport's %s function puts an expiry date on every connection it returns: %s after the dial, whatever request reuses a pooled connection fails with i/o timeout, however fast the server; %s",
		first.text(), field, types.ExprString(p.d), b.instead)
}

// plainCopy copies an expression without the spacing and comments around
// it.
func plainCopy(e dst.Expr) dst.Expr {
	v := dst.Clone(e).(dst.Expr)
	dec := v.Decorations()
	dec.Before, dec.After, dec.Start, dec.End = dst.None, dst.None, nil, nil
	return v
}

// A dialPlan is what taking the deadlines out of a dial function takes.
type dialPlan struct {
	dls    []*deadline
	d      ast.Expr           // the duration of them all
	remove []inspector.Cursor // the statements to remove
	read   bool               // a bound on the response, not only on writes
}

// planDial checks that the deadlines of the dial function fn can be taken
// out: one duration, statements that can go, and a connection used for
// nothing else after them. It returns why not (the end of a report).
func (c *checker) planDial(fn inspector.Cursor, dls []*deadline) (*dialPlan, string) {
	first := dls[0]
	p := &dialPlan{dls: dls, d: first.d}
	for _, dl := range dls {
		if dl.d == nil {
			return nil, fmt.Sprintf("the deadline is a fixed time (%s), not time.Now().Add of a duration; clear it (%s.SetDeadline(time.Time{})) before returning the connection, and %s",
				types.ExprString(dl.call.Args[0]), dl.conn.Name(), bound)
		}
		if !sameExpr(c.info, dl.d, first.d) {
			return nil, fmt.Sprintf("the deadlines differ (%s, %s); remove them, and %s",
				types.ExprString(first.d), types.ExprString(dl.d), bound)
		}
		p.read = p.read || dl.method != "SetWriteDeadline"
	}
	removed := func(pos token.Pos) bool {
		for _, r := range p.remove {
			if r.Node().Pos() <= pos && pos < r.Node().End() {
				return true
			}
		}
		return false
	}
	for _, dl := range dls {
		stmts, why := c.removable(fn, dl)
		if why != "" {
			return nil, fmt.Sprintf("it cannot be removed cleanly (%s); remove it, and %s", why, bound)
		}
		p.remove = append(p.remove, stmts...)
		if dl.dvar != nil {
			p.remove = append(p.remove, dl.dvarAt)
		}
	}
	// The connection must not be used after the deadline is set, but to
	// be returned: otherwise the deadline bounds that I/O too.
	for cur := range fn.Preorder((*ast.Ident)(nil)) {
		id := cur.Node().(*ast.Ident)
		v, ok := c.info.Uses[id].(*types.Var)
		if !ok || id.Pos() < first.call.Pos() || removed(id.Pos()) {
			continue
		}
		isConn := false
		for _, dl := range dls {
			isConn = isConn || v == dl.conn
		}
		if !isConn || cur.ParentEdgeKind() == edge.ReturnStmt_Results {
			continue
		}
		use := types.ExprString(id)
		if pe, ok := cur.Parent().Node().(ast.Expr); ok {
			use = types.ExprString(pe)
			if pp, ok := cur.Parent().Parent().Node().(*ast.CallExpr); ok {
				use = types.ExprString(pp)
			}
		}
		return nil, fmt.Sprintf("the deadline also bounds %s in the dial function; clear it (%s.SetDeadline(time.Time{})) after that, before returning the connection, and %s",
			use, v.Name(), bound)
	}
	return p, ""
}

// A boundPlan says which literal gets the bound the deadline was for.
type boundPlan struct {
	addTo   *ast.CompositeLit // the Transport or Client literal, or nil: bounded already
	key     string            // ResponseHeaderTimeout or Timeout
	instead string            // for the message
}

// placeBound decides what bounds each request of the Transport literal at
// litCur once its dial deadline is gone, the duration being text, made of
// the expressions values (which must mean the same where the bound goes): its ResponseHeaderTimeout for a deadline
// on reads, where it sets none; else the Timeout of the Client built on it
// in the file, where it has none; else nothing, if one of them is set
// already. It returns why it cannot (the end of a report).
func (c *checker) placeBound(litCur inspector.Cursor, p *dialPlan, text string, except map[types.Object]bool, values ...ast.Expr) (*boundPlan, string) {
	lit := litCur.Node().(*ast.CompositeLit)
	rht := match.KeyedField(lit, "ResponseHeaderTimeout") != nil || c.transportWrites(litCur, "ResponseHeaderTimeout")
	client := c.clientOf(litCur)
	for _, v := range values {
		if client != nil && !c.visibleAt(v, client.Pos(), except) {
			client = nil
		}
	}
	clientTimeout := client != nil && match.KeyedField(client, "Timeout") != nil
	switch {
	case p.read && !rht:
		return &boundPlan{lit, "ResponseHeaderTimeout", "bound each request instead (ResponseHeaderTimeout: " + text + ")"}, ""
	case client != nil && !clientTimeout:
		return &boundPlan{client, "Timeout", "bound each request instead (the client's Timeout: " + text + ")"}, ""
	case clientTimeout:
		return &boundPlan{instead: "each request is bounded already (the client's Timeout): remove the deadline"}, ""
	case p.read:
		return &boundPlan{instead: "each request is bounded already (the Transport's ResponseHeaderTimeout): remove the deadline"}, ""
	}
	return nil, "it bounds writing requests, which no Transport setting bounds, and no Client literal of the file uses this Transport; remove it, and set the Timeout of the Client that uses the Transport to " + text
}

// applyPlan makes the plan's edits in the fix: the deadlines go, and the
// bound goes where b says, set to value.
func (c *checker) applyPlan(x *edit.Fix, p *dialPlan, b *boundPlan, value dst.Expr) bool {
	for _, r := range p.remove {
		slot, ok := edit.SlotOf(x, r)
		if !ok || !slot.Remove() {
			return x.Fail("cannot remove %s", types.ExprString(p.dls[0].call))
		}
	}
	if b.addTo != nil {
		return addField(x, c.pass.Fset, b.addTo, b.key, value)
	}
	return true
}

// visibleAt reports whether every name d uses (but those of except, which
// the rewrite replaces) means the same at pos.
func (c *checker) visibleAt(d ast.Expr, pos token.Pos, except map[types.Object]bool) bool {
	scope := c.pass.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return false
	}
	ok := true
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				walk(x.X) // x.Sel is a field, a method or a package member
				return false
			case *ast.Ident:
				if obj := c.info.Uses[x]; obj != nil && !except[obj] {
					if _, got := scope.LookupParent(x.Name, pos); got != obj {
						ok = false
					}
				}
			}
			return true
		})
	}
	walk(d)
	return ok
}

// sameExpr reports whether two expressions are the same text referring
// to the same objects.
func sameExpr(info *types.Info, a, b ast.Expr) bool {
	if types.ExprString(a) != types.ExprString(b) {
		return false
	}
	var objs []types.Object
	ast.Inspect(a, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			objs = append(objs, info.Uses[id])
		}
		return true
	})
	i, same := 0, true
	ast.Inspect(b, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			same = same && i < len(objs) && objs[i] == info.Uses[id]
			i++
		}
		return true
	})
	return same && i == len(objs)
}

// movable returns why d, read in the dial function fn at each dial, would
// not be the same value read once where the Transport is built ("" if it
// would).
func (c *checker) movable(d ast.Expr, fn inspector.Cursor) (why string) {
	return c.movableExcept(d, fn, nil)
}

// movableExcept is movable, the variables of except (a factory's
// parameters, which the rewrite replaces) aside.
func (c *checker) movableExcept(d ast.Expr, fn inspector.Cursor, except map[types.Object]bool) (why string) {
	inFn := func(obj types.Object) bool {
		return obj.Pos() >= fn.Node().Pos() && obj.Pos() < fn.Node().End()
	}
	var walk func(e ast.Expr) bool
	walk = func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.BasicLit:
		case *ast.ParenExpr:
			return walk(x.X)
		case *ast.BinaryExpr:
			return walk(x.X) && walk(x.Y)
		case *ast.UnaryExpr:
			if x.Op != token.SUB && x.Op != token.ADD {
				why = "is not a plain duration"
				return false
			}
			return walk(x.X)
		case *ast.CallExpr:
			if tv, ok := c.info.Types[x.Fun]; ok && tv.IsType() && len(x.Args) == 1 {
				return walk(x.Args[0]) // a conversion
			}
			why = "is computed when each connection is dialed (it calls " + types.ExprString(x.Fun) + ")"
			return false
		case *ast.Ident:
			if except[c.info.Uses[x]] {
				return true
			}
			return c.movableObj(c.info.Uses[x], x.Name, x == d, inFn, &why)
		case *ast.SelectorExpr:
			if sel := c.info.Selections[x]; sel != nil {
				if sel.Kind() != types.FieldVal {
					why = "is computed when each connection is dialed (" + types.ExprString(x) + ")"
					return false
				}
				if sel.Indirect() || isPointer(c.info.TypeOf(x.X)) {
					why = "is read through a pointer when each connection is dialed, and may change after the Transport is built"
					if x != d {
						why = "reads " + types.ExprString(x) + " through a pointer when each connection is dialed, and it may change after the Transport is built"
					}
					return false
				}
				return walk(x.X)
			}
			return c.movableObj(c.info.Uses[x.Sel], types.ExprString(x), x == d, inFn, &why)
		default:
			why = "is not a plain duration"
			return false
		}
		return true
	}
	walk(d)
	return why
}

// movableObj reports whether an object d refers to has, where the
// Transport is built, the value it has when a connection is dialed.
func (c *checker) movableObj(obj types.Object, name string, whole bool, inFn func(types.Object) bool, why *string) bool {
	switch obj := obj.(type) {
	case nil:
		*why = "is not understood"
		return false
	case *types.Const:
		if inFn(obj) {
			*why = "uses " + name + ", a constant of the dial function"
			return false
		}
	case *types.Var:
		switch {
		case inFn(obj):
			*why = "is computed when each connection is dialed"
			if !whole {
				*why += " (it uses " + name + ")"
			}
			return false
		case obj.Pkg() != c.pass.Pkg:
			*why = "reads " + name + ", a variable of another package, which may change after the Transport is built"
			if whole {
				*why = "is a variable of another package, which may change after the Transport is built"
			}
			return false
		}
		if where := c.written(obj); where != "" {
			*why = "reads " + name + ", which is assigned in " + where + ": its value when the Transport is built may not be its value at each dial"
			if whole {
				*why = "is assigned in " + where + ": its value when the Transport is built may not be its value at each dial"
			}
			return false
		}
	case *types.PkgName, *types.TypeName, *types.Builtin, *types.Nil:
	default:
		*why = "is computed when each connection is dialed (" + name + ")"
		return false
	}
	return true
}

func isPointer(t types.Type) bool {
	_, ok := types.Unalias(t).Underlying().(*types.Pointer)
	return ok
}

// written returns where v (a variable of the package, local or not) is
// assigned, incremented or has its address taken after its declaration,
// or "".
func (c *checker) written(v *types.Var) string {
	if !c.scanned {
		c.scanned = true
		c.writes = map[*types.Var]string{}
		for _, f := range c.pass.Files {
			record := func(e ast.Expr, pos token.Pos) {
				for {
					switch x := e.(type) {
					case *ast.ParenExpr:
						e = x.X
						continue
					case *ast.SelectorExpr:
						if sel := c.info.Selections[x]; sel != nil && sel.Kind() == types.FieldVal && !sel.Indirect() {
							e = x.X
							continue
						}
						if v, ok := c.info.Uses[x.Sel].(*types.Var); ok {
							c.mark(f, v, pos)
						}
					case *ast.IndexExpr:
						if _, ok := types.Unalias(c.info.TypeOf(x.X)).Underlying().(*types.Array); ok {
							e = x.X
							continue
						}
					case *ast.Ident:
						if v, ok := c.info.Uses[x].(*types.Var); ok {
							c.mark(f, v, pos)
						}
					}
					return
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					for _, lhs := range n.Lhs {
						record(lhs, n.Pos())
					}
				case *ast.IncDecStmt:
					record(n.X, n.Pos())
				case *ast.UnaryExpr:
					if n.Op == token.AND {
						record(n.X, n.Pos())
					}
				case *ast.RangeStmt:
					if n.Tok == token.ASSIGN {
						for _, e := range []ast.Expr{n.Key, n.Value} {
							if e != nil {
								record(e, n.Pos())
							}
						}
					}
				}
				return true
			})
		}
	}
	return c.writes[v]
}

// mark records a write to v at pos in f (the first one found).
func (c *checker) mark(f *ast.File, v *types.Var, pos token.Pos) {
	if _, ok := c.writes[v]; ok {
		return
	}
	where := "a package-level declaration"
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Pos() <= pos && pos < fd.End() {
			where = fd.Name.Name
		}
	}
	c.writes[v] = where + " (" + filepath.Base(c.pass.Fset.Position(pos).Filename) + ")"
}

// removable returns the statements to remove to take the deadline call
// away, or why it cannot be: a call alone or assigned to _, an error
// check of it that nothing else reads, or an if statement whose init is
// the call.
func (c *checker) removable(fn inspector.Cursor, dl *deadline) ([]inspector.Cursor, string) {
	call := dl.cur
	parent := call.Parent()
	switch call.ParentEdgeKind() {
	case edge.ExprStmt_X:
		return []inspector.Cursor{parent}, ""
	case edge.AssignStmt_Rhs:
		as := parent.Node().(*ast.AssignStmt)
		if len(as.Lhs) != 1 {
			return nil, "its result is assigned with others"
		}
		lhs, ok := as.Lhs[0].(*ast.Ident)
		if !ok {
			return nil, "its error is stored in " + types.ExprString(as.Lhs[0])
		}
		if lhs.Name == "_" {
			return []inspector.Cursor{parent}, ""
		}
		errVar, _ := c.info.ObjectOf(lhs).(*types.Var)
		if parent.ParentEdgeKind() == edge.IfStmt_Init {
			ifCur := parent.Parent()
			ifs := ifCur.Node().(*ast.IfStmt)
			if !isErrCheck(c.info, ifs, errVar) {
				return nil, "the if statement around it does more than check its error"
			}
			if why := c.readAfter(fn, errVar, ifs); why != "" {
				return nil, why
			}
			return []inspector.Cursor{ifCur}, ""
		}
		next, ok := parent.NextSibling()
		if !ok {
			return nil, "its error is not checked"
		}
		ifs, ok := next.Node().(*ast.IfStmt)
		if !ok || ifs.Init != nil || !isErrCheck(c.info, ifs, errVar) {
			if why := c.readAfter(fn, errVar, as); why != "" {
				return nil, why
			}
			return []inspector.Cursor{parent}, ""
		}
		if why := c.readAfter(fn, errVar, ifs); why != "" {
			return nil, why
		}
		return []inspector.Cursor{parent, next}, ""
	}
	return nil, "the call is part of a larger expression"
}

// isErrCheck reports whether ifs is "if err != nil { ... }" with no else.
func isErrCheck(info *types.Info, ifs *ast.IfStmt, errVar *types.Var) bool {
	be, ok := ast.Unparen(ifs.Cond).(*ast.BinaryExpr)
	if !ok || be.Op != token.NEQ || ifs.Else != nil || errVar == nil {
		return false
	}
	isErr := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && info.Uses[id] == errVar
	}
	isNil := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return false
		}
		_, ok = info.Uses[id].(*types.Nil)
		return ok
	}
	return isErr(be.X) && isNil(be.Y) || isNil(be.X) && isErr(be.Y)
}

// readAfter returns why removing the statement after which errVar is no
// longer set by the deadline call would change what later code reads:
// errVar is read after it.
func (c *checker) readAfter(fn inspector.Cursor, errVar *types.Var, after ast.Node) string {
	if errVar == nil {
		return ""
	}
	for cur := range fn.Preorder((*ast.Ident)(nil)) {
		id := cur.Node().(*ast.Ident)
		if id.Pos() < after.End() || c.info.Uses[id] != errVar {
			continue
		}
		if cur.ParentEdgeKind() == edge.AssignStmt_Lhs {
			continue
		}
		return errVar.Name() + ", which it sets, is read after it"
	}
	return ""
}

// transportWrites reports whether the function around the Transport
// literal at litCur assigns field of the variable it initializes.
func (c *checker) transportWrites(litCur inspector.Cursor, field string) bool {
	v := c.varOf(litCur)
	if v == nil {
		return false
	}
	for _, f := range c.pass.Files {
		found := false
		ast.Inspect(f, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || found {
				return !found
			}
			for _, lhs := range as.Lhs {
				if se, ok := ast.Unparen(lhs).(*ast.SelectorExpr); ok && se.Sel.Name == field {
					if id, ok := ast.Unparen(se.X).(*ast.Ident); ok && c.info.Uses[id] == v {
						found = true
					}
				}
			}
			return true
		})
		if found {
			return true
		}
	}
	return false
}

// exprCur returns the cursor of what holds the Transport literal: &lit,
// or the literal.
func exprCur(litCur inspector.Cursor) inspector.Cursor {
	c := litCur
	for {
		switch c.ParentEdgeKind() {
		case edge.ParenExpr_X:
			c = c.Parent()
			continue
		case edge.UnaryExpr_X:
			if c.Parent().Node().(*ast.UnaryExpr).Op == token.AND {
				c = c.Parent()
				continue
			}
		}
		return c
	}
}

// varOf returns the variable the Transport literal at litCur initializes
// or is assigned to, or nil.
func (c *checker) varOf(litCur inspector.Cursor) *types.Var {
	e := exprCur(litCur)
	var id *ast.Ident
	switch ek, idx := e.ParentEdge(); ek {
	case edge.AssignStmt_Rhs:
		as := e.Parent().Node().(*ast.AssignStmt)
		if len(as.Lhs) == len(as.Rhs) {
			id, _ = ast.Unparen(as.Lhs[idx]).(*ast.Ident)
		}
	case edge.ValueSpec_Values:
		vs := e.Parent().Node().(*ast.ValueSpec)
		if len(vs.Names) == len(vs.Values) {
			id = vs.Names[idx]
		}
	}
	if id == nil {
		return nil
	}
	v, _ := c.info.ObjectOf(id).(*types.Var)
	return v
}

// clientOf returns the one http.Client literal of the file that uses the
// Transport literal at litCur: the literal around it (Transport: &http.Transport{...}),
// or the one whose Transport is the variable the literal initializes.
func (c *checker) clientOf(litCur inspector.Cursor) *ast.CompositeLit {
	e := exprCur(litCur)
	if e.ParentEdgeKind() == edge.KeyValueExpr_Value {
		kv := e.Parent().Node().(*ast.KeyValueExpr)
		if cl, ok := e.Parent().Parent().Node().(*ast.CompositeLit); ok && isClientLit(c.info, cl) {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Transport" {
				return cl
			}
		}
		return nil
	}
	v := c.varOf(litCur)
	if v == nil {
		return nil
	}
	f := c.s.Files().Of(litCur.Node().Pos())
	if f == nil {
		return nil
	}
	var found []*ast.CompositeLit
	ast.Inspect(f.Ast, func(n ast.Node) bool {
		cl, ok := n.(*ast.CompositeLit)
		if !ok || !isClientLit(c.info, cl) {
			return true
		}
		kv := match.KeyedField(cl, "Transport")
		if kv == nil {
			return true
		}
		val := ast.Unparen(kv.Value)
		if u, ok := val.(*ast.UnaryExpr); ok && u.Op == token.AND {
			val = ast.Unparen(u.X)
		}
		if id, ok := val.(*ast.Ident); ok && c.info.Uses[id] == v {
			found = append(found, cl)
		}
		return true
	})
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

func isClientLit(info *types.Info, cl *ast.CompositeLit) bool {
	return match.IsNamed(match.LitType(info, cl), match.NetHTTP, "Client")
}

// addField sets key to value in the fix's copy of lit, after its last
// field, on a line of its own in a literal written one field per line.
func addField(x *edit.Fix, fset *token.FileSet, lit *ast.CompositeLit, key string, value dst.Expr) bool {
	dl, ok := x.Node(lit).(*dst.CompositeLit)
	if !ok {
		return x.Fail("cannot find the literal to set %s in", key)
	}
	kv := &dst.KeyValueExpr{Key: dst.NewIdent(key), Value: value}
	if match.OneFieldPerLine(fset, lit) {
		kv.Decs.Before = dst.NewLine
		kv.Decs.After = dst.NewLine
	}
	dl.Elts = append(dl.Elts, kv)
	return true
}

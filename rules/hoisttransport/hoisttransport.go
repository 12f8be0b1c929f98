// hoisttransport: one Transport per package, not one per call.
//
// Why the rewrite is safe. The rule moves an http.Transport literal (or a
// clone of http.DefaultTransport) from a function body to a package-level
// variable, and the function uses the variable. Before and after the
// transformation, every call of the function gets a *http.Transport with
// the same configuration; what changes is that the calls now share one,
// and so share its connection pool, which is the point. Transports and
// Clients are safe for concurrent use by multiple goroutines (net/http
// documents it), so concurrent calls may share one. Sharing is harmless
// only under conditions the rule checks before it rewrites:
//
//   - The transport lives only for the call: neither it nor anything
//     built on it (a Client, a struct) is returned, stored outside the
//     function's locals, sent on a channel, passed to another function,
//     or used by a goroutine or a closure that outlives the call (see
//     hoisttransport_flow.go). Otherwise it belongs to an object with a
//     lifetime of its own (a constructor keeping it in what it returns is
//     the right pattern: one pool per client object), and merging those
//     pools would be wrong. Such sites are left alone, silently.
//   - Nobody changes it after construction: no field assignment, no
//     CloseIdleConnections, no configurator taking a *http.Transport
//     (http2.ConfigureTransport), nothing written through its fields
//     (TLSClientConfig...). A shared Transport that one call changes or
//     closes would change or close it for every other call, concurrently.
//     Such sites are reported.
//   - The literal means the same thing when evaluated once, at package
//     initialization, as when evaluated on each call: it refers only to
//     package-level declarations, imports, constants and builtins, and
//     not to package variables that are assigned after their declaration
//     or read through a pointer (*insecureFlag is still false at
//     initialization), nor does it call the package's own functions
//     (which may depend on such state). Function literals inside it (a
//     DialContext) run when called, as before, so only their free
//     variables matter. A clone of http.DefaultTransport is taken at
//     initialization too, so a package that replaces or changes
//     http.DefaultTransport (a test mock, say) keeps its per-call clones.
//   - The program still compiles: the variable's name collides with
//     nothing in the package (its files for every build context, its
//     tests) and is not shadowed where it is used; a Transport used as a
//     value (tr := http.Transport{...}) becomes a pointer only when every
//     use takes its address or selects a field or method; the literal
//     does not lead back (through the functions and variables it refers
//     to) to a function that uses the variable, which would be an
//     initialization cycle; and the engine type-checks the result before
//     writing it.
//
// A Transport with DisableKeepAlives set pools nothing: hoisting it gains
// nothing, so it is left alone. Literals directly in main and in init run
// once anyway. A Client literal around the Transport is hoisted with it
// when it too depends only on package-level values and is not changed;
// otherwise only the Transport moves. Identical literals of a package (same
// text, comments included, and same referents) share one variable.

package hoisttransport

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/format"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/dave/dst"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/config"
	"github.com/httpfix/httpfix/rules/internal/edit"
	"github.com/httpfix/httpfix/rules/internal/flow"
	"github.com/httpfix/httpfix/rules/internal/match"
)

//go:embed doc.go
var doc string

// Analyzer is hoisttransport with the default settings (and its flags).
var Analyzer = New(config.Default())

// New returns hoisttransport configured by cfg (a copy of which its flags
// set).
func New(cfg config.Config) *analysis.Analyzer {
	return edit.NewAnalyzer("hoisttransport", "https://github.com/httpfix/httpfix#hoisttransport-one-transport-per-package-not-one-per-call", doc, cfg, nil,
		func(pass *analysis.Pass, c *config.Config) (any, error) {
			if !match.Imports(pass.Pkg, match.NetHTTP) {
				return nil, nil
			}
			s := edit.NewSession(pass, c)
			h := &hoister{pass: pass, info: pass.TypesInfo, s: s, files: s.Files()}
			h.run()
			s.Flush()
			return nil, nil
		})
}

// The kinds of values the flow of a transport follows.
const (
	tkPtr    flow.Kind = iota // the transport, as a *http.Transport
	tkValue                   // the transport, as an addressable http.Transport variable
	tkPart                    // state reachable from the transport: a field, or through one
	tkHolder                  // a value that holds, or may be, the transport: a Client, a struct, an interface
)

// hoister applies the rule to one package.
type hoister struct {
	pass  *analysis.Pass
	s     *edit.Session
	files *edit.Files
	info  *types.Info
	sites []*hoistSite

	scanned      bool
	writes       map[*types.Var]string     // package variables assigned after declaration: where
	nameWrites   map[string]string         // the same, by name, from files without types
	defaultWrite string                    // where http.DefaultTransport is replaced or changed
	taken        map[string]bool           // names declared at package or file level
	decls        map[types.Object]ast.Node // package-level funcs, methods, vars: their declarations
}

// A hoistSite is a transport built in a function body.
type hoistSite struct {
	h       *hoister
	file    *edit.File
	decl    *ast.FuncDecl    // the top-level function
	owner   inspector.Cursor // the innermost function: the call it lives in
	fnLabel string           // how messages name the owner
	expr    inspector.Cursor // &http.Transport{...}, http.Transport{...} or the Clone call
	lit     *ast.CompositeLit
	clone   bool
	flow    *flow.Tracker

	value     bool           // a value literal, in valueVar
	valueVar  *types.Var     // the variable a value literal initializes
	valueSpec *ast.ValueSpec // its declaration, if a var declaration
	addrs     []*ast.UnaryExpr

	clientLit     inspector.Cursor // Client literal whose Transport field is expr
	client        inspector.Cursor // &http.Client{...} to hoist instead, if valid
	holderMutated bool             // a holder of the transport is assigned to
	noPool        bool             // DisableKeepAlives set: nothing to pool
	blockers      []hoistBlocker
	done          bool // rewritten
}

type hoistBlocker struct {
	pos token.Pos
	msg string
}

func (h *hoister) run() {
	for _, f := range h.files.All() {
		if !h.s.Editable(f) {
			continue
		}
		ins := inspector.New([]*ast.File{f.Ast})
		for decl := range ins.Root().Preorder((*ast.FuncDecl)(nil)) {
			fd := decl.Node().(*ast.FuncDecl)
			if fd.Body == nil {
				continue
			}
			for cur := range decl.Preorder((*ast.CompositeLit)(nil), (*ast.CallExpr)(nil)) {
				h.candidate(f, decl, cur)
			}
		}
	}
	h.apply()
}

// candidate analyses the node at cur if it builds a Transport.
func (h *hoister) candidate(f *edit.File, decl, cur inspector.Cursor) {
	s := &hoistSite{h: h, file: f, decl: decl.Node().(*ast.FuncDecl)}
	kind := tkPtr
	switch n := cur.Node().(type) {
	case *ast.CompositeLit:
		if n.Type == nil || !match.IsNamed(h.info.TypeOf(n), match.NetHTTP, "Transport") {
			return
		}
		s.lit = n
		s.expr = cur
		if u, ok := cur.Parent().Node().(*ast.UnaryExpr); ok && u.Op == token.AND {
			s.expr = cur.Parent()
		} else {
			s.value = true
			kind = tkValue
		}
	case *ast.CallExpr:
		if !h.isDefaultClone(n) {
			return
		}
		s.clone = true
		s.expr = cur
	default:
		return
	}
	// A transport inside another one's literal (in its DialContext, say)
	// goes with it.
	for enc := range cur.Parent().Enclosing((*ast.CompositeLit)(nil)) {
		if match.IsNamed(h.info.TypeOf(enc.Node().(*ast.CompositeLit)), match.NetHTTP, "Transport") {
			return
		}
	}
	for enc := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		s.owner = enc
		break
	}
	if s.owner.Node() == s.decl && s.decl.Recv == nil &&
		(s.decl.Name.Name == "init" || s.decl.Name.Name == "main" && h.pass.Pkg.Name() == "main") {
		return // runs once
	}
	if s.lit != nil && hoistKeepAlivesOff(h.info, s.lit) {
		return
	}
	pos := s.expr.Node().Pos()
	if h.s.Skip(pos) {
		return
	}
	s.fnLabel = hoistFuncLabel(s.decl)
	if s.owner.Node() != s.decl {
		s.fnLabel = "the function literal in " + s.fnLabel
	}

	s.flow = flow.NewTracker(h.info, s.owner, s.hook)
	s.flow.Follow(s.expr, kind)
	s.flow.Run()
	if s.noPool || s.flow.Escaped != nil {
		return // not per call, or nothing to pool
	}

	if s.lit != nil {
		if problem, why, advice := h.outsideRef(s.lit, s); problem != "" {
			h.s.Reportf(pos, "transport literal %s; cannot move it to package level%s: %s", problem, why, advice)
			return
		}
	}
	if s.clone {
		if where := h.defaultTransportWrite(); where != "" {
			h.s.Reportf(pos, "transport is cloned from http.DefaultTransport, which is replaced or changed in %s; a clone taken once, at package initialization, would miss that: clone it once after the change, and pass it in", where)
			return
		}
	}
	if len(s.blockers) > 0 {
		sort.SliceStable(s.blockers, func(i, j int) bool { return s.blockers[i].pos < s.blockers[j].pos })
		h.s.Reportf(pos, "%s", s.blockers[0].msg)
		return
	}
	s.decideClient()
	h.sites = append(h.sites, s)
}

// isDefaultClone reports whether call is
// http.DefaultTransport.(*http.Transport).Clone().
func (h *hoister) isDefaultClone(call *ast.CallExpr) bool {
	if len(call.Args) != 0 || !match.IsMethod(match.CalleeFunc(h.info, call), match.NetHTTP, "Transport", "Clone") {
		return false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	ta, ok := ast.Unparen(sel.X).(*ast.TypeAssertExpr)
	return ok && ta.Type != nil &&
		match.IsPkgObj(match.ObjOf(h.info, ta.X), match.NetHTTP, "DefaultTransport") &&
		match.IsPtrTo(h.info.TypeOf(ta.Type), match.NetHTTP, "Transport")
}

// hoistKeepAlivesOff reports whether a Transport literal sets
// DisableKeepAlives to true.
func hoistKeepAlivesOff(info *types.Info, lit *ast.CompositeLit) bool {
	for _, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "DisableKeepAlives" && match.IsConstTrue(info, kv.Value) {
			return true
		}
	}
	return false
}

// hoistFuncLabel names a top-level function in messages: fetch, or API.fetch
// for a method.
func hoistFuncLabel(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.ParenExpr:
			t = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + fd.Name.Name
		}
		return fd.Name.Name
	}
}

// ---- Following the transport ----

func (s *hoistSite) block(pos token.Pos, format string, args ...any) {
	s.blockers = append(s.blockers, hoistBlocker{pos, fmt.Sprintf(format, args...)})
}

func (s *hoistSite) mutated(pos token.Pos, what string) {
	s.block(pos, "transport is mutated after construction (%s); cannot share it between calls: build and configure it once outside %s, and pass it in", what, s.fnLabel)
}

func (s *hoistSite) mayMutate(pos token.Pos, what string) {
	s.block(pos, "transport may be mutated after construction (%s); cannot share it between calls: build and configure it once outside %s, and pass it in", what, s.fnLabel)
}

func (s *hoistSite) closed(pos token.Pos, what string) {
	s.block(pos, "transport is closed after use (%s); a Transport shared between calls must stay open: build it once outside %s, and pass it in", what, s.fnLabel)
}

func (s *hoistSite) copied(pos token.Pos, what string) {
	s.block(pos, "transport value is used as a value (%s); only a Transport used through its address can be shared: build it once outside %s, and pass a pointer to it", what, s.fnLabel)
}

// hook interprets a use of the transport (or of what holds it) for the
// flow; see flow.hook.
func (s *hoistSite) hook(cur inspector.Cursor, k flow.Kind) bool {
	switch k {
	case tkValue:
		return s.valueUse(cur)
	case tkPart:
		s.partUse(cur)
		return true
	}
	parent := cur.Parent()
	pos := cur.Node().Pos()
	switch ek, idx := cur.ParentEdge(); ek {
	case edge.SelectorExpr_X:
		s.selector(parent, k)
	case edge.UnaryExpr_X:
		if parent.Node().(*ast.UnaryExpr).Op != token.AND {
			return false
		}
		s.flow.Follow(parent, tkHolder)
	case edge.StarExpr_X:
		if k == tkHolder {
			s.flow.Follow(parent, tkHolder)
		} else if flow.AssignTarget(parent) {
			s.mutated(pos, types.ExprString(parent.Node().(ast.Expr))+" = ...")
		} else {
			s.copied(pos, types.ExprString(parent.Node().(ast.Expr)))
		}
	case edge.IndexExpr_X, edge.IndexListExpr_X, edge.SliceExpr_X:
		s.flow.Follow(parent, tkHolder)
	case edge.TypeAssertExpr_X:
		ta := parent.Node().(*ast.TypeAssertExpr)
		if ta.Type == nil {
			return false // a type switch: not followed
		}
		switch t := s.h.info.TypeOf(ta); {
		case match.IsPtrTo(t, match.NetHTTP, "Transport"):
			s.flow.Follow(parent, tkPtr)
		case match.MayHold(t, match.NetHTTP, "Transport"):
			s.flow.Follow(parent, tkHolder)
		}
	case edge.CallExpr_Args:
		s.argument(cur, parent, idx, k)
	case edge.CompositeLit_Elts, edge.KeyValueExpr_Value:
		s.contained(cur, k)
	case edge.BinaryExpr_X, edge.BinaryExpr_Y, edge.ExprStmt_X, edge.SwitchStmt_Tag, edge.CaseClause_List:
		// compared, or evaluated for nothing
	case edge.AssignStmt_Lhs, edge.IncDecStmt_X:
		if _, ok := cur.Node().(*ast.Ident); ok {
			return false // the variable is given a new value
		}
		s.holderMutated = true // x.f = ..., *p = ..., m[k] = ...
	default:
		return false
	}
	return true
}

// selector interprets x.f or x.m where x (the X of the selector at selCur)
// denotes a tracked value of kind k.
func (s *hoistSite) selector(selCur inspector.Cursor, k flow.Kind) {
	se := selCur.Node().(*ast.SelectorExpr)
	sel := s.h.info.Selections[se]
	if sel == nil {
		return
	}
	pos := se.Pos()
	switch sel.Kind() {
	case types.FieldVal:
		switch k {
		case tkPtr, tkValue:
			s.flow.Follow(selCur, tkPart)
		case tkHolder:
			switch ft := sel.Type(); {
			case match.IsPtrTo(ft, match.NetHTTP, "Transport"):
				s.flow.Follow(selCur, tkPtr)
			case match.MayHold(ft, match.NetHTTP, "Transport"):
				s.flow.Follow(selCur, tkHolder)
			case flow.AssignTarget(selCur):
				s.holderMutated = true
			}
		}
	case types.MethodVal:
		if selCur.ParentEdgeKind() != edge.CallExpr_Fun {
			s.flow.Escape(pos, "method value taken")
			return
		}
		call := selCur.Parent()
		if why := s.flow.CallOutlives(call); why != "" {
			s.flow.Escape(pos, why)
			return
		}
		name := sel.Obj().Name()
		text := callString(call.Node().(*ast.CallExpr))
		switch {
		case k == tkPtr || k == tkValue:
			switch name {
			case "RoundTrip", "Clone", "CancelRequest":
			case "CloseIdleConnections":
				s.closed(pos, text)
			default:
				s.mayMutate(pos, text)
			}
		case match.IsClient(sel.Recv()):
			switch {
			case match.ClientSends(name):
			case name == "CloseIdleConnections":
				s.closed(pos, text)
			default:
				s.flow.Escape(pos, "passed to method "+name)
			}
		case name == "RoundTrip":
		default:
			s.flow.Escape(pos, "passed to method "+name)
		}
	}
}

// callString renders a call for a message: f(), or f(...) if it has
// arguments.
func callString(call *ast.CallExpr) string {
	if len(call.Args) == 0 {
		return types.ExprString(call.Fun) + "()"
	}
	return types.ExprString(call.Fun) + "(...)"
}

// argument interprets a tracked value of kind k passed as argument idx of
// the call at callCur.
func (s *hoistSite) argument(cur, callCur inspector.Cursor, idx int, k flow.Kind) {
	info := s.h.info
	call := callCur.Node().(*ast.CallExpr)
	pos := cur.Node().Pos()
	if tv, ok := info.Types[call.Fun]; ok && tv.IsType() {
		switch t := tv.Type; {
		case match.IsPtrTo(t, match.NetHTTP, "Transport"):
			s.flow.Follow(callCur, k)
		case match.MayHold(t, match.NetHTTP, "Transport"):
			s.flow.Follow(callCur, tkHolder)
		}
		return
	}
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := info.Uses[id].(*types.Builtin); ok {
			switch b.Name() {
			case "len", "cap", "print", "println":
			default:
				s.flow.Escape(pos, "passed to "+b.Name())
			}
			return
		}
	}
	if why := s.flow.CallOutlives(callCur); why != "" {
		s.flow.Escape(pos, why)
		return
	}
	sig, _ := types.Unalias(info.TypeOf(call.Fun)).Underlying().(*types.Signature)
	if k == tkPtr && sig != nil {
		if pt := paramTypeAt(sig, idx, call.Ellipsis.IsValid()); pt != nil && match.IsPtrTo(pt, match.NetHTTP, "Transport") {
			// A configurator, such as http2.ConfigureTransport.
			s.block(pos, "transport is passed to %s, which may change it after construction; cannot share it between calls: build and configure it once outside %s, and pass it in",
				types.ExprString(call.Fun), s.fnLabel)
			s.results(callCur, sig)
			return
		}
	}
	s.flow.Escape(pos, "passed to "+types.ExprString(call.Fun))
}

// results follows the results of a call that may hold the transport
// passed to it (http2.ConfigureTransports returns a Transport bound to
// its argument).
func (s *hoistSite) results(callCur inspector.Cursor, sig *types.Signature) {
	holds := func(t types.Type) bool {
		return !types.Identical(t, types.Universe.Lookup("error").Type()) && match.MayHold(t, match.NetHTTP, "Transport")
	}
	res := sig.Results()
	if res.Len() == 1 {
		if holds(res.At(0).Type()) {
			s.flow.Follow(callCur, tkHolder)
		}
		return
	}
	if callCur.ParentEdgeKind() != edge.AssignStmt_Rhs {
		return
	}
	as := callCur.Parent().Node().(*ast.AssignStmt)
	if len(as.Lhs) != res.Len() {
		return
	}
	for i, lhs := range as.Lhs {
		if holds(res.At(i).Type()) {
			s.flow.Store(lhs, callCur.Node().Pos(), tkHolder)
		}
	}
}

// paramTypeAt returns the type of the parameter that argument idx of a call
// of sig is passed to.
func paramTypeAt(sig *types.Signature, idx int, ellipsis bool) types.Type {
	params := sig.Params()
	n := params.Len()
	if sig.Variadic() && idx >= n-1 {
		t := params.At(n - 1).Type()
		if ellipsis {
			return t
		}
		if sl, ok := t.Underlying().(*types.Slice); ok {
			return sl.Elem()
		}
		return nil
	}
	if idx < n {
		return params.At(idx).Type()
	}
	return nil
}

// contained follows a struct literal that holds a tracked value as a
// field; a slice, array or map literal holding it is an escape.
func (s *hoistSite) contained(cur inspector.Cursor, k flow.Kind) {
	litCur := cur.Parent()
	key := ""
	if cur.ParentEdgeKind() == edge.KeyValueExpr_Value {
		if id, ok := litCur.Node().(*ast.KeyValueExpr).Key.(*ast.Ident); ok {
			key = id.Name
		}
		litCur = litCur.Parent()
	}
	lit, ok := litCur.Node().(*ast.CompositeLit)
	if !ok {
		s.flow.Escape(cur.Node().Pos(), "stored")
		return
	}
	t := s.h.info.TypeOf(lit)
	if _, ok := t.Underlying().(*types.Struct); !ok {
		s.flow.Escape(cur.Node().Pos(), "stored in a slice or map")
		return
	}
	if cur.Node() == s.expr.Node() && key == "Transport" && match.IsNamed(t, match.NetHTTP, "Client") {
		s.clientLit = litCur
	}
	s.flow.Follow(litCur, tkHolder)
}

// valueUse interprets a use of a value literal, or of the variable it
// initializes: only its address and its fields and methods may be used
// for it to become a shared pointer.
func (s *hoistSite) valueUse(cur inspector.Cursor) bool {
	parent := cur.Parent()
	pos := cur.Node().Pos()
	ek, idx := cur.ParentEdge()
	switch ek {
	case edge.ParenExpr_X:
		s.flow.Follow(parent, tkValue)
	case edge.UnaryExpr_X:
		u := parent.Node().(*ast.UnaryExpr)
		if u.Op != token.AND {
			s.copied(pos, types.ExprString(u))
			break
		}
		if _, ok := cur.Node().(*ast.Ident); ok {
			s.addrs = append(s.addrs, u)
		}
		s.flow.Follow(parent, tkPtr)
	case edge.SelectorExpr_X:
		s.selector(parent, tkValue)
	case edge.AssignStmt_Rhs, edge.ValueSpec_Values:
		var lhs ast.Expr
		define, tok := false, "="
		if as, ok := parent.Node().(*ast.AssignStmt); ok {
			tok = as.Tok.String()
			if len(as.Lhs) != len(as.Rhs) {
				s.copied(pos, types.ExprString(cur.Node().(ast.Expr)))
				break
			}
			lhs, define = as.Lhs[idx], as.Tok == token.DEFINE
		} else {
			vs := parent.Node().(*ast.ValueSpec)
			if len(vs.Names) != len(vs.Values) {
				s.copied(pos, types.ExprString(cur.Node().(ast.Expr)))
				break
			}
			lhs, define = vs.Names[idx], true
			s.valueSpec = vs
		}
		v, why := s.flow.StoreTarget(lhs)
		switch {
		case why != "":
			s.flow.Escape(pos, why)
		case v == nil:
		case cur.Node() != s.lit || !define || s.h.info.Defs[ast.Unparen(lhs).(*ast.Ident)] != v:
			s.copied(pos, types.ExprString(lhs)+" "+tok+" "+types.ExprString(cur.Node().(ast.Expr)))
		default:
			s.valueVar = v
			s.flow.Track(v, tkValue)
		}
	case edge.AssignStmt_Lhs:
		s.mutated(pos, types.ExprString(cur.Node().(ast.Expr))+" = ...")
	case edge.ReturnStmt_Results, edge.SendStmt_Value, edge.CallExpr_Args:
		s.flow.Escape(pos, "passed on as a value")
	default:
		s.copied(pos, types.ExprString(cur.Node().(ast.Expr)))
	}
	return true
}

// partUse interprets a use of the transport's state (tr.TLSClientConfig,
// tr.TLSClientConfig.RootCAs...): reading it is fine, changing it (or
// letting something else change it) is a mutation of the transport.
func (s *hoistSite) partUse(cur inspector.Cursor) {
	info := s.h.info
	parent := cur.Parent()
	e := cur.Node().(ast.Expr)
	pos := e.Pos()
	text := types.ExprString(e)
	switch ek, idx := cur.ParentEdge(); ek {
	case edge.SelectorExpr_X:
		if sel := info.Selections[parent.Node().(*ast.SelectorExpr)]; sel != nil && sel.Kind() == types.FieldVal {
			s.flow.Follow(parent, tkPart)
		} else if parent.ParentEdgeKind() == edge.CallExpr_Fun {
			s.mayMutate(pos, callString(parent.Parent().Node().(*ast.CallExpr)))
		} else {
			s.mayMutate(pos, types.ExprString(parent.Node().(ast.Expr)))
		}
	case edge.StarExpr_X, edge.IndexExpr_X, edge.SliceExpr_X, edge.ParenExpr_X:
		s.flow.Follow(parent, tkPart)
	case edge.AssignStmt_Lhs:
		as := parent.Node().(*ast.AssignStmt)
		if se, ok := e.(*ast.SelectorExpr); ok && se.Sel.Name == "DisableKeepAlives" && len(as.Lhs) == len(as.Rhs) && match.IsConstTrue(info, as.Rhs[idx]) {
			s.noPool = true
			return
		}
		s.mutated(pos, text+" "+as.Tok.String()+" ...")
	case edge.IncDecStmt_X:
		s.mutated(pos, text+parent.Node().(*ast.IncDecStmt).Tok.String())
	case edge.UnaryExpr_X:
		if parent.Node().(*ast.UnaryExpr).Op == token.AND {
			s.mayMutate(pos, "&"+text)
		}
	case edge.CallExpr_Fun, edge.BinaryExpr_X, edge.BinaryExpr_Y, edge.ExprStmt_X,
		edge.SwitchStmt_Tag, edge.CaseClause_List, edge.IfStmt_Cond, edge.ForStmt_Cond:
		// called (a func field), compared or tested
	default:
		if !isReference(info.TypeOf(e)) {
			return // a copy of a plain value
		}
		switch ek {
		case edge.AssignStmt_Rhs:
			as := parent.Node().(*ast.AssignStmt)
			if len(as.Lhs) == len(as.Rhs) {
				text = types.ExprString(as.Lhs[idx]) + " " + as.Tok.String() + " " + text
			}
		case edge.CallExpr_Args:
			text = types.ExprString(parent.Node().(*ast.CallExpr).Fun) + "(" + text + ")"
		}
		s.mayMutate(pos, text)
	}
}

// decideClient decides whether the Client literal around the transport
// is hoisted with it: a pointer literal, not changed after construction,
// whose other fields depend only on package-level values.
func (s *hoistSite) decideClient() {
	if !s.clientLit.Valid() || s.holderMutated {
		return
	}
	parent := s.clientLit.Parent()
	if u, ok := parent.Node().(*ast.UnaryExpr); !ok || u.Op != token.AND {
		return
	}
	if s.h.s.Skip(parent.Node().Pos()) {
		return
	}
	for _, elt := range s.clientLit.Node().(*ast.CompositeLit).Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			return
		}
		if kv.Value == s.expr.Node() {
			continue
		}
		if problem, _, _ := s.h.outsideRef(kv.Value, s); problem != "" {
			return
		}
	}
	s.client = parent
}

// ---- What the literal refers to ----

// outsideRef returns, if the expression e (part of the site s) cannot be
// evaluated once at package initialization with the same meaning, what
// prevents it (problem), why (a clause), and what to do instead (advice).
func (h *hoister) outsideRef(e ast.Node, s *hoistSite) (problem, why, advice string) {
	info := h.info
	start, end := e.Pos(), e.End()
	outside := "build the Transport once outside " + s.fnLabel + ", and pass it in"
	found := func(p, w, a string) {
		if problem == "" {
			problem, why, advice = p, w, a
		}
	}
	deref := func(text string) {
		found("reads "+text+", which can change after package initialization",
			", where it would be read once, at initialization",
			"build the Transport once "+text+" is set, and pass it in")
	}
	var walk func(n ast.Node, inFunc bool)
	walk = func(root ast.Node, inFunc bool) {
		ast.Inspect(root, func(n ast.Node) bool {
			if problem != "" || n == nil {
				return false
			}
			switch n := n.(type) {
			case *ast.FuncLit:
				// Runs when called, as before: only its free
				// variables matter.
				walk(n.Type, true)
				walk(n.Body, true)
				return false
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok {
					if _, ok := info.Uses[id].(*types.PkgName); ok {
						return false // a qualified identifier
					}
				}
				if !inFunc && h.pkgVar(n.X) != nil {
					if sel := info.Selections[n]; sel != nil && (sel.Indirect() || isPointerType(info.TypeOf(n.X))) {
						deref(types.ExprString(n))
					}
				}
				walk(n.X, inFunc)
				return false
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					if v, ok := info.Uses[id].(*types.Var); ok && v.IsField() {
						walk(n.Value, inFunc)
						return false
					}
				}
			case *ast.StarExpr:
				if !inFunc && h.pkgVar(n.X) != nil {
					deref(types.ExprString(n))
				}
			case *ast.IndexExpr:
				if !inFunc && h.pkgVar(n.X) != nil {
					switch types.Unalias(info.TypeOf(n.X)).Underlying().(type) {
					case *types.Map, *types.Slice, *types.Pointer:
						deref(types.ExprString(n))
					}
				}
			case *ast.CallExpr:
				if inFunc {
					break
				}
				fn := match.CalleeFunc(info, n)
				if fn != nil && fn.Pkg() == h.pass.Pkg || fn == nil && h.pkgVar(n.Fun) != nil {
					found("calls "+types.ExprString(n.Fun),
						", where it would run once, at initialization, instead of on each call", outside)
				}
			case *ast.Ident:
				obj := info.Uses[n]
				if obj == nil || obj.Pos() >= start && obj.Pos() < end {
					break
				}
				switch obj := obj.(type) {
				case *types.Var:
					if obj.IsField() {
						break
					}
					if !match.IsPackageLevel(obj) {
						found("uses "+h.role(obj, s)+" "+obj.Name(), "", outside)
					} else if !inFunc && obj.Pkg() == h.pass.Pkg {
						if where := h.varWrite(obj); where != "" {
							found("reads package variable "+obj.Name()+", which is assigned in "+where,
								", where it would be read once, before that",
								"build the Transport once "+obj.Name()+" is set, and pass it in")
						}
					}
				case *types.Const:
					if !match.IsPackageLevel(obj) {
						found("uses local constant "+obj.Name(), "", outside)
					}
				case *types.TypeName:
					if _, ok := obj.Type().(*types.TypeParam); ok {
						found("uses type parameter "+obj.Name(), "", outside)
					} else if !match.IsPackageLevel(obj) {
						found("uses local type "+obj.Name(), "", outside)
					}
				}
			}
			return true
		})
	}
	walk(e, false)
	if problem == "" {
		if via := h.cycle(e, s.decl); via != "" {
			found("refers to "+via+", which leads back to "+hoistFuncLabel(s.decl),
				", where that would be an initialization cycle", outside)
		}
	}
	return problem, why, advice
}

// cycle reports whether the expression e, made the initializer of a
// package-level variable that fn uses, would make an initialization cycle:
// whether something e refers to (a function, a method, a variable, even
// inside a function literal) refers, directly or not, to fn. It returns
// the name of the first thing e refers to on the way, or "".
func (h *hoister) cycle(e ast.Node, fn *ast.FuncDecl) string {
	target := h.info.Defs[fn.Name]
	if target == nil {
		return ""
	}
	seen := map[types.Object]bool{}
	var reaches func(obj types.Object) bool
	reaches = func(obj types.Object) bool {
		if obj == target {
			return true
		}
		if seen[obj] {
			return false
		}
		seen[obj] = true
		d := h.declOf(obj)
		if d == nil {
			return false
		}
		for _, ref := range h.pkgRefs(d) {
			if reaches(ref) {
				return true
			}
		}
		return false
	}
	for _, ref := range h.pkgRefs(e) {
		if reaches(ref) {
			return ref.Name()
		}
	}
	return ""
}

// pkgRefs returns the package-level functions, methods and variables of
// the package that n refers to, in order: the references initialization
// order follows.
func (h *hoister) pkgRefs(n ast.Node) []types.Object {
	var refs []types.Object
	ast.Inspect(n, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		obj := h.info.Uses[id]
		if obj == nil || obj.Pkg() != h.pass.Pkg {
			return true
		}
		switch obj := obj.(type) {
		case *types.Func:
			refs = append(refs, obj) // methods included
		case *types.Var:
			if obj.Parent() == obj.Pkg().Scope() {
				refs = append(refs, obj)
			}
		}
		return true
	})
	return refs
}

// declOf returns the declaration of a package-level function, method or
// variable of the package: its FuncDecl, or the ValueSpec declaring it.
func (h *hoister) declOf(obj types.Object) ast.Node {
	if h.decls == nil {
		h.decls = map[types.Object]ast.Node{}
		for _, f := range h.pass.Files {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if obj := h.info.Defs[d.Name]; obj != nil {
						h.decls[obj] = d
					}
				case *ast.GenDecl:
					for _, spec := range d.Specs {
						if vs, ok := spec.(*ast.ValueSpec); ok {
							for _, id := range vs.Names {
								if obj := h.info.Defs[id]; obj != nil {
									h.decls[obj] = vs
								}
							}
						}
					}
				}
			}
		}
	}
	return h.decls[obj]
}

func isPointerType(t types.Type) bool {
	_, ok := types.Unalias(t).Underlying().(*types.Pointer)
	return ok
}

// pkgVar returns the package-level variable (of any package) that e names,
// or nil.
func (h *hoister) pkgVar(e ast.Expr) *types.Var {
	v, ok := match.ObjOf(h.info, e).(*types.Var)
	if !ok || v.IsField() || v.Pkg() == nil || v.Parent() != v.Pkg().Scope() {
		return nil
	}
	return v
}

// role says what a local variable is to the functions around site s:
// parameter, receiver, result, or local variable.
func (h *hoister) role(v *types.Var, s *hoistSite) string {
	role := "local variable"
	check := func(fl *ast.FieldList, name string) {
		if fl == nil {
			return
		}
		for _, field := range fl.List {
			for _, id := range field.Names {
				if h.info.Defs[id] == v {
					role = name
				}
			}
		}
	}
	check(s.decl.Recv, "receiver")
	ast.Inspect(s.decl, func(n ast.Node) bool {
		if ft, ok := n.(*ast.FuncType); ok {
			check(ft.Params, "parameter")
			check(ft.Results, "result")
		}
		return true
	})
	return role
}

// ---- The rest of the package: names, writes ----

// scan reads what the rule needs from every file of the package: the
// names declared at package and file level, and the package variables
// assigned after their declaration. Files the type checker did not see
// (tests when tests are not loaded, files for other build contexts) are
// read without types.
func (h *hoister) scan() {
	if h.scanned {
		return
	}
	h.scanned = true
	h.writes = map[*types.Var]string{}
	h.nameWrites = map[string]string{}
	h.taken = map[string]bool{}
	for _, name := range h.pass.Pkg.Scope().Names() {
		h.taken[name] = true
	}
	for _, f := range h.pass.Files {
		for _, is := range f.Imports {
			if pn := h.info.PkgNameOf(is); pn != nil {
				h.taken[pn.Name()] = true
			}
		}
		h.scanWrites(f, h.pass.Fset)
	}
	for _, df := range h.files.DirFiles(h.pass.IgnoredFiles) {
		f, fset := df.Ast, df.Fset
		for _, is := range f.Imports {
			path, _ := strconv.Unquote(is.Path.Value)
			name := edit.DefaultImportName(path)
			if is.Name != nil {
				name = is.Name.Name
			}
			h.taken[name] = true
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					h.taken[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch spec := spec.(type) {
					case *ast.ValueSpec:
						for _, id := range spec.Names {
							h.taken[id.Name] = true
						}
					case *ast.TypeSpec:
						h.taken[spec.Name.Name] = true
					}
				}
			}
		}
		h.scanNameWrites(f, fset)
	}
}

// placeOf names the place of pos in file f for a message, in a form that
// does not change when the file is rewritten: "main (main.go)", the
// top-level function holding it and the file's base name (the files of a
// package share a directory).
func placeOf(f *ast.File, fset *token.FileSet, pos token.Pos) string {
	base := filepath.Base(fset.Position(pos).Filename)
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Pos() <= pos && pos < fd.End() {
			return hoistFuncLabel(fd) + " (" + base + ")"
		}
	}
	return "a package-level declaration (" + base + ")"
}

// scanWrites records, from a typed file, the package variables of the
// package that are assigned, incremented or have their address taken
// (directly or by a pointer method) after their declaration, and whether
// http.DefaultTransport is replaced or changed.
func (h *hoister) scanWrites(f *ast.File, fset *token.FileSet) {
	info := h.info
	written := func(e ast.Expr) {
		if h.defaultWrite == "" && match.IsPkgObj(match.ObjOf(info, assignRoot(e, func(id *ast.Ident) bool {
			_, ok := info.Uses[id].(*types.PkgName)
			return ok
		})), match.NetHTTP, "DefaultTransport") {
			h.defaultWrite = placeOf(f, fset, e.Pos())
		}
		if v := storedVar(info, e); v != nil && v.Pkg() == h.pass.Pkg && v.Parent() == v.Pkg().Scope() {
			if _, ok := h.writes[v]; !ok {
				h.writes[v] = placeOf(f, fset, e.Pos())
			}
		}
	}
	eachWrite(f, written)
	ast.Inspect(f, func(n ast.Node) bool {
		// v.M() with a pointer receiver takes v's address.
		if n, ok := n.(*ast.SelectorExpr); ok {
			if sel := info.Selections[n]; sel != nil && sel.Kind() == types.MethodVal {
				if sig, ok := sel.Obj().Type().(*types.Signature); ok && sig.Recv() != nil &&
					isPointerType(sig.Recv().Type()) && !isPointerType(info.TypeOf(n.X)) {
					written(n.X)
				}
			}
		}
		return true
	})
}

// eachWrite calls written with every expression n assigns to (=, op=,
// ++, --, a range clause) or takes the address of.
func eachWrite(n ast.Node, written func(ast.Expr)) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, lhs := range n.Lhs {
					written(lhs)
				}
			}
		case *ast.IncDecStmt:
			written(n.X)
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				written(n.X)
			}
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN {
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if e != nil {
						written(e)
					}
				}
			}
		}
		return true
	})
}

// storedVar returns the variable an assignment to e writes to, if e is a
// variable or a part of one stored in it (a field, an array element), not
// something reached through a pointer, map or slice.
func storedVar(info *types.Info, e ast.Expr) *types.Var {
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
		case *ast.Ident:
			v, _ := info.Uses[x].(*types.Var)
			return v
		case *ast.SelectorExpr:
			sel := info.Selections[x]
			if sel == nil {
				v, _ := info.Uses[x.Sel].(*types.Var) // a qualified identifier
				return v
			}
			if sel.Kind() != types.FieldVal || sel.Indirect() {
				return nil
			}
			e = x.X
		case *ast.IndexExpr:
			if _, ok := types.Unalias(info.TypeOf(x.X)).Underlying().(*types.Array); !ok {
				return nil
			}
			e = x.X
		default:
			return nil
		}
	}
}

// assignRoot returns the operand at the root of a chain of selectors,
// index expressions, dereferences and type assertions: x for x.f[i].g, or
// the qualified identifier pkg.V for pkg.V.f (isPkg says whether an
// identifier names an import).
func assignRoot(e ast.Expr, isPkg func(*ast.Ident) bool) ast.Expr {
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && isPkg(id) {
				return x
			}
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.TypeAssertExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		default:
			return e
		}
	}
}

// scanNameWrites is scanWrites for a file without types: a write to an
// identifier of the package's name counts (in a file of the package),
// and so does a write to pkg.Name (in an external test). It errs on the
// side of seeing writes.
func (h *hoister) scanNameWrites(f *ast.File, fset *token.FileSet) {
	samePkg := f.Name.Name == h.pass.Pkg.Name()
	imports := match.ImportsOf(f, edit.DefaultImportName).ByName
	isPkg := func(id *ast.Ident) bool { _, ok := imports[id.Name]; return ok }
	written := func(e ast.Expr) {
		root := assignRoot(e, isPkg)
		var name string
		switch r := root.(type) {
		case *ast.Ident:
			if samePkg {
				name = r.Name
			}
		case *ast.SelectorExpr:
			path := imports[r.X.(*ast.Ident).Name]
			if path == match.NetHTTP && r.Sel.Name == "DefaultTransport" && h.defaultWrite == "" {
				h.defaultWrite = placeOf(f, fset, e.Pos())
			}
			if path == h.pass.Pkg.Path() {
				name = r.Sel.Name
			}
		}
		if name != "" {
			if _, ok := h.nameWrites[name]; !ok {
				h.nameWrites[name] = placeOf(f, fset, e.Pos())
			}
		}
	}
	eachWrite(f, written)
}

// varWrite returns where the package variable v is assigned after its
// declaration, or "".
func (h *hoister) varWrite(v *types.Var) string {
	h.scan()
	if w, ok := h.writes[v]; ok {
		return w
	}
	return h.nameWrites[v.Name()]
}

// defaultTransportWrite returns where the package replaces or changes
// http.DefaultTransport, or "".
func (h *hoister) defaultTransportWrite() string {
	h.scan()
	return h.defaultWrite
}

// ---- The rewrite ----

// A hoistVar is a package-level variable the rule declares.
type hoistVar struct {
	client  bool
	key     string
	members []*hoistSite // in source order; the first gives the literal
	name    string
	tvar    *hoistVar // for a Client: the Transport variable it uses, if any
	decl    dst.Decl
	anchor  *ast.FuncDecl // the declaration goes before it
}

// apply plans the variables for the sites that can be hoisted, and makes
// each site a fix: its literal replaced by the variable, and the
// declarations it needs. The declarations placed before one function are
// one edit, the same in every fix that needs any of them, so that fixes
// merged in any order declare each variable once.
func (h *hoister) apply() {
	if len(h.sites) == 0 {
		return
	}
	h.scan()
	// Transports hoisted on their own, by literal; a client hoisted
	// whole uses the transport variable if one with its literal exists.
	var vars []*hoistVar
	tvars, cvars := map[string]*hoistVar{}, map[string]*hoistVar{}
	tkey := map[*hoistSite]string{}
	for _, s := range h.sites {
		tkey[s] = h.key(s, s.expr.Node(), s.value)
		if !s.client.Valid() && tvars[tkey[s]] == nil {
			tvars[tkey[s]] = &hoistVar{key: tkey[s]}
		}
	}
	tvOf, cvOf := map[*hoistSite]*hoistVar{}, map[*hoistSite]*hoistVar{}
	for _, s := range h.sites {
		if tv := tvars[tkey[s]]; tv != nil {
			tv.members = append(tv.members, s)
			tvOf[s] = tv
			if len(tv.members) == 1 {
				vars = append(vars, tv)
			}
		}
		if !s.client.Valid() {
			continue
		}
		ck := h.key(s, s.client.Node(), false)
		cv := cvars[ck]
		if cv == nil {
			cv = &hoistVar{client: true, key: ck, tvar: tvars[tkey[s]]}
			cvars[ck] = cv
			vars = append(vars, cv)
		}
		cv.members = append(cv.members, s)
		cvOf[s] = cv
	}
	for _, v := range vars {
		h.name(v)
	}
	// The declarations, from the first member of each, in a scratch fix
	// that is never reported.
	scratch := h.s.NewFix()
	for _, v := range vars {
		first := v.members[0]
		v.anchor = first.decl
		var value dst.Expr
		if v.client {
			value, _ = scratch.Node(first.client.Node()).(dst.Expr)
			if v.tvar != nil {
				if !h.replaceExpr(scratch, first.expr, dst.NewIdent(v.tvar.name)) {
					value = nil
				}
			}
		} else {
			value, _ = scratch.Node(first.expr.Node()).(dst.Expr)
			if value != nil && first.value {
				value = &dst.UnaryExpr{Op: token.AND, X: value}
			}
		}
		if value == nil {
			continue
		}
		v.decl = h.varDecl(v, dst.Clone(value).(dst.Expr))
	}
	// The declarations before each function, in the order of vars.
	type block struct {
		file  *edit.File
		decls []dst.Decl
	}
	blocks := map[*ast.FuncDecl]*block{}
	for _, v := range vars {
		if v.decl == nil {
			continue
		}
		b := blocks[v.anchor]
		if b == nil {
			b = &block{file: v.members[0].file}
			blocks[v.anchor] = b
		}
		b.decls = append(b.decls, v.decl)
	}
	needs := func(s *hoistSite) []*hoistVar {
		var out []*hoistVar
		add := func(v *hoistVar) {
			if v != nil && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		if cv := cvOf[s]; cv != nil {
			add(cv)
			add(cv.tvar)
		} else {
			add(tvOf[s])
		}
		return out
	}
	for _, s := range h.sites {
		s := s
		vs := needs(s)
		ok := len(vs) > 0
		for _, v := range vs {
			ok = ok && v.decl != nil
		}
		if !ok {
			continue
		}
		fix := h.s.NewFix()
		fix.Do(func(x *edit.Fix) bool {
			if cv := cvOf[s]; cv != nil {
				return h.replaceExpr(x, s.client, dst.NewIdent(cv.name))
			}
			tv := tvOf[s]
			if !h.replaceExpr(x, s.expr, dst.NewIdent(tv.name)) {
				return false
			}
			if s.value {
				h.pointerize(x, s)
			}
			return true
		})
		fix.Do(func(x *edit.Fix) bool {
			seen := map[*ast.FuncDecl]bool{}
			for _, v := range vs {
				if seen[v.anchor] {
					continue
				}
				seen[v.anchor] = true
				b := blocks[v.anchor]
				decls := make([]dst.Decl, len(b.decls))
				for i, d := range b.decls {
					decls[i] = dst.Clone(d).(dst.Decl)
				}
				x.AddDeclBefore(b.file, v.anchor, decls...)
			}
			return true
		})
		what := "a Transport made"
		if cvOf[s] != nil {
			what = "a Client and its Transport made"
		}
		h.s.Fixed(s.expr.Node().Pos(), s.expr.Node().End(), fix,
			"%s on every call of %s dials new connections each time and leaves the old ones open: share one, declared at package level (%s)", what, s.fnLabel, vs[0].name)
	}
}

// key returns the canonical form of an expression of site s: its text as
// gofmt prints it, the comments within it, and the objects its
// identifiers refer to (those declared outside it). asPointer keys a
// value literal as its address, which is what it is hoisted as.
func (h *hoister) key(s *hoistSite, e ast.Node, asPointer bool) string {
	var b strings.Builder
	if asPointer {
		b.WriteString("&")
	}
	if err := format.Node(&b, h.pass.Fset, e); err != nil {
		return fmt.Sprintf("%p", e) // unique
	}
	for _, cg := range s.file.Ast.Comments {
		if cg.Pos() >= e.Pos() && cg.End() <= e.End() {
			b.WriteString("\x00" + cg.Text())
		}
	}
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			switch obj := h.info.Uses[id].(type) {
			case nil:
			case *types.PkgName: // one per file: compare what it imports
				fmt.Fprintf(&b, "\x00%q", obj.Imported().Path())
			default:
				if obj.Pos() < e.Pos() || obj.Pos() >= e.End() {
					fmt.Fprintf(&b, "\x00%p", obj)
				}
			}
		}
		return true
	})
	return b.String()
}

// name chooses the variable's name: <func>Transport or <func>Client after
// the function of its first member, numbered if that collides with a
// name of the package or is shadowed where the variable is used.
func (h *hoister) name(v *hoistVar) {
	base := lowerCamelName(v.members[0].decl.Name.Name)
	if v.client {
		base += "Client"
	} else {
		base += "Transport"
	}
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name += strconv.Itoa(n)
		}
		if h.taken[name] || types.Universe.Lookup(name) != nil || token.IsKeyword(name) {
			continue
		}
		shadowed := false
		for _, s := range v.members {
			pos := s.expr.Node().Pos()
			if sc := h.pass.Pkg.Scope().Innermost(pos); sc != nil {
				if _, obj := sc.LookupParent(name, pos); obj != nil {
					shadowed = true
				}
			}
		}
		if shadowed {
			continue
		}
		h.taken[name] = true
		v.name = name
		return
	}
}

// lowerCamelName turns a Go name into the start of an unexported one:
// DoRequest -> doRequest, HTTPGet -> httpGet, URL -> url.
func lowerCamelName(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	if n > 1 && n < len(r) && unicode.IsLower(r[n]) {
		n-- // the last capital starts the next word
	}
	for i := range n {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

// pointerize turns the variable a value literal initialized into a
// pointer, in the fix's copy: &tr becomes tr, and a declared type T
// becomes *T.
func (h *hoister) pointerize(x *edit.Fix, s *hoistSite) {
	for _, u := range s.addrs {
		du, ok := x.Node(u).(*dst.UnaryExpr)
		if !ok {
			continue
		}
		cur, ok := s.owner.FindNode(u)
		if !ok {
			continue
		}
		inner := du.X
		inner.Decorations().Start = append(append(dst.Decorations(nil), du.Decs.Start...), inner.Decorations().Start...)
		h.replaceExpr(x, cur, inner)
	}
	if s.valueSpec != nil && s.valueSpec.Type != nil {
		if ds, ok := x.Node(s.valueSpec).(*dst.ValueSpec); ok {
			ds.Type = &dst.StarExpr{X: ds.Type}
		}
	}
}

// replaceExpr puts repl in the place of the fix's copy of the expression
// at cur, or of the parentheses around it: (&tr).f becomes name.f, not
// (name).f.
func (h *hoister) replaceExpr(x *edit.Fix, cur inspector.Cursor, repl dst.Node) bool {
	for cur.ParentEdgeKind() == edge.ParenExpr_X {
		cur = cur.Parent()
	}
	old := x.Node(cur.Node())
	if old == nil {
		return false
	}
	od, rd := old.Decorations(), repl.Decorations()
	rd.Before, rd.After = od.Before, od.After
	od.Before, od.After = dst.None, dst.None
	return edit.ReplaceNode(x, cur.Node(), repl)
}

// varDecl builds the declaration of v with the value e and a comment
// saying why it exists.
func (h *hoister) varDecl(v *hoistVar, e dst.Expr) *dst.GenDecl {
	var fns []string
	for _, s := range v.members {
		label := hoistFuncLabel(s.decl)
		if s.owner.Node() != s.decl {
			label = "the function literal in " + label
		}
		if !slices.Contains(fns, label) {
			fns = append(fns, label)
		}
	}
	list := fns[0]
	if len(fns) > 1 {
		list = strings.Join(fns[:len(fns)-1], ", ") + " and " + fns[len(fns)-1]
	}
	what := "a Transport owns"
	if v.client {
		what = "its Transport owns"
	}
	text := fmt.Sprintf("%s is shared by every call of %s: %s a connection pool, and one made per call dials new connections each time and leaves the old ones open.", v.name, list, what)
	e.Decorations().Before, e.Decorations().After = dst.None, dst.None
	gd := &dst.GenDecl{
		Tok: token.VAR,
		Specs: []dst.Spec{&dst.ValueSpec{
			Names:  []*dst.Ident{dst.NewIdent(v.name)},
			Values: []dst.Expr{e},
		}},
	}
	gd.Decs.Before = dst.EmptyLine
	gd.Decs.After = dst.EmptyLine
	for _, line := range wrapText(text, 74) {
		gd.Decs.Start.Append("// " + line)
	}
	return gd
}

// wrapText breaks text into lines of at most width characters, at spaces.
func wrapText(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// isReference reports whether a value of type t refers to memory that a
// copy of it shares: a pointer, map, slice, channel, function or
// interface, or a struct or array holding one.
func isReference(t types.Type) bool {
	switch u := types.Unalias(t).Underlying().(type) {
	case *types.Basic:
		return u.Kind() == types.UnsafePointer
	case *types.Struct:
		for i := range u.NumFields() {
			if isReference(u.Field(i).Type()) {
				return true
			}
		}
		return false
	case *types.Array:
		return isReference(u.Elem())
	}
	return true
}

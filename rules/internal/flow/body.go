package flow

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/internal/match"
)

// The kinds of values a body flow follows.
const (
	KindResp    Kind = iota // the *http.Response
	KindBody                // its Body, or a reader that ends where it ends
	KindDerived             // something built on them: a decoder, a scanner, a struct
)

// Body is what the uses of a response (or of a body) in one function say
// about the body: which calls close it, read it to its end, hand it on,
// and whether it leaves the function's hands.
type Body struct {
	Escapes   bool   // stored, sent, used by a goroutine, kept by a callee: not this function's
	EscapeWhy string // why, for messages
	// Stream says the body is a stream wherever it goes (an upgrade, a
	// 101's read-write body, a stream read in a function literal): never
	// drain it.
	Stream bool
	// StreamCalls are the calls that consume the body incrementally (a
	// Scan or Decode in a loop, a callee that streams it). A path that
	// has not reached one when it leaves the body unread (a return on a
	// status before the stream starts) left a finite body behind, which
	// a drain lets the connection survive; a path that has may leave a
	// quiet stream, which a drain would wait on.
	StreamCalls map[*ast.CallExpr]bool
	Reassigned  bool // the variable is assigned again after the call
	// FirstReassign is where it is first assigned again (the assignment
	// statement's position), if Reassigned.
	FirstReassign token.Pos
	Problem       string // why the function's use of the body cannot be followed

	Closes    map[*ast.CallExpr]bool  // calls that close it (v.Body.Close(), a helper that only closes)
	EOF       map[*ast.CallExpr]bool  // calls that read it to EOF or drain it
	AlsoClose map[*ast.CallExpr]bool  // of those, the ones that also close it (helpers)
	OnError   map[*ast.CallExpr]State // helpers: what they leave done when they return an error
	Handlers  map[*ast.CallExpr]bool  // calls of other functions handed the response or its body
	Returns   map[*ast.ReturnStmt]bool
	// Handed are the return statements of the function (not of a literal
	// in it) that hand the body, or something built on it, to the caller.
	Handed map[*ast.ReturnStmt]bool
	// HandedBuilt says that some of the Handed returns hand on something
	// built on the body (a stream, a decoder), not the body itself.
	HandedBuilt bool
	// HandedBuiltByCall says that some of them hand on what a call made
	// of the response or its body (NewStream(NewDecoder(resp)), dec :=
	// json.NewDecoder(resp.Body); return dec): a reader the caller goes
	// on reading, not a struct literal that only keeps the response.
	HandedBuiltByCall bool
	// EscapesElsewhere says that the body escapes otherwise than by a
	// return of the function: stored, sent, kept by a callee, used by a
	// goroutine, returned by a function literal.
	EscapesElsewhere bool
	// Shared says that some escape may hand the body to code that runs
	// beside the function, before it returns: a goroutine, a callee or a
	// function value that keeps it, a field, a variable or a channel. An
	// escape that is not Shared goes to the caller only (returned, or
	// stored in a named result), which sees the body once the function
	// has returned, after its deferred calls ran.
	Shared bool
	// KeptInReceiver says that the function (a method) stores the body in
	// a field of its receiver, directly or through a method of the
	// receiver that keeps it there.
	KeptInReceiver bool
	// EscapePos is where the body first escapes otherwise than by a
	// return of the function, in source order.
	EscapePos token.Pos
	// HelperMayClose says that the body is handed to a function that
	// closes it on some of its paths but not all.
	HelperMayClose bool
	// BodyWrites are the assignments that replace the response's Body.
	BodyWrites map[*ast.AssignStmt]bool

	// builtBy are the calls whose results hold what they were handed of
	// the response or its body.
	builtBy map[*ast.CallExpr]bool

	cfg     *BodyConfig
	tracker *Tracker
}

// madeByCall reports whether e, returned, is the result of a call in
// builtBy, directly or through the variable it was declared with, and
// reads the body rather than keeping the response: a wrapper that holds
// the *http.Response in a field (go-jira's newResponse(resp, v)) hands
// the caller the response, for its status and headers.
func (b *Body) madeByCall(e ast.Node) bool {
	if ex, ok := e.(ast.Expr); !ok || holdsResponse(b.cfg.Info.TypeOf(ex)) {
		return false
	}
	if call, ok := e.(*ast.CallExpr); ok {
		return b.builtBy[call]
	}
	id, ok := e.(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := b.cfg.Info.Uses[id].(*types.Var)
	if !ok {
		return false
	}
	for c := range b.cfg.Fn.Preorder((*ast.AssignStmt)(nil)) {
		as := c.Node().(*ast.AssignStmt)
		if len(as.Lhs) != len(as.Rhs) {
			continue
		}
		for i, l := range as.Lhs {
			if lid, ok := l.(*ast.Ident); ok && b.cfg.Info.ObjectOf(lid) == v {
				if call, ok := ast.Unparen(as.Rhs[i]).(*ast.CallExpr); ok && b.builtBy[call] {
					return true
				}
			}
		}
	}
	return false
}

// BodyConfig says which value a body flow follows, and where.
type BodyConfig struct {
	Info *types.Info
	// Fn is the *ast.FuncDecl or *ast.FuncLit the value lives in.
	Fn inspector.Cursor
	// Root is the variable that holds the value first, of kind RootKind:
	// the variable a response is assigned to, or a parameter.
	Root     *types.Var
	RootKind Kind
	// After is where the value is obtained: an assignment to Root after
	// it is a new value (Reassigned).
	After token.Pos
	// Callees summarise the functions the value is handed to.
	Callees Callees
}

// AnalyzeBody follows every use of the value (and of the variables it is
// copied into) through the function, including function literals in it.
func AnalyzeBody(cfg BodyConfig) *Body {
	if cfg.Callees == nil {
		cfg.Callees = NoCallees{}
	}
	b := &Body{
		builtBy:     map[*ast.CallExpr]bool{},
		Closes:      map[*ast.CallExpr]bool{},
		EOF:         map[*ast.CallExpr]bool{},
		AlsoClose:   map[*ast.CallExpr]bool{},
		OnError:     map[*ast.CallExpr]State{},
		Handlers:    map[*ast.CallExpr]bool{},
		Returns:     map[*ast.ReturnStmt]bool{},
		Handed:      map[*ast.ReturnStmt]bool{},
		BodyWrites:  map[*ast.AssignStmt]bool{},
		StreamCalls: map[*ast.CallExpr]bool{},
		cfg:         &cfg,
	}
	t := NewTracker(cfg.Info, cfg.Fn, nil)
	t.Lenient = true
	t.SetHook(b.hook)
	b.tracker = t
	t.Track(cfg.Root, cfg.RootKind)
	t.Run()
	if t.Escaped != nil {
		shared := b.Shared
		b.escape(t.Escaped.Pos, t.Escaped.Why)
		b.Shared = shared || t.Shared
	}
	if !b.Stream && cfg.RootKind == KindResp {
		b.Stream = upgrades(cfg.Info, cfg.Fn)
	}
	return b
}

// Streams reports whether the function consumes the body incrementally
// on some path.
func (b *Body) Streams() bool { return b.Stream || len(b.StreamCalls) > 0 }

// streamAt records the call at c as one that streams the body. In a
// function literal the paths of the function do not reach it in order
// (it runs when called, maybe from a loop), so the body is a stream
// everywhere.
func (b *Body) streamAt(c inspector.Cursor) {
	call, ok := c.Node().(*ast.CallExpr)
	if !ok || EnclosingFunc(c) != b.cfg.Fn.Node() {
		b.Stream = true
		return
	}
	b.StreamCalls[call] = true
}

func (b *Body) escape(pos token.Pos, why string) {
	b.Shared = true
	if !b.EscapesElsewhere || pos < b.EscapePos {
		b.EscapePos = pos
	}
	b.EscapesElsewhere = true
	if !b.Escapes {
		b.Escapes, b.EscapeWhy = true, why
	}
}

// handedAt reports whether the call at c, which keeps the body, is a
// result of a return of the function (return handle(resp), return
// stream.New(resp.Body), nil), and then counts that return as one that
// hands the body on: the paths that do not reach it still own it.
func (b *Body) handedAt(c inspector.Cursor) bool {
	if c.ParentEdgeKind() != edge.ReturnStmt_Results {
		return false
	}
	ret := c.Parent()
	if EnclosingFunc(ret) != b.cfg.Fn.Node() {
		return false
	}
	b.Handed[ret.Node().(*ast.ReturnStmt)] = true
	b.HandedBuilt = true
	b.HandedBuiltByCall = b.HandedBuiltByCall || !holdsResponse(b.cfg.Info.TypeOf(c.Node().(ast.Expr)))
	if !b.Escapes {
		b.Escapes, b.EscapeWhy = true, "returned"
	}
	return true
}

// holdsResponse reports whether t is a response, or a struct (or a
// pointer to one) with a field that is one.
func holdsResponse(t types.Type) bool {
	if t == nil || match.IsResponseLike(t) {
		return true
	}
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		if match.IsResponsePtr(st.Field(i).Type()) {
			return true
		}
	}
	return false
}

// keepInReceiver records that the method stores the body in its
// receiver: it leaves this function's hands, but not for a place the
// caller cannot see (see ParamEffect.KeepsInReceiver).
func (b *Body) keepInReceiver() {
	b.KeptInReceiver = true
	b.Shared = true
	if !b.Escapes {
		b.Escapes, b.EscapeWhy = true, "stored in the receiver"
	}
}

// receiver returns the receiver of the function the flow is in, if it
// is a method.
func (b *Body) receiver() *types.Var {
	fd, ok := b.cfg.Fn.Node().(*ast.FuncDecl)
	if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) != 1 {
		return nil
	}
	v, _ := b.cfg.Info.Defs[fd.Recv.List[0].Names[0]].(*types.Var)
	return v
}

// receiverField reports whether lhs is a field of the method's receiver
// (p.buf).
func (b *Body) receiverField(lhs ast.Expr) bool {
	sel, ok := ast.Unparen(lhs).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	if !ok {
		return false
	}
	recv := b.receiver()
	s, ok := b.cfg.Info.Selections[sel]
	return recv != nil && ok && s.Kind() == types.FieldVal && b.cfg.Info.Uses[id] == recv
}

// keptByReceiver follows the receiver of the method call at callCur,
// which keeps the body in it: the method's own receiver keeps it in
// turn; a variable declared in the function holds something built on
// the body from here; any other receiver outlives the call.
func (b *Body) keptByReceiver(callCur inspector.Cursor, fn *types.Func) {
	call := callCur.Node().(*ast.CallExpr)
	b.Handlers[call] = true
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok {
			v, _ := b.cfg.Info.Uses[id].(*types.Var)
			switch {
			case v == nil:
			case v == b.receiver():
				b.keepInReceiver()
				return
			case b.declaredInBody(v) && b.tracker.IsLocal(v):
				b.tracker.Track(v, KindDerived)
				return
			}
		}
	}
	if !b.handedAt(callCur) {
		b.escape(call.Pos(), "kept by "+fn.Name())
	}
}

// declaredInBody reports whether v is declared in the body of the
// function the flow is in (not a parameter, which outlives the call).
func (b *Body) declaredInBody(v *types.Var) bool {
	body := FuncBody(b.cfg.Fn.Node())
	return body != nil && v.Pos() >= body.Pos() && v.Pos() < body.End()
}

// DeclaredAfter reports whether every variable that holds the value or
// something the flow follows is declared after pos.
func (b *Body) DeclaredAfter(pos token.Pos) bool {
	return b.tracker.declaredWithin(pos+1, token.Pos(1<<31-1))
}

// DeclaredWithin reports whether every variable that holds the value or
// something the flow follows is declared within n.
func (b *Body) DeclaredWithin(n ast.Node) bool {
	return b.tracker.declaredWithin(n.Pos(), n.End())
}

// Tracks reports whether v holds the value or something the flow follows.
func (b *Body) Tracks(v *types.Var) bool { return b.tracker.Tracks(v) }

// hook classifies what happens to a tracked value at cur.
func (b *Body) hook(cur inspector.Cursor, kind Kind) bool {
	info := b.cfg.Info
	fn := b.cfg.Fn
	p := cur.Parent()
	switch ek, idx := cur.ParentEdge(); ek {
	case edge.ParenExpr_X:
		return false
	case edge.AssignStmt_Lhs:
		if _, ok := cur.Node().(*ast.Ident); ok && kind == KindResp && cur.Node().Pos() > b.cfg.After {
			if pos := p.Node().Pos(); !b.Reassigned || pos < b.FirstReassign {
				b.FirstReassign = pos
			}
			b.Reassigned = true
		}
		return true
	case edge.SelectorExpr_X:
		sel := p.Node().(*ast.SelectorExpr)
		call, isCall := p.Parent().Node().(*ast.CallExpr)
		isCall = isCall && call.Fun == sel
		switch kind {
		case KindResp:
			if sel.Sel.Name == "Body" {
				if p.ParentEdgeKind() == edge.AssignStmt_Lhs {
					b.BodyWrites[p.Parent().Node().(*ast.AssignStmt)] = true
					return true
				}
				b.tracker.Follow(p, KindBody)
				return true
			}
			if isCall && sel.Sel.Name == "Write" {
				b.EOF[call] = true // Response.Write copies the body out
			}
			if s, ok := info.Selections[sel]; ok && s.Kind() == types.FieldVal && match.IsResponsePtr(s.Type()) {
				// wrapped.Response: the *http.Response a wrapper embeds
				// is the same response.
				b.tracker.Follow(p, KindResp)
			}
		case KindBody:
			if !isCall {
				return true
			}
			switch sel.Sel.Name {
			case "Close":
				b.Closes[call] = true
			case "Read":
				if InsideLoop(p.Parent(), fn) {
					b.streamAt(p.Parent())
				}
			}
		case KindDerived:
			if isCall && InsideLoop(p.Parent(), fn) {
				b.streamAt(p.Parent()) // Scan, Decode, ReadString... in a loop
			}
			if !isCall {
				if s, ok := info.Selections[sel]; ok && s.Kind() == types.MethodVal {
					// dec.Decode as a value still reads the body: it is
					// followed like the decoder, so returning it keeps
					// the body and calling it in a loop streams it.
					b.tracker.Follow(p, KindDerived)
				}
			}
		}
		return true
	case edge.CallExpr_Fun:
		if kind == KindDerived && InsideLoop(p, fn) {
			b.streamAt(p) // a decode function built on the body, called in a loop
		}
		return true
	case edge.CallExpr_Args:
		b.argument(cur, p, idx, kind)
		return true
	case edge.AssignStmt_Rhs:
		if as := p.Node().(*ast.AssignStmt); len(as.Lhs) == len(as.Rhs) && b.receiverField(as.Lhs[idx]) {
			b.keepInReceiver() // p.buf = bufio.NewReader(r)
			return true
		}
		return false
	case edge.ValueSpec_Values, edge.SendStmt_Value:
		return false
	case edge.ReturnStmt_Results:
		if kind == KindResp {
			b.Returns[p.Node().(*ast.ReturnStmt)] = true
			return true
		}
		if ret := p.Node().(*ast.ReturnStmt); EnclosingFunc(p) == b.cfg.Fn.Node() {
			b.Handed[ret] = true
			b.HandedBuilt = b.HandedBuilt || kind == KindDerived
			b.HandedBuiltByCall = b.HandedBuiltByCall || kind == KindDerived && b.madeByCall(cur.Node())
			if !b.Escapes {
				b.Escapes, b.EscapeWhy = true, "returned"
			}
			return true
		}
		b.escape(cur.Node().Pos(), "returned")
		return true
	case edge.KeyValueExpr_Value:
		b.tracker.Follow(p, kind)
		return true
	case edge.CompositeLit_Elts:
		b.tracker.Follow(p, KindDerived)
		return true
	case edge.UnaryExpr_X:
		if p.Node().(*ast.UnaryExpr).Op == token.AND {
			b.tracker.Follow(p, KindDerived)
		}
		return true
	case edge.TypeAssertExpr_X:
		if kind == KindBody {
			b.Stream = true // the read-write body of a 101 Switching Protocols
		}
		return true
	}
	_ = info
	return true // read through, compared, or used for nothing
}

// argument classifies a tracked value passed as argument idx of the call
// at callCur.
func (b *Body) argument(cur, callCur inspector.Cursor, idx int, kind Kind) {
	info := b.cfg.Info
	call := callCur.Node().(*ast.CallExpr)
	if tv, ok := info.Types[call.Fun]; ok && tv.IsType() {
		// io.Reader(resp.Body): the same value, seen as another type.
		b.tracker.Follow(callCur, kind)
		return
	}
	if callCur.ParentEdgeKind() == edge.GoStmt_Call {
		b.escape(call.Pos(), "used by a goroutine")
		return
	}
	if _, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
		// func(r *http.Response) {...}(resp): the literal's parameter is
		// the body's owner from here.
		b.Handlers[call] = true
		return
	}
	fn := match.CalleeFunc(info, call)
	deferred := callCur.ParentEdgeKind() == edge.DeferStmt_Call
	if kind == KindBody && wrapsReader(fn, idx) {
		// io.LimitReader(resp.Body, n): reading it to EOF reads the
		// body to EOF or to a bound, which is what a drain does.
		b.tracker.Follow(callCur, KindBody)
		return
	}
	if kind != KindDerived && readsToEOF(fn, idx, call, info) {
		b.EOF[call] = true
		return
	}
	if kind != KindDerived && fn != nil {
		pidx := idx
		if sig := fn.Signature(); sig.Variadic() && pidx >= sig.Params().Len()-1 {
			pidx = sig.Params().Len() - 1
		}
		if eff, ok := b.cfg.Callees.Param(fn.Origin(), pidx); ok {
			switch {
			case eff.KeepsInReceiver && !eff.Keeps:
				// tp.Parse(resp.Body): the receiver holds the body now.
				b.keptByReceiver(callCur, fn)
				return
			case eff.Keeps:
				if !b.handedAt(callCur) {
					b.escape(call.Pos(), "kept by "+fn.Name())
				}
				return
			case eff.Builds:
				// stream.New(resp.Body): what the call returns holds the
				// body; where it goes, the body goes.
				if eff.Stream {
					b.streamAt(callCur)
				}
				b.Handlers[call] = true
				if !deferred {
					b.tracker.Follow(callCur, KindDerived)
					b.builtBy[call] = true
				}
				return
			case eff.Stream:
				b.streamAt(callCur)
			}
			switch {
			case eff.All.EOF && eff.All.Closed:
				b.EOF[call], b.AlsoClose[call] = true, true
			case eff.All.EOF:
				b.EOF[call] = true
			case eff.All.Closed:
				b.Closes[call] = true
			}
			if eff.OnError != (State{}) && eff.OnError != eff.All {
				b.OnError[call] = eff.OnError
			}
			if eff.SomeClosed && !eff.All.Closed {
				b.HelperMayClose = true
			}
			b.Handlers[call] = true
			return
		}
	}
	if fn == nil && kind != KindDerived && !deferred && isFuncValue(info, call.Fun) {
		// onResponse(resp): a function value (a callback, a field)
		// nothing can see into may keep what it is handed, as a
		// streaming result keeps the body it reads. Not when the
		// function has already deferred the body's close: the value can
		// keep nothing the function does not close when it returns
		// (parse(resp) after defer resp.Body.Close()); it reads it, if
		// anything.
		if b.deferredCloseBefore(callCur) {
			b.Handlers[call] = true
			return
		}
		if !b.handedAt(callCur) {
			b.escape(call.Pos(), "handed to a function value")
		}
		return
	}
	if kind != KindDerived {
		b.Handlers[call] = true
	}
	if deferred {
		return
	}
	if resultMayHold(info.TypeOf(call)) {
		b.tracker.Follow(callCur, KindDerived)
		b.builtBy[call] = true
	}
}

// deferredCloseBefore reports whether the function, in its own body and
// before the call at c (which is not inside a function literal), defers
// the close of the root's body: defer resp.Body.Close(), or defer
// body.Close() for a body.
func (b *Body) deferredCloseBefore(c inspector.Cursor) bool {
	if EnclosingFunc(c) != b.cfg.Fn.Node() {
		return false
	}
	body := FuncBody(b.cfg.Fn.Node())
	if body == nil {
		return false
	}
	info, root := b.cfg.Info, b.cfg.Root
	for _, st := range body.List {
		if st.Pos() >= c.Node().Pos() {
			return false
		}
		d, ok := st.(*ast.DeferStmt)
		if !ok || len(d.Call.Args) != 0 {
			continue
		}
		sel, ok := ast.Unparen(d.Call.Fun).(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Close" {
			continue
		}
		x := ast.Unparen(sel.X)
		if b.cfg.RootKind == KindResp {
			bs, ok := x.(*ast.SelectorExpr)
			if !ok || bs.Sel.Name != "Body" {
				continue
			}
			x = ast.Unparen(bs.X)
		}
		if isVar(info, x, root) {
			return true
		}
	}
	return false
}

// isFuncValue reports whether fun, the callee of a call, is a value of
// function type (a parameter, a variable, a field), not a function, a
// method, a builtin or a literal.
func isFuncValue(info *types.Info, fun ast.Expr) bool {
	fun = ast.Unparen(fun)
	if _, ok := fun.(*ast.FuncLit); ok {
		return false
	}
	var id *ast.Ident
	switch f := fun.(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	case *ast.IndexExpr, *ast.IndexListExpr:
		return false // an instantiated generic function
	}
	if id != nil {
		switch info.Uses[id].(type) {
		case *types.Builtin, *types.Func, *types.TypeName:
			return false
		}
	}
	_, ok := info.TypeOf(fun).Underlying().(*types.Signature)
	return ok
}

// resultMayHold reports whether a call result of type t (a tuple for
// several results) may hold on to a response or its body.
func resultMayHold(t types.Type) bool {
	if tuple, ok := t.(*types.Tuple); ok {
		for i := 0; i < tuple.Len(); i++ {
			if resultMayHold(tuple.At(i).Type()) {
				return true
			}
		}
		return false
	}
	if t == nil || match.IsError(t) {
		return false
	}
	return match.MayHold(t, match.NetHTTP, "Response")
}

// upgrades reports whether the request behind the response asks for a
// protocol upgrade or an event stream, or the function expects a
// 101 Switching Protocols: the body is then a stream, not a document.
func upgrades(info *types.Info, fn inspector.Cursor) bool {
	found := false
	for c := range fn.Preorder((*ast.BasicLit)(nil), (*ast.Ident)(nil)) {
		switch n := c.Node().(type) {
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				continue
			}
			s, err := strconv.Unquote(n.Value)
			if err != nil {
				continue
			}
			switch strings.ToLower(s) {
			case "upgrade", "websocket", "text/event-stream", "h2c":
				found = true
			}
		case *ast.Ident:
			if match.IsPkgObj(info.Uses[n], match.NetHTTP, "StatusSwitchingProtocols") {
				found = true
			}
		}
	}
	return found
}

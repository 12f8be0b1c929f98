package flow

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/internal/match"
)

// An Acquisition is a call whose results include a response, assigned to
// a local variable of the function: the function owns the body, unless
// the response escapes.
type Acquisition struct {
	Fn     inspector.Cursor // *ast.FuncDecl or *ast.FuncLit
	Stmt   inspector.Cursor // the assignment (or declaration), in a statement list or a header
	Call   *ast.CallExpr
	Resp   *types.Var
	ErrVar *types.Var // the error result's variable; nil if the call has none
	// Results are the local variables the call's results are assigned
	// to, by index (nil for the others): loc, resp, err :=
	// c.doUntilFound(req).
	Results []*types.Var
	// Problem, if set, says why the acquisition cannot be followed (an
	// ignored error, a discarded response); Resp may then be nil.
	Problem string
}

// CalleeName names the called function for messages: http.Get, client.Do.
func CalleeName(call *ast.CallExpr) string {
	return types.ExprString(call.Fun)
}

// Acquisitions finds the calls returning a response in fn's own body
// (not in the function literals inside it, which are functions of their
// own).
func Acquisitions(info *types.Info, fn inspector.Cursor, callees Callees) []*Acquisition {
	var out []*Acquisition
	var visit func(c inspector.Cursor)
	visit = func(c inspector.Cursor) {
		for child := range c.Children() {
			if _, ok := child.Node().(*ast.FuncLit); ok {
				continue
			}
			if call, ok := child.Node().(*ast.CallExpr); ok {
				if acq := acquisition(info, fn, child, call, callees); acq != nil {
					out = append(out, acq)
				}
			}
			visit(child)
		}
	}
	visit(fn)
	return out
}

// ResponseIndex returns the index of the *http.Response among the
// results of call, and the number of results; -1 if there is none.
func ResponseIndex(info *types.Info, call *ast.CallExpr) (int, int) {
	tv, ok := info.Types[call]
	if !ok || tv.IsType() {
		return -1, 0
	}
	if tuple, ok := tv.Type.(*types.Tuple); ok {
		for i := 0; i < tuple.Len(); i++ {
			if match.IsResponseLike(tuple.At(i).Type()) {
				return i, tuple.Len()
			}
		}
		return -1, tuple.Len()
	}
	if match.IsResponseLike(tv.Type) {
		return 0, 1
	}
	return -1, 1
}

// resultType returns the type of result idx of a call of type t.
func resultType(t types.Type, idx int) types.Type {
	if tuple, ok := t.(*types.Tuple); ok {
		return tuple.At(idx).Type()
	}
	return t
}

func acquisition(info *types.Info, fn, cur inspector.Cursor, call *ast.CallExpr, callees Callees) *Acquisition {
	idx, n := ResponseIndex(info, call)
	if idx < 0 {
		return nil
	}
	callee := match.CalleeFunc(info, call)
	if match.IsMethod(callee, "net/http/httptest", "ResponseRecorder", "Result") {
		return nil // a recorded response: no connection behind it
	}
	for _, a := range call.Args {
		if match.IsResponseLike(info.TypeOf(a)) {
			// found, resp, err := requireNotFoundOrOK(resp): the same
			// response handed through a function, not a new one.
			return nil
		}
	}
	if tv := info.Types[call]; !match.IsResponsePtr(resultType(tv.Type, idx)) {
		// An API library's response type (a struct embedding the
		// *http.Response) is the caller's only where the library's
		// summary says it is handed on open, or spent only on the paths
		// that fail (go-github's BareDo, for its Do). A Do(req, v) that
		// closes the body when it decodes into v and leaves it open
		// otherwise (Mixed) says nothing its callers can act on: they are
		// left to its documented contract.
		if callee == nil || callees.Result(callee.Origin()) != ResultLive {
			return nil
		}
	}
	if callee != nil {
		switch callees.Result(callee.Origin()) {
		case ResultDone, ResultBuilt:
			// The callee read or closed the body (an API client's
			// Do(req, v) that decodes into v), or built the response:
			// nothing for the caller to drain or close.
			return nil
		}
	}
	errIdx := -1
	if tv := info.Types[call]; n > 1 {
		tuple := tv.Type.(*types.Tuple)
		if match.IsError(tuple.At(n - 1).Type()) {
			errIdx = n - 1
		}
		if (n > 2 || errIdx < 0) && (callee == nil || !ownedResult(callees.Result(callee.Origin()))) && !throughChecker(info, call, idx, callees) {
			// conn, resp, err := dialer.Dial(...): the response comes
			// with what the call is for (a websocket connection that took
			// over the HTTP one, a body already read); the function that
			// made it has done what was needed with its body. Only a
			// function seen to pass on a live response unread (consul's
			// doRequest) makes it the caller's.
			return nil
		}
	}
	name := CalleeName(call)
	parent := cur.Parent()
	var lhs []ast.Expr
	switch p := parent.Node().(type) {
	case *ast.AssignStmt:
		if len(p.Rhs) != 1 || len(p.Lhs) != n {
			return nil
		}
		lhs = p.Lhs
	case *ast.ValueSpec:
		if len(p.Values) != 1 || len(p.Names) != n {
			return nil
		}
		for _, id := range p.Names {
			lhs = append(lhs, id)
		}
		parent = parent.Parent().Parent() // ValueSpec -> GenDecl -> DeclStmt
		if _, ok := parent.Node().(*ast.DeclStmt); !ok {
			return nil
		}
	case *ast.ExprStmt:
		if callee != nil && callees.Result(callee.Origin()) == ResultMixed {
			return nil
		}
		return &Acquisition{Fn: fn, Stmt: parent, Call: call,
			Problem: fmt.Sprintf("the response of %s is discarded, so its body is never closed and its connection never reused: assign it, then drain and close its Body", name)}
	default:
		// Returned, passed on, or used in an expression: the response
		// belongs to whoever receives it.
		return nil
	}
	if id, ok := lhs[idx].(*ast.Ident); ok && id.Name == "_" {
		if callee != nil && callees.Result(callee.Origin()) == ResultMixed {
			// _, err := c.request("GET", u, &opts{JSONResponse: &v}): the
			// options may well have the callee read and close the body.
			return nil
		}
		return &Acquisition{Fn: fn, Stmt: parent, Call: call,
			Problem: fmt.Sprintf("the response of %s is discarded, so its body is never closed and its connection never reused: assign it, then drain and close its Body", name)}
	}
	resp := match.LocalVar(info, lhs[idx])
	if resp == nil || resp.Pos() < fn.Node().Pos() || resp.Pos() >= fn.Node().End() || IsNamedResult(fn, resp) {
		// Stored in a field, a global, a map, or a variable of an
		// enclosing function (a closure hands the response out): not ours.
		return nil
	}
	for parent.ParentEdgeKind() == edge.LabeledStmt_Stmt {
		// again: resp, err := c.Do(req): the statement in its list is the
		// labeled one, which the fix inserts after.
		parent = parent.Parent()
	}
	acq := &Acquisition{Fn: fn, Stmt: parent, Call: call, Resp: resp}
	for _, l := range lhs {
		acq.Results = append(acq.Results, match.LocalVar(info, l))
	}
	if errIdx >= 0 {
		if id, ok := lhs[errIdx].(*ast.Ident); ok && id.Name == "_" {
			acq.Problem = fmt.Sprintf("the error of %s is ignored, so its response may be nil: check the error, then drain and close %s.Body", name, resp.Name())
			return acq
		}
		acq.ErrVar = match.LocalVar(info, lhs[errIdx])
		if acq.ErrVar == nil {
			if v, ok := match.IdentObj(info, lhs[errIdx]).(*types.Var); ok {
				acq.ErrVar = v // a package-level or captured error variable
			}
		}
		if acq.ErrVar == nil {
			acq.Problem = fmt.Sprintf("the error of %s is not in a variable the rule can follow; drain and close %s.Body by hand", name, resp.Name())
			return acq
		}
	}
	return acq
}

// IsNamedResult reports whether v is a named result of the function fn:
// whatever it holds when fn returns goes to the caller.
func IsNamedResult(fn inspector.Cursor, v *types.Var) bool {
	var ft *ast.FuncType
	switch n := fn.Node().(type) {
	case *ast.FuncDecl:
		ft = n.Type
	case *ast.FuncLit:
		ft = n.Type
	}
	if ft == nil || ft.Results == nil {
		return false
	}
	for _, field := range ft.Results.List {
		for _, name := range field.Names {
			if name.Pos() == v.Pos() {
				return true
			}
		}
	}
	return false
}

// A Check is where the error of an acquisition is checked.
type Check struct {
	// Stmt is the if statement (or assertion) the deferred close goes
	// after; invalid when the call has no error.
	Stmt inspector.Cursor
	// Guard is set for if err == nil { ... }: the close goes first in its
	// block, and the paths start there.
	Guard bool
	// Early is a defer that closes or hands over the body written between
	// the call and the check: it runs on a nil response when the call
	// fails.
	Early *Defer
	// HandedWithErr is the statement, before any check, that hands the
	// response and its error to one call (ParseResponse(resp, err)): that
	// callee checks the error and decides what the response needs, so
	// there is nothing to say about the response here.
	HandedWithErr inspector.Cursor
}

// ErrorCheck finds the check of the call's error: the first statement
// after the call that tests the error (if err != nil { return }, if err
// == nil { ... }, require.NoError(t, err)), if nothing before it uses
// the response or the error. problem says why there is none.
func ErrorCheck(acq *Acquisition, own *Body) (check Check, problem string) {
	info := own.cfg.Info
	name, v := CalleeName(acq.Call), acq.Resp.Name()
	if acq.ErrVar == nil {
		return check, ""
	}
	if StmtList(acq.Stmt) == nil {
		return headerCheck(info, acq, name, v)
	}
	c := acq.Stmt
	for {
		var ok bool
		c, ok = c.NextSibling()
		if !ok {
			return check, fmt.Sprintf("no check of the error of %s follows it in this block; drain and close %s.Body by hand after checking the error", name, v)
		}
		s := c.Node().(ast.Stmt)
		if ifs, ok := s.(*ast.IfStmt); ok && TestsErr(info, ifs.Cond, acq.ErrVar) {
			switch {
			case Mentions(info, ifs.Cond, acq.Resp):
				return check, fmt.Sprintf("the error check after %s also tests %s, so the body leaks when it leaves with a response: test the error alone, then the response", name, v)
			case ifs.Init != nil:
				return check, fmt.Sprintf("the error check after %s has an init statement; drain and close %s.Body by hand", name, v)
			case ifs.Else != nil:
				return check, fmt.Sprintf("the error check after %s has an else branch; drain and close %s.Body by hand", name, v)
			case !Terminates(info, ifs.Body):
				return check, fmt.Sprintf("the error check after %s does not leave the function or loop, so %s may be nil after it: return (or continue) on error, then drain and close %s.Body", name, v, v)
			}
			check.Stmt = c
			return check, ""
		}
		if ifs, ok := s.(*ast.IfStmt); ok && ifs.Init == nil && TestsNoErr(info, ifs.Cond, acq.ErrVar) && !mentionsOutsideNilTest(info, ifs.Cond, acq.Resp) {
			// if err == nil { ...use resp... }: the block is where the
			// response exists.
			check.Stmt = c
			check.Guard = true
			return check, ""
		}
		if AssertsNoErr(info, s, acq.ErrVar) {
			check.Stmt = c
			return check, ""
		}
		if nilGuarded(info, s, acq.Resp) {
			// if resp != nil { r.Header = resp.Header }: a use that
			// cannot meet a nil response, before the check. One that
			// defers the body's close or handler (if resp != nil { defer
			// closeResponse(resp) }) registers it wherever there is a
			// body; one that turns a status into the error (if resp !=
			// nil && resp.StatusCode != 200 { err = toError(resp) }) does
			// so with a helper that reads or closes the body, and the
			// check that follows tests both errors.
			early := guardedDefer(info, acq, own, c)
			if early != nil && check.Early == nil {
				check.Early = early
				continue
			}
			if !Mentions(info, s, acq.ErrVar) || errFromConsumer(info, s.(*ast.IfStmt).Body, acq, own) {
				continue
			}
		}
		if d, ok := s.(*ast.DeferStmt); ok && check.Early == nil {
			w := NewPaths(info, acq.Fn, acq.Resp, own)
			w.DeferStmt(c, d, PathState{}, true)
			if len(w.Defers) == 1 {
				early := w.Defers[0]
				early.NilSafe = nilSafeDefer(info, d, &early, acq.Resp)
				check.Early = &early
				continue
			}
		}
		if ifs, ok := s.(*ast.IfStmt); ok && ifs.Else == nil && OnlyOnErr(info, ifs, acq.ErrVar) && Terminates(info, ifs.Body) && !Mentions(info, s, acq.Resp) {
			// if errors.As(err, &ne) && ne.Timeout() { continue }: a
			// branch for some errors, where the call gave no response
			// (or, for a redirect it refused, one whose body it
			// closed). It leaves; what follows still has the error to
			// check.
			continue
		}
		if handsWithErr(info, s, acq.Resp, acq.ErrVar) {
			check.HandedWithErr = c
			return check, ""
		}
		if Mentions(info, s, acq.Resp) || Mentions(info, s, acq.ErrVar) {
			return check, fmt.Sprintf("%s is used before the error of %s is checked; check the error right after the call, then drain and close %s.Body", v, name, v)
		}
	}
}

// guardedDefer returns the defer, at the top of the block of the nil
// guard at c, that closes the body or hands it to a handler, as it runs:
// only where there is a response.
func guardedDefer(info *types.Info, acq *Acquisition, own *Body, c inspector.Cursor) *Defer {
	for x := range c.ChildAt(edge.IfStmt_Body, -1).Children() {
		d, isDefer := x.Node().(*ast.DeferStmt)
		if !isDefer {
			continue
		}
		w := NewPaths(info, acq.Fn, acq.Resp, own)
		w.DeferStmt(x, d, PathState{}, true)
		if len(w.Defers) == 1 {
			early := w.Defers[0]
			early.NilSafe = true
			return &early
		}
	}
	return nil
}

// errFromConsumer reports whether every use of the call's error in block
// gives it the error of a helper handed the response that reads its body
// to the end or closes it (err = httpRespToError(resp)): where that error
// makes the check that follows fail, the body is done with.
func errFromConsumer(info *types.Info, block *ast.BlockStmt, acq *Acquisition, own *Body) bool {
	ok := true
	ast.Inspect(block, func(n ast.Node) bool {
		if !ok {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			if Mentions(info, n, acq.ErrVar) {
				ok = false
			}
			return false
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if !isVar(info, l, acq.ErrVar) {
					continue
				}
				if len(n.Lhs) != 1 || len(n.Rhs) != 1 || n.Tok != token.ASSIGN {
					ok = false
					return false
				}
				call, isCall := ast.Unparen(n.Rhs[i]).(*ast.CallExpr)
				done := own.OnError[call]
				if !isCall || !(own.EOF[call] || own.Closes[call] || done.EOF || done.Closed) {
					ok = false
				}
				return false
			}
		case *ast.Ident:
			if info.Uses[n] == acq.ErrVar {
				ok = false // read, or assigned otherwise
			}
		}
		return true
	})
	return ok
}

// handsWithErr reports whether s passes resp and errVar, as they are, to
// one call of a function made for both, one that takes an *http.Response
// and an error (handle(resp, err) checks the error for its caller), not
// to one that takes anything (fmt.Println(resp, err) checks nothing).
func handsWithErr(info *types.Info, s ast.Stmt, resp, errVar *types.Var) bool {
	found := false
	ast.Inspect(s, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		ft := info.TypeOf(call.Fun)
		if ft == nil {
			return true
		}
		sig, ok := ft.Underlying().(*types.Signature)
		if !ok || sig.Variadic() || sig.Params().Len() != len(call.Args) {
			return true
		}
		hasResp, hasErr := false, false
		for i, a := range call.Args {
			pt := sig.Params().At(i).Type()
			hasResp = hasResp || isVar(info, a, resp) && match.IsPtrTo(pt, match.NetHTTP, "Response")
			hasErr = hasErr || isVar(info, a, errVar) && match.IsError(pt)
		}
		found = hasResp && hasErr
		return !found
	})
	return found
}

// mentionsOutsideNilTest reports whether cond refers to v other than in
// v != nil.
func mentionsOutsideNilTest(info *types.Info, cond ast.Expr, v *types.Var) bool {
	found := false
	ast.Inspect(cond, func(n ast.Node) bool {
		if be, ok := n.(*ast.BinaryExpr); ok && be.Op == token.NEQ && (isVar(info, be.X, v) && isNil(info, be.Y) || isNil(info, be.X) && isVar(info, be.Y, v)) {
			return false
		}
		if id, ok := n.(*ast.Ident); ok && info.Uses[id] == v {
			found = true
		}
		return !found
	})
	return found
}

// nilSafeDefer reports whether a deferred handler or closure of the body
// can run on a nil response: a call handed the response itself (whose
// callee is trusted to check it), or a closure that tests it against nil.
// A deferred resp.Body.Close() or drain(resp.Body) dereferences it when
// the defer statement runs.
func nilSafeDefer(info *types.Info, d *ast.DeferStmt, di *Defer, resp *types.Var) bool {
	derefs := func(n ast.Node) bool {
		found := false
		ast.Inspect(n, func(x ast.Node) bool {
			if sel, ok := x.(*ast.SelectorExpr); ok {
				if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok && info.ObjectOf(id) == resp {
					found = true
				}
			}
			return !found
		})
		return found
	}
	switch {
	case di.Handler:
		for _, a := range d.Call.Args {
			if derefs(a) {
				return false
			}
		}
		return true
	case di.Closure:
		found := false
		ast.Inspect(d.Call.Fun, func(x ast.Node) bool {
			if be, ok := x.(*ast.BinaryExpr); ok && (be.Op == token.EQL || be.Op == token.NEQ) {
				if Mentions(info, be, resp) && (isNil(info, be.Y) || isNil(info, be.X)) {
					found = true
				}
			}
			return !found
		})
		return found
	}
	return false
}

// IsHead reports whether the response of the acquisition answers a HEAD
// request, which carries no body: http.Head, (*http.Client).Head, Do or
// RoundTrip of a request made with the method HEAD (http.NewRequest,
// NewRequestWithContext, through req.WithContext and req.Clone, or a
// request whose Method is set to HEAD), or a function whose summary says
// that it returns the response of a HEAD request.
func IsHead(info *types.Info, acq *Acquisition, callees Callees) bool {
	fn := match.CalleeFunc(info, acq.Call)
	if fn == nil {
		return false
	}
	if fn.Pkg() != nil && fn.Pkg().Path() == match.NetHTTP {
		switch fn.Name() {
		case "Head":
			return true
		case "Do", "RoundTrip":
			if len(acq.Call.Args) == 1 {
				return headRequest(info, acq.Fn, acq.Call.Args[0], 0, func(e ast.Expr) bool { return isHeadMethod(info, e) })
			}
		}
		return false
	}
	h, ok := callees.(interface {
		Head(*types.Func) bool
		MethodParam(*types.Func) int
	})
	if !ok {
		return false
	}
	if h.Head(fn.Origin()) {
		return true
	}
	// s.request("HEAD", u, opts): a request method handed its method.
	mp := h.MethodParam(fn.Origin())
	return mp >= 0 && mp < len(acq.Call.Args) && isHeadMethod(info, acq.Call.Args[mp])
}

// MethodParam returns the index of the parameter of the function at fn
// whose value is the method of every request the function sends through
// net/http (Do, RoundTrip) and returns the response of, or hands to a
// request method of its own (a Head that calls Request(ctx, "HEAD", ...),
// a Request that calls doRequest(ctx, method, ...), which retries by
// calling itself with the same method), or -1.
func MethodParam(info *types.Info, fn inspector.Cursor, acqs []*Acquisition, callees Callees) int {
	sig := FuncSignature(info, fn.Node())
	var calls []*ast.CallExpr
	for _, acq := range acqs {
		calls = append(calls, acq.Call)
	}
	// return c.doRequest(ctx, method, u, opts): a response handed back as
	// the callee returns it.
	for c := range fn.Preorder((*ast.ReturnStmt)(nil)) {
		r := c.Node().(*ast.ReturnStmt)
		if EnclosingFunc(c) != fn.Node() || len(r.Results) != 1 {
			continue
		}
		if call, ok := ast.Unparen(r.Results[0]).(*ast.CallExpr); ok {
			if idx, _ := ResponseIndex(info, call); idx >= 0 {
				calls = append(calls, call)
			}
		}
	}
	if sig == nil || len(calls) == 0 {
		return -1
	}
	var self *types.Func
	if d, ok := fn.Node().(*ast.FuncDecl); ok {
		self, _ = info.Defs[d.Name].(*types.Func)
	}
	mp, _ := callees.(interface{ MethodParam(*types.Func) int })
	for i := 0; i < sig.Params().Len(); i++ {
		p := sig.Params().At(i)
		if b, ok := p.Type().Underlying().(*types.Basic); !ok || b.Kind() != types.String {
			continue
		}
		isParam := func(e ast.Expr) bool {
			id, ok := ast.Unparen(e).(*ast.Ident)
			return ok && info.Uses[id] == p
		}
		all := true
		for _, call := range calls {
			callee := match.CalleeFunc(info, call)
			if callee != nil && callee.Origin() == self && i < len(call.Args) && isParam(call.Args[i]) {
				continue // a retry: the same method again
			}
			if callee != nil && mp != nil {
				if j := mp.MethodParam(callee.Origin()); j >= 0 && j < len(call.Args) && isParam(call.Args[j]) {
					continue // handed to a request method
				}
			}
			sends := match.IsMethod(callee, match.NetHTTP, "Client", "Do") ||
				match.IsMethod(callee, match.NetHTTP, "Transport", "RoundTrip") ||
				callee != nil && callee.Name() == "RoundTrip" && isRoundTripper(callee)
			if !sends || len(call.Args) != 1 || !headRequest(info, fn, call.Args[0], 0, isParam) {
				all = false
				break
			}
		}
		if all {
			return i
		}
	}
	return -1
}

// isRoundTripper reports whether fn is the method of http.RoundTripper.
func isRoundTripper(fn *types.Func) bool {
	recv := fn.Signature().Recv()
	return recv != nil && match.IsPkgObj(namedOf(recv.Type()), match.NetHTTP, "RoundTripper")
}

// namedOf returns the type name of t, if it is a named type.
func namedOf(t types.Type) types.Object {
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Obj()
	}
	return nil
}

// headRequest reports whether the request expression e, in fn, is made
// with a method for which method holds (the constant HEAD, a parameter).
func headRequest(info *types.Info, fn inspector.Cursor, e ast.Expr, depth int, method func(ast.Expr) bool) bool {
	if depth > 4 {
		return false
	}
	e = ast.Unparen(e)
	if call, ok := e.(*ast.CallExpr); ok {
		callee := match.CalleeFunc(info, call)
		switch {
		case match.IsMethod(callee, match.NetHTTP, "Request", "WithContext"), match.IsMethod(callee, match.NetHTTP, "Request", "Clone"):
			return headRequest(info, fn, call.Fun.(*ast.SelectorExpr).X, depth+1, method)
		case match.IsFunc(callee, match.NetHTTP, "NewRequest") && len(call.Args) == 3:
			return method(call.Args[0])
		case match.IsFunc(callee, match.NetHTTP, "NewRequestWithContext") && len(call.Args) == 4:
			return method(call.Args[1])
		}
		return false
	}
	v := match.LocalVar(info, e)
	if v == nil {
		return false
	}
	// Every value the variable is given must be a HEAD request, or the
	// method it is given HEAD.
	found := false
	for c := range fn.Preorder((*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil)) {
		lhs, rhs := AssignParts(c.Node())
		for i, l := range lhs {
			if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok && sel.Sel.Name == "Method" && match.LocalVar(info, sel.X) == v && len(rhs) == len(lhs) {
				if !method(rhs[i]) {
					return false
				}
				found = true
				continue
			}
			if match.LocalVar(info, l) != v {
				continue
			}
			var r ast.Expr
			switch {
			case len(rhs) == len(lhs):
				r = rhs[i]
			case len(rhs) == 1 && i == 0:
				r = rhs[0] // req, err := http.NewRequest(...)
			default:
				return false
			}
			if !headRequest(info, fn, r, depth+1, method) {
				return false
			}
			found = true
		}
	}
	return found
}

// isHeadMethod reports whether e is the constant "HEAD".
func isHeadMethod(info *types.Info, e ast.Expr) bool {
	tv, ok := info.Types[e]
	return ok && tv.Value != nil && tv.Value.Kind() == constant.String && constant.StringVal(tv.Value) == "HEAD"
}

// headerCheck finds the check of an acquisition made in the header of an
// if statement: if resp, err = c.Do(req); err != nil { return } (the
// variables declared outside the if, which they outlive) is an ordinary
// check, after which the deferred close goes; if resp, err := f(); err ==
// nil { ... } guards the block the response is used in.
func headerCheck(info *types.Info, acq *Acquisition, name, v string) (Check, string) {
	problem := fmt.Sprintf("%s is called in the header of a statement; drain and close %s.Body by hand", name, v)
	if acq.Stmt.ParentEdgeKind() != edge.IfStmt_Init {
		return Check{}, problem
	}
	ifc := acq.Stmt.Parent()
	ifs := ifc.Node().(*ast.IfStmt)
	as, ok := acq.Stmt.Node().(*ast.AssignStmt)
	if !ok || StmtList(ifc) == nil {
		return Check{}, problem
	}
	switch {
	case as.Tok == token.ASSIGN && ifs.Else == nil && TestsErr(info, ifs.Cond, acq.ErrVar) &&
		!Mentions(info, ifs.Cond, acq.Resp) && Terminates(info, ifs.Body):
		return Check{Stmt: ifc}, ""
	case ifs.Else == nil && TestsNoErr(info, ifs.Cond, acq.ErrVar) && !mentionsOutsideNilTest(info, ifs.Cond, acq.Resp):
		return Check{Stmt: ifc, Guard: true}, ""
	}
	return Check{}, problem
}

// nilGuarded reports whether a statement uses v only inside if v != nil
// (or if v == nil { ... } else { ... }, in the else), with no else that
// uses it.
func nilGuarded(info *types.Info, s ast.Stmt, v *types.Var) bool {
	ifs, ok := s.(*ast.IfStmt)
	if !ok || ifs.Init != nil {
		return false
	}
	be, ok := ast.Unparen(ifs.Cond).(*ast.BinaryExpr)
	if ok && be.Op == token.LAND {
		// if resp != nil && resp.StatusCode != 200 { ... }: the rest is
		// evaluated only where there is a response.
		be, ok = ast.Unparen(be.X).(*ast.BinaryExpr)
	}
	if !ok || be.Op != token.NEQ || !(isVar(info, be.X, v) && isNil(info, be.Y) || isNil(info, be.X) && isVar(info, be.Y, v)) {
		return false
	}
	return ifs.Else == nil || !Mentions(info, ifs.Else, v)
}

// throughChecker reports whether call is a function value handed, as
// its only argument, the results of a call that returns an owned
// response at the same place (rtt, resp, err := checkFn(c.doRequest(r)),
// checkFn := requireStatusIn(200, 204)): a checker of the response, which
// hands it back, or nil with an error. The response is the inner call's.
func throughChecker(info *types.Info, call *ast.CallExpr, idx int, callees Callees) bool {
	if match.CalleeFunc(info, call) != nil || len(call.Args) != 1 {
		return false
	}
	inner, ok := ast.Unparen(call.Args[0]).(*ast.CallExpr)
	if !ok {
		return false
	}
	innerIdx, n := ResponseIndex(info, inner)
	outerIdx, m := ResponseIndex(info, call)
	if innerIdx < 0 || innerIdx != idx || outerIdx != idx || n != m {
		return false
	}
	fn := match.CalleeFunc(info, inner)
	if fn == nil {
		return false
	}
	return fn.Pkg() != nil && fn.Pkg().Path() == match.NetHTTP || ownedResult(callees.Result(fn.Origin()))
}

// ownedResult reports whether a response of that kind, returned with
// something else than an error, is seen to be the caller's.
func ownedResult(k ResultKind) bool { return k == ResultLive || k == ResultMixed }

package flow

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/internal/match"
)

// A PathState is what is known on one path through the function after
// the value was obtained.
type PathState struct {
	Closed   bool // closed explicitly
	EOF      bool // read to EOF or drained explicitly
	Deferred bool // a deferred Close (or handler) is registered
	Drained  bool // a deferred drain (or handler) is registered
	// NoBody: on this path the response has no body to read (a 204 or a
	// 304, tested), so closing it without a drain loses nothing.
	NoBody bool
	// Streamed: on some path to here the body may have been consumed as
	// a stream (Body.StreamCalls), so what is left of it may be a quiet
	// stream that a drain would wait on.
	Streamed bool
	// SomeClosed: on some path to here the body was closed, or its close
	// deferred (a function that closes it only when asked to decode it).
	SomeClosed bool
	// Status is the statuses the response may have on this path: those
	// its callee hands back live (an API library's request method that
	// turns every other status into an error), narrowed by the tests of
	// StatusCode on the way.
	Status StatusSet
}

// meet is what holds at a point that paths in states a and b both reach.
func meet(a, b PathState) PathState {
	return PathState{
		Closed: a.Closed && b.Closed, EOF: a.EOF && b.EOF, Deferred: a.Deferred && b.Deferred,
		Drained: a.Drained && b.Drained, NoBody: a.NoBody && b.NoBody, Streamed: a.Streamed || b.Streamed,
		SomeClosed: a.MayBeClosed() || b.MayBeClosed(), Status: a.Status.Or(b.Status),
	}
}

// MayBeClosed says whether the body is closed, or its close deferred, on
// some path to a point in state st.
func (st PathState) MayBeClosed() bool { return st.SomeClosed || st.Closed || st.Deferred }

// NeedsDrain says whether a path in state st leaves a finite body unread:
// one a drain lets the connection survive.
func (st PathState) NeedsDrain() bool { return !st.EOF && !st.NoBody && !st.Streamed }

// An Exit is a point where the function loses the body, with what is
// known there.
type Exit struct {
	State  PathState
	What   string
	Return *ast.ReturnStmt // the return statement, if it is one
	// Jump is the goto, if the exit is one back to before the
	// declaration of every variable that holds the body (BackJumps).
	Jump *ast.BranchStmt
	// Err says whether the function returns a non-nil error there: 1 yes,
	// 0 no (nil), -1 unknown or no error result.
	Err int
}

// A Close is an explicit close of the body.
type Close struct {
	Stmt      inspector.Cursor // the statement, in a list, holding the Close
	NeedDrain bool             // some path reaches it without reading the body to EOF
	Deferred  bool
	Status    StatusSet // the statuses the response may have there
}

// A Defer is a deferred statement that closes or hands over the body.
type Defer struct {
	Stmt      inspector.Cursor
	TopLevel  bool // in the statement list of the region's start (not in a branch)
	Closure   bool // defer func() { ... v.Body.Close() ... }()
	CloseStmt inspector.Cursor
	Drains    bool // the deferred code drains before closing
	Handler   bool // a deferred call handed the response or its body
	Unknown   bool // of a function with no summary: trusted to take care of it
	NilSafe   bool // written before the error check, it can run on a nil response
}

// Paths follows every path from a point of a function to the points
// where the function loses the body: returns, the end of the block that
// declares it, a new assignment to the variable, the end of a loop
// iteration.
type Paths struct {
	Info    *types.Info
	Fn      inspector.Cursor
	Root    *types.Var
	Own     *Body
	Exits   []Exit
	Closes  []Close
	Defers  []Defer
	Problem string
	// ErrResult is the index of the function's error result, or -1.
	ErrResult int
	// Full walks every path to its end, even past the point where the
	// body is read and its close deferred (for summaries that need the
	// state at each return).
	Full bool
	// BackJumps makes a goto to a label before the declaration of every
	// variable holding the body (START: ... resp, err := c.Do(req) ...
	// goto START) an exit, with Jump set: the jump leaves their scope, so
	// nothing can reach the body from there. Without it, a goto is a
	// Problem.
	BackJumps bool
	// StopAt ends every path at the first statement that starts at or
	// after it (where the body escapes, for a walk of what the function
	// does with it before that), as an exit with no return.
	StopAt token.Pos
	// Start is the statuses the response may have where the walk starts
	// (AfterCall): a branch that tests StatusCode for none of them is
	// never taken.
	Start StatusSet
	// testVars memoizes statusTestVar.
	testVars map[*types.Var]ast.Expr
	// spentIfSet are the call's other results that are nil wherever the
	// response is live (AfterCall): where one is not nil, the callee has
	// closed the response.
	spentIfSet []*types.Var
}

// walkCtx says where a statement is: depth 0 is the list holding the
// call; breaks and continues inside a construct of the walk are local.
type walkCtx struct {
	depth  int
	loops  int
	breaks *[]PathState // states at the breaks of the innermost breakable construct
}

// NewPaths prepares a walk over the uses own found.
func NewPaths(info *types.Info, fn inspector.Cursor, root *types.Var, own *Body) *Paths {
	w := &Paths{Info: info, Fn: fn, Root: root, Own: own, ErrResult: -1}
	if sig := FuncSignature(info, fn.Node()); sig != nil && sig.Results().Len() > 0 {
		if match.IsError(sig.Results().At(sig.Results().Len() - 1).Type()) {
			w.ErrResult = sig.Results().Len() - 1
		}
	}
	return w
}

// jumpsOutOfScope reports whether the goto jumps to a label before the
// declaration of every variable the walk's body flow follows.
func (w *Paths) jumpsOutOfScope(n *ast.BranchStmt) bool {
	label, ok := w.Info.Uses[n.Label].(*types.Label)
	return ok && label.Pos() < w.Root.Pos() && w.Own.DeclaredAfter(label.Pos())
}

// FuncSignature returns the signature of a *ast.FuncDecl or *ast.FuncLit.
func FuncSignature(info *types.Info, fn ast.Node) *types.Signature {
	switch n := fn.(type) {
	case *ast.FuncDecl:
		if f, ok := info.Defs[n.Name].(*types.Func); ok {
			return f.Signature()
		}
	case *ast.FuncLit:
		sig, _ := info.TypeOf(n).(*types.Signature)
		return sig
	}
	return nil
}

// Region walks the statements after anchor, in its list, to the end of
// the list, starting in state st.
func (w *Paths) Region(anchor inspector.Cursor, st PathState) {
	st = w.narrow(st, w.Start)
	c, ok := anchor.NextSibling()
	w.from(anchor.Parent(), c, ok, st, "the end of the block")
}

// Body walks a whole statement list (a function body, or the block of
// an if err == nil), then, for a block, what follows it.
func (w *Paths) Block(block inspector.Cursor, st PathState) {
	st = w.narrow(st, w.Start)
	first, ok := firstStmt(block)
	w.from(block, first, ok, st, "the end of the block")
}

// firstStmt returns the first statement of a block.
func firstStmt(block inspector.Cursor) (inspector.Cursor, bool) {
	for c := range block.Children() {
		if _, isStmt := c.Node().(ast.Stmt); isStmt {
			return c, true
		}
	}
	return inspector.Cursor{}, false
}

// Guarded walks the block of an if err == nil at ifc, then what follows
// the if statement, where the paths through the block join the rest of
// the function (a middleware that looks at a response inside the block
// and returns it after).
func (w *Paths) Guarded(ifc, block inspector.Cursor, st PathState) {
	st = w.narrow(st, w.Start)
	first, ok := firstStmt(block)
	st, falls := w.run(first, ok, st)
	if !falls {
		return
	}
	next, ok := ifc.NextSibling()
	w.from(ifc.Parent(), next, ok, st, "the end of the block")
}

// from walks the statements from c to the end of the list of list, then,
// while the paths fall off its end and the body outlives the list (every
// variable holding it is declared outside), what follows the statement
// that holds the list: res, err = c.Do(req) inside an if, whose response
// the code after the if hands on or closes.
func (w *Paths) from(list, c inspector.Cursor, ok bool, st PathState, end string) {
	depth := 0
	for {
		var falls bool
		st, falls = w.runAt(c, ok, st, depth)
		if !falls {
			return
		}
		stmt, outlives := w.outlivesList(list)
		if !outlives {
			w.Exits = append(w.Exits, Exit{State: st, What: end, Err: -1})
			return
		}
		list = stmt.Parent()
		c, ok = stmt.NextSibling()
		depth = 1
	}
}

// stopped reports whether the statement at c starts at or after StopAt,
// and then ends the path there.
func (w *Paths) stopped(c inspector.Cursor, st PathState) bool {
	if w.StopAt == token.NoPos || c.Node().Pos() < w.StopAt {
		return false
	}
	w.Exits = append(w.Exits, Exit{State: st, What: "where the body escapes", Err: -1})
	return true
}

// outlivesBreak returns the statement an unlabeled break at c leaves (the
// innermost loop, switch or select around it), if the body outlives it
// and the statement is in a list of the function, where the walk can go
// on after it.
func (w *Paths) outlivesBreak(c inspector.Cursor) (inspector.Cursor, bool) {
	for p := c.Parent(); p.Valid(); p = p.Parent() {
		switch p.Node().(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return inspector.Cursor{}, false
		case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			if w.Own == nil || w.Own.DeclaredWithin(p.Node()) || StmtList(p) == nil || EnclosingFunc(p) != w.Fn.Node() {
				return inspector.Cursor{}, false
			}
			return p, true
		}
	}
	return inspector.Cursor{}, false
}

// outlivesList reports whether the body outlives the statement list of
// list (a block or a case clause), and returns the statement in its own
// list that the paths falling off the end of list go on after: the if
// (of an else-if chain, the first), the switch or select, the bare block.
// Not a loop's body, whose end starts the next iteration, nor a
// function's.
func (w *Paths) outlivesList(list inspector.Cursor) (inspector.Cursor, bool) {
	if w.Own == nil || w.Own.DeclaredWithin(list.Node()) {
		return inspector.Cursor{}, false
	}
	var stmt inspector.Cursor
	switch list.Node().(type) {
	case *ast.BlockStmt:
		switch list.ParentEdgeKind() {
		case edge.IfStmt_Body, edge.IfStmt_Else:
			stmt = list.Parent()
			for stmt.ParentEdgeKind() == edge.IfStmt_Else {
				stmt = stmt.Parent()
			}
		case edge.BlockStmt_List, edge.CaseClause_Body, edge.CommClause_Body:
			stmt = list
		default:
			return inspector.Cursor{}, false
		}
	case *ast.CaseClause, *ast.CommClause:
		stmt = list.Parent().Parent() // the clause's block, then the statement
	default:
		return inspector.Cursor{}, false
	}
	for stmt.ParentEdgeKind() == edge.LabeledStmt_Stmt {
		stmt = stmt.Parent()
	}
	if _, ok := stmt.Node().(ast.Stmt); !ok || StmtList(stmt) == nil || EnclosingFunc(stmt) != w.Fn.Node() {
		return inspector.Cursor{}, false
	}
	return stmt, true
}

// run walks the statements from c to the end of their list, and says
// whether the paths fall off its end (else each ended in an exit, or the
// walk found a problem).
func (w *Paths) run(c inspector.Cursor, ok bool, st PathState) (PathState, bool) {
	return w.runAt(c, ok, st, 0)
}

// runAt is run in a list at the given depth: 0 for the list the walk
// starts in, 1 for the lists around it it goes on in.
func (w *Paths) runAt(c inspector.Cursor, ok bool, st PathState, depth int) (PathState, bool) {
	for ; ok; c, ok = c.NextSibling() {
		if w.stopped(c, st) {
			return st, false
		}
		var falls bool
		st, falls = w.stmt(c, st, walkCtx{depth: depth})
		if !falls || w.Problem != "" {
			return st, false
		}
		if st.EOF && (st.Closed || st.Deferred) && !w.Full {
			// Read to EOF and closed (or to be closed on return) on
			// every path that gets here: nothing after can lose the
			// connection any more.
			w.Exits = append(w.Exits, Exit{State: st, What: "the body was read", Err: -1})
			return st, false
		}
	}
	return st, true
}

func (w *Paths) list(block inspector.Cursor, st PathState, ctx walkCtx) (PathState, bool) {
	for c := range block.Children() {
		if _, ok := c.Node().(ast.Stmt); !ok {
			continue
		}
		if w.stopped(c, st) {
			return st, false
		}
		var falls bool
		st, falls = w.stmt(c, st, ctx)
		if !falls || w.Problem != "" {
			return st, false
		}
	}
	return st, true
}

func (w *Paths) stmt(c inspector.Cursor, st PathState, ctx walkCtx) (PathState, bool) {
	switch n := c.Node().(type) {
	case *ast.ReturnStmt:
		st = w.events(c, c, st)
		if done, ok := w.returnedHandlerErr(n); ok {
			// return requireOK(resp): the helper's error is the
			// function's, and on that path it did what it does on error.
			est := st
			est.Closed = est.Closed || done.Closed
			est.EOF = est.EOF || done.EOF
			w.Exits = append(w.Exits, Exit{State: est, What: "a return", Return: n, Err: 1})
			w.Exits = append(w.Exits, Exit{State: st, What: "a return", Return: n, Err: 0})
			return st, false
		}
		w.Exits = append(w.Exits, Exit{State: st, What: "a return", Return: n, Err: w.returnsErr(n)})
		return st, false
	case *ast.BranchStmt:
		if n.Tok == token.GOTO && w.BackJumps && w.jumpsOutOfScope(n) {
			w.Exits = append(w.Exits, Exit{State: st, What: "a goto", Jump: n, Err: -1})
			return st, false
		}
		if n.Label != nil && n.Tok != token.GOTO {
			w.Problem = "labeled " + n.Tok.String() + " after the call; drain and close the body by hand"
			return st, false
		}
		switch n.Tok {
		case token.BREAK:
			if ctx.breaks != nil {
				*ctx.breaks = append(*ctx.breaks, st)
				return st, false
			}
			if target, ok := w.outlivesBreak(c); ok {
				// for { res, err = s.Read(); ...; break }; return res:
				// the body goes on past the loop the break leaves.
				next, ok := target.NextSibling()
				w.from(target.Parent(), next, ok, st, "the end of the block")
				return st, false
			}
			w.Exits = append(w.Exits, Exit{State: st, What: "a break", Err: -1})
			return st, false
		case token.CONTINUE:
			if ctx.loops > 0 {
				return st, false
			}
			w.Exits = append(w.Exits, Exit{State: st, What: "a continue", Err: -1})
			return st, false
		default:
			w.Problem = n.Tok.String() + " after the call; drain and close the body by hand"
			return st, false
		}
	case *ast.BlockStmt:
		return w.list(c, st, deeper(ctx))
	case *ast.LabeledStmt:
		return w.stmt(c.ChildAt(edge.LabeledStmt_Stmt, -1), st, ctx)
	case *ast.IfStmt:
		if d, ok := w.guardedDefer(n); ok {
			// if resp.Body != nil { defer resp.Body.Close() }: a client's
			// response always has a Body, so the guard always holds.
			return w.DeferStmt(c, d, st, ctx.depth == 0), true
		}
		if n.Init != nil {
			st = w.events(c, c.ChildAt(edge.IfStmt_Init, -1), st)
		}
		st = w.events(c, c.ChildAt(edge.IfStmt_Cond, -1), st)
		yes, no := w.statusSplit(n.Cond, 0)
		bst := w.narrow(st, yes)
		if w.testsNil(n.Cond, token.EQL) {
			// if resp == nil || resp.Body == nil { return }: no body on
			// that path, nothing to read or close.
			bst.NoBody, bst.EOF, bst.Closed = true, true, true
		}
		if w.testsSet(n.Cond, token.NEQ) {
			// if loc != nil { ... }: a result the callee sets only with a
			// response it has closed.
			bst.NoBody, bst.EOF, bst.Closed = true, true, true
		}
		if done, ok := w.errorFromHandler(c, n); ok {
			// if err := requireOK(resp); err != nil { ... }: the helper
			// drained or closed the body before returning the error.
			bst.Closed = bst.Closed || done.Closed
			bst.EOF = bst.EOF || done.EOF
		}
		a, fa := bst, false
		if !bst.Status.Empty() {
			// A branch on a status the response cannot have here (if
			// !success after a callee that returns only 2xx responses) is
			// never taken.
			a, fa = w.list(c.ChildAt(edge.IfStmt_Body, -1), bst, deeper(ctx))
		}
		est := w.narrow(st, no)
		if w.testsNil(n.Cond, token.NEQ) {
			est.NoBody, est.EOF, est.Closed = true, true, true // if resp != nil && resp.Body != nil { ... }: otherwise, none
		}
		if w.testsSet(n.Cond, token.EQL) {
			est.NoBody, est.EOF, est.Closed = true, true, true // if loc == nil { return resp.Body }: otherwise, spent
		}
		b, fb := est, !est.Status.Empty()
		if n.Else != nil && fb {
			b, fb = w.stmt(c.ChildAt(edge.IfStmt_Else, -1), est, deeper(ctx))
		}
		switch {
		case fa && fb:
			return meet(a, b), true
		case fa:
			return a, true
		case fb:
			return b, true
		}
		return st, false
	case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
		var body inspector.Cursor
		for x := range c.Children() {
			switch x.Node().(type) {
			case *ast.BlockStmt:
				body = x
			default:
				st = w.events(c, x, st)
			}
		}
		var breaks []PathState
		inner := deeper(ctx)
		inner.breaks = &breaks
		var outs []PathState
		hasDefault := false
		_, isSelect := n.(*ast.SelectStmt)
		clauseStatus, rest := w.switchStatuses(n, body, st.Status)
		for clause := range body.Children() {
			cst := st
			if cs, ok := clauseStatus[clause.Node()]; ok {
				if cs.Empty() {
					continue // a case for statuses the response cannot have here
				}
				cst = w.narrow(cst, cs)
			}
			switch cn := clause.Node().(type) {
			case *ast.CaseClause:
				if cn.List == nil {
					hasDefault = true
				}
			case *ast.CommClause:
				if cn.Comm == nil {
					hasDefault = true
				}
			}
			falls := true
			for x := range clause.Children() {
				if !inBody(clause, x) {
					cst = w.events(c, x, cst) // case expressions, the comm of a select case
					continue
				}
				cst, falls = w.stmt(x, cst, inner)
				if !falls || w.Problem != "" {
					break
				}
			}
			if w.Problem != "" {
				return st, false
			}
			if falls {
				outs = append(outs, cst)
			}
		}
		if !hasDefault && !isSelect && !rest.Empty() {
			outs = append(outs, w.narrow(st, rest))
		}
		outs = append(outs, breaks...)
		if len(outs) == 0 {
			return st, false
		}
		out := outs[0]
		for _, o := range outs[1:] {
			out = meet(out, o)
		}
		return out, true
	case *ast.ForStmt, *ast.RangeStmt:
		if w.streamsIn(n) {
			// A loop that streams the body: from its second iteration
			// on, every point in it comes after the stream started.
			st.Streamed = true
		}
		var body inspector.Cursor
		for x := range c.Children() {
			if _, ok := x.Node().(*ast.BlockStmt); ok {
				body = x
				continue
			}
			st = w.events(c, x, st) // init, cond, post, range expression
		}
		var breaks []PathState
		inner := deeper(ctx)
		inner.loops++
		inner.breaks = &breaks
		w.list(body, st, inner)
		if w.Problem != "" {
			return st, false
		}
		if f, ok := n.(*ast.ForStmt); ok && f.Cond == nil {
			// for { ... }: only a break leaves it.
			if len(breaks) == 0 {
				return st, false
			}
			out := breaks[0]
			for _, b := range breaks[1:] {
				out = meet(out, b)
			}
			return meet(out, st), true
		}
		return st, true
	case *ast.DeferStmt:
		return w.DeferStmt(c, n, st, ctx.depth == 0), true
	case *ast.GoStmt:
		return st, true
	case *ast.ExprStmt:
		st = w.events(c, c, st)
		if call, ok := ast.Unparen(n.X).(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" {
				if _, ok := w.Info.Uses[id].(*types.Builtin); ok {
					w.Exits = append(w.Exits, Exit{State: st, What: "a panic", Err: -1})
					return st, false
				}
			}
			if match.NoReturn(w.Info, call) {
				return st, false // the process or goroutine ends: nothing to pool
			}
		}
		return st, true
	case *ast.AssignStmt:
		st = w.events(c, c, st)
		if w.Own.BodyWrites[n] && !st.Closed && !st.Deferred && !(st.EOF && st.Drained) {
			w.Problem = "the response's Body is replaced before the original is closed, so the original may never be: close it (or defer its Close) first"
			return st, false
		}
		for _, l := range n.Lhs {
			if id, ok := l.(*ast.Ident); ok && w.Info.ObjectOf(id) == w.Root {
				w.Exits = append(w.Exits, Exit{State: st, What: "a new assignment to " + w.Root.Name(), Err: -1})
				return st, false
			}
		}
		return st, true
	default:
		return w.events(c, c, st), true
	}
}

// narrow returns st on a path where the response's status is in s.
func (w *Paths) narrow(st PathState, s StatusSet) PathState {
	st.Status = st.Status.And(s)
	if st.Status.Limited && st.Status.Within(noBodyStatusSet) {
		st.NoBody, st.EOF = true, true // a 204 or a 304: nothing to read
	}
	return st
}

// switchStatuses returns, for the clauses of a switch that tests the
// response's StatusCode (switch resp.StatusCode { case 200: }, switch {
// case resp.StatusCode >= 400: }), the statuses each is taken for, given
// those in, and the statuses for which no clause is taken.
func (w *Paths) switchStatuses(n ast.Node, body inspector.Cursor, in StatusSet) (map[ast.Node]StatusSet, StatusSet) {
	sw, ok := n.(*ast.SwitchStmt)
	if !ok {
		return nil, in
	}
	out := map[ast.Node]StatusSet{}
	rest := in
	var dflt ast.Node
	for clause := range body.Children() {
		cc, ok := clause.Node().(*ast.CaseClause)
		if !ok {
			continue
		}
		if cc.List == nil {
			dflt = cc
			continue
		}
		var yes, no StatusSet
		if sw.Tag != nil {
			s, ok := w.statusCases(sw, cc)
			if !ok {
				return nil, in
			}
			yes, no = s, s.Not()
		} else {
			yes, no = StatusSet{Limited: true}, StatusSet{}
			for _, e := range cc.List {
				y, n := w.statusSplit(e, 0)
				yes, no = yes.Or(y), no.And(n)
			}
		}
		out[cc] = rest.And(yes)
		rest = rest.And(no)
	}
	if dflt != nil {
		out[dflt] = rest
	}
	return out, rest
}

// streamsIn reports whether one of the calls that stream the body is
// under n.
func (w *Paths) streamsIn(n ast.Node) bool {
	if len(w.Own.StreamCalls) == 0 {
		return false
	}
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		if call, ok := x.(*ast.CallExpr); ok && w.Own.StreamCalls[call] {
			found = true
		}
		return !found
	})
	return found
}

// returnsErr says whether a return statement returns a non-nil error: 1
// yes, 0 no, -1 unknown.
func (w *Paths) returnsErr(r *ast.ReturnStmt) int {
	if w.ErrResult < 0 || len(r.Results) <= w.ErrResult {
		return -1
	}
	if isNil(w.Info, r.Results[w.ErrResult]) {
		return 0
	}
	return 1
}

// guardedDefer reports whether an if statement is a deferred close (or
// handler) of the body guarded by a test of the response or its Body
// against nil, and returns the defer.
func (w *Paths) guardedDefer(n *ast.IfStmt) (*ast.DeferStmt, bool) {
	if n.Init != nil || n.Else != nil || len(n.Body.List) != 1 {
		return nil, false
	}
	d, ok := n.Body.List[0].(*ast.DeferStmt)
	if !ok {
		return nil, false
	}
	be, ok := ast.Unparen(n.Cond).(*ast.BinaryExpr)
	if !ok || be.Op != token.NEQ {
		return nil, false
	}
	x := be.X
	if isNil(w.Info, be.X) {
		x = be.Y
	} else if !isNil(w.Info, be.Y) {
		return nil, false
	}
	x = ast.Unparen(x)
	if sel, ok := x.(*ast.SelectorExpr); ok && sel.Sel.Name == "Body" {
		x = ast.Unparen(sel.X)
	}
	if !isVar(w.Info, x, w.Root) {
		return nil, false
	}
	return d, true
}

// testsNil reports whether cond, with op token.EQL, holds only when the
// response or its Body is nil or http.NoBody (resp == nil || resp.Body ==
// nil); with op token.NEQ, whether it fails only then (resp != nil &&
// resp.Body != nil).
func (w *Paths) testsNil(cond ast.Expr, op token.Token) bool {
	join := token.LOR
	if op == token.NEQ {
		join = token.LAND
	}
	e, ok := ast.Unparen(cond).(*ast.BinaryExpr)
	if !ok {
		return false
	}
	switch e.Op {
	case join:
		return w.testsNil(e.X, op) && w.testsNil(e.Y, op)
	case op:
		x, y := ast.Unparen(e.X), ast.Unparen(e.Y)
		if isNil(w.Info, x) || match.IsPkgObj(selectedObj(w.Info, x), match.NetHTTP, "NoBody") {
			x, y = y, x
		}
		if !isNil(w.Info, y) && !match.IsPkgObj(selectedObj(w.Info, y), match.NetHTTP, "NoBody") {
			return false
		}
		if id, ok := x.(*ast.Ident); ok {
			return w.Info.Uses[id] == w.Root
		}
		if sel, ok := x.(*ast.SelectorExpr); ok && sel.Sel.Name == "Body" {
			id, ok := ast.Unparen(sel.X).(*ast.Ident)
			return ok && w.Info.Uses[id] == w.Root
		}
	}
	return false
}

// selectedObj returns the object an identifier or a qualified identifier
// denotes, or nil.
func selectedObj(info *types.Info, e ast.Expr) types.Object {
	switch e := e.(type) {
	case *ast.Ident:
		return info.Uses[e]
	case *ast.SelectorExpr:
		return info.Uses[e.Sel]
	}
	return nil
}

func (w *Paths) isStatusCode(e ast.Expr) bool {
	e = ast.Unparen(e)
	if id, ok := e.(*ast.Ident); ok {
		// code := resp.StatusCode, set once where it is declared, after
		// the response, which is never assigned again.
		v, ok := w.Info.Uses[id].(*types.Var)
		if !ok || !w.describesRoot(v) {
			return false
		}
		def, ok := w.onlyValue(v)
		if !ok {
			return false
		}
		e = ast.Unparen(def)
	}
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "StatusCode" && isVar(w.Info, sel.X, w.Root)
}

// returnedHandlerErr reports whether a return statement returns, as the
// function's error, the error of a helper handed the body that drains or
// closes it when it returns one, and what it leaves done then.
func (w *Paths) returnedHandlerErr(r *ast.ReturnStmt) (State, bool) {
	if w.ErrResult < 0 || len(r.Results) <= w.ErrResult {
		return State{}, false
	}
	call, ok := ast.Unparen(r.Results[w.ErrResult]).(*ast.CallExpr)
	if !ok {
		return State{}, false
	}
	st, ok := w.Own.OnError[call]
	return st, ok
}

// errorFromHandler reports whether the if statement at c tests, for
// non-nil, the error of a helper that drains or closes the body when it
// returns one, and what it leaves done: the call itself, or a variable
// set by it in the if's init or in the statement just before the if.
func (w *Paths) errorFromHandler(c inspector.Cursor, n *ast.IfStmt) (State, bool) {
	be, ok := ast.Unparen(n.Cond).(*ast.BinaryExpr)
	if !ok || be.Op != token.NEQ {
		return State{}, false
	}
	x := be.X
	if isNil(w.Info, be.X) {
		x = be.Y
	}
	x = ast.Unparen(x)
	if call, ok := x.(*ast.CallExpr); ok {
		st, ok := w.Own.OnError[call]
		return st, ok
	}
	id, ok := x.(*ast.Ident)
	if !ok {
		return State{}, false
	}
	sets := func(s ast.Stmt) (State, bool) {
		as, ok := s.(*ast.AssignStmt)
		if !ok || len(as.Rhs) != 1 {
			return State{}, false
		}
		call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
		if !ok {
			return State{}, false
		}
		st, ok := w.Own.OnError[call]
		if !ok {
			return State{}, false
		}
		for _, l := range as.Lhs {
			if lid, ok := l.(*ast.Ident); ok && w.Info.ObjectOf(lid) == w.Info.ObjectOf(id) {
				return st, true
			}
		}
		return State{}, false
	}
	if n.Init != nil {
		return sets(n.Init)
	}
	if prev, ok := c.PrevSibling(); ok {
		if s, ok := prev.Node().(ast.Stmt); ok {
			return sets(s)
		}
	}
	return State{}, false
}

// inBody reports whether x is one of the statements of clause's body
// (rather than its case expressions or comm statement).
func inBody(clause, x inspector.Cursor) bool {
	var list []ast.Stmt
	switch cn := clause.Node().(type) {
	case *ast.CaseClause:
		list = cn.Body
	case *ast.CommClause:
		list = cn.Body
	}
	for _, s := range list {
		if s == x.Node() {
			return true
		}
	}
	return false
}

func deeper(ctx walkCtx) walkCtx {
	ctx.depth++
	return ctx
}

// StmtList returns the statement list that holds the statement at cur.
func StmtList(cur inspector.Cursor) []ast.Stmt {
	switch p := cur.Parent().Node().(type) {
	case *ast.BlockStmt:
		return p.List
	case *ast.CaseClause:
		return p.Body
	case *ast.CommClause:
		return p.Body
	}
	return nil
}

// events applies, in evaluation order, the closes and reads of the body
// in the expressions and simple statements under c. stmt is the statement
// (in a list) that holds them, where a drain would go.
func (w *Paths) events(stmt, c inspector.Cursor, st PathState) PathState {
	listStmt := stmt
	for listStmt.Valid() {
		if _, ok := listStmt.Node().(ast.Stmt); ok && StmtList(listStmt) != nil {
			break
		}
		listStmt = listStmt.Parent()
	}
	var visit func(x inspector.Cursor)
	visit = func(x inspector.Cursor) {
		if lit, ok := x.Node().(*ast.FuncLit); ok {
			// Runs now only if called on the spot.
			if call, ok := x.Parent().Node().(*ast.CallExpr); !ok || call.Fun != lit {
				return
			}
		}
		for child := range x.Children() {
			visit(child)
		}
		call, ok := x.Node().(*ast.CallExpr)
		if !ok {
			return
		}
		if w.Own.StreamCalls[call] {
			st.Streamed = true
		}
		if w.Own.Closes[call] {
			w.Closes = append(w.Closes, Close{Stmt: listStmt, NeedDrain: st.NeedsDrain(), Status: st.Status})
			st.Closed = true
		}
		if w.Own.EOF[call] {
			st.EOF = true
			if w.Own.AlsoClose[call] {
				st.Closed = true
			}
		}
	}
	visit(c)
	return st
}

// DeferStmt records a defer that closes or hands over the body, and
// returns the state after it.
func (w *Paths) DeferStmt(c inspector.Cursor, n *ast.DeferStmt, st PathState, topLevel bool) PathState {
	d := Defer{Stmt: c, TopLevel: topLevel}
	switch {
	case w.Own.Closes[n.Call] && !w.Own.Handlers[n.Call]:
		st.Deferred = true
	case w.Own.EOF[n.Call] && !w.Own.Handlers[n.Call]:
		// defer io.CopyN(io.Discard, resp.Body, n): a deferred drain,
		// which runs before a close deferred before it.
		// Not a Defer: nothing to move or replace.
		st.Drained = true
		return st
	case w.Own.Handlers[n.Call]:
		d.Handler = true
		switch {
		case w.Own.EOF[n.Call] || w.Own.Closes[n.Call]:
			// A helper whose summary is known: what it does.
			st.Deferred = st.Deferred || w.Own.Closes[n.Call] || w.Own.AlsoClose[n.Call]
			st.Drained = st.Drained || w.Own.EOF[n.Call]
			d.Drains = w.Own.EOF[n.Call]
			if !w.Own.AlsoClose[n.Call] && !w.Own.Closes[n.Call] {
				d.Handler = false // reads, never closes: the close is still to come
				return st
			}
		default:
			// A function with no summary, handed the response or its
			// body: trusted to take care of it.
			d.Unknown = true
			st.Deferred, st.Drained = true, true
		}
	default:
		lit, ok := n.Call.Fun.(*ast.FuncLit)
		if !ok {
			return st
		}
		// defer func() { ...; v.Body.Close(); ... }(): follow the closure.
		inner := &Paths{Info: w.Info, Fn: w.Fn, Root: w.Root, Own: w.Own, ErrResult: -1}
		body, ok := c.FindNode(lit.Body)
		if !ok {
			return st
		}
		var cst PathState
		inner.list(body, cst, walkCtx{depth: 1})
		if len(inner.Closes) == 0 {
			return st
		}
		d.Closure = true
		d.CloseStmt = inner.Closes[0].Stmt
		d.Drains = !inner.Closes[0].NeedDrain
		st.Deferred = true
		st.Drained = st.Drained || d.Drains
	}
	w.Defers = append(w.Defers, d)
	return st
}

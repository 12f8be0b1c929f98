package flow

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// This file holds the value-flow tracker every rule uses: it follows values created in one function
// through that function's local variables and tells where they leave the
// call. Any rule that must know whether something it found "lives only
// for this call" (a Transport, a response, a decoder built on a body) can
// use it with a hook of its own.
//
// A tracked value is denoted by an expression of some kind (Kind, an
// opaque number the caller chooses: "the transport itself", "a value
// holding the transport", ...). For each such expression the tracker asks
// the caller's hook what the expression's context means; when the hook
// declines, it applies the rules every value shares:
//
//   - (x) is x;
//   - stored in a local variable of the function: every use of that
//     variable (anywhere in the function, flow-insensitively) is followed
//     with the same kind; uses inside a function literal are followed too,
//     but count as an escape if that literal outlives the call (it runs in
//     a goroutine, or is passed, returned or stored anywhere but in a
//     local that is only called);
//   - stored anywhere else (a field, an element, through a pointer, a
//     package variable, a variable of an enclosing function, a named
//     result), returned, or sent on a channel: it escapes;
//   - any other context the hook did not handle: it escapes. Unknown
//     means "not provably local", which is the conservative answer for a
//     rule that acts only on local values.

// Kind says what an expression followed by a flow denotes. Its values
// are chosen by the user of the flow.
type Kind int

// A Escape is where and why a tracked value leaves the call.
type Escape struct {
	Pos token.Pos
	Why string
}

// flow follows values through the locals of one function.
type Tracker struct {
	info *types.Info
	// fn is the *ast.FuncDecl or *ast.FuncLit whose call the values live
	// in; the values start inside it.
	fn inspector.Cursor
	// hook interprets an expression (cur) that denotes a tracked value of
	// kind k, given its context (cur.Parent, cur.ParentEdge). It returns
	// false to leave the expression to the shared rules above. It may call
	// follow, track and escape.
	hook func(cur inspector.Cursor, k Kind) bool

	uses    map[*types.Var][]inspector.Cursor // every use of a variable in fn
	results map[*types.Var]bool               // named results of fn and its literals
	tracked map[trackedVar]bool
	queue   []queued
	outlive map[ast.Node]string // memo of funcLitOutlives
	Escaped *Escape
	// Shared says that some escape may hand the value to code that runs
	// beside the function (a goroutine, a callee that keeps it, a field
	// or variable another goroutine may read): every escape but a
	// return to the caller, or a store into a named result of fn.
	Shared bool
	// Lenient makes contexts that neither the hook nor the shared rules
	// know mean nothing, instead of an escape: for a rule that acts on
	// what it sees (a body it must close) rather than on what it can
	// prove (a Transport it may share).
	Lenient bool
}

type trackedVar struct {
	v *types.Var
	k Kind
}

type queued struct {
	cur inspector.Cursor
	k   Kind
}

func NewTracker(info *types.Info, fn inspector.Cursor, hook func(inspector.Cursor, Kind) bool) *Tracker {
	return &Tracker{info: info, fn: fn, hook: hook, tracked: map[trackedVar]bool{}, outlive: map[ast.Node]string{}}
}

// follow queues the expression at cur, which denotes a value of kind k.
func (f *Tracker) Follow(cur inspector.Cursor, k Kind) {
	f.queue = append(f.queue, queued{cur, k})
}

// declaredWithin reports whether every variable followed is declared in
// [pos, end).
func (f *Tracker) declaredWithin(pos, end token.Pos) bool {
	for tv := range f.tracked {
		if tv.v.Pos() < pos || tv.v.Pos() >= end {
			return false
		}
	}
	return true
}

// Tracks reports whether the variable v is followed, as any kind.
func (f *Tracker) Tracks(v *types.Var) bool {
	for k := KindResp; k <= KindDerived; k++ {
		if f.tracked[trackedVar{v, k}] {
			return true
		}
	}
	return false
}

// run follows everything queued until nothing is left.
func (f *Tracker) Run() {
	for len(f.queue) > 0 {
		it := f.queue[0]
		f.queue = f.queue[1:]
		if f.hook == nil || !f.hook(it.cur, it.k) {
			f.shared(it.cur, it.k)
		}
	}
}

// escape records that a tracked value leaves the call at pos. The first
// escape in source order is kept, so that the answer is deterministic.
func (f *Tracker) Escape(pos token.Pos, why string) {
	f.Shared = true
	f.EscapeToCaller(pos, why)
}

// EscapeToCaller records that a tracked value leaves the call at pos for
// the caller only: returned, or stored in a named result of fn. Nothing
// runs beside the function with it, and it sees it only once the
// function has returned.
func (f *Tracker) EscapeToCaller(pos token.Pos, why string) {
	if f.Escaped == nil || pos < f.Escaped.Pos {
		f.Escaped = &Escape{pos, why}
	}
}

// shared applies the rules every tracked value shares.
func (f *Tracker) shared(cur inspector.Cursor, k Kind) {
	parent := cur.Parent()
	ek, idx := cur.ParentEdge()
	switch ek {
	case edge.ParenExpr_X:
		f.Follow(parent, k)
	case edge.AssignStmt_Lhs, edge.RangeStmt_Key, edge.RangeStmt_Value:
		// The variable is given a new value: not a use of the old one.
		if _, ok := cur.Node().(*ast.Ident); !ok {
			f.Escape(cur.Node().Pos(), "used as an assignment target")
		}
	case edge.AssignStmt_Rhs:
		as := parent.Node().(*ast.AssignStmt)
		if len(as.Lhs) != len(as.Rhs) || as.Tok != token.ASSIGN && as.Tok != token.DEFINE {
			f.Escape(cur.Node().Pos(), "used in an assignment")
			return
		}
		f.Store(as.Lhs[idx], cur.Node().Pos(), k)
	case edge.ValueSpec_Values:
		vs := parent.Node().(*ast.ValueSpec)
		if len(vs.Names) != len(vs.Values) {
			f.Escape(cur.Node().Pos(), "used in a declaration")
			return
		}
		f.Store(vs.Names[idx], cur.Node().Pos(), k)
	case edge.ReturnStmt_Results:
		f.Escape(cur.Node().Pos(), "returned")
	case edge.SendStmt_Value:
		f.Escape(cur.Node().Pos(), "sent on a channel")
	default:
		if !f.Lenient {
			f.Escape(cur.Node().Pos(), "used in a way httpfix does not follow")
		}
	}
}

// Store follows a value of kind k assigned (at pos) to lhs.
func (f *Tracker) Store(lhs ast.Expr, pos token.Pos, k Kind) {
	v, why := f.StoreTarget(lhs)
	switch {
	case why != "" && f.isResult(lhs):
		f.EscapeToCaller(pos, why)
	case why != "":
		f.Escape(pos, why)
	case v != nil:
		f.Track(v, k)
	}
}

// StoreTarget classifies the target of an assignment: a local variable of
// the function (v), the blank identifier (neither), or a place that
// outlives the call (why says which).
func (f *Tracker) StoreTarget(lhs ast.Expr) (v *types.Var, why string) {
	switch lhs := ast.Unparen(lhs).(type) {
	case *ast.Ident:
		if lhs.Name == "_" {
			return nil, ""
		}
		v, ok := f.info.ObjectOf(lhs).(*types.Var)
		switch {
		case !ok:
			return nil, "stored in " + lhs.Name
		case v.Pkg() != nil && v.Parent() == v.Pkg().Scope():
			return nil, "stored in package variable " + v.Name()
		case !f.IsLocal(v):
			return nil, "stored in " + v.Name() + ", which outlives the call"
		}
		return v, ""
	case *ast.SelectorExpr:
		return nil, "stored in a struct field"
	case *ast.IndexExpr:
		return nil, "stored in a map or slice"
	case *ast.StarExpr:
		return nil, "stored through a pointer"
	}
	return nil, "stored"
}

// isLocal reports whether v is a variable of the function (or of a
// function literal in it) that is not a named result: a value stored in
// it stays in the call unless a use of v takes it elsewhere.
func (f *Tracker) IsLocal(v *types.Var) bool {
	fn := f.fn.Node()
	if v.Pos() < fn.Pos() || v.Pos() >= fn.End() {
		return false
	}
	if f.results == nil {
		f.results = map[*types.Var]bool{}
		for c := range f.fn.Preorder((*ast.FuncType)(nil)) {
			ft := c.Node().(*ast.FuncType)
			if ft.Results == nil {
				continue
			}
			for _, field := range ft.Results.List {
				for _, name := range field.Names {
					if rv, ok := f.info.Defs[name].(*types.Var); ok {
						f.results[rv] = true
					}
				}
			}
		}
	}
	return !f.results[v]
}

// isResult reports whether lhs names a result of fn itself (not of a
// function literal in it).
func (f *Tracker) isResult(lhs ast.Expr) bool {
	id, ok := ast.Unparen(lhs).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := f.info.Uses[id].(*types.Var)
	return ok && IsNamedResult(f.fn, v)
}

// track follows every use of the local variable v, which holds a value of
// kind k.
func (f *Tracker) Track(v *types.Var, k Kind) {
	key := trackedVar{v, k}
	if f.tracked[key] {
		return
	}
	f.tracked[key] = true
	for _, use := range f.VarUses(v) {
		if use.ParentEdgeKind() != edge.AssignStmt_Lhs {
			if why := f.CapturedBy(use); why != "" {
				f.Escape(use.Node().Pos(), why)
			}
		}
		f.Follow(use, k)
	}
}

// varUses returns the uses of v in the function.
func (f *Tracker) VarUses(v *types.Var) []inspector.Cursor {
	if f.uses == nil {
		f.uses = map[*types.Var][]inspector.Cursor{}
		for c := range f.fn.Preorder((*ast.Ident)(nil)) {
			if uv, ok := f.info.Uses[c.Node().(*ast.Ident)].(*types.Var); ok {
				f.uses[uv] = append(f.uses[uv], c)
			}
		}
	}
	return f.uses[v]
}

// capturedBy returns why a use of a variable at cur makes its value
// outlive the call ("" if it does not): the use is in a function literal
// (within the function) that outlives the call.
func (f *Tracker) CapturedBy(cur inspector.Cursor) string {
	for c := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		if c == f.fn {
			return ""
		}
		if why := f.FuncLitOutlives(c); why != "" {
			return why
		}
	}
	return ""
}

// funcLitOutlives returns why the function literal at lit may run after
// the call of the function returns ("" if it cannot): it is started as a
// goroutine, or it is kept somewhere other than a local variable that is
// only called (directly, or deferred). A literal called immediately or
// deferred runs within the call.
func (f *Tracker) FuncLitOutlives(lit inspector.Cursor) string {
	if why, ok := f.outlive[lit.Node()]; ok {
		return why
	}
	f.outlive[lit.Node()] = "" // assume the best while recursing
	why := f.funcLitOutlives1(lit)
	f.outlive[lit.Node()] = why
	return why
}

const outlivesCall = "captured by a function literal that outlives the call"

func (f *Tracker) funcLitOutlives1(lit inspector.Cursor) string {
	cur := lit
	for cur.ParentEdgeKind() == edge.ParenExpr_X {
		cur = cur.Parent()
	}
	var lhs ast.Expr
	switch ek, idx := cur.ParentEdge(); ek {
	case edge.CallExpr_Fun:
		return f.CallOutlives(cur.Parent())
	case edge.AssignStmt_Rhs:
		as := cur.Parent().Node().(*ast.AssignStmt)
		if len(as.Lhs) != len(as.Rhs) {
			return outlivesCall
		}
		lhs = as.Lhs[idx]
	case edge.ValueSpec_Values:
		vs := cur.Parent().Node().(*ast.ValueSpec)
		if len(vs.Names) != len(vs.Values) {
			return outlivesCall
		}
		lhs = vs.Names[idx]
	default:
		return outlivesCall
	}
	v, why := f.StoreTarget(lhs)
	if why != "" {
		return outlivesCall
	}
	if v == nil {
		return "" // assigned to _: never runs
	}
	for _, use := range f.VarUses(v) {
		ek := use.ParentEdgeKind()
		if ek == edge.AssignStmt_Lhs {
			continue
		}
		if ek != edge.CallExpr_Fun {
			return outlivesCall
		}
		if why := f.CallOutlives(use.Parent()); why != "" {
			return why
		}
		if why := f.CapturedBy(use); why != "" {
			return why
		}
	}
	return ""
}

// CallOutlives returns why the call at cur may run after the function
// returns: it is a go statement's call, or it sits in a function literal
// that outlives the call.
func (f *Tracker) CallOutlives(call inspector.Cursor) string {
	if call.ParentEdgeKind() == edge.GoStmt_Call {
		return "used by a goroutine"
	}
	return f.CapturedBy(call)
}

// AssignTarget reports whether the expression at cur is written to: the
// left of an assignment, the operand of ++ or --, or of & (which lets
// anything write to it).
func AssignTarget(cur inspector.Cursor) bool {
	switch cur.ParentEdgeKind() {
	case edge.AssignStmt_Lhs, edge.IncDecStmt_X, edge.RangeStmt_Key, edge.RangeStmt_Value:
		return true
	case edge.UnaryExpr_X:
		return cur.Parent().Node().(*ast.UnaryExpr).Op == token.AND
	}
	return false
}

// Info returns the type information the tracker reads.
func (f *Tracker) Info() *types.Info { return f.info }

// Func returns the function the tracker follows values in.
func (f *Tracker) Func() inspector.Cursor { return f.fn }

// SetHook sets the hook (for a hook that needs the tracker itself).
func (f *Tracker) SetHook(hook func(inspector.Cursor, Kind) bool) { f.hook = hook }

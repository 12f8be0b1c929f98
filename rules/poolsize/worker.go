package poolsize

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/internal/flow"
	"github.com/httpfix/httpfix/rules/internal/match"
)

// A Transport sized for nothing: the one of an object whose requests one
// goroutine sends, one after the other. An asynchronous sender (an error
// reporter, a log or metrics shipper) queues what callers give it and
// starts a single worker goroutine per sender object that sends it all:
// however many goroutines the program runs, the worker waits for each
// response before the next request, and one idle connection per host is
// all its pool ever reuses. Sizing that pool would change nothing; nor
// would it for two such workers (a sender and a heartbeat), whose two
// requests in flight the default pool of two idle connections serves.
//
// The rule proves it, on the package's own code, in three steps:
//
//   - the function that builds the Transport (once per call, outside
//     loops) stores it, or a Client on it, in unexported fields of one
//     object only (its receiver, a parameter, or a struct it allocates),
//     none of them embedded, and uses it for nothing else but setting it
//     up;
//   - every other read of those fields anywhere in the package is made
//     through the receiver of a method that runs on the object's
//     workers, outside function literals and go statements, and only
//     sends requests on it (or hands it to a function that does so in the
//     caller's goroutine: one of the package's, followed through its
//     parameter, or one of a package that, with what it imports, starts
//     no goroutine);
//   - the methods that run on workers are the workers, unexported
//     methods each started by the one go statement that names it, once
//     per object (inside a sync.Once of the object's own, or by the
//     function that allocates the object, outside loops), and the
//     unexported methods only such methods call directly on their own
//     receiver. No interface of the package names them, so no other call
//     reaches them. At most two workers send on the Transport.
//
// Anything else (an exported method that sends, a read through another
// variable, a worker started twice or in a loop, three workers) leaves
// the Transport to the rule as before.

// Kinds of the object flow: the Transport, a value that holds it (a
// Client), and the object it is stored in.
const (
	oTransport flow.Kind = iota
	oHolder
	oObject
)

// objectFlow follows a Transport through the function that builds it
// into the fields of the object that keeps it.
type objectFlow struct {
	p      *sizer
	tr     *flow.Tracker
	fields map[*types.Var]bool // the fields that hold the Transport
	roots  map[types.Object]bool
	own    map[*ast.SelectorExpr]bool // reads of fields the setup itself makes
	bad    bool
	// returned stands for the object when it is returned as it is
	// built (return &sender{...}).
	returned types.Object
}

// oneSender reports whether every request on st's Transport is sent by
// one goroutine at a time: the worker of the one object that keeps it.
func (p *sizer) oneSender(st *site) bool {
	if !st.owner.Valid() || st.lit == nil {
		return false
	}
	if _, ok := st.owner.Node().(*ast.FuncDecl); !ok || flow.InsideLoop(st.cur, st.owner) {
		return false
	}
	of := &objectFlow{p: p, fields: map[*types.Var]bool{}, roots: map[types.Object]bool{}, own: map[*ast.SelectorExpr]bool{},
		returned: types.NewVar(token.NoPos, nil, "result", types.Typ[types.Invalid])}
	of.tr = flow.NewTracker(p.info, st.owner, of.hook)
	start := st.cur
	if st.expr != st.lit {
		start = st.cur.Parent()
	}
	of.tr.Follow(start, oTransport)
	of.tr.Run()
	// The setup may read a field it has just set to build a Client on it
	// (t.client = &http.Client{Transport: t.transport}): that Client is
	// the object's too.
	for grew := true; grew && !of.bad; {
		grew = false
		for cur := range st.owner.Preorder((*ast.SelectorExpr)(nil)) {
			se := cur.Node().(*ast.SelectorExpr)
			v := match.FieldOf(p.info, se)
			if v == nil || !of.fields[v] || of.own[se] || flow.AssignTarget(cur) || !of.roots[rootVar(p.info, se.X)] {
				continue
			}
			of.own[se] = true
			grew = true
			of.tr.Follow(cur, oHolder) // the field's value: the Transport, or a Client on it
		}
		of.tr.Run()
	}
	if of.bad || of.tr.Escaped != nil || len(of.fields) == 0 || len(of.roots) != 1 {
		return false
	}
	for v := range of.fields {
		// Another package may read an exported field, and an embedded
		// one lends the object its methods (s.Do(req)): neither read is
		// one the rule sees.
		if v.Exported() || v.Embedded() {
			return false
		}
	}
	serial := p.serialMethods()
	workers := map[*types.Func]bool{}
	for cur := range p.inspector().Root().Preorder((*ast.SelectorExpr)(nil)) {
		se := cur.Node().(*ast.SelectorExpr)
		v := match.FieldOf(p.info, se)
		if v == nil || !of.fields[v] || of.own[se] || flow.AssignTarget(cur) {
			continue
		}
		on := p.serialUse(cur, serial)
		if on == nil {
			return false
		}
		for w := range on {
			workers[w] = true
		}
	}
	// Each worker sends one request at a time; the default pool keeps
	// an idle connection for each of two.
	return len(workers) <= defaultPerHost
}

// inspector returns the inspector of the package's files every analyzer
// of the pass shares.
func (p *sizer) inspector() *inspector.Inspector {
	return p.pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
}

// rootVar returns the variable x names, if x is an identifier.
func rootVar(info *types.Info, x ast.Expr) types.Object {
	if id, ok := ast.Unparen(x).(*ast.Ident); ok {
		if v, ok := info.Uses[id].(*types.Var); ok {
			return v
		}
	}
	return nil
}

// hook interprets a use of the Transport, of a Client on it, or of the
// object that keeps them, in the function that builds it.
func (of *objectFlow) hook(cur inspector.Cursor, k flow.Kind) bool {
	info := of.p.info
	parent := cur.Parent()
	ek, idx := cur.ParentEdge()
	if k == oObject {
		// What the object is handed to does not matter: its fields are
		// read only where the rule checks. Only the variable it is kept
		// in names it.
		switch ek {
		case edge.UnaryExpr_X:
			of.tr.Follow(parent, k)
		case edge.ParenExpr_X:
			return false
		case edge.AssignStmt_Rhs, edge.ValueSpec_Values:
			lhs, rhs := flow.AssignParts(parent.Node())
			if len(lhs) != len(rhs) {
				of.bad = true
				return true
			}
			id, ok := ast.Unparen(lhs[idx]).(*ast.Ident)
			if !ok {
				return true // stored whole elsewhere: still one object
			}
			if obj := info.ObjectOf(id); obj != nil {
				of.roots[obj] = true
			}
			return false
		case edge.ReturnStmt_Results:
			if _, isVar := cur.Node().(*ast.Ident); !isVar {
				of.roots[of.returned] = true
			}
		}
		return true
	}
	switch ek {
	case edge.UnaryExpr_X:
		if parent.Node().(*ast.UnaryExpr).Op == token.AND {
			of.tr.Follow(parent, k)
			return true
		}
	case edge.KeyValueExpr_Value:
		kv := parent.Node().(*ast.KeyValueExpr)
		lit, ok := parent.Parent().Node().(*ast.CompositeLit)
		if !ok {
			break
		}
		t := match.LitType(info, lit)
		if match.IsNamed(t, match.NetHTTP, "Client") {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Transport" {
				of.tr.Follow(parent.Parent(), oHolder)
				return true
			}
			break
		}
		if id, ok := kv.Key.(*ast.Ident); ok && !of.repeated(cur) {
			if v, ok := info.Uses[id].(*types.Var); ok && v.IsField() && v.Pkg() == of.p.pass.Pkg {
				of.fields[v] = true
				of.tr.Follow(parent.Parent(), oObject)
				return true
			}
		}
	case edge.AssignStmt_Rhs:
		as := parent.Node().(*ast.AssignStmt)
		if len(as.Lhs) != len(as.Rhs) {
			break
		}
		se, ok := ast.Unparen(as.Lhs[idx]).(*ast.SelectorExpr)
		if !ok {
			return false // a local variable: followed
		}
		v := match.FieldOf(info, se)
		root := rootVar(info, se.X)
		if v == nil || v.Pkg() != of.p.pass.Pkg || root == nil || of.repeated(cur) {
			break
		}
		of.fields[v] = true
		of.roots[root] = true
		return true
	case edge.ValueSpec_Values:
		return false
	case edge.SelectorExpr_X:
		// Setting it up: tr.RegisterProtocol(...), tr.TLSClientConfig =
		// ..., a Client's fields. A request sent here is not the
		// worker's.
		sel := info.Selections[parent.Node().(*ast.SelectorExpr)]
		if sel == nil {
			break
		}
		if sel.Kind() == types.FieldVal {
			return true
		}
		if sel.Kind() == types.MethodVal && parent.ParentEdgeKind() == edge.CallExpr_Fun {
			switch sel.Obj().Name() {
			case "RegisterProtocol", "CloseIdleConnections":
				return true
			}
		}
	case edge.BinaryExpr_X, edge.BinaryExpr_Y:
		return true // compared
	}
	if _, ok := cur.Node().(*ast.Ident); ok && ek == edge.AssignStmt_Lhs {
		return false
	}
	of.bad = true
	return true
}

// repeated reports whether the store at cur may run more than once per
// Transport, handing it to several objects: it lies in a loop of the
// function (the Transport itself is built outside loops).
func (of *objectFlow) repeated(cur inspector.Cursor) bool {
	return flow.InsideLoop(cur, of.tr.Func())
}

// serialUse returns the workers the read of a field that keeps the
// Transport at cur is made on, or nil if it is not made on workers only:
// directly through the receiver of a method that runs on them, outside
// function literals and go statements, and only to send requests
// (sendsOnly).
func (p *sizer) serialUse(cur inspector.Cursor, serial map[*types.Func]map[*types.Func]bool) map[*types.Func]bool {
	fdCur := enclosingFunc(cur)
	fd, ok := fdCur.Node().(*ast.FuncDecl)
	if !ok || fd.Recv == nil || inGoStmt(cur, fdCur) {
		return nil
	}
	fn, _ := p.info.Defs[fd.Name].(*types.Func)
	se := cur.Node().(*ast.SelectorExpr)
	recv := receiverVar(p.info, fd)
	if fn == nil || serial[fn] == nil || recv == nil || rootVar(p.info, se.X) != recv || len(p.info.Selections[se].Index()) != 1 {
		return nil
	}
	if !p.sendsOnly(cur, map[*types.Var]bool{}) {
		return nil
	}
	return serial[fn]
}

// sendsOnly reports whether the expression at cur, which denotes the
// Transport or a Client on it, is used there only to send requests (or
// to set the Client up) in the goroutine that evaluates it: a method
// called on it, a field of it read or set, a comparison, or an argument
// to a function that does the same with it (sendsOnlyIn). seen holds the
// parameters already followed.
func (p *sizer) sendsOnly(cur inspector.Cursor, seen map[*types.Var]bool) bool {
	parent := cur.Parent()
	switch cur.ParentEdgeKind() {
	case edge.ParenExpr_X:
		return p.sendsOnly(parent, seen)
	case edge.SelectorExpr_X:
		sel := p.info.Selections[parent.Node().(*ast.SelectorExpr)]
		switch {
		case sel == nil:
			return false
		case sel.Kind() == types.FieldVal:
			// c.Timeout; c.Transport is the Transport again.
			return !match.MayHold(sel.Type(), match.NetHTTP, "Transport") || p.sendsOnly(parent, seen)
		case sel.Kind() == types.MethodVal:
			return parent.ParentEdgeKind() == edge.CallExpr_Fun // c.Do(req), tr.RoundTrip(req)
		}
	case edge.CallExpr_Args:
		_, idx := cur.ParentEdge()
		return p.sendsOnlyIn(parent.Node().(*ast.CallExpr), idx, seen)
	case edge.BinaryExpr_X, edge.BinaryExpr_Y:
		return true
	}
	return false
}

// sendsOnlyIn reports whether the function call calls uses its argument
// idx only to send requests, in the caller's goroutine, before it
// returns: a function of an imported package that, with what it
// imports, starts no goroutine (seq); or a function of the package whose
// every use of that parameter, outside function literals and go
// statements, sends only (sendsOnly).
func (p *sizer) sendsOnlyIn(call *ast.CallExpr, idx int, seen map[*types.Var]bool) bool {
	fn := match.CalleeFunc(p.info, call)
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	if fn.Pkg() != p.pass.Pkg {
		return p.seq.Sequential(fn.Pkg())
	}
	sig := fn.Signature()
	fd := p.funcDecls()[fn.Origin()]
	if fd == nil || call.Ellipsis.IsValid() || sig.Variadic() && idx >= sig.Params().Len()-1 {
		return false
	}
	var param *types.Var
	i := 0
	for _, field := range fd.Type.Params.List {
		for _, name := range field.Names {
			if i == idx {
				param, _ = p.info.Defs[name].(*types.Var)
			}
			i++
		}
	}
	if param == nil {
		return false // unnamed, or not found: unused, or not followed
	}
	if seen[param] {
		return true
	}
	seen[param] = true
	fdCur, ok := p.inspector().Root().FindNode(fd)
	if !ok {
		return false
	}
	for cur := range fdCur.Preorder((*ast.Ident)(nil)) {
		if p.info.Uses[cur.Node().(*ast.Ident)] != param {
			continue
		}
		if enclosingFunc(cur) != fdCur || inGoStmt(cur, fdCur) || flow.AssignTarget(cur) || !p.sendsOnly(cur, seen) {
			return false
		}
	}
	return true
}

// funcDecls maps the package's functions and methods to their
// declarations.
func (p *sizer) funcDecls() map[*types.Func]*ast.FuncDecl {
	if p.decls == nil {
		p.decls = map[*types.Func]*ast.FuncDecl{}
		for _, f := range p.pass.Files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
					if fn, ok := p.info.Defs[fd.Name].(*types.Func); ok {
						p.decls[fn] = fd
					}
				}
			}
		}
	}
	return p.decls
}

// receiverVar returns the receiver variable of a method declaration.
func receiverVar(info *types.Info, fd *ast.FuncDecl) types.Object {
	if fd.Recv == nil || len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) != 1 {
		return nil
	}
	return info.Defs[fd.Recv.List[0].Names[0]]
}

// serialMethods returns the methods of the package that run only on
// worker goroutines of their receiver, each started once per object, with
// the workers each runs on: a worker runs on itself, and a method only
// such methods call on their own receiver runs on theirs.
func (p *sizer) serialMethods() map[*types.Func]map[*types.Func]bool {
	if p.serial != nil {
		return p.serial
	}
	p.serial = map[*types.Func]map[*types.Func]bool{}
	decls := p.funcDecls()
	// Method names some interface of the package declares: a call
	// through the interface may reach a method of that name.
	inIface := map[string]bool{}
	for cur := range p.inspector().Root().Preorder((*ast.InterfaceType)(nil)) {
		for _, m := range cur.Node().(*ast.InterfaceType).Methods.List {
			for _, name := range m.Names {
				inIface[name.Name] = true
			}
		}
	}
	// Every reference to each candidate: the worker start that names
	// it, or the method that calls it on its own receiver (nil for any
	// other reference).
	refs := map[*types.Func][]methodRef{}
	for cur := range p.inspector().Root().Preorder((*ast.Ident)(nil)) {
		fn, ok := p.info.Uses[cur.Node().(*ast.Ident)].(*types.Func)
		if !ok || decls[fn] == nil || fn.Signature().Recv() == nil {
			continue
		}
		refs[fn] = append(refs[fn], p.methodRef(cur))
	}
	// The sets only grow, from the workers up to their callees.
	for grew := true; grew; {
		grew = false
		for fn, fd := range decls {
			rs := refs[fn]
			if len(rs) == 0 || fd.Recv == nil || token.IsExported(fn.Name()) || inIface[fn.Name()] {
				continue
			}
			on := map[*types.Func]bool{}
			if len(rs) == 1 && rs[0].worker {
				on[fn] = true
			} else {
				for _, r := range rs {
					if r.worker || r.caller == nil || p.serial[r.caller] == nil {
						on = nil
						break
					}
					for w := range p.serial[r.caller] {
						on[w] = true
					}
				}
			}
			if on != nil && len(on) > len(p.serial[fn]) {
				p.serial[fn] = on
				grew = true
			}
		}
	}
	return p.serial
}

// A methodRef is a reference to a method of the package: the one go
// statement that starts it once per object (worker), or a direct call on
// the receiver of the method that makes it (caller); neither for any
// other reference.
type methodRef struct {
	worker bool
	caller *types.Func
}

// methodRef classifies a reference (the identifier at cur) to a method.
func (p *sizer) methodRef(cur inspector.Cursor) (r methodRef) {
	if cur.ParentEdgeKind() != edge.SelectorExpr_Sel {
		return r
	}
	selCur := cur.Parent()
	se := selCur.Node().(*ast.SelectorExpr)
	if sel := p.info.Selections[se]; sel == nil || sel.Kind() != types.MethodVal || len(sel.Index()) != 1 {
		return r // promoted through an embedded field, or a method expression
	}
	if selCur.ParentEdgeKind() != edge.CallExpr_Fun {
		return r // a method value
	}
	callCur := selCur.Parent()
	recv := rootVar(p.info, se.X)
	if recv == nil {
		return r
	}
	encCur := enclosingFunc(callCur)
	if callCur.ParentEdgeKind() == edge.GoStmt_Call {
		r.worker = p.startsOnce(callCur.Parent(), encCur, recv)
		return r
	}
	fd, ok := encCur.Node().(*ast.FuncDecl)
	if !ok || inGoStmt(callCur, encCur) || receiverVar(p.info, fd) != recv {
		return r
	}
	r.caller, _ = p.info.Defs[fd.Name].(*types.Func)
	return r
}

// startsOnce reports whether the go statement at goCur, which starts a
// method on the variable recv, runs once per object: inside a function
// literal handed to the Do of a sync.Once that is a field of recv, the
// receiver of the method around it; or, outside loops, in the function
// that allocates recv and assigns it nothing else.
func (p *sizer) startsOnce(goCur, encCur inspector.Cursor, recv types.Object) bool {
	if flow.InsideLoop(goCur, encCur) {
		return false
	}
	switch enc := encCur.Node().(type) {
	case *ast.FuncLit:
		if encCur.ParentEdgeKind() != edge.CallExpr_Args {
			return false
		}
		call := encCur.Parent().Node().(*ast.CallExpr)
		if !match.IsMethod(match.CalleeFunc(p.info, call), "sync", "Once", "Do") {
			return false
		}
		onceSel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return false
		}
		once := match.FieldOf(p.info, onceSel.X)
		inner, ok := ast.Unparen(onceSel.X).(*ast.SelectorExpr)
		if once == nil || !ok || !match.IsNamed(once.Type(), "sync", "Once") || rootVar(p.info, inner.X) != recv {
			return false
		}
		outer := enclosingFunc(encCur.Parent())
		fd, ok := outer.Node().(*ast.FuncDecl)
		return ok && receiverVar(p.info, fd) == recv
	case *ast.FuncDecl:
		v, ok := recv.(*types.Var)
		if !ok || v.Pos() < enc.Pos() || v.Pos() >= enc.End() {
			return false
		}
		// Defined once, by an allocation, and never assigned again.
		allocs := 0
		fresh := true
		ast.Inspect(enc.Body, func(n ast.Node) bool {
			lhs, rhs := flow.AssignParts(n)
			for i, l := range lhs {
				id, ok := ast.Unparen(l).(*ast.Ident)
				if !ok || p.info.ObjectOf(id) != recv {
					continue
				}
				allocs++
				if len(rhs) != len(lhs) || !allocation(p.info, rhs[i]) {
					fresh = false
				}
			}
			return true
		})
		return fresh && allocs == 1
	}
	return false
}

// allocation reports whether e allocates a new struct: &T{...} or new(T).
func allocation(info *types.Info, e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		_, ok := ast.Unparen(e.X).(*ast.CompositeLit)
		return e.Op == token.AND && ok
	case *ast.CallExpr:
		id, ok := ast.Unparen(e.Fun).(*ast.Ident)
		if !ok {
			return false
		}
		b, ok := info.Uses[id].(*types.Builtin)
		return ok && b.Name() == "new"
	}
	return false
}

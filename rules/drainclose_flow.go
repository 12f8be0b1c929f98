package rules

import (
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// ownership is what the uses of a response variable say about its body.
type ownership struct {
	escapes    bool   // returned, stored, sent, used by a goroutine: not ours
	stream     bool   // consumed incrementally, or an upgrade: never drain
	reassigned bool   // the variable is assigned again after the call
	problem    string // why the function's use of the body cannot be followed

	closes    map[*ast.CallExpr]bool // v.Body.Close() calls
	eof       map[*ast.CallExpr]bool // calls that read the body to EOF or drain it
	alsoClose map[*ast.CallExpr]bool // of those, the ones that also close it (module helpers)
	onError   map[*ast.CallExpr]bool // helpers that drain and close it when they return an error
	handlers  map[*ast.CallExpr]bool // calls of other functions handed the response or its body
}

// tracked is a value the analysis follows: the response, its body, or
// something built on them (a decoder, a scanner, a wrapper struct).
type trackKind int

const (
	trackResp trackKind = iota
	trackBody
	trackDerived
)

// ownership follows every use of the response variable (and of the
// variables it is copied into) through the function, including function
// literals in it.
func (dc *drainClose) ownership(acq *acquisition) *ownership {
	own := &ownership{
		closes:    map[*ast.CallExpr]bool{},
		eof:       map[*ast.CallExpr]bool{},
		alsoClose: map[*ast.CallExpr]bool{},
		onError:   map[*ast.CallExpr]bool{},
		handlers:  map[*ast.CallExpr]bool{},
	}
	info := dc.pass.TypesInfo
	vars := map[*types.Var]trackKind{acq.resp: trackResp}
	done := map[*types.Var]bool{}
	for len(vars) > len(done) {
		for v, kind := range vars {
			if done[v] {
				continue
			}
			done[v] = true
			for id := range acq.fn.Preorder((*ast.Ident)(nil)) {
				if info.Uses[id.Node().(*ast.Ident)] != v {
					continue
				}
				dc.use(acq, own, vars, id, kind)
			}
		}
	}
	if !own.stream {
		own.stream = dc.upgrades(acq)
	}
	return own
}

// use classifies one use of a tracked variable.
func (dc *drainClose) use(acq *acquisition, own *ownership, vars map[*types.Var]trackKind, id inspector.Cursor, kind trackKind) {
	// A use inside a function literal counts where the literal runs: now
	// (called on the spot), at return (deferred), or who knows when.
	for p := id.Parent(); p.Valid() && p != acq.fn; p = p.Parent() {
		lit, ok := p.Node().(*ast.FuncLit)
		if !ok {
			continue
		}
		call, ok := p.Parent().Node().(*ast.CallExpr)
		if !ok || call.Fun != lit {
			own.escapes = true // captured by a closure that may outlive the call
			return
		}
		if _, ok := p.Parent().Parent().Node().(*ast.GoStmt); ok {
			own.escapes = true // used by a goroutine
			return
		}
	}
	// Assignments to the variable itself.
	if assignedTo(id) {
		if kind == trackResp && id.Node().Pos() > acq.stmt.Node().End() {
			own.reassigned = true
		}
		return
	}
	dc.value(acq, own, vars, id, kind)
}

// assignedTo reports whether the identifier at id is the target of an
// assignment (x = ..., x, err = ...).
func assignedTo(id inspector.Cursor) bool {
	as, ok := id.Parent().Node().(*ast.AssignStmt)
	if !ok {
		return false
	}
	for _, l := range as.Lhs {
		if l == id.Node() {
			return true
		}
	}
	return false
}

// value classifies what happens to a tracked value at c.
func (dc *drainClose) value(acq *acquisition, own *ownership, vars map[*types.Var]trackKind, c inspector.Cursor, kind trackKind) {
	info := dc.pass.TypesInfo
	p := c.Parent()
	for {
		if _, ok := p.Node().(*ast.ParenExpr); !ok {
			break
		}
		c, p = p, p.Parent()
	}
	switch pn := p.Node().(type) {
	case *ast.SelectorExpr:
		if pn.X != c.Node() {
			return
		}
		switch kind {
		case trackResp:
			if pn.Sel.Name == "Body" {
				dc.value(acq, own, vars, p, trackBody)
				return
			}
			if call, ok := p.Parent().Node().(*ast.CallExpr); ok && call.Fun == pn && pn.Sel.Name == "Write" {
				own.eof[call] = true // Response.Write copies the body out
			}
		case trackBody:
			call, ok := p.Parent().Node().(*ast.CallExpr)
			if !ok || call.Fun != pn {
				return
			}
			switch pn.Sel.Name {
			case "Close":
				own.closes[call] = true
			case "Read":
				if insideLoop(p.Parent(), acq.fn) {
					own.stream = true
				}
			}
		case trackDerived:
			if call, ok := p.Parent().Node().(*ast.CallExpr); ok && call.Fun == pn && insideLoop(p.Parent(), acq.fn) {
				own.stream = true // Scan, Decode, ReadString... in a loop
			}
		}
	case *ast.CallExpr:
		argIdx := -1
		for i, a := range pn.Args {
			if a == c.Node() {
				argIdx = i
			}
		}
		if argIdx < 0 {
			return
		}
		if _, ok := p.Parent().Node().(*ast.GoStmt); ok {
			own.escapes = true
			return
		}
		if _, ok := pn.Fun.(*ast.FuncLit); ok {
			// func(r *http.Response) {...}(resp): the literal's
			// parameter is the body's owner from here.
			own.handlers[pn] = true
			return
		}
		fn := calleeFunc(info, pn)
		if kind == trackBody && wrapsReader(fn, argIdx) {
			// io.LimitReader(resp.Body, n): reading it to EOF reads the
			// body to EOF or to a bound, which is what a drain does.
			dc.value(acq, own, vars, p, trackBody)
			return
		}
		if kind != trackDerived && readsToEOF(fn, argIdx, pn, info) {
			own.eof[pn] = true
			return
		}
		if kind != trackDerived && fn != nil {
			switch dc.drainHelper(fn, argIdx) {
			case drainsAlways:
				own.eof[pn] = true
				own.alsoClose[pn] = true
				own.handlers[pn] = true
				return
			case drainsOnError:
				own.onError[pn] = true
			}
		}
		if kind != trackDerived {
			own.handlers[pn] = true
		}
		if _, ok := p.Parent().Node().(*ast.DeferStmt); ok {
			return
		}
		if resultMayHold(info.TypeOf(pn)) {
			dc.value(acq, own, vars, p, trackDerived)
		}
	case *ast.AssignStmt:
		for i, r := range pn.Rhs {
			if r != c.Node() {
				continue
			}
			if len(pn.Lhs) != len(pn.Rhs) {
				return
			}
			dc.store(own, vars, pn.Lhs[i], kind)
			return
		}
		for _, l := range pn.Lhs {
			if l == c.Node() && kind == trackBody {
				own.problem = "the response's Body is replaced in this function, so the original body may never be closed: drain and close it by hand"
			}
		}
	case *ast.ValueSpec:
		for i, val := range pn.Values {
			if val == c.Node() && len(pn.Names) == len(pn.Values) {
				dc.store(own, vars, pn.Names[i], kind)
			}
		}
	case *ast.ReturnStmt, *ast.SendStmt:
		own.escapes = true
	case *ast.KeyValueExpr:
		if pn.Value == c.Node() {
			dc.value(acq, own, vars, p, kind)
		}
	case *ast.CompositeLit:
		dc.value(acq, own, vars, p, trackDerived)
	case *ast.UnaryExpr:
		if pn.Op == token.AND {
			dc.value(acq, own, vars, p, trackDerived)
		}
	case *ast.TypeAssertExpr:
		if kind == trackBody {
			own.stream = true // the read-write body of a 101 Switching Protocols
		}
	case *ast.IndexExpr, *ast.IndexListExpr, *ast.SliceExpr, *ast.StarExpr:
		// read through
	}
}

// store follows a tracked value assigned to lhs.
func (dc *drainClose) store(own *ownership, vars map[*types.Var]trackKind, lhs ast.Expr, kind trackKind) {
	if id, ok := ast.Unparen(lhs).(*ast.Ident); ok && id.Name == "_" {
		return
	}
	if v := localVar(dc.pass.TypesInfo, lhs); v != nil {
		if _, ok := vars[v]; !ok {
			vars[v] = kind
		}
		return
	}
	own.escapes = true // a field, a global, a map or slice element, *p
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
	if t == nil || types.Identical(t, types.Universe.Lookup("error").Type()) {
		return false
	}
	return mayHold(t, netHTTP, "Response")
}

// readsToEOF reports whether the call reads its argument argIdx to EOF:
// io.ReadAll, io.Copy and io.CopyBuffer (from it), ReadFrom, and the
// bounded drain io.CopyN into io.Discard.
func readsToEOF(fn *types.Func, argIdx int, call *ast.CallExpr, info *types.Info) bool {
	switch {
	case fn == nil:
		return false
	case isFunc(fn, "io", "ReadAll"), isFunc(fn, "io/ioutil", "ReadAll"):
		return argIdx == 0
	case isFunc(fn, "io", "Copy"), isFunc(fn, "io", "CopyBuffer"):
		return argIdx == 1
	case isFunc(fn, "io", "CopyN"):
		return argIdx == 1 && isDiscard(objOf(info, call.Args[0]))
	case fn.Name() == "ReadFrom" && fn.Signature().Recv() != nil:
		return argIdx == 0
	}
	return false
}

// wrapsReader reports whether fn returns a reader over its argument
// argIdx that ends where that reader ends, or at a bound: io.LimitReader,
// io.TeeReader, http.MaxBytesReader.
func wrapsReader(fn *types.Func, argIdx int) bool {
	switch {
	case isFunc(fn, "io", "LimitReader"), isFunc(fn, "io", "TeeReader"):
		return argIdx == 0
	case isFunc(fn, netHTTP, "MaxBytesReader"):
		return argIdx == 1
	}
	return false
}

func isDiscard(obj types.Object) bool {
	return isPkgObj(obj, "io", "Discard") || isPkgObj(obj, "io/ioutil", "Discard")
}

// upgrades reports whether the request behind the response asks for a
// protocol upgrade or an event stream, or the function expects a
// 101 Switching Protocols: the body is then a stream, not a document.
func (dc *drainClose) upgrades(acq *acquisition) bool {
	info := dc.pass.TypesInfo
	found := false
	for c := range acq.fn.Preorder((*ast.BasicLit)(nil), (*ast.Ident)(nil), (*ast.SelectorExpr)(nil)) {
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
			if isPkgObj(info.Uses[n], netHTTP, "StatusSwitchingProtocols") {
				found = true
			}
		}
	}
	return found
}

// A helperKind says what a function of the module does with the
// response or body it is handed.
type helperKind int

const (
	notHelper     helperKind = iota
	drainsAlways             // reads it to EOF (or drains it) and closes it
	drainsOnError            // does so on the paths where it returns an error (requireOK)
)

// helperDecl is a function declaration of the module, with what is
// needed to read it: the import names of its file, and a way to find the
// declarations of the functions it calls.
type helperDecl struct {
	fd      *ast.FuncDecl
	imports map[string]string
	callee  func(call *ast.CallExpr) *helperDecl
}

// drainHelper says whether fn, a function of the module, reads its
// argument argIdx (a response or a body) to EOF and closes it, as
// ensureReaderClosed(resp), DrainBody(resp.Body) or a requireOK(resp)
// that drains the body of the responses it turns into errors do. Calls
// of other helpers are followed a few levels deep.
func (dc *drainClose) drainHelper(fn *types.Func, argIdx int) helperKind {
	return dc.helperKindOf(dc.funcDecl(fn), argIdx, 0)
}

type helperKey struct {
	fd  *ast.FuncDecl
	arg int
}

func (dc *drainClose) helperKindOf(h *helperDecl, argIdx, depth int) helperKind {
	if h == nil || h.fd.Body == nil || depth > 4 {
		return notHelper
	}
	key := helperKey{h.fd, argIdx}
	if k, ok := dc.helpers[key]; ok {
		return k
	}
	dc.helpers[key] = notHelper // break recursion
	k := dc.readHelper(h, argIdx, depth)
	dc.helpers[key] = k
	return k
}

// funcDecl finds the declaration of fn in the package (typed) or
// elsewhere in the module (parsed).
func (dc *drainClose) funcDecl(fn *types.Func) *helperDecl {
	if fn == nil {
		return nil
	}
	fn = fn.Origin()
	if fn.Pkg() == dc.pass.Pkg {
		for _, f := range dc.pass.Syntax {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && dc.pass.TypesInfo.Defs[fd.Name] == fn {
					return &helperDecl{fd, importsOf(f).byName, func(call *ast.CallExpr) *helperDecl {
						return dc.funcDecl(calleeFunc(dc.pass.TypesInfo, call))
					}}
				}
			}
		}
		return nil
	}
	pos := dc.pass.Fset.Position(fn.Pos())
	if !pos.IsValid() || pos.Filename == "" {
		return nil
	}
	f, fset := dc.pass.ModuleFile(pos.Filename)
	if f == nil {
		return nil
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == fn.Name() && fset.Position(fd.Name.Pos()).Line == pos.Line {
			return dc.parsedDecl(fd, f, pos.Filename)
		}
	}
	return nil
}

// parsedDecl wraps a declaration read without types: a call of a plain
// name is looked up among the functions of the files of its directory.
func (dc *drainClose) parsedDecl(fd *ast.FuncDecl, f *ast.File, filename string) *helperDecl {
	return &helperDecl{fd, importsOf(f).byName, func(call *ast.CallExpr) *helperDecl {
		id, ok := ast.Unparen(call.Fun).(*ast.Ident)
		if !ok {
			return nil
		}
		dir := filepath.Dir(filename)
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			path := filepath.Join(dir, e.Name())
			g, _ := dc.pass.ModuleFile(path)
			if g == nil || g.Name.Name != f.Name.Name {
				continue
			}
			for _, d := range g.Decls {
				if gd, ok := d.(*ast.FuncDecl); ok && gd.Recv == nil && gd.Name.Name == id.Name {
					return dc.parsedDecl(gd, g, path)
				}
			}
		}
		return nil
	}}
}

// readHelper reads a helper's body: does it read its parameter argIdx
// (or the parameter's Body) to EOF and close it, and on every path or
// only behind a condition?
func (dc *drainClose) readHelper(h *helperDecl, argIdx, depth int) helperKind {
	fd := h.fd
	var params []string
	for _, field := range fd.Type.Params.List {
		if len(field.Names) == 0 {
			params = append(params, "_")
		}
		for _, n := range field.Names {
			params = append(params, n.Name)
		}
	}
	if argIdx >= len(params) || params[argIdx] == "_" {
		return notHelper
	}
	p := params[argIdx]
	// isParam reports whether e is the parameter, its Body, or a reader
	// wrapped around them (io.LimitReader(body, n): a bounded drain).
	var isParam func(e ast.Expr) bool
	isParam = func(e ast.Expr) bool {
		switch e := ast.Unparen(e).(type) {
		case *ast.Ident:
			return e.Name == p
		case *ast.SelectorExpr:
			if id, ok := e.X.(*ast.Ident); ok && e.Sel.Name == "Body" {
				return id.Name == p
			}
		case *ast.CallExpr:
			for _, a := range e.Args {
				if isParam(a) {
					return true
				}
			}
		}
		return false
	}
	pkgFunc := func(call *ast.CallExpr) (string, string) {
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return "", ""
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return "", ""
		}
		return h.imports[id.Name], sel.Sel.Name
	}
	reads, closes, conditional := false, false, false
	returned := false // a return came before, in source order
	var visit func(n ast.Node, nested bool)
	visit = func(n ast.Node, nested bool) {
		ast.Inspect(n, func(x ast.Node) bool {
			switch x := x.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				for _, r := range x.Results {
					visit(r, nested)
				}
				returned = true
				return false
			case *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt, *ast.ForStmt, *ast.RangeStmt:
				if x != n {
					visit(x, true)
					return false
				}
			case *ast.CallExpr:
				path, name := pkgFunc(x)
				found := false
				switch {
				case (path == "io" || path == "io/ioutil") && name == "ReadAll" && len(x.Args) == 1 && isParam(x.Args[0]):
					reads, found = true, true
				case path == "io" && (name == "Copy" || name == "CopyN" || name == "CopyBuffer") && len(x.Args) >= 2 && isParam(x.Args[1]):
					reads, found = true, true
				}
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Close" && isParam(sel.X) {
					closes, found = true, true
				}
				if !found {
					for i, a := range x.Args {
						if !isParam(a) {
							continue
						}
						if k := dc.helperKindOf(h.callee(x), i, depth+1); k != notHelper {
							reads, closes, found = true, true, true
							if k == drainsOnError {
								conditional = true
							}
						}
					}
				}
				if found && (nested || returned) {
					conditional = true
				}
			}
			return true
		})
	}
	for _, stmt := range fd.Body.List {
		visit(stmt, false)
	}
	switch {
	case !reads || !closes:
		return notHelper
	case conditional && returnsError(fd):
		return drainsOnError
	}
	return drainsAlways // unconditional, or behind a nil guard
}

// returnsError reports whether a function's last result is an error.
func returnsError(fd *ast.FuncDecl) bool {
	res := fd.Type.Results
	if res == nil || len(res.List) == 0 {
		return false
	}
	id, ok := res.List[len(res.List)-1].Type.(*ast.Ident)
	return ok && id.Name == "error"
}

// A pathState is what is known on one path through the function after
// the response was obtained.
type pathState struct {
	closed   bool // closed explicitly
	eof      bool // read to EOF or drained explicitly
	deferred bool // a deferred Close (or handler) is registered
	drained  bool // a deferred drain (or handler) is registered
}

func meet(a, b pathState) pathState {
	return pathState{a.closed && b.closed, a.eof && b.eof, a.deferred && b.deferred, a.drained && b.drained}
}

type exitInfo struct {
	st   pathState
	what string
}

type closeInfo struct {
	stmt      inspector.Cursor // the statement, in a list, holding the Close
	needDrain bool             // some path reaches it without reading the body to EOF
	deferred  bool
}

type deferInfo struct {
	stmt      inspector.Cursor
	topLevel  bool // in the statement list of the call (not in a branch)
	closure   bool // defer func() { ... v.Body.Close() ... }()
	closeStmt inspector.Cursor
	drains    bool // the deferred code drains before closing
	handler   bool // a deferred call handed the response or its body
	nilSafe   bool // written before the error check, it can run on a nil response
}

func (d deferInfo) atAnchor(anchor inspector.Cursor) bool { return isNextStmt(d.stmt, anchor) }

// walker follows every path from the error check to the points where the
// function loses the body: returns, the end of the block that declares it,
// a new assignment to the variable, the end of a loop iteration.
type walker struct {
	dc      *drainClose
	acq     *acquisition
	own     *ownership
	exits   []exitInfo
	closes  []closeInfo
	defers  []deferInfo
	problem string
}

// walkCtx says where a statement is: depth 0 is the list holding the
// call; breaks and continues inside a construct of the walk are local.
type walkCtx struct {
	depth  int
	loops  int
	breaks *[]pathState // states at the breaks of the innermost breakable construct
}

func (w *walker) region(anchor inspector.Cursor, st pathState) {
	c, ok := anchor.NextSibling()
	for ; ok; c, ok = c.NextSibling() {
		var falls bool
		st, falls = w.stmt(c, st, walkCtx{})
		if !falls || w.problem != "" {
			return
		}
		if st.eof && (st.closed || st.deferred) {
			// Read to EOF and closed (or to be closed on return) on
			// every path that gets here: nothing after can lose the
			// connection any more.
			w.exits = append(w.exits, exitInfo{st, "the body was read"})
			return
		}
	}
	w.exits = append(w.exits, exitInfo{st, "the end of the block"})
}

func (w *walker) list(block inspector.Cursor, st pathState, ctx walkCtx) (pathState, bool) {
	for c := range block.Children() {
		if _, ok := c.Node().(ast.Stmt); !ok {
			continue
		}
		var falls bool
		st, falls = w.stmt(c, st, ctx)
		if !falls || w.problem != "" {
			return st, false
		}
	}
	return st, true
}

func (w *walker) stmt(c inspector.Cursor, st pathState, ctx walkCtx) (pathState, bool) {
	switch n := c.Node().(type) {
	case *ast.ReturnStmt:
		st = w.events(c, c, st)
		w.exits = append(w.exits, exitInfo{st, "a return"})
		return st, false
	case *ast.BranchStmt:
		if n.Label != nil && n.Tok != token.GOTO {
			w.problem = "labeled " + n.Tok.String() + " after the call; drain and close the body by hand"
			return st, false
		}
		switch n.Tok {
		case token.BREAK:
			if ctx.breaks != nil {
				*ctx.breaks = append(*ctx.breaks, st)
				return st, false
			}
			w.exits = append(w.exits, exitInfo{st, "a break"})
			return st, false
		case token.CONTINUE:
			if ctx.loops > 0 {
				return st, false
			}
			w.exits = append(w.exits, exitInfo{st, "a continue"})
			return st, false
		default:
			w.problem = n.Tok.String() + " after the call; drain and close the body by hand"
			return st, false
		}
	case *ast.BlockStmt:
		return w.list(c, st, deeper(ctx))
	case *ast.LabeledStmt:
		return w.stmt(c.ChildAt(edge.LabeledStmt_Stmt, -1), st, ctx)
	case *ast.IfStmt:
		if n.Init != nil {
			st = w.events(c, c.ChildAt(edge.IfStmt_Init, -1), st)
		}
		st = w.events(c, c.ChildAt(edge.IfStmt_Cond, -1), st)
		bst := st
		if w.errorFromDrainer(c, n) {
			// if err := requireOK(resp); err != nil { ... }: the helper
			// drained and closed the body before returning the error.
			bst.closed, bst.eof = true, true
		}
		a, fa := w.list(c.ChildAt(edge.IfStmt_Body, -1), bst, deeper(ctx))
		b, fb := st, true
		if n.Else != nil {
			b, fb = w.stmt(c.ChildAt(edge.IfStmt_Else, -1), st, deeper(ctx))
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
		var breaks []pathState
		inner := deeper(ctx)
		inner.breaks = &breaks
		var outs []pathState
		hasDefault := false
		_, isSelect := n.(*ast.SelectStmt)
		for clause := range body.Children() {
			cst := st
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
				if !falls || w.problem != "" {
					break
				}
			}
			if w.problem != "" {
				return st, false
			}
			if falls {
				outs = append(outs, cst)
			}
		}
		if !hasDefault && !isSelect {
			outs = append(outs, st)
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
		var body inspector.Cursor
		for x := range c.Children() {
			if _, ok := x.Node().(*ast.BlockStmt); ok {
				body = x
				continue
			}
			if _, ok := x.Node().(ast.Stmt); ok {
				st = w.events(c, x, st) // init, post
				continue
			}
			st = w.events(c, x, st) // cond, range expression
		}
		var breaks []pathState
		inner := deeper(ctx)
		inner.loops++
		inner.breaks = &breaks
		w.list(body, st, inner)
		if w.problem != "" {
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
		return w.deferStmt(c, n, st, ctx), true
	case *ast.GoStmt:
		return st, true
	case *ast.ExprStmt:
		st = w.events(c, c, st)
		if call, ok := ast.Unparen(n.X).(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" {
				if _, ok := w.dc.pass.TypesInfo.Uses[id].(*types.Builtin); ok {
					w.exits = append(w.exits, exitInfo{st, "a panic"})
					return st, false
				}
			}
			if noReturn(w.dc.pass.TypesInfo, call) {
				return st, false // the process or goroutine ends: nothing to pool
			}
		}
		return st, true
	case *ast.AssignStmt:
		st = w.events(c, c, st)
		for _, l := range n.Lhs {
			if id, ok := l.(*ast.Ident); ok && w.dc.pass.TypesInfo.ObjectOf(id) == w.acq.resp {
				w.exits = append(w.exits, exitInfo{st, "a new assignment to " + w.acq.resp.Name()})
				return st, false
			}
		}
		return st, true
	default:
		return w.events(c, c, st), true
	}
}

// errorFromDrainer reports whether the if statement at c tests, for
// non-nil, the error of a helper that drains and closes the body when it
// returns one: the call itself, or a variable set by it in the if's init
// or in the statement just before the if.
func (w *walker) errorFromDrainer(c inspector.Cursor, n *ast.IfStmt) bool {
	be, ok := ast.Unparen(n.Cond).(*ast.BinaryExpr)
	if !ok || be.Op != token.NEQ {
		return false
	}
	x := be.X
	if id, ok := ast.Unparen(be.X).(*ast.Ident); ok && id.Name == "nil" {
		x = be.Y
	}
	x = ast.Unparen(x)
	if call, ok := x.(*ast.CallExpr); ok {
		return w.own.onError[call]
	}
	id, ok := x.(*ast.Ident)
	if !ok {
		return false
	}
	info := w.dc.pass.TypesInfo
	sets := func(s ast.Stmt) bool {
		as, ok := s.(*ast.AssignStmt)
		if !ok || len(as.Rhs) != 1 {
			return false
		}
		call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
		if !ok || !w.own.onError[call] {
			return false
		}
		for _, l := range as.Lhs {
			if lid, ok := l.(*ast.Ident); ok && info.ObjectOf(lid) == info.ObjectOf(id) {
				return true
			}
		}
		return false
	}
	if n.Init != nil {
		return sets(n.Init)
	}
	if prev, ok := c.PrevSibling(); ok {
		if s, ok := prev.Node().(ast.Stmt); ok {
			return sets(s)
		}
	}
	return false
}

// inBody reports whether x is one of the statements of clause's body
// (rather than its case expressions or comm statement).
func inBody(clause, x inspector.Cursor) bool {
	for _, s := range stmtList2(clause) {
		if s == x.Node() {
			return true
		}
	}
	return false
}

func stmtList2(clause inspector.Cursor) []ast.Stmt {
	switch cn := clause.Node().(type) {
	case *ast.CaseClause:
		return cn.Body
	case *ast.CommClause:
		return cn.Body
	}
	return nil
}

func deeper(ctx walkCtx) walkCtx {
	ctx.depth++
	return ctx
}

// events applies, in evaluation order, the closes and reads of the body
// in the expressions and simple statements under c. stmt is the statement
// (in a list) that holds them, where a drain would go.
func (w *walker) events(stmt, c inspector.Cursor, st pathState) pathState {
	listStmt := stmt
	for listStmt.Valid() {
		if _, ok := listStmt.Node().(ast.Stmt); ok && stmtList(listStmt) != nil {
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
		if w.own.closes[call] {
			w.closes = append(w.closes, closeInfo{stmt: listStmt, needDrain: !st.eof})
			st.closed = true
		}
		if w.own.eof[call] {
			st.eof = true
			if w.own.alsoClose[call] {
				st.closed = true
			}
		}
	}
	visit(c)
	return st
}

// deferStmt records a defer that closes or hands over the body.
func (w *walker) deferStmt(c inspector.Cursor, n *ast.DeferStmt, st pathState, ctx walkCtx) pathState {
	d := deferInfo{stmt: c, topLevel: ctx.depth == 0}
	switch {
	case w.own.closes[n.Call]:
		st.deferred = true
	case w.own.handlers[n.Call]:
		d.handler = true
		st.deferred, st.drained = true, true
	default:
		lit, ok := n.Call.Fun.(*ast.FuncLit)
		if !ok {
			return st
		}
		// defer func() { ...; v.Body.Close(); ... }(): follow the closure.
		inner := &walker{dc: w.dc, acq: w.acq, own: w.own}
		body, ok := c.FindNode(lit.Body)
		if !ok {
			return st
		}
		var cst pathState
		inner.list(body, cst, walkCtx{depth: 1})
		if len(inner.closes) == 0 {
			return st
		}
		d.closure = true
		d.closeStmt = inner.closes[0].stmt
		d.drains = !inner.closes[0].needDrain
		st.deferred = true
		st.drained = st.drained || d.drains
	}
	w.defers = append(w.defers, d)
	return st
}

// noReturn reports whether a call ends the goroutine or the process
// without returning: os.Exit, log.Fatal, runtime.Goexit, t.Fatal and the
// Fatal functions of logging packages.
func noReturn(info *types.Info, call *ast.CallExpr) bool {
	fn := calleeFunc(info, call)
	if fn == nil {
		return false
	}
	switch fn.Name() {
	case "Exit":
		return fn.Pkg() != nil && fn.Pkg().Path() == "os"
	case "Goexit":
		return fn.Pkg() != nil && fn.Pkg().Path() == "runtime"
	case "Fatal", "Fatalf", "Fatalln", "FailNow", "SkipNow", "Skip", "Skipf":
		return true
	}
	return false
}

// handsOverLive reports whether fn, a function of the module returning a
// response beside other results, passes on the response of a request it
// made with its body untouched, as a thin wrapper of http.Client.Do does:
// its body makes a request, and neither closes nor replaces a Body nor
// builds a Response of its own. A function outside the module, or one
// whose body does any of those, is taken to have dealt with the body.
func (dc *drainClose) handsOverLive(fn *types.Func) bool {
	h := dc.funcDecl(fn)
	if h == nil || h.fd.Body == nil {
		return false
	}
	if live, ok := dc.live[h.fd]; ok {
		return live
	}
	requests, handled := false, false
	ast.Inspect(h.fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.SelectorExpr:
			if n.Sel.Name == "Close" {
				if x, ok := ast.Unparen(n.X).(*ast.SelectorExpr); ok && x.Sel.Name == "Body" {
					handled = true // resp.Body.Close
				}
			}
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok && sel.Sel.Name == "Body" {
					handled = true // resp.Body = io.NopCloser(...)
				}
			}
		case *ast.KeyValueExpr:
			if id, ok := n.Key.(*ast.Ident); ok && id.Name == "Body" {
				handled = true // &http.Response{Body: ...}
			}
		case *ast.CallExpr:
			if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && requestMethods[sel.Sel.Name] {
				requests = true
			}
		}
		return true
	})
	live := requests && !handled
	dc.live[h.fd] = live
	return live
}

// requestMethods are the methods of http.Client and http.RoundTripper
// that make a request and return its response. A declaration read
// without types is matched by these names.
var requestMethods = map[string]bool{"Do": true, "Get": true, "Head": true, "Post": true, "PostForm": true, "RoundTrip": true}

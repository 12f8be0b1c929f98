package rules

// Drain, then close, every response body a function owns.
//
// Why the rewrite is safe: before and after the transformation the
// function reads, from the body, exactly what it read before, in the same
// order; the only bytes added are read after the function is done with the
// body (in a deferred call, or right before a Close that ends its use), at
// most DrainLimit of them, and then the body is closed, which it was (or
// should have been) anyway. Reading a body that is already at EOF, or
// closing it twice, is harmless: http's bodies return errors, never panic.
// The deferred call takes the response as an argument, so it drains and
// closes the body that existed when the defer ran, whatever the variable
// holds later. It is placed after the error check, where the response is
// known to be non-nil.

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
	"strconv"
	"strings"

	"github.com/dave/dst"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rewrite"
)

const drainCloseDoc = `drain, then close, every response body the function owns

A call that returns a *net/http.Response (http.Get, (*http.Client).Do,
RoundTrip, a wrapper of the module's own, a third-party SDK) and is assigned
to a local variable makes the function the owner of the body, unless the
response escapes (returned, stored outside the function's locals, sent on a
channel, used by a goroutine). A connection goes back to the pool only when
its body was read to EOF and closed; defer resp.Body.Close() alone loses it
whenever the body was not read to the end (a status-code branch, a
json.Decoder that stops after one value, a body that is ignored).

For every owned body the rule places, right after the error check,

	defer func(resp *http.Response) {
		_, _ = io.CopyN(io.Discard, resp.Body, 4096)
		_ = resp.Body.Close()
	}(resp)

(replacing or moving an existing defer resp.Body.Close(), and moving one
written before the error check), and drains before explicit Close calls on
early paths. Code that already reads every body to EOF, or drains it itself
(a deferred closure, a helper of the module, a deferred call handed the
response), is left alone.

In a module whose go directive is 1.27 or later, Close drains by itself: the
rule then only makes sure every owned body is closed after the error check.
Bodies consumed as streams (a Scanner, a Decoder or Read in a loop, an
upgraded connection) are closed, never drained. A defer in a loop, an
ignored error, and whatever cannot be shown safe are reported instead.`

func newDrainClose(c Config) *rewrite.Rule {
	r := &rewrite.Rule{
		Name:    "drainclose",
		Doc:     drainCloseDoc,
		Imports: []string{netHTTP},
		Reaches: "Response",
		Adds:    []string{"io", netHTTP},
	}
	r.Run = func(pass *rewrite.Pass) {
		dc := &drainClose{pass: pass, cfg: c, drain: drains(c.Drain, pass.GoVersion), helpers: map[helperKey]helperKind{}, live: map[*ast.FuncDecl]bool{}}
		for _, f := range pass.Files {
			dc.file(f)
		}
	}
	return r
}

// drains reports whether bodies are drained before closing under mode in
// a module with the given go directive.
func drains(mode DrainMode, goVersion string) bool {
	switch mode {
	case DrainAlways:
		return true
	case DrainNever:
		return false
	}
	return goVersion == "" || version.Compare("go"+goVersion, "go1.27") < 0
}

type drainClose struct {
	pass    *rewrite.Pass
	cfg     Config
	drain   bool
	helpers map[helperKey]helperKind // module helpers: what they do with a body they are handed
	live    map[*ast.FuncDecl]bool   // module functions: do they pass on a live response (handsOverLive)
}

// file rewrites the owned responses of every function in f.
func (dc *drainClose) file(f *rewrite.File) {
	in := inspector.New([]*ast.File{f.Ast})
	for fn := range in.Root().Preorder((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		var body *ast.BlockStmt
		switch n := fn.Node().(type) {
		case *ast.FuncDecl:
			body = n.Body
		case *ast.FuncLit:
			body = n.Body
		}
		if body == nil {
			continue
		}
		for _, acq := range dc.acquisitions(f, fn) {
			dc.fix(acq)
		}
	}
}

// An acquisition is a call whose results include a response, assigned to
// a local variable of the function.
type acquisition struct {
	f      *rewrite.File
	fn     inspector.Cursor // *ast.FuncDecl or *ast.FuncLit
	stmt   inspector.Cursor // the assignment, in a statement list
	call   *ast.CallExpr
	resp   *types.Var
	errVar *types.Var // the error result's variable; nil if the call has none
}

// calleeName names the called function for messages: http.Get, client.Do.
func calleeName(call *ast.CallExpr) string {
	return types.ExprString(call.Fun)
}

// acquisitions finds the calls returning a response in fn's own body (not
// in the function literals inside it, which are functions of their own),
// reporting the responses that are discarded.
func (dc *drainClose) acquisitions(f *rewrite.File, fn inspector.Cursor) []*acquisition {
	info := dc.pass.TypesInfo
	var out []*acquisition
	var visit func(c inspector.Cursor)
	visit = func(c inspector.Cursor) {
		for child := range c.Children() {
			if _, ok := child.Node().(*ast.FuncLit); ok {
				continue
			}
			if call, ok := child.Node().(*ast.CallExpr); ok {
				if acq := dc.acquisition(f, fn, child, call, info); acq != nil {
					out = append(out, acq)
				}
			}
			visit(child)
		}
	}
	visit(fn)
	return out
}

// responseIndex returns the index of the *http.Response among the results
// of call, and the number of results; -1 if there is none.
func responseIndex(info *types.Info, call *ast.CallExpr) (int, int) {
	tv, ok := info.Types[call]
	if !ok || tv.IsType() {
		return -1, 0
	}
	if tuple, ok := tv.Type.(*types.Tuple); ok {
		for i := 0; i < tuple.Len(); i++ {
			if isResponsePtr(tuple.At(i).Type()) {
				return i, tuple.Len()
			}
		}
		return -1, tuple.Len()
	}
	if isResponsePtr(tv.Type) {
		return 0, 1
	}
	return -1, 1
}

func (dc *drainClose) acquisition(f *rewrite.File, fn, cur inspector.Cursor, call *ast.CallExpr, info *types.Info) *acquisition {
	idx, n := responseIndex(info, call)
	if idx < 0 {
		return nil
	}
	if isMethod(calleeFunc(info, call), "net/http/httptest", "ResponseRecorder", "Result") {
		return nil // a recorded response: no connection behind it
	}
	for _, a := range call.Args {
		if isResponsePtr(info.TypeOf(a)) {
			// found, resp, err := requireNotFoundOrOK(resp): the same
			// response handed through a function, not a new one.
			return nil
		}
	}
	errIdx := -1
	if tv := info.Types[call]; n > 1 {
		tuple := tv.Type.(*types.Tuple)
		if last := tuple.At(n - 1).Type(); types.Identical(last, types.Universe.Lookup("error").Type()) {
			errIdx = n - 1
		}
		if (n > 2 || errIdx < 0) && !dc.handsOverLive(calleeFunc(info, call)) {
			// conn, resp, err := dialer.Dial(...): the response comes
			// with what the call is for (a websocket connection that took
			// over the HTTP one, a body already read); the function that
			// made it has done what was needed with its body. Only a
			// function of the module seen to pass on a live response
			// unread (consul's doRequest) makes it the caller's.
			return nil
		}
	}
	name := calleeName(call)
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
		if !dc.pass.Ignored(call.Pos()) {
			dc.pass.Reportf(call.Pos(), "the response of %s is discarded, so its body is never closed and its connection never reused: assign it, then drain and close its Body", name)
		}
		return nil
	default:
		// Returned, passed on, or used in an expression: the response
		// belongs to whoever receives it.
		return nil
	}
	if id, ok := lhs[idx].(*ast.Ident); ok && id.Name == "_" {
		dc.pass.Reportf(call.Pos(), "the response of %s is discarded, so its body is never closed and its connection never reused: assign it, then drain and close its Body", name)
		return nil
	}
	resp := localVar(info, lhs[idx])
	if resp == nil || resp.Pos() < fn.Node().Pos() || resp.Pos() >= fn.Node().End() || isNamedResult(fn, resp) {
		// Stored in a field, a global, a map, or a variable of an
		// enclosing function (a closure hands the response out): not ours.
		return nil
	}
	acq := &acquisition{f: f, fn: fn, stmt: parent, call: call, resp: resp}
	if errIdx >= 0 {
		if id, ok := lhs[errIdx].(*ast.Ident); ok && id.Name == "_" {
			dc.pass.Reportf(call.Pos(), "the error of %s is ignored, so its response may be nil: check the error, then drain and close %s.Body", name, resp.Name())
			return nil
		}
		acq.errVar = localVar(info, lhs[errIdx])
		if acq.errVar == nil {
			if v, ok := info.ObjectOf(identOf(lhs[errIdx])).(*types.Var); ok {
				acq.errVar = v // a package-level or captured error variable
			}
		}
		if acq.errVar == nil {
			dc.pass.Reportf(call.Pos(), "the error of %s is not in a variable the rule can follow; drain and close %s.Body by hand", name, resp.Name())
			return nil
		}
	}
	return acq
}

// isNamedResult reports whether v is a named result of the function fn:
// whatever it holds when fn returns goes to the caller.
func isNamedResult(fn inspector.Cursor, v *types.Var) bool {
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

func identOf(e ast.Expr) *ast.Ident {
	id, _ := ast.Unparen(e).(*ast.Ident)
	return id
}

// fix rewrites one owned response, or reports why it cannot.
func (dc *drainClose) fix(acq *acquisition) {
	pass := dc.pass
	if pass.Ignored(acq.stmt.Node().Pos()) {
		return
	}
	name := calleeName(acq.call)
	v := acq.resp.Name()

	// The statement must be in a statement list: not an if/switch init.
	if _, ok := slotOf(acq.f, acq.stmt); !ok {
		pass.Reportf(acq.call.Pos(), "%s is called in the header of a statement; drain and close %s.Body by hand", name, v)
		return
	}
	own := dc.ownership(acq)
	if own.escapes {
		return // someone else's body
	}
	if own.problem != "" {
		pass.Reportf(acq.call.Pos(), "%s", own.problem)
		return
	}

	// Find the error check the defer goes after.
	check, early, problem := dc.errorCheck(acq, own)
	if problem != "" {
		pass.Reportf(acq.call.Pos(), "%s", problem)
		return
	}
	anchor := acq.stmt
	if check.Valid() {
		anchor = check
	}

	// Walk every path from after the check to where the body's owner
	// loses it. A defer written before the check is registered on every path after
	// it. It moves after the check only if it would dereference a nil
	// response (defer resp.Body.Close(), drain(resp.Body), a closure
	// that does not test resp); a deferred call handed resp itself, such
	// as minio's nil-safe closeResponse(resp), is trusted where it is.
	var init pathState
	moveEarly := false
	if early != nil {
		init.deferred = true
		init.drained = early.handler || early.drains
		moveEarly = !early.nilSafe
	}
	w := &walker{dc: dc, acq: acq, own: own}
	w.region(anchor, init)
	if w.problem != "" {
		pass.Reportf(acq.call.Pos(), "%s", w.problem)
		return
	}
	drain := dc.drain && !own.stream
	inLoop := insideLoop(acq.stmt, acq.fn)

	var edits []func() bool
	changed := false

	if inLoop {
		if len(w.defers) > 0 || early != nil {
			pass.Reportf(acq.call.Pos(), "defer %s.Body.Close() inside a loop keeps every body open until the function returns: close the body at the end of each iteration, or move the loop body into a function", v)
			return
		}
		for _, e := range w.exits {
			if !e.st.closed {
				pass.Reportf(acq.call.Pos(), "%s.Body is not closed on every path through the loop body (%s): close it before the iteration ends; a defer here would keep it open until the function returns", v, e.what)
				return
			}
		}
		if drain {
			for _, c := range w.closes {
				if c.needDrain {
					edits = append(edits, dc.insertDrainBefore(acq.f, c.stmt, v))
					changed = true
				}
			}
		}
		dc.apply(acq, changed, edits)
		return
	}

	// Deferred closes registered inside a branch cannot be moved or
	// replaced safely.
	for _, d := range w.defers {
		if !d.topLevel && !d.handler {
			pass.Reportf(acq.call.Pos(), "%s.Body is closed by a defer inside a branch; drain and close it by hand right after the error check", v)
			return
		}
	}

	leaks, undrained := false, false
	for _, e := range w.exits {
		if !e.st.closed && !e.st.deferred {
			leaks = true
		}
		if !e.st.closed && e.st.deferred && !e.st.eof && !e.st.drained {
			undrained = true // a deferred plain Close, on a body not read to EOF
		}
	}

	if !drain {
		// Close only: a defer written before the error check moves after
		// it; a body left open on some path gets a deferred Close (an
		// existing top-level defer, moved up to the check, if there is
		// one).
		var plain *deferInfo
		for i := range w.defers {
			if w.defers[i].topLevel && !w.defers[i].handler {
				plain = &w.defers[i]
				break
			}
		}
		switch {
		case moveEarly:
			edits = append(edits, dc.moveAfter(acq.f, early.stmt, anchor))
			changed = true
		case leaks && plain != nil:
			edits = append(edits, dc.moveAfter(acq.f, plain.stmt, anchor))
			changed = true
		case leaks:
			edits = append(edits, dc.insertAfter(acq.f, anchor, dc.closeDefer(v)))
			changed = true
		}
		dc.apply(acq, changed, edits)
		return
	}

	// Drain and close. A handler the code already defers (a closure that
	// drains, a helper handed the response) is trusted; it only moves if
	// it was written before the error check.
	handled := false
	for _, d := range w.defers {
		if d.handler || d.drains {
			handled = true
		}
	}
	if early != nil && (early.handler || early.drains) {
		handled = true
	}
	if handled {
		if moveEarly {
			edits = append(edits, dc.moveAfter(acq.f, early.stmt, anchor))
			changed = true
		}
		edits, changed = dc.drainBeforeCloses(acq, w.closes, v, edits, changed)
		dc.apply(acq, changed, edits)
		return
	}

	needDefer := leaks || undrained
	if needDefer {
		// Deferred closures that close the body (and may do more, such as
		// logging the error) are kept and made to drain; plain
		// defer v.Body.Close() statements give way to the drain-close
		// defer right after the check.
		var closures []deferInfo
		var plains []inspector.Cursor
		if early != nil {
			if early.closure {
				closures = append(closures, *early)
			} else {
				plains = append(plains, early.stmt)
			}
		}
		for _, d := range w.defers {
			if d.closure {
				closures = append(closures, d)
			} else {
				plains = append(plains, d.stmt)
			}
		}
		if len(closures) > 0 {
			if own.reassigned {
				pass.Reportf(acq.call.Pos(), "%s.Body is closed by a deferred closure, and %s is assigned again later, so the closure closes the last response only: pass the response to the closure as an argument", v, v)
				return
			}
			c := closures[0]
			edits = append(edits, dc.insertDrainBefore(acq.f, c.closeStmt, v))
			if !c.atAnchor(anchor) && !c.nilSafe {
				edits = append(edits, dc.moveAfter(acq.f, c.stmt, anchor))
			}
			for _, p := range plains {
				edits = append(edits, dc.remove(acq.f, p))
			}
		} else {
			replaced := false
			for _, p := range plains {
				if !replaced && isNextStmt(p, anchor) {
					edits = append(edits, dc.replace(acq.f, p, dc.drainCloseDefer(v)))
					replaced = true
					continue
				}
				edits = append(edits, dc.remove(acq.f, p))
			}
			if !replaced {
				edits = append(edits, dc.insertAfter(acq.f, anchor, dc.drainCloseDefer(v)))
			}
		}
		changed = true
	} else if moveEarly {
		edits = append(edits, dc.moveAfter(acq.f, early.stmt, anchor))
		changed = true
	}
	edits, changed = dc.drainBeforeCloses(acq, w.closes, v, edits, changed)
	dc.apply(acq, changed, edits)
}

// drainBeforeCloses adds, to edits, a drain before every Close of the
// body that is not deferred and may run with the body unread.
func (dc *drainClose) drainBeforeCloses(acq *acquisition, closes []closeInfo, v string, edits []func() bool, changed bool) ([]func() bool, bool) {
	for _, c := range closes {
		if c.needDrain && !c.deferred {
			edits = append(edits, dc.insertDrainBefore(acq.f, c.stmt, v))
			changed = true
		}
	}
	return edits, changed
}

// apply makes the edits of one acquisition, after checking that the
// names the new code uses mean what it needs where it goes.
func (dc *drainClose) apply(acq *acquisition, changed bool, edits []func() bool) {
	if !changed {
		return
	}
	pos := acq.stmt.Node().End()
	for _, path := range []string{"io", netHTTP} {
		if name, ok := dc.usableName(acq.f, pos, path); !ok {
			dc.pass.Reportf(acq.call.Pos(), "%s.Body needs draining and closing, but the name %s is taken here by something other than package %s: drain and close it by hand", acq.resp.Name(), name, path)
			return
		}
	}
	if acq.resp.Name() == "io" || acq.resp.Name() == "http" {
		dc.pass.Reportf(acq.call.Pos(), "%s.Body needs draining and closing, but the variable's name hides a package: drain and close it by hand", acq.resp.Name())
		return
	}
	for _, edit := range edits {
		if !edit() {
			dc.pass.Reportf(acq.call.Pos(), "internal error: could not edit the code around %s", calleeName(acq.call))
			return
		}
	}
	dc.pass.Fixed(acq.call.Pos())
}

// usableName returns the name under which f refers (or would refer) to
// the package path, and whether that name resolves to the package at pos.
func (dc *drainClose) usableName(f *rewrite.File, pos token.Pos, path string) (string, bool) {
	name := path[strings.LastIndex(path, "/")+1:]
	imported := false
	for _, is := range f.Ast.Imports {
		if p, _ := strconv.Unquote(is.Path.Value); p == path {
			if is.Name != nil {
				if is.Name.Name == "." || is.Name.Name == "_" {
					continue
				}
				name = is.Name.Name
			}
			imported = true
			break
		}
	}
	if !imported {
		// The engine imports it under an alias if a package-level
		// declaration takes the name.
		base := name
		for i := 1; dc.pass.Pkg.Scope().Lookup(name) != nil; i++ {
			name = fmt.Sprintf("%s%d", base, i)
		}
	}
	scope := dc.pass.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return name, true
	}
	_, obj := scope.LookupParent(name, pos)
	switch obj := obj.(type) {
	case nil:
		return name, true
	case *types.PkgName:
		return name, obj.Imported().Path() == path
	}
	return name, false
}

// drainCloseDefer returns the deferred drain-then-close of v's body.
func (dc *drainClose) drainCloseDefer(v string) dst.Stmt {
	src := fmt.Sprintf("defer func(%[1]s *http.Response) {\n\t_, _ = io.CopyN(io.Discard, %[1]s.Body, %[2]d)\n\t_ = %[1]s.Body.Close()\n}(%[1]s)", v, dc.cfg.DrainLimit)
	return snippet(src, map[string]string{"io": "io", "http": netHTTP})[0]
}

// closeDefer returns defer v.Body.Close().
func (dc *drainClose) closeDefer(v string) dst.Stmt {
	return snippet(fmt.Sprintf("defer %s.Body.Close()", v), nil)[0]
}

// drainStmt returns the bounded drain of v's body.
func (dc *drainClose) drainStmt(v string) dst.Stmt {
	return snippet(fmt.Sprintf("_, _ = io.CopyN(io.Discard, %s.Body, %d)", v, dc.cfg.DrainLimit), map[string]string{"io": "io"})[0]
}

func (dc *drainClose) insertDrainBefore(f *rewrite.File, stmt inspector.Cursor, v string) func() bool {
	return func() bool {
		s, ok := slotOf(f, stmt)
		return ok && s.insertBefore(dc.drainStmt(v))
	}
}

func (dc *drainClose) insertAfter(f *rewrite.File, anchor inspector.Cursor, stmt dst.Stmt) func() bool {
	return func() bool {
		s, ok := slotOf(f, anchor)
		return ok && s.insertAfter(stmt)
	}
}

func (dc *drainClose) replace(f *rewrite.File, old inspector.Cursor, stmt dst.Stmt) func() bool {
	return func() bool {
		s, ok := slotOf(f, old)
		return ok && s.replace(stmt)
	}
}

func (dc *drainClose) remove(f *rewrite.File, old inspector.Cursor) func() bool {
	return func() bool {
		s, ok := slotOf(f, old)
		return ok && s.remove()
	}
}

// moveAfter moves the statement at from (with its comments) to right
// after anchor.
func (dc *drainClose) moveAfter(f *rewrite.File, from, anchor inspector.Cursor) func() bool {
	return func() bool {
		src, ok := slotOf(f, from)
		if !ok {
			return false
		}
		dst, ok := slotOf(f, anchor)
		if !ok || !src.remove() {
			return false
		}
		stmt := src.stmt
		stmt.Decorations().Before = newLine
		return dst.insertAfter(stmt)
	}
}

const newLine = dst.NewLine

// stmtList returns the statement list that holds the statement at cur.
func stmtList(cur inspector.Cursor) []ast.Stmt {
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

// isNextStmt reports whether the statement at c comes right after the one
// at anchor in the same list.
func isNextStmt(c, anchor inspector.Cursor) bool {
	return c.Parent() == anchor.Parent() && c.ParentEdgeIndex() == anchor.ParentEdgeIndex()+1
}

// insideLoop reports whether the statement at c runs in a loop of the
// function fn (a loop around fn does not count: fn's defers run per call).
func insideLoop(c, fn inspector.Cursor) bool {
	for p := c.Parent(); p.Valid() && p != fn; p = p.Parent() {
		switch p.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return true
		}
	}
	return false
}

// errorCheck finds the check of the call's error: the first statement
// after the call that tests the error, if nothing before it uses the
// response or the error. A defer that closes or hands over the body
// written between the call and the check is returned as early: it runs
// on a nil response when the call fails.
func (dc *drainClose) errorCheck(acq *acquisition, own *ownership) (check inspector.Cursor, early *deferInfo, problem string) {
	info := dc.pass.TypesInfo
	name, v := calleeName(acq.call), acq.resp.Name()
	if acq.errVar == nil {
		return inspector.Cursor{}, nil, ""
	}
	c := acq.stmt
	for {
		var ok bool
		c, ok = c.NextSibling()
		if !ok {
			return c, nil, fmt.Sprintf("no check of the error of %s follows it in this block; drain and close %s.Body by hand after checking the error", name, v)
		}
		s := c.Node().(ast.Stmt)
		if ifs, ok := s.(*ast.IfStmt); ok && testsErr(info, ifs.Cond, acq.errVar) {
			switch {
			case mentions(info, ifs.Cond, acq.resp):
				return c, nil, fmt.Sprintf("the error check after %s also tests %s, so the body leaks when it leaves with a response: test the error alone, then the response", name, v)
			case ifs.Init != nil:
				return c, nil, fmt.Sprintf("the error check after %s has an init statement; drain and close %s.Body by hand", name, v)
			case ifs.Else != nil:
				return c, nil, fmt.Sprintf("the error check after %s has an else branch; drain and close %s.Body by hand", name, v)
			case !terminates(info, ifs.Body):
				return c, nil, fmt.Sprintf("the error check after %s does not leave the function or loop, so %s may be nil after it: return (or continue) on error, then drain and close %s.Body", name, v, v)
			}
			return c, early, ""
		}
		if d, ok := s.(*ast.DeferStmt); ok && early == nil {
			w := &walker{dc: dc, acq: acq, own: own}
			var st pathState
			w.deferStmt(c, d, st, walkCtx{})
			if len(w.defers) == 1 {
				early = &w.defers[0]
				early.topLevel = true
				early.nilSafe = nilSafeDefer(info, d, early, acq.resp)
				continue
			}
		}
		if mentions(info, s, acq.resp) || mentions(info, s, acq.errVar) {
			return c, nil, fmt.Sprintf("%s is used before the error of %s is checked; check the error right after the call, then drain and close %s.Body", v, name, v)
		}
	}
}

// nilSafeDefer reports whether a deferred handler or closure of the body
// can run on a nil response: a call handed the response itself (whose
// callee is trusted to check it), or a closure that tests it against nil.
// A deferred resp.Body.Close() or drain(resp.Body) dereferences it when
// the defer statement runs.
func nilSafeDefer(info *types.Info, d *ast.DeferStmt, di *deferInfo, resp *types.Var) bool {
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
	case di.handler:
		for _, a := range d.Call.Args {
			if derefs(a) {
				return false
			}
		}
		return true
	case di.closure:
		found := false
		ast.Inspect(d.Call.Fun, func(x ast.Node) bool {
			if be, ok := x.(*ast.BinaryExpr); ok && (be.Op == token.EQL || be.Op == token.NEQ) {
				if mentions(info, be, resp) {
					if id, ok := ast.Unparen(be.Y).(*ast.Ident); ok && id.Name == "nil" {
						found = true
					}
					if id, ok := ast.Unparen(be.X).(*ast.Ident); ok && id.Name == "nil" {
						found = true
					}
				}
			}
			return !found
		})
		return found
	}
	return false
}

// testsErr reports whether cond is err != nil (either way round), alone
// or as an operand of ||.
func testsErr(info *types.Info, cond ast.Expr, errVar *types.Var) bool {
	switch e := ast.Unparen(cond).(type) {
	case *ast.BinaryExpr:
		switch e.Op {
		case token.LOR:
			return testsErr(info, e.X, errVar) || testsErr(info, e.Y, errVar)
		case token.NEQ:
			isErr := func(x ast.Expr) bool {
				id, ok := ast.Unparen(x).(*ast.Ident)
				return ok && info.Uses[id] == errVar
			}
			isNil := func(x ast.Expr) bool {
				id, ok := ast.Unparen(x).(*ast.Ident)
				if !ok {
					return false
				}
				_, isNil := info.Uses[id].(*types.Nil)
				return isNil
			}
			return isErr(e.X) && isNil(e.Y) || isNil(e.X) && isErr(e.Y)
		}
	}
	return false
}

// mentions reports whether n refers to obj.
func mentions(info *types.Info, n ast.Node, obj types.Object) bool {
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		if id, ok := x.(*ast.Ident); ok && info.ObjectOf(id) == obj {
			found = true
		}
		return !found
	})
	return found
}

// terminates reports whether a statement never completes normally: it
// returns, panics, branches away or ends the process.
func terminates(info *types.Info, s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.BlockStmt:
		return len(s.List) > 0 && terminates(info, s.List[len(s.List)-1])
	case *ast.ReturnStmt, *ast.BranchStmt:
		return true
	case *ast.IfStmt:
		return s.Else != nil && terminates(info, s.Body) && terminates(info, s.Else)
	case *ast.ExprStmt:
		call, ok := ast.Unparen(s.X).(*ast.CallExpr)
		if !ok {
			return false
		}
		if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" {
			_, builtin := info.Uses[id].(*types.Builtin)
			return builtin
		}
		return noReturn(info, call)
	}
	return false
}

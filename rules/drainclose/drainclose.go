package drainclose

// Why the rewrite is safe: before and after the transformation the
// function reads, from the body, exactly what it read before, in the same
// order; the only bytes added are read after the function is done with the
// body (in a deferred call, or right before a Close that ends its use), at
// most the drain limit of them, and then the body is closed, which it was
// (or should have been) anyway. Reading a body that is already at EOF, or
// closing it twice, is harmless: http's bodies return errors, never panic.
// The deferred call takes the response as an argument, so it drains and
// closes the body that existed when the defer ran, whatever the variable
// holds later. It is placed after the error check, where the response is
// known to be non-nil.

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
	"slices"

	"github.com/dave/dst"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/config"
	"github.com/httpfix/httpfix/rules/internal/edit"
	"github.com/httpfix/httpfix/rules/internal/facts"
	"github.com/httpfix/httpfix/rules/internal/flow"
	"github.com/httpfix/httpfix/rules/internal/match"
	"github.com/httpfix/httpfix/rules/internal/match/seq"
)

//go:embed doc.go
var doc string

// Analyzer is drainclose with the default settings (and its flags).
var Analyzer = New(config.Default())

// New returns drainclose configured by cfg (a copy of which its flags set).
func New(cfg config.Config) *analysis.Analyzer {
	return edit.NewAnalyzer("drainclose", "https://github.com/httpfix/httpfix#drainclose-drain-then-close-every-response-body-the-function-owns", doc, cfg,
		[]*analysis.Analyzer{facts.Analyzer, seq.Analyzer},
		func(pass *analysis.Pass, c *config.Config) (any, error) { return nil, run(pass, c) })
}

func run(pass *analysis.Pass, cfg *config.Config) error {
	if !facts.Relevant(pass.Pkg) {
		return nil
	}
	s := edit.NewSession(pass, cfg)
	dc := &drainClose{
		s:       s,
		info:    pass.TypesInfo,
		cfg:     cfg,
		callees: pass.ResultOf[facts.Analyzer].(*facts.Summaries),
		pkg:     pass.Pkg,
		seq:     pass.ResultOf[seq.Analyzer].(*seq.Result),
		http:    map[*types.Package]bool{},
	}
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	for fn := range in.Root().Preorder((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		f := s.Files().Of(fn.Node().Pos())
		if flow.FuncBody(fn.Node()) == nil || !s.Editable(f) {
			continue
		}
		dc.drain = drains(cfg.Drain, fileVersion(pass, f.Ast))
		for _, acq := range flow.Acquisitions(dc.info, fn, dc.callees) {
			dc.fix(f, acq)
		}
	}
	s.Flush()
	return nil
}

// fileVersion returns the Go version a file is compiled for ("go1.26"),
// from its go directive and build constraints, or "".
func fileVersion(pass *analysis.Pass, f *ast.File) string {
	if v := pass.TypesInfo.FileVersions[f]; v != "" {
		return v
	}
	if pass.Module != nil && pass.Module.GoVersion != "" {
		return "go" + pass.Module.GoVersion
	}
	return ""
}

// drains reports whether bodies are drained before closing under mode in
// a file compiled for Go version v.
func drains(mode config.DrainMode, v string) bool {
	switch mode {
	case config.DrainAlways:
		return true
	case config.DrainNever:
		return false
	}
	return v == "" || version.Compare(v, "go1.27") < 0
}

type drainClose struct {
	s       *edit.Session
	info    *types.Info
	cfg     *config.Config
	callees *facts.Summaries
	drain   bool // in the file at hand
	// quiet holds back the reports on the response at hand: its body
	// escapes to the caller, who may do what this function does not.
	quiet bool
	// handsStream says that the function streams the body, or hands the
	// caller something a call built on it to read (a decoder, a stream):
	// where it drops the body instead, with no test of the status that
	// says it is a failure's, it drops what it would have streamed, maybe
	// an endless one, which a drain would wait on. Only a failure's body
	// is drained there.
	handsStream bool
	// wrapped says that the response at hand is an API library's struct
	// embedding the *http.Response: the deferred drain-close takes its
	// Body, not the response.
	wrapped bool
	pkg     *types.Package
	seq     *seq.Result             // whether the program may start goroutines
	http    map[*types.Package]bool // memo of reachesHTTP
}

// step is one edit of a fix.
type step = func(*edit.Fix) bool

// fix rewrites one owned response, or reports why it cannot.
func (dc *drainClose) fix(f *edit.File, acq *flow.Acquisition) {
	s := dc.s
	if s.Skip(acq.Stmt.Node().Pos()) {
		return
	}
	if acq.Problem != "" && acq.Resp == nil {
		dc.reportf(acq.Call.Pos(), "%s", acq.Problem) // a discarded response
		return
	}
	name := flow.CalleeName(acq.Call)
	v := acq.Resp.Name()
	dc.wrapped = !match.IsResponsePtr(acq.Resp.Type())
	if dc.drain && dc.lastRequest(acq) {
		// No request follows that could reuse the connection: the body
		// needs its close, as in Go 1.27, and nothing more.
		defer func(d bool) { dc.drain = d }(dc.drain)
		dc.drain = false
	}
	own := flow.AnalyzeBody(flow.BodyConfig{
		Info: dc.info, Fn: acq.Fn, Root: acq.Resp, RootKind: flow.KindResp,
		After: acq.Stmt.Node().End(), Callees: dc.callees,
	})
	dc.handsStream = own.HandedBuiltByCall || len(own.StreamCalls) > 0
	// A body that escapes only by being returned (return resp.Body, a
	// stream built on it) is the caller's on the paths that return it,
	// and still this function's on the others.
	handsOn := len(own.Returns) > 0 || len(own.Handed) > 0
	// toCaller says that the body escapes to the caller only (stored in
	// a named result: err = newAPIError(resp)), and that the function
	// may still defer its close before that: then the body is the
	// function's to the end, checked after the walk.
	toCaller := false
	if own.Escapes && (own.EscapesElsewhere || own.KeptInReceiver || len(own.Handed) == 0) {
		if !own.EscapesElsewhere || own.KeptInReceiver || acq.Problem != "" || own.Problem != "" {
			return
		}
		if own.Shared || own.Reassigned || len(own.BodyWrites) > 0 {
			// Someone else's body, from where it escapes. An explicit
			// close before that (a retry loop's, an error path's) is
			// this function's own, and drains first.
			dc.drainClosesBeforeEscape(f, acq, own)
			return
		}
		toCaller = true
		// Nothing is reported on such a body: the caller holds it too.
		defer func(q bool) { dc.quiet = q }(dc.quiet)
		dc.quiet = true
	}
	if acq.Problem != "" {
		// resp, _ := r(req) in a function that hands resp on (a test's
		// fake responder, a wrapper): the caller decides.
		if !handsOn {
			dc.reportf(acq.Call.Pos(), "%s", acq.Problem)
		}
		return
	}
	if own.Problem != "" {
		dc.reportf(acq.Call.Pos(), "%s", own.Problem)
		return
	}

	// Find the error check the defer goes after.
	check, problem := flow.ErrorCheck(acq, own)
	if problem != "" {
		if handsOn {
			// return resp, err unchecked: a wrapper handing the response
			// on. A close it makes by hand before that (a retry loop
			// that asks the status before the error) still drains.
			dc.drainClosesBeforeEscape(f, acq, own)
			return
		}
		dc.reportf(acq.Call.Pos(), "%s", problem)
		return
	}
	if check.HandedWithErr.Valid() {
		// ParseResponse(resp, err): the callee checks the error and owns
		// the response from there; its summary, not this function, says
		// whether the body is read and closed. Unless the function then
		// defers the close itself.
		dc.fixAfterHandedWithErr(f, acq, own, check.HandedWithErr)
		return
	}
	early := check.Early
	anchor := acq.Stmt
	if check.Stmt.Valid() {
		anchor = check.Stmt
	}

	// Walk every path from after the check to where the body's owner
	// loses it. A defer written before the check is registered on every
	// path after it. It moves after the check only if it would
	// dereference a nil response (defer resp.Body.Close(), drain(resp.Body),
	// a closure that does not test resp); a deferred call handed resp
	// itself, such as minio's nil-safe closeResponse(resp), is trusted
	// where it is.
	var init flow.PathState
	moveEarly := false
	if early != nil {
		init.Deferred = true
		init.Drained = early.Handler || early.Drains
		moveEarly = !early.NilSafe
	}
	w := flow.NewPaths(dc.info, acq.Fn, acq.Resp, own)
	w.BackJumps = true
	if check.Stmt.Valid() {
		w.AfterCall(acq, dc.callees)
	}
	var guard *ast.BlockStmt
	if check.Guard {
		guard = anchor.Node().(*ast.IfStmt).Body
		body, _ := anchor.FindNode(guard)
		w.Guarded(anchor, body, init)
	} else {
		w.Region(anchor, init)
	}
	if w.Problem != "" {
		if !own.Escapes {
			dc.reportf(acq.Call.Pos(), "%s", w.Problem)
		}
		return
	}
	if toCaller {
		if !closedBeforeEscape(w, early, own) {
			dc.drainClosesBeforeEscape(f, acq, own)
			return
		}
		own.Escapes = false // the walk saw every use the function makes of it
	}
	// A HEAD request's response has no body: it needs its close, no drain.
	// A body streamed on some paths is drained only on the paths that
	// leave it before the stream starts: no deferred drain, which would
	// run on every path.
	drainAny := dc.drain && !own.Stream && !flow.IsHead(dc.info, acq, dc.callees)
	pathwise := len(own.StreamCalls) > 0
	drain := drainAny && !pathwise
	inLoop := flow.InsideLoop(acq.Stmt, acq.Fn)

	// A response returned to the caller with its body open is the
	// caller's on that path; one returned with its body closed (for its
	// status or headers) is still this function's to drain.
	for _, e := range w.Exits {
		if e.Return != nil && (own.Handed[e.Return] || own.Returns[e.Return] && !e.State.Closed && !e.State.Deferred) {
			dc.fixLostPaths(f, acq, own, w, drainAny, early != nil || inLoop)
			return
		}
	}
	// A goto back before the call makes a loop of the function: a
	// deferred close there would keep every body open until it returns.
	// Only a close before the jump fixes it, which fixLostPaths places.
	for _, e := range w.Exits {
		if e.Jump != nil {
			if !own.Escapes {
				dc.reportf(acq.Call.Pos(), "%s.Body is dropped by a goto back before the call, where a deferred close would keep every body open until the function returns: close it (draining it first if unread) before the goto, and on the other paths", v)
			}
			return
		}
	}

	var steps []step
	var why string
	// insertAfterCheck inserts stmt where the deferred close goes.
	insertAfterCheck := func(stmt dst.Stmt) step {
		if guard != nil {
			return func(x *edit.Fix) bool {
				b, ok := x.Node(guard).(*dst.BlockStmt)
				if !ok {
					return false
				}
				edit.InsertFirst(b, stmt)
				return true
			}
		}
		return insertAfter(anchor, stmt)
	}
	moveAfterCheck := func(from inspector.Cursor) step {
		if guard != nil {
			return func(x *edit.Fix) bool {
				src, ok := edit.SlotOf(x, from)
				b, ok2 := x.Node(guard).(*dst.BlockStmt)
				if !ok || !ok2 || !src.Remove() {
					return false
				}
				edit.InsertFirst(b, src.Stmt())
				return true
			}
		}
		return moveAfter(from, anchor)
	}

	if inLoop {
		// A defer after the loop, which the walk reaches past a break,
		// is registered once, and closes the body the loop leaves with.
		loop := innermostLoop(acq.Stmt, acq.Fn)
		inLoopDefers := 0
		for _, d := range w.Defers {
			if loop != nil && loop.Pos() <= d.Stmt.Node().Pos() && d.Stmt.Node().End() <= loop.End() {
				inLoopDefers++
			}
		}
		if inLoopDefers > 0 || early != nil {
			dc.reportf(acq.Call.Pos(), "defer %s.Body.Close() inside a loop keeps every body open until the function returns: close the body at the end of each iteration, or move the loop body into a function", v)
			return
		}
		for _, e := range w.Exits {
			if !e.State.Closed && !e.State.Deferred && !e.State.Status.Interim() {
				dc.reportf(acq.Call.Pos(), "%s.Body is not closed on every path through the loop body (%s): close it before the iteration ends; a defer here would keep it open until the function returns", v, e.What)
				return
			}
		}
		if drainAny {
			for _, c := range w.Closes {
				if c.NeedDrain {
					steps = append(steps, dc.insertDrainBefore(c.Stmt, v))
					why = fmt.Sprintf("%s.Body is closed without being read to the end, so its connection is not reused: drain it before closing it", v)
				}
			}
		}
		dc.apply(f, acq, why, steps)
		return
	}

	// Deferred closes registered inside a branch cannot be moved; a plain
	// one is made to drain where it is.
	branchClosures, branchPlains, ok := dc.branchDefersApart(acq, own, w, drain)
	branchSteps := append(slices.Clip(branchClosures), branchPlains...)
	if !ok {
		dc.reportf(acq.Call.Pos(), "%s.Body is closed by a defer inside a branch, and %s or its Body is assigned again later: drain and close it by hand right after the error check", v, v)
		return
	}

	leaks, undrained, allRead := false, false, true
	for _, e := range w.Exits {
		if !e.State.EOF && !e.State.NoBody {
			allRead = false
		}
		if !e.State.Closed && !e.State.Deferred && !e.State.Status.Interim() {
			leaks = true
		}
		if !e.State.Closed && e.State.Deferred && !e.State.EOF && !e.State.Drained && !e.State.NoBody {
			undrained = true // a deferred plain Close, on a body not read to EOF
		}
	}
	leakWhy := fmt.Sprintf("%s.Body is not closed on every path, so its connection is never reused: close it right after the error check", v)
	if drain {
		leakWhy = fmt.Sprintf("%s.Body is not closed on every path, so its connection is never reused: drain and close it right after the error check", v)
	}
	earlyWhy := fmt.Sprintf("the deferred close of %s.Body runs before the error of %s is checked, and dereferences a nil response when the call fails: move it after the check", v, name)

	if !drain {
		// Close only: a defer written before the error check moves after
		// it; a body left open on some path gets a deferred Close (an
		// existing top-level defer, moved up to the check, if there is
		// one).
		var plain *flow.Defer
		for i := range w.Defers {
			if w.Defers[i].TopLevel && !w.Defers[i].Handler {
				plain = &w.Defers[i]
				break
			}
		}
		switch {
		case moveEarly:
			steps = append(steps, moveAfterCheck(early.Stmt))
			why = earlyWhy
		case leaks && plain != nil:
			steps = append(steps, moveAfterCheck(plain.Stmt))
			why = leakWhy
		case leaks:
			steps = append(steps, insertAfterCheck(dc.closeDefer(v)))
			why = leakWhy
		}
		if drainAny {
			steps, why = dc.drainBeforeStream(own, w, v, steps, why)
			steps, why = dc.drainBeforeCloses(w.Closes, v, steps, why)
		}
		dc.apply(f, acq, why, steps)
		return
	}

	// Drain and close. A handler the code already defers (a closure that
	// drains, a helper known to drain, a function with no summary handed
	// the response) is trusted; it only moves if it was written before
	// the error check.
	handled := false
	for _, d := range w.Defers {
		if d.Handler && (d.Unknown || d.Drains) || d.Drains {
			handled = true
		}
	}
	if early != nil && (early.Handler && (early.Unknown || early.Drains) || early.Drains) {
		handled = true
	}
	if handled {
		if moveEarly {
			steps = append(steps, moveAfterCheck(early.Stmt))
			why = earlyWhy
		}
		steps, why = dc.drainBeforeCloses(w.Closes, v, steps, why)
		// A defer inside a branch runs before the handler: it drains too.
		steps, why = withBranchDefers(steps, why, branchSteps, v)
		dc.apply(f, acq, why, steps)
		return
	}

	needDefer := leaks || undrained
	if needDefer {
		if leaks {
			why = leakWhy
		} else {
			why = fmt.Sprintf("%s.Body is closed without being read to the end on some paths, so its connection is not reused: drain it before closing it", v)
		}
		// Deferred closures that close the body (and may do more, such as
		// logging the error) are kept and made to drain; plain
		// defer v.Body.Close() statements give way to the drain-close
		// defer right after the check. A deferred helper known to close
		// without draining stays, and the drain-close defer goes after
		// it, so that it runs first.
		var closures []flow.Defer
		var plains []inspector.Cursor
		var closer *flow.Defer
		all := w.Defers
		if early != nil {
			all = append([]flow.Defer{*early}, all...)
		}
		for i, d := range all {
			switch {
			case !d.TopLevel && !d.Handler:
				// a plain defer inside a branch: branchDefers' business
			case d.Closure:
				closures = append(closures, d)
			case d.Handler:
				if closer == nil {
					closer = &all[i]
				}
			default:
				plains = append(plains, d.Stmt)
			}
		}
		switch {
		case len(closures) > 0:
			if own.Reassigned {
				dc.reportf(acq.Call.Pos(), "%s.Body is closed by a deferred closure, and %s is assigned again later, so the closure closes the last response only: pass the response to the closure as an argument", v, v)
				return
			}
			c := closures[0]
			steps = append(steps, dc.insertDrainBefore(c.CloseStmt, v))
			if !isNextStmt(c.Stmt, anchor) && !c.NilSafe {
				steps = append(steps, moveAfterCheck(c.Stmt))
			}
			for _, p := range plains {
				steps = append(steps, remove(p))
			}
		case closer != nil:
			for _, p := range plains {
				steps = append(steps, remove(p))
			}
			if early != nil && closer.Stmt == early.Stmt && moveEarly {
				steps = append(steps, moveAfterCheck(early.Stmt))
			}
			if len(own.BodyWrites) > 0 {
				steps = append(steps, insertAfter(closer.Stmt, dc.drainDefer(v)))
			} else {
				steps = append(steps, insertAfter(closer.Stmt, dc.drainCloseDefer(v)))
			}
		default:
			if allRead && leaks {
				// Read to the end on every path (by the function or a
				// callee) but not closed on all: the close is all it
				// needs, the one the code defers later moved up to the
				// check if there is one.
				why = fmt.Sprintf("%s.Body is read to the end but not closed on every path, so its connection is never reused: close it right after the error check", v)
				if len(plains) == 0 {
					steps = append(steps, insertAfterCheck(dc.closeDefer(v)))
					break
				}
				if !isNextStmt(plains[0], anchor) {
					steps = append(steps, moveAfterCheck(plains[0]))
				}
				for _, p := range plains[1:] {
					steps = append(steps, remove(p))
				}
				break
			}
			// The drain-close right after the check runs on every path:
			// the plain defers inside branches are redundant now. A
			// closure inside a branch, registered after it, runs before
			// it, and still drains before its close.
			for _, d := range w.Defers {
				if !d.TopLevel && !d.Handler && !d.Closure {
					steps = append(steps, remove(d.Stmt))
				}
			}
			branchSteps = branchClosures
			replaced := false
			for _, p := range plains {
				// A defer in a nil guard before the check (if resp != nil {
				// defer resp.Body.Close() }) runs wherever there is a body,
				// and becomes the drain-close where it is.
				guardedEarly := early != nil && p == early.Stmt && early.NilSafe
				if !replaced && (guardedEarly || guard == nil && (isNextStmt(p, anchor) || noLossBefore(w, anchor, p)) || guard != nil && isFirstIn(p, guard)) {
					if len(own.BodyWrites) > 0 {
						steps = append(steps, insertAfter(p, dc.drainDefer(v)))
					} else {
						steps = append(steps, replace(p, dc.drainCloseDefer(v)))
					}
					replaced = true
					continue
				}
				steps = append(steps, remove(p))
			}
			switch {
			case replaced:
			case len(own.BodyWrites) > 0:
				// defer resp.Body.Close(), then the drain that runs
				// before it, both bound to the body there now.
				steps = append(steps, insertAfterCheck(dc.drainDefer(v)), insertAfterCheck(dc.closeDefer(v)))
			default:
				steps = append(steps, insertAfterCheck(dc.drainCloseDefer(v)))
			}
		}
	} else if moveEarly {
		steps = append(steps, moveAfterCheck(early.Stmt))
		why = earlyWhy
	}
	steps, why = dc.drainBeforeCloses(w.Closes, v, steps, why)
	steps, why = withBranchDefers(steps, why, branchSteps, v)
	dc.apply(f, acq, why, steps)
}

// reportf reports at pos, unless the response at hand is quiet.
func (dc *drainClose) reportf(pos token.Pos, format string, args ...any) {
	if !dc.quiet {
		dc.s.Reportf(pos, format, args...)
	}
}

// closedBeforeEscape reports whether the function defers the body's
// close, in the statement list it starts its walk in (so on every path
// from there), before the body first escapes in source order. The
// deferred close runs when the function returns, before the caller can
// look at what it was handed: the body is the function's to the end,
// and a drain before that close takes nothing from anyone. Not a
// deferred function with no summary, which may not close.
func closedBeforeEscape(w *flow.Paths, early *flow.Defer, own *flow.Body) bool {
	all := w.Defers
	if early != nil {
		all = append([]flow.Defer{*early}, all...)
	}
	for _, d := range all {
		if d.TopLevel && !d.Unknown && d.Stmt.Node().Pos() < own.EscapePos {
			return true
		}
	}
	return false
}

// innermostLoop returns the innermost for or range statement of fn around
// c, or nil.
func innermostLoop(c, fn inspector.Cursor) ast.Node {
	for p := c.Parent(); p.Valid() && p != fn; p = p.Parent() {
		switch n := p.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return n
		case *ast.FuncLit:
			return nil
		}
	}
	return nil
}

// withBranchDefers adds the steps of branchDefers to steps, and says why
// if nothing else does.
func withBranchDefers(steps []step, why string, branch []step, v string) ([]step, string) {
	if len(branch) > 0 && why == "" {
		why = fmt.Sprintf("%s.Body is closed by a deferred Close inside a branch without being read to the end on some paths from it, so its connection is not reused: drain it in that deferred close", v)
	}
	return append(steps, branch...), why
}

// branchDefers makes each plain defer v.Body.Close() inside a branch
// drain the body before it closes it, where some path from the defer
// leaves the body unread. It stays where it is: it closes on the paths
// through its branch, and nowhere else. In place, the deferred
// drain-close is the same close: it runs when the function returns,
// after whatever the function hands on, and it closes the body the
// defer saw, since the variable is not assigned again and its Body not
// replaced (else ok is false, and the site is left to a person). A
// deferred closure inside a branch gets the drain before its close.
func (dc *drainClose) branchDefers(acq *flow.Acquisition, own *flow.Body, w *flow.Paths, drain bool) (steps []step, ok bool) {
	closures, plains, ok := dc.branchDefersApart(acq, own, w, drain)
	return append(closures, plains...), ok
}

// branchDefersApart is branchDefers, with the steps of closures and of
// plain defers apart.
func (dc *drainClose) branchDefersApart(acq *flow.Acquisition, own *flow.Body, w *flow.Paths, drain bool) (closures, plains []step, ok bool) {
	for _, d := range w.Defers {
		if d.TopLevel || d.Handler {
			continue
		}
		if own.Reassigned || len(own.BodyWrites) > 0 {
			return nil, nil, false
		}
		if !drain || d.Drains {
			continue // closed, and that is all it needs
		}
		from := flow.NewPaths(dc.info, acq.Fn, acq.Resp, own)
		from.SameCall(w)
		from.Region(d.Stmt, flow.PathState{Deferred: true})
		if from.Problem != "" {
			return nil, nil, false
		}
		for _, e := range from.Exits {
			if dc.leavesFinite(e.State) && !e.State.Drained {
				if d.Closure {
					// defer func() { ...; resp.Body.Close() }(): the
					// drain goes before the close, in the closure.
					closures = append(closures, dc.insertDrainBefore(d.CloseStmt, acq.Resp.Name()))
				} else {
					plains = append(plains, replace(d.Stmt, dc.drainCloseDefer(acq.Resp.Name())))
				}
				break
			}
		}
	}
	return closures, plains, true
}

// fixLostPaths fixes a function that hands the body to its caller on
// some paths (return resp, return resp.Body, a stream built on it) and
// loses it on others: an error for a status it does not want, returned
// with the body neither closed nor handed on. Each such return gets the
// close (and, for a body not read to its end, the drain) right before
// it; a defer could not do it, since it would close the body the other
// paths hand on. A return that still reads the body (return nil,
// parseError(resp)) gets a deferred close instead, which runs after it.
// Anything the walk cannot place (a path that falls off the end, a
// deferred close already registered, a loop) is left alone: the old
// code is wrong there, but not in a way a local edit can be shown to
// fix.
func (dc *drainClose) fixLostPaths(f *edit.File, acq *flow.Acquisition, own *flow.Body, w *flow.Paths, drain, unsafe bool) {
	v := acq.Resp.Name()
	if unsafe || own.Reassigned || len(own.BodyWrites) > 0 {
		// The returns are left as they are; a close the code makes by
		// hand (before a retry, on an error path) still drains first:
		// the body is this function's where it closes it.
		var steps []step
		var why string
		if !unsafe && len(own.BodyWrites) == 0 {
			steps, why = dc.fixFirstBody(acq, own, w, drain)
		}
		if drain {
			steps, why = dc.drainBeforeCloses(w.Closes, v, steps, why)
		}
		dc.apply(f, acq, why, steps)
		return
	}
	jumps := false
	for _, e := range w.Exits {
		jumps = jumps || e.Jump != nil
	}
	for _, d := range w.Defers {
		if d.TopLevel || jumps {
			// closes what the other paths hand on; or, in the loop a
			// goto makes, keeps every body open until the function
			// returns.
			return
		}
	}
	branch, ok := dc.branchDefers(acq, own, w, drain && len(own.StreamCalls) == 0)
	if !ok {
		return
	}
	steps, why := withBranchDefers(nil, "", branch, v)
	for _, e := range dc.lostExits(own, w) {
		var exit ast.Stmt = e.Return
		if e.Return == nil {
			if e.Jump == nil {
				return
			}
			exit = e.Jump // goto START: the body is lost where it jumps
		}
		ret, ok := acq.Fn.FindNode(exit)
		if !ok || flow.EnclosingFunc(ret) != acq.Fn.Node() || ret.ParentEdgeKind() != edge.BlockStmt_List && ret.ParentEdgeKind() != edge.CaseClause_Body && ret.ParentEdgeKind() != edge.CommClause_Body {
			return
		}
		needDrain := drain && dc.leavesFinite(e.State)
		steps = append(steps, dc.closeBefore(own, ret, v, needDrain)...)
		if why == "" || e.Jump == nil {
			why = lostWhy(v, e.Jump != nil, needDrain)
		}
	}
	steps, why = dc.drainBeforeCloses(w.Closes, v, steps, why)
	dc.apply(f, acq, why, steps)
}

// fixFirstBody fixes the returns that lose the first body of a variable
// assigned again later (a retry: res.Body.Close(); res, err = c.Do(req)).
// A return before the new assignment, in source order and outside loops,
// can only be reached with the first body in the variable: the close (and
// drain) goes right before it, as fixLostPaths does. A return after it
// may be reached with the retry's body in the variable, which a close
// there would close instead. When those returns all lie in one branch
// that starts before any new assignment, ends the function on every path
// through it, and hands the first body on nowhere, a drain-close deferred
// at the branch's start, bound to the response there, closes the first
// body when the function returns, and nothing else: the retry's body is
// another response. Where the code closes the first body by hand before
// the retry, the deferred one finds it closed, which costs nothing. The
// branch is not in a loop (the caller leaves loops alone), so the defer
// is registered once.
func (dc *drainClose) fixFirstBody(acq *flow.Acquisition, own *flow.Body, w *flow.Paths, drain bool) ([]step, string) {
	if !own.Reassigned || own.HelperMayClose {
		return nil, ""
	}
	lost := dc.lostExits(own, w)
	if len(lost) == 0 {
		return nil, ""
	}
	v := acq.Resp.Name()
	first := own.FirstReassign
	var rets []inspector.Cursor
	before := true
	for _, e := range lost {
		if e.Return == nil {
			return nil, ""
		}
		ret, ok := acq.Fn.FindNode(e.Return)
		if !ok || flow.EnclosingFunc(ret) != acq.Fn.Node() {
			return nil, ""
		}
		rets = append(rets, ret)
		before = before && e.Return.End() <= first && !flow.InsideLoop(ret, acq.Fn) && flow.StmtList(ret) != nil
	}
	if before {
		var steps []step
		needDrain := false
		for i, ret := range rets {
			d := drain && dc.leavesFinite(lost[i].State)
			needDrain = needDrain || d
			steps = append(steps, dc.closeBefore(own, ret, v, d)...)
		}
		return steps, lostWhy(v, false, needDrain)
	}
	// The branches holding every lost return, innermost first.
	var block inspector.Cursor
	for c := rets[0].Parent(); c.Valid() && c.Node() != acq.Fn.Node(); c = c.Parent() {
		b, ok := c.Node().(*ast.BlockStmt)
		if !ok || c.ParentEdgeKind() != edge.IfStmt_Body && c.ParentEdgeKind() != edge.IfStmt_Else {
			continue
		}
		holdsAll := true
		for _, ret := range rets {
			holdsAll = holdsAll && c.Contains(ret)
		}
		if !holdsAll {
			continue
		}
		handsOn := false
		for _, e := range w.Exits {
			handsOn = handsOn || e.Return != nil && (own.Handed[e.Return] || own.Returns[e.Return]) && b.Pos() <= e.Return.Pos() && e.Return.End() <= b.End()
		}
		if handsOn {
			return nil, "" // hands the first body on from inside the branch, and so does any around it
		}
		if b.Pos() < first && flow.LeavesFunction(dc.info, b) {
			block = c
			break
		}
	}
	if !block.Valid() || flow.InsideLoop(block, acq.Fn) {
		return nil, ""
	}
	// The branch must be reached only after the call: inside a statement
	// that follows it in its list.
	inList := false
	for c, ok := acq.Stmt.NextSibling(); ok && !inList; c, ok = c.NextSibling() {
		inList = c.Contains(block)
	}
	if !inList {
		return nil, ""
	}
	b := block.Node().(*ast.BlockStmt)
	stmt := dc.closeDefer(v)
	do := "close it"
	if drain {
		stmt, do = dc.drainCloseDefer(v), "drain and close it"
	}
	insert := func(x *edit.Fix) bool {
		db, ok := x.Node(b).(*dst.BlockStmt)
		if !ok {
			return false
		}
		edit.InsertFirst(db, dst.Clone(stmt).(dst.Stmt))
		return true
	}
	why := fmt.Sprintf("%s is assigned again later, and its first body is lost on the returns of a branch, so its connection is never reused there: %s in a defer bound to it where the branch starts", v, do)
	return []step{insert}, why
}

// lostWhy says why a fix closes (and drains, with drain) a body handed
// to the caller on some paths and lost on others: on returns, or, with
// jump, at a goto back before the call.
func lostWhy(v string, jump, drain bool) string {
	what, where := "returned neither closed nor handed on on others", "before those returns"
	if jump {
		what, where = "dropped by a goto back before the call on others", "before the goto"
	}
	do := "close it"
	if drain {
		do = "drain and close it"
	}
	return fmt.Sprintf("%s.Body is handed to the caller on some paths, but %s, so its connection is never reused there: %s %s", v, what, do, where)
}

// drainBeforeStream drains the body of a function that streams it on
// some paths, on the returns reached before the stream starts that leave
// the body unread (a status the function does not want): the close runs
// after them, deferred, so a drain right before the return lets the
// connection survive. A return that still reads the body gets the drain
// deferred, which runs after it and before the deferred close. The paths
// that reach the stream get no drain: what is left there may be a quiet
// stream.
func (dc *drainClose) drainBeforeStream(own *flow.Body, w *flow.Paths, v string, steps []step, why string) ([]step, string) {
	for _, e := range w.Exits {
		if e.Return == nil || own.Handed[e.Return] || own.Returns[e.Return] || e.State.Closed || e.State.Drained || !dc.leavesFinite(e.State) {
			continue
		}
		ret, ok := w.Fn.FindNode(e.Return)
		if !ok || flow.EnclosingFunc(ret) != w.Fn.Node() || flow.StmtList(ret) == nil {
			continue
		}
		if dc.readsTracked(own, e.Return) {
			steps = append(steps, insertBefore(ret, dc.drainDefer(v)))
		} else {
			steps = append(steps, insertBefore(ret, dc.drainStmt(v)))
		}
		if why == "" {
			why = fmt.Sprintf("%s.Body is left unread on a return before the stream starts, so its connection is not reused there: drain it before that return", v)
		}
	}
	return steps, why
}

// fixAfterHandedWithErr fixes a function that hands the response with
// its error to a checker (_, r.Header, r.Err = ParseResponse(resp, err);
// if r.Err != nil { return }) and then defers the body's close itself:
// from that defer on, the body is the function's, and a path from it that
// leaves the body unread (a return on a Content-Type it does not want)
// needs the drain, which the deferred close, replaced in place, does. The
// defer runs only where the checker let the function go on, so it never
// sees a nil response.
func (dc *drainClose) fixAfterHandedWithErr(f *edit.File, acq *flow.Acquisition, own *flow.Body, handed inspector.Cursor) {
	if !dc.drain || own.Stream || len(own.StreamCalls) > 0 || own.Reassigned || len(own.BodyWrites) > 0 || own.Escapes || flow.IsHead(dc.info, acq, dc.callees) {
		return
	}
	var d inspector.Cursor
	for c, ok := handed.NextSibling(); ok; c, ok = c.NextSibling() {
		if ds, isDefer := c.Node().(*ast.DeferStmt); isDefer && own.Closes[ds.Call] && !own.Handlers[ds.Call] {
			d = c
			break
		}
	}
	if !d.Valid() {
		return
	}
	w := flow.NewPaths(dc.info, acq.Fn, acq.Resp, own)
	w.AfterCall(acq, dc.callees) // the checker let the function go on: no error
	w.Region(d, flow.PathState{Deferred: true})
	if w.Problem != "" {
		return
	}
	for _, e := range w.Exits {
		if e.State.NeedsDrain() && !e.State.Drained {
			v := acq.Resp.Name()
			why := fmt.Sprintf("%s.Body is closed without being read to the end on some paths, so its connection is not reused: drain it before closing it", v)
			dc.apply(f, acq, why, []step{replace(d, dc.drainCloseDefer(v))})
			return
		}
	}
}

// drainClosesBeforeEscape fixes what a function whose body escapes (it
// is stored, kept by a callee, handed to a goroutine) does with it before
// that point, in source order, where the function still owns it: an
// explicit close there (a retry loop's, an error path's) drains first,
// and a return there that leaves the body neither closed nor handed on
// (an error path of a function that wraps the body for its caller on
// success) closes it, and drains it if it is unread. A loop that holds
// the close or return and the escape, but not the call, may run the
// escape first, and is left alone.
func (dc *drainClose) drainClosesBeforeEscape(f *edit.File, acq *flow.Acquisition, own *flow.Body) {
	if own.Reassigned {
		return
	}
	// A body that only goes back by a return is the function's up to
	// any return: every close before one is its own.
	escapePos := own.EscapePos
	if !own.EscapesElsewhere {
		escapePos = token.Pos(1<<31 - 1)
	}
	for as := range own.BodyWrites {
		// A Body replaced after the escape (res.Body = io.NopCloser(buf)
		// for an error that keeps the response) is not the one the
		// closes before it see: a loop holding both holds the escape
		// too, and is left alone, unless it holds the call, which makes
		// a new response each time round.
		if as.Pos() < escapePos {
			return
		}
	}
	check, problem := flow.ErrorCheck(acq, own)
	if check.HandedWithErr.Valid() || check.Early != nil {
		return
	}
	// Without a check of the error (a retry loop that asks shouldRetry(res)
	// first), the walk starts at the call, and only the closes the code
	// makes by hand get their drain: each runs where the code already
	// dereferences the body, so the drain before it is as safe as the
	// close. A close added before a return could meet a nil response.
	closesOnly := problem != ""
	anchor := acq.Stmt
	if check.Stmt.Valid() {
		anchor = check.Stmt
	}
	w := flow.NewPaths(dc.info, acq.Fn, acq.Resp, own)
	if own.EscapesElsewhere {
		// What the function does after the body escapes is not its to
		// fix: a Body replaced there is no problem here.
		w.StopAt = own.EscapePos
	}
	if check.Stmt.Valid() {
		w.AfterCall(acq, dc.callees)
	}
	if check.Guard {
		body, _ := anchor.FindNode(anchor.Node().(*ast.IfStmt).Body)
		w.Guarded(anchor, body, flow.PathState{})
	} else {
		w.Region(anchor, flow.PathState{})
	}
	if w.Problem != "" {
		return
	}
	v := acq.Resp.Name()
	drain := dc.drain && !own.Stream && !flow.IsHead(dc.info, acq, dc.callees)
	before := func(n ast.Node, c inspector.Cursor) bool {
		return n.End() <= escapePos && !loopApart(c, escapePos, acq.Stmt)
	}
	var steps []step
	var why string
	if drain {
		var closes []flow.Close
		for _, c := range w.Closes {
			if before(c.Stmt.Node(), c.Stmt) {
				closes = append(closes, c)
			}
		}
		steps, why = dc.drainBeforeCloses(closes, v, nil, "")
	}
	for _, e := range dc.lostExits(own, w) {
		if e.Return == nil || closesOnly {
			continue
		}
		ret, ok := acq.Fn.FindNode(e.Return)
		if !ok || flow.EnclosingFunc(ret) != acq.Fn.Node() || flow.StmtList(ret) == nil || !before(e.Return, ret) {
			continue
		}
		needDrain := drain && dc.leavesFinite(e.State)
		steps = append(steps, dc.closeBefore(own, ret, v, needDrain)...)
		why = fmt.Sprintf("%s.Body is handed on past this function on some paths, but returned neither closed nor handed on on others, so its connection is never reused there: close it before those returns", v)
	}
	dc.apply(f, acq, why, steps)
}

// loopApart reports whether a loop holds the statement at c and the
// position pos but not the statement at call.
func loopApart(c inspector.Cursor, pos token.Pos, call inspector.Cursor) bool {
	for p := c.Parent(); p.Valid(); p = p.Parent() {
		switch n := p.Node().(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return false
		case *ast.ForStmt, *ast.RangeStmt:
			if n.Pos() <= pos && pos < n.End() {
				return !(n.Pos() <= call.Node().Pos() && call.Node().End() <= n.End())
			}
		}
	}
	return false
}

// lostExits returns the exits of w where the function loses the body
// neither closed nor handed on. None, where a helper that closes the body
// on some of its paths (an error parser, for the statuses it is called
// for) may be what closes it there: its summary cannot tell.
func (dc *drainClose) lostExits(own *flow.Body, w *flow.Paths) []flow.Exit {
	if own.HelperMayClose {
		return nil
	}
	var lost []flow.Exit
	for _, e := range w.Exits {
		if e.Return != nil && (own.Handed[e.Return] || own.Returns[e.Return]) || e.State.Closed || e.State.Deferred || e.State.Status.Interim() {
			continue
		}
		lost = append(lost, e)
	}
	return lost
}

// closeBefore returns the steps that close v's body, and first drain it
// if drain is set, right before the return at ret. A return that still
// reads the body gets them deferred instead, which run after it.
func (dc *drainClose) closeBefore(own *flow.Body, ret inspector.Cursor, v string, drain bool) []step {
	if r, ok := ret.Node().(*ast.ReturnStmt); ok && dc.readsTracked(own, r) {
		if drain {
			return []step{insertBefore(ret, dc.drainCloseDefer(v))}
		}
		return []step{insertBefore(ret, dc.closeDefer(v))}
	}
	if drain {
		return []step{insertBefore(ret, dc.drainStmt(v)), insertBefore(ret, dc.closeStmt(v))}
	}
	return []step{insertBefore(ret, dc.closeStmt(v))}
}

// readsTracked reports whether the results of ret use the response, its
// body or anything built on them.
func (dc *drainClose) readsTracked(own *flow.Body, ret *ast.ReturnStmt) bool {
	found := false
	for _, r := range ret.Results {
		ast.Inspect(r, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name != "Body" {
				// resp.Status, resp.Header: the response's metadata, which
				// a closed body leaves as it was.
				if id, ok := sel.X.(*ast.Ident); ok && match.IsResponseLike(dc.info.TypeOf(id)) {
					if s, ok := dc.info.Selections[sel]; ok && s.Kind() == types.FieldVal {
						return false
					}
				}
			}
			if id, ok := n.(*ast.Ident); ok {
				if v, ok := dc.info.Uses[id].(*types.Var); ok && own.Tracks(v) {
					found = true
				}
			}
			return !found
		})
	}
	return found
}

// leavesFinite says whether a path in state st leaves unread a body a
// drain lets the connection survive: NeedsDrain, and for a function that
// streams the body (handsStream), a status tested as a failure.
func (dc *drainClose) leavesFinite(st flow.PathState) bool {
	return st.NeedsDrain() && dc.finiteAt(st.Status)
}

// finiteAt says whether a body with the statuses s is not the stream the
// function would hand on (handsStream): a failure's, tested.
func (dc *drainClose) finiteAt(s flow.StatusSet) bool {
	return !dc.handsStream || s.TestedAsFailure()
}

// drainBeforeCloses adds, to steps, a drain before every Close of the
// body that is not deferred and may run with the body unread.
func (dc *drainClose) drainBeforeCloses(closes []flow.Close, v string, steps []step, why string) ([]step, string) {
	for _, c := range closes {
		if c.NeedDrain && !c.Deferred && dc.finiteAt(c.Status) {
			steps = append(steps, dc.insertDrainBefore(c.Stmt, v))
			if why == "" {
				why = fmt.Sprintf("%s.Body is closed without being read to the end on an early path, so its connection is not reused there: drain it before closing it", v)
			}
		}
	}
	return steps, why
}

// apply makes the fix of one acquisition, after checking that the names
// the new code uses mean what it needs where it goes.
func (dc *drainClose) apply(f *edit.File, acq *flow.Acquisition, why string, steps []step) {
	if len(steps) == 0 {
		return
	}
	pos := acq.Stmt.Node().End()
	for _, path := range []string{"io", match.NetHTTP} {
		if name, ok := edit.UsableAt(f, dc.info, pos, path); !ok {
			dc.reportf(acq.Call.Pos(), "%s.Body needs draining and closing, but the name %s is taken here by something other than package %s: drain and close it by hand", acq.Resp.Name(), name, path)
			return
		}
	}
	if acq.Resp.Name() == "io" || acq.Resp.Name() == "http" {
		dc.reportf(acq.Call.Pos(), "%s.Body needs draining and closing, but the variable's name hides a package: drain and close it by hand", acq.Resp.Name())
		return
	}
	fix := dc.s.NewFix()
	for _, st := range steps {
		fix.Do(st)
	}
	dc.s.Fixed(acq.Call.Pos(), acq.Call.End(), fix, "%s", why)
}

// drainCloseDefer returns the deferred drain-then-close of v's body.
func (dc *drainClose) drainCloseDefer(v string) dst.Stmt {
	if dc.wrapped {
		// Bound when the defer is set up, as defer v.Body.Close() binds
		// it; the wrapper's type may have no name usable here.
		src := fmt.Sprintf("defer func(body io.ReadCloser) {\n\t_, _ = io.CopyN(io.Discard, body, %[2]d)\n\t_ = body.Close()\n}(%[1]s.Body)", v, dc.cfg.DrainLimit)
		return edit.Snippet(src, map[string]string{"io": "io"})[0]
	}
	src := fmt.Sprintf("defer func(%[1]s *http.Response) {\n\t_, _ = io.CopyN(io.Discard, %[1]s.Body, %[2]d)\n\t_ = %[1]s.Body.Close()\n}(%[1]s)", v, dc.cfg.DrainLimit)
	return edit.Snippet(src, map[string]string{"io": "io", "http": match.NetHTTP})[0]
}

// drainDefer returns a deferred bounded drain of v.Body, which binds the
// Body when it is set up, as defer v.Body.Close() does: for a function
// that replaces the Body later (resp.Body = io.NopCloser(copy)), set up
// right after that close, it drains the body the close closes, before
// it, where the closure of drainCloseDefer would read the replacement.
// The Body is the closure's argument, and the closure drops CopyN's
// results, as the other drains do (a bare defer io.CopyN(...) is what
// errcheck-style linters flag).
func (dc *drainClose) drainDefer(v string) dst.Stmt {
	src := fmt.Sprintf("defer func(body io.Reader) {\n\t_, _ = io.CopyN(io.Discard, body, %d)\n}(%s.Body)", dc.cfg.DrainLimit, v)
	return edit.Snippet(src, map[string]string{"io": "io"})[0]
}

// closeDefer returns defer v.Body.Close().
func (dc *drainClose) closeDefer(v string) dst.Stmt {
	return edit.Snippet(fmt.Sprintf("defer %s.Body.Close()", v), nil)[0]
}

// closeStmt returns v.Body.Close(), its error dropped as the deferred
// close's is: the body's data has already been given up on this path.
func (dc *drainClose) closeStmt(v string) dst.Stmt {
	return edit.Snippet(fmt.Sprintf("_ = %s.Body.Close()", v), nil)[0]
}

// drainStmt returns the bounded drain of v's body.
func (dc *drainClose) drainStmt(v string) dst.Stmt {
	return edit.Snippet(fmt.Sprintf("_, _ = io.CopyN(io.Discard, %s.Body, %d)", v, dc.cfg.DrainLimit), map[string]string{"io": "io"})[0]
}

func (dc *drainClose) insertDrainBefore(stmt inspector.Cursor, v string) step {
	return func(x *edit.Fix) bool {
		s, ok := edit.SlotOf(x, stmt)
		return ok && s.InsertBefore(dc.drainStmt(v))
	}
}

func insertBefore(anchor inspector.Cursor, stmt dst.Stmt) step {
	return func(x *edit.Fix) bool {
		s, ok := edit.SlotOf(x, anchor)
		return ok && s.InsertBefore(dst.Clone(stmt).(dst.Stmt))
	}
}

func insertAfter(anchor inspector.Cursor, stmt dst.Stmt) step {
	return func(x *edit.Fix) bool {
		s, ok := edit.SlotOf(x, anchor)
		return ok && s.InsertAfter(dst.Clone(stmt).(dst.Stmt))
	}
}

func replace(old inspector.Cursor, stmt dst.Stmt) step {
	return func(x *edit.Fix) bool {
		s, ok := edit.SlotOf(x, old)
		return ok && s.Replace(dst.Clone(stmt).(dst.Stmt))
	}
}

func remove(old inspector.Cursor) step {
	return func(x *edit.Fix) bool {
		s, ok := edit.SlotOf(x, old)
		return ok && s.Remove()
	}
}

// moveAfter moves the statement at from (with its comments) to right
// after anchor.
func moveAfter(from, anchor inspector.Cursor) step {
	return func(x *edit.Fix) bool {
		src, ok := edit.SlotOf(x, from)
		if !ok {
			return false
		}
		to, ok := edit.SlotOf(x, anchor)
		if !ok || !src.Remove() {
			return false
		}
		stmt := src.Stmt()
		stmt.Decorations().Before = dst.NewLine
		return to.InsertAfter(stmt)
	}
}

// noLossBefore reports whether the defer at p follows the check at anchor
// in the same list, and no path leaves between them with the body still
// open (a nil guard: if resp.Body == nil { return }): the defer, made to
// drain where it is, then covers every path that loses the body, and
// runs only where the author set it up.
func noLossBefore(w *flow.Paths, anchor, p inspector.Cursor) bool {
	if p.Parent() != anchor.Parent() || p.ParentEdgeIndex() < anchor.ParentEdgeIndex() {
		return false
	}
	for _, e := range w.Exits {
		if e.Return == nil {
			continue
		}
		if e.Return.Pos() > anchor.Node().End() && e.Return.Pos() < p.Node().Pos() && !e.State.Closed {
			return false
		}
	}
	return true
}

// isNextStmt reports whether the statement at c comes right after the one
// at anchor in the same list.
func isNextStmt(c, anchor inspector.Cursor) bool {
	return c.Parent() == anchor.Parent() && c.ParentEdgeIndex() == anchor.ParentEdgeIndex()+1
}

// isFirstIn reports whether the statement at c is the first of block.
func isFirstIn(c inspector.Cursor, block *ast.BlockStmt) bool {
	return len(block.List) > 0 && c.Node() == block.List[0]
}

// lastRequest reports whether the response of acq is the last one a
// sequential command gets: the call is in main (not in a loop, in a main
// with no goto), in a program that starts no goroutine (seq), and no call
// after it, nor any deferred call, may make a request: each is a builtin,
// a conversion, or a function of a package that does not reach net/http
// (fmt, os, encoding/json), or one of net/http's that sends nothing. The
// process ends with main: a drain would let no request reuse the
// connection.
func (dc *drainClose) lastRequest(acq *flow.Acquisition) bool {
	if dc.seq == nil || dc.seq.Concurrent || !seq.InMain(dc.pkg, acq.Fn.Node()) {
		return false
	}
	for c := acq.Stmt.Parent(); c.Valid() && c != acq.Fn; c = c.Parent() {
		switch c.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt, *ast.FuncLit:
			return false
		}
	}
	ok := true
	var visit func(n ast.Node, deferred bool)
	visit = func(n ast.Node, deferred bool) {
		ast.Inspect(n, func(x ast.Node) bool {
			if !ok {
				return false
			}
			switch x := x.(type) {
			case *ast.BranchStmt:
				if x.Tok == token.GOTO {
					ok = false
				}
			case *ast.DeferStmt:
				visit(x.Call, true)
				return false
			case *ast.CallExpr:
				if x == acq.Call {
					return true
				}
				if (deferred || x.Pos() >= acq.Stmt.Node().End()) && !dc.sendsNothing(x) {
					ok = false
				}
			}
			return true
		})
	}
	visit(flow.FuncBody(acq.Fn.Node()), false)
	return ok
}

// sendsNothing reports whether a call cannot make an HTTP request: a
// builtin or a conversion, or a call of a function of a package that
// does not reach net/http, or one of net/http's that sends nothing.
func (dc *drainClose) sendsNothing(call *ast.CallExpr) bool {
	if tv, ok := dc.info.Types[call.Fun]; ok && (tv.IsType() || tv.IsBuiltin()) {
		return true
	}
	fn := match.CalleeFunc(dc.info, call)
	switch {
	case fn == nil:
		return false // a function value: anything
	case fn.Pkg() == nil:
		return true // error.Error
	case fn.Pkg().Path() == match.NetHTTP:
		recv := fn.Signature().Recv()
		switch {
		case recv != nil:
			// A client's or a transport's methods send; a server's serve.
			for _, name := range []string{"Client", "Transport", "RoundTripper", "Server"} {
				if match.IsPtrTo(recv.Type(), match.NetHTTP, name) || match.IsNamed(recv.Type(), match.NetHTTP, name) {
					return false
				}
			}
		case match.IsDefaultClientFunc(fn):
			return false
		default:
			switch fn.Name() {
			case "ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS":
				return false
			}
		}
		return true
	case fn.Pkg() == dc.pkg:
		return false // the program's own code may send anything
	}
	return !dc.reachesHTTP(fn.Pkg())
}

// reachesHTTP reports whether pkg imports net/http, directly or not.
func (dc *drainClose) reachesHTTP(pkg *types.Package) bool {
	if v, ok := dc.http[pkg]; ok {
		return v
	}
	dc.http[pkg] = false // an import cycle cannot be, but stop anyway
	v := false
	for _, q := range pkg.Imports() {
		if q.Path() == match.NetHTTP || dc.reachesHTTP(q) {
			v = true
			break
		}
	}
	dc.http[pkg] = v
	return v
}

// Package facts summarises what functions do with HTTP responses and
// bodies, as analysis facts that travel with a package to every package
// that imports it: an API library's error handler that reads the body to
// EOF, a helper that drains and closes it, a constructor that keeps it in
// the stream it returns, a wrapper that hands back a live response.
//
// The rules read the summaries through Analyzer's result, which holds
// those of the package's own functions (computed here) and those of its
// dependencies (imported as facts), so that a helper of any package
// counts for what it does, the module's own or a dependency's.
package facts

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/internal/flow"
	"github.com/httpfix/httpfix/rules/internal/match"
)

// A FuncFact summarises a function that is handed responses or bodies,
// or returns a response.
type FuncFact struct {
	// Params holds, by parameter index, what the function does with a
	// parameter that may be a response or a body (Known false for the
	// others, and for those the analysis could not follow).
	Params []ParamFact
	// Result says what a response the function returns is.
	Result flow.ResultKind
	// Head says that every response the function returns answers a HEAD
	// request: it has no body.
	Head bool
	// Method is 1 + the index of the parameter that is the method of
	// every request whose response the function returns (a request
	// method: c.request("HEAD", u, opts)), or 0.
	Method int
	// Status is the statuses a response the function hands back live
	// (with no error it tested) may have: a request method that turns
	// every status but a 2xx into an error hands back 2xx responses only,
	// and its callers' branches on other statuses are never taken.
	Status flow.StatusSet
	// NilWhenLive has bit i set if result i is nil on every return that
	// hands back a live response: loc, resp, err := c.doUntilFound(req)
	// sets loc only with a response it closed (a redirect it reports).
	NilWhenLive uint64
}

// ParamFact is a ParamEffect, and whether it is known.
type ParamFact struct {
	Known  bool
	Effect flow.ParamEffect
}

func (*FuncFact) AFact() {}

func (f *FuncFact) String() string {
	var parts []string
	for i, p := range f.Params {
		if p.Known {
			parts = append(parts, fmt.Sprintf("%d:%s", i, effectString(p.Effect)))
		}
	}
	if f.Head {
		parts = append(parts, "head")
	}
	if f.Method > 0 {
		parts = append(parts, fmt.Sprintf("method:%d", f.Method-1))
	}
	if f.Status.Limited {
		parts = append(parts, "status:"+f.Status.String())
	}
	for i := 0; i < 64; i++ {
		if f.NilWhenLive&(1<<i) != 0 {
			parts = append(parts, fmt.Sprintf("nil-when-live:%d", i))
		}
	}
	switch f.Result {
	case flow.ResultLive:
		parts = append(parts, "result:live")
	case flow.ResultDone:
		parts = append(parts, "result:done")
	case flow.ResultBuilt:
		parts = append(parts, "result:built")
	case flow.ResultMixed:
		parts = append(parts, "result:mixed")
	}
	return "httpfacts(" + strings.Join(parts, " ") + ")"
}

func effectString(e flow.ParamEffect) string {
	var s []string
	add := func(b bool, name string) {
		if b {
			s = append(s, name)
		}
	}
	add(e.All.EOF, "eof")
	add(e.All.Closed, "closed")
	add(e.OnError.EOF && !e.All.EOF, "eof-on-error")
	add(e.OnError.Closed && !e.All.Closed, "closed-on-error")
	add(e.Keeps, "keeps")
	add(e.Builds, "builds")
	add(e.Stream, "stream")
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

// Analyzer computes the summaries of a package's functions, exports them
// as facts, and provides them, with those of the package's dependencies,
// as its result (a *Summaries).
var Analyzer = &analysis.Analyzer{
	Name:             "httpfixfacts",
	Doc:              "summaries of what functions do with HTTP responses and bodies, for httpfix's rules",
	URL:              "https://github.com/httpfix/httpfix",
	Requires:         []*analysis.Analyzer{inspect.Analyzer},
	FactTypes:        []analysis.Fact{new(FuncFact)},
	ResultType:       reflect.TypeOf((*Summaries)(nil)),
	RunDespiteErrors: false,
	Run:              run,
}

// Summaries tells what functions do with responses and bodies; it
// implements flow.Callees.
type Summaries struct {
	info     *types.Info
	pkg      *types.Package
	imported map[*types.Func]*FuncFact
	local    map[*types.Func]*localFunc
}

type localFunc struct {
	decl  *ast.FuncDecl
	cur   inspector.Cursor
	fact  *FuncFact
	state int // 0 not started, 1 in progress, 2 done
}

// Relevant reports whether the package has anything to do with HTTP: it
// imports net/http, or a package that does.
func Relevant(pkg *types.Package) bool {
	for _, imp := range pkg.Imports() {
		if imp.Path() == match.NetHTTP {
			return true
		}
		for _, imp2 := range imp.Imports() {
			if imp2.Path() == match.NetHTTP {
				return true
			}
		}
	}
	return pkg.Path() == match.NetHTTP
}

// readsStreams reports whether the package imports io or bufio: it may
// hold the helpers that read bodies without knowing they are HTTP ones
// (a bounded ReadAll, a parser), whose summaries the packages that do
// know need.
func readsStreams(pkg *types.Package) bool {
	for _, imp := range pkg.Imports() {
		switch imp.Path() {
		case "io", "bufio":
			return true
		}
	}
	return false
}

func run(pass *analysis.Pass) (any, error) {
	s := &Summaries{info: pass.TypesInfo, pkg: pass.Pkg, imported: map[*types.Func]*FuncFact{}, local: map[*types.Func]*localFunc{}}
	if !Relevant(pass.Pkg) && !readsStreams(pass.Pkg) || standard(pass) {
		return s, nil
	}
	for _, of := range pass.AllObjectFacts() {
		if fn, ok := of.Object.(*types.Func); ok {
			if f, ok := of.Fact.(*FuncFact); ok && fn.Pkg() != pass.Pkg {
				s.imported[fn] = f
			}
		}
	}
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	for cur := range in.Root().Preorder((*ast.FuncDecl)(nil)) {
		fd := cur.Node().(*ast.FuncDecl)
		fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func)
		if !ok || fd.Body == nil || !worthSummary(fn) {
			continue
		}
		s.local[fn] = &localFunc{decl: fd, cur: cur}
	}
	for fn, lf := range s.local {
		s.summary(lf)
		if f := lf.fact; f != nil && f.worthExporting() {
			pass.ExportObjectFact(fn, f)
		}
	}
	return s, nil
}

// standard reports whether the pass is over a package of the standard
// library, whose functions are known without summaries (see flow's
// stdlib.go): every driver then sees the same facts, whether it analyzes
// the standard library (go vet) or not (httpfix).
func standard(pass *analysis.Pass) bool {
	first, _, _ := strings.Cut(pass.Pkg.Path(), "/")
	if strings.Contains(first, ".") || len(pass.Files) == 0 {
		return false
	}
	name := filepath.ToSlash(pass.Fset.File(pass.Files[0].FileStart).Name())
	goroot := filepath.ToSlash(runtime.GOROOT())
	return goroot != "" && strings.HasPrefix(name, goroot+"/src/") ||
		strings.Contains(name, "/golang.org/toolchain@") // a toolchain the go command switched to
}

// worthSummary reports whether fn takes a parameter that may be a
// response or a body, or returns a response.
func worthSummary(fn *types.Func) bool {
	sig := fn.Signature()
	for i := 0; i < sig.Params().Len(); i++ {
		if mayBeBody(sig.Params().At(i).Type()) {
			return true
		}
	}
	return returnsResponse(sig) >= 0
}

// mayBeBody reports whether a parameter of type t may be handed a
// response or a body.
func mayBeBody(t types.Type) bool {
	if match.IsResponseLike(t) {
		return true
	}
	_, isIface := types.Unalias(t).Underlying().(*types.Interface)
	return isIface
}

// returnsResponse returns the index of the *http.Response result of sig,
// or -1.
func returnsResponse(sig *types.Signature) int {
	for i := 0; i < sig.Results().Len(); i++ {
		if match.IsResponseLike(sig.Results().At(i).Type()) {
			return i
		}
	}
	return -1
}

func (f *FuncFact) worthExporting() bool {
	if f.Result != flow.ResultUnknown || f.Head || f.Method > 0 {
		return true
	}
	for _, p := range f.Params {
		if p.Known {
			return true
		}
	}
	return false
}

// Param returns what fn does with its parameter idx, if known.
func (s *Summaries) Param(fn *types.Func, idx int) (flow.ParamEffect, bool) {
	f := s.fact(fn)
	if f == nil || idx >= len(f.Params) || !f.Params[idx].Known {
		return flow.ParamEffect{}, false
	}
	return f.Params[idx].Effect, true
}

// Result returns what the response fn returns is.
func (s *Summaries) Result(fn *types.Func) flow.ResultKind {
	if match.SendsRequest(fn) {
		return flow.ResultLive
	}
	if f := s.fact(fn); f != nil {
		return f.Result
	}
	return flow.ResultUnknown
}

// MethodParam returns the index of fn's parameter that is the method of
// the requests it returns the responses of, or -1.
func (s *Summaries) MethodParam(fn *types.Func) int {
	if f := s.fact(fn); f != nil {
		return f.Method - 1
	}
	return -1
}

// Statuses returns the statuses a response fn hands back live may have.
func (s *Summaries) Statuses(fn *types.Func) flow.StatusSet {
	if f := s.fact(fn); f != nil {
		return f.Status
	}
	return flow.AllStatuses()
}

// NilWhenLive returns the results of fn that are nil wherever the
// response it hands back is live.
func (s *Summaries) NilWhenLive(fn *types.Func) uint64 {
	if f := s.fact(fn); f != nil {
		return f.NilWhenLive
	}
	return 0
}

// Head reports whether every response fn returns answers a HEAD request.
func (s *Summaries) Head(fn *types.Func) bool {
	if f := s.fact(fn); f != nil {
		return f.Head
	}
	return false
}

// Fact returns the summary of fn, if there is one.
func (s *Summaries) Fact(fn *types.Func) *FuncFact { return s.fact(fn) }

func (s *Summaries) fact(fn *types.Func) *FuncFact {
	if fn == nil {
		return nil
	}
	fn = fn.Origin()
	if lf, ok := s.local[fn]; ok {
		s.summary(lf)
		return lf.fact
	}
	return s.imported[fn]
}

// summary computes the summary of a function of the package, once. A
// function met again while its own summary is being computed (recursion)
// is unknown there.
func (s *Summaries) summary(lf *localFunc) {
	if lf.state != 0 {
		return
	}
	lf.state = 1
	defer func() { lf.state = 2 }()
	fn := s.info.Defs[lf.decl.Name].(*types.Func)
	sig := fn.Signature()
	f := &FuncFact{Params: make([]ParamFact, sig.Params().Len())}
	for i := 0; i < sig.Params().Len(); i++ {
		p := sig.Params().At(i)
		if !mayBeBody(p.Type()) || p.Name() == "" || p.Name() == "_" {
			continue
		}
		kind := flow.KindBody
		if match.IsResponseLike(p.Type()) {
			kind = flow.KindResp
		}
		if eff, ok := s.paramEffect(lf, p, kind); ok {
			f.Params[i] = ParamFact{Known: true, Effect: eff}
		}
	}
	if ri := returnsResponse(sig); ri >= 0 {
		f.Result, f.Head, f.Status, f.NilWhenLive = s.resultKind(lf, ri, sig.Results().Len())
		var acqs []*flow.Acquisition
		for _, acq := range flow.Acquisitions(s.info, lf.cur, s) {
			if acq.Resp != nil {
				acqs = append(acqs, acq)
			}
		}
		f.Method = flow.MethodParam(s.info, lf.cur, acqs, s) + 1
	}
	lf.fact = f
}

// paramEffect follows a parameter through the function.
func (s *Summaries) paramEffect(lf *localFunc, p *types.Var, kind flow.Kind) (flow.ParamEffect, bool) {
	own := flow.AnalyzeBody(flow.BodyConfig{Info: s.info, Fn: lf.cur, Root: p, RootKind: kind, After: lf.decl.Body.Pos(), Callees: s})
	if own.Problem != "" {
		return flow.ParamEffect{}, false
	}
	body, ok := lf.cur.FindNode(lf.decl.Body)
	if !ok {
		return flow.ParamEffect{}, false
	}
	w := flow.NewPaths(s.info, lf.cur, p, own)
	w.Block(body, flow.PathState{})
	if w.Problem != "" {
		return flow.ParamEffect{}, false
	}
	// A function that hands back the reader it was given, as it was
	// (return r, err on a path it gave up reading), does not keep it:
	// the caller follows what the call returns. One that stores it keeps
	// it; one that returns something built on it (a stream, a decode
	// function) builds on it: the caller owns the body through that.
	eff := flow.ParamEffect{
		Keeps:           own.EscapesElsewhere || own.KeptInReceiver && own.HandedBuilt,
		Builds:          own.HandedBuilt && !own.EscapesElsewhere && !own.KeptInReceiver,
		KeepsInReceiver: own.KeptInReceiver && !own.EscapesElsewhere && !own.HandedBuilt,
		Stream:          own.Streams(),
	}
	first, firstErr := true, true
	for _, e := range w.Exits {
		st := flow.State{EOF: e.State.EOF || e.State.Drained, Closed: e.State.Closed || e.State.Deferred}
		eff.SomeClosed = eff.SomeClosed || st.Closed
		if first {
			eff.All, first = st, false
		} else {
			eff.All = flow.State{EOF: eff.All.EOF && st.EOF, Closed: eff.All.Closed && st.Closed}
		}
		if e.Err != 0 {
			if firstErr {
				eff.OnError, firstErr = st, false
			} else {
				eff.OnError = flow.State{EOF: eff.OnError.EOF && st.EOF, Closed: eff.OnError.Closed && st.Closed}
			}
		}
	}
	if firstErr {
		eff.OnError = eff.All
	}
	return eff, true
}

// spentVars returns the local variables of the function that only ever
// hold responses their callees have read or closed (ResultDone): every
// assignment to them is from such a call.
func (s *Summaries) spentVars(lf *localFunc) map[*types.Var]bool {
	spent := map[*types.Var]bool{}
	other := map[*types.Var]bool{}
	for c := range lf.cur.Preorder((*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil)) {
		lhs, rhs := flow.AssignParts(c.Node())
		var kind flow.ResultKind = flow.ResultUnknown
		ri := -1
		if len(rhs) == 1 {
			if call, ok := ast.Unparen(rhs[0]).(*ast.CallExpr); ok {
				if idx, n := flow.ResponseIndex(s.info, call); idx >= 0 && n == len(lhs) {
					ri, kind = idx, s.Result(match.CalleeFunc(s.info, call))
				}
			}
		}
		for i, l := range lhs {
			id, ok := ast.Unparen(l).(*ast.Ident)
			if !ok {
				continue
			}
			v, ok := s.info.ObjectOf(id).(*types.Var)
			if !ok || !match.IsResponseLike(v.Type()) {
				continue
			}
			if i == ri && kind == flow.ResultDone {
				spent[v] = true
			} else {
				other[v] = true
			}
		}
	}
	for v := range other {
		delete(spent, v)
	}
	return spent
}

// resultKind says what the responses the function returns (at result
// index ri of n) are, whether they all answer HEAD requests, the
// statuses of those it hands back live, and the results that are nil
// wherever it does.
func (s *Summaries) resultKind(lf *localFunc, ri, n int) (flow.ResultKind, bool, flow.StatusSet, uint64) {
	// The state of each owned response at each return that hands it back.
	done := map[*ast.ReturnStmt]map[*types.Var]bool{}
	// partly: returns where the body is closed on some paths and open on
	// others (if v != nil { defer resp.Body.Close(); decode(v) }).
	partly := map[*ast.ReturnStmt]map[*types.Var]bool{}
	// handed: returns that hand back something built on an owned
	// response (an API library's wrapper of it), with what is done to
	// the body there.
	type handedAt struct {
		own  *flow.Body
		done bool
		part bool
	}
	handed := map[*ast.ReturnStmt][]handedAt{}
	// statusAt: the statuses the owned responses may have at the returns
	// that hand them (or what is built on them) back.
	statusAt := map[*ast.ReturnStmt]map[*types.Var]flow.StatusSet{}
	// errBranch: the returns in the error check of a call that returned
	// an owned response, where the error is the call's.
	errBranch := map[*ast.ReturnStmt]bool{}
	headVar := map[*types.Var]bool{}
	headAll, returned := true, false
	for _, acq := range flow.Acquisitions(s.info, lf.cur, s) {
		if acq.Resp == nil || acq.Problem != "" {
			continue
		}
		if flow.IsHead(s.info, acq, s) {
			headVar[acq.Resp] = true
		}
		own := flow.AnalyzeBody(flow.BodyConfig{Info: s.info, Fn: lf.cur, Root: acq.Resp, RootKind: flow.KindResp, After: acq.Stmt.Node().End(), Callees: s})
		if own.EscapesElsewhere || own.KeptInReceiver || own.Problem != "" {
			continue // stored, kept: not what the function returns
		}
		// Without an error check (return resp, err right away), the paths
		// start at the call.
		check, problem := flow.ErrorCheck(acq, own)
		if problem != "" {
			check = flow.Check{}
		}
		w := flow.NewPaths(s.info, lf.cur, acq.Resp, own)
		w.Full = true
		if check.Stmt.Valid() {
			w.AfterCall(acq, s)
		}
		st := flow.PathState{}
		if check.Early != nil {
			st.Deferred = true
			st.Drained = check.Early.Handler || check.Early.Drains
		}
		switch {
		case check.Guard:
			body, _ := check.Stmt.FindNode(check.Stmt.Node().(*ast.IfStmt).Body)
			w.Guarded(check.Stmt, body, st)
		case check.Stmt.Valid():
			w.Region(check.Stmt, st)
		default:
			w.Region(acq.Stmt, st)
		}
		if w.Problem != "" {
			continue
		}
		inErr := map[*ast.ReturnStmt]bool{}
		if ifs := s.errorBranch(acq, check); ifs != nil {
			// if err != nil { return resp, err }: a response the call
			// returned with its error, which the call's contract (that of
			// net/http's Client.Do) leaves nothing to close on.
			ast.Inspect(ifs.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					return false
				case *ast.ReturnStmt:
					errBranch[n] = true
					inErr[n] = true
					if own.Returns[n] {
						if done[n] == nil {
							done[n] = map[*types.Var]bool{}
						}
						done[n][acq.Resp] = true
					}
					if own.Handed[n] {
						handed[n] = append(handed[n], handedAt{own: own, done: true})
					}
				}
				return true
			})
		}
		for _, e := range w.Exits {
			if e.Return == nil || inErr[e.Return] {
				continue // the error's: spent, as said above
			}
			closed := e.State.Closed || e.State.Deferred || e.State.EOF
			part := !closed && e.State.SomeClosed && !s.closedOnlyOnError(lf, w, e.Return)
			if own.Returns[e.Return] || own.Handed[e.Return] {
				if statusAt[e.Return] == nil {
					statusAt[e.Return] = map[*types.Var]flow.StatusSet{}
				}
				if prev, ok := statusAt[e.Return][acq.Resp]; ok {
					statusAt[e.Return][acq.Resp] = prev.Or(e.State.Status)
				} else {
					statusAt[e.Return][acq.Resp] = e.State.Status
				}
			}
			if own.Returns[e.Return] {
				if done[e.Return] == nil {
					done[e.Return] = map[*types.Var]bool{}
				}
				if partly[e.Return] == nil {
					partly[e.Return] = map[*types.Var]bool{}
				}
				done[e.Return][acq.Resp] = closed
				partly[e.Return][acq.Resp] = part
			}
			if own.Handed[e.Return] {
				handed[e.Return] = append(handed[e.Return], handedAt{own: own, done: closed, part: part})
			}
		}
	}
	spent := s.spentVars(lf)
	self := s.info.Defs[lf.decl.Name]
	// built says what a return that hands back something built on an
	// owned response (return newResponse(resp), err) hands back.
	built := func(r *ast.ReturnStmt, e ast.Expr) (flow.ResultKind, bool) {
		for _, h := range handed[r] {
			if !flow.MentionsVar(s.info, e, tracks(h.own)) {
				continue
			}
			switch {
			case h.done:
				return flow.ResultDone, true
			case h.part:
				return flow.ResultMixed, true
			}
			return flow.ResultLive, true
		}
		return 0, false
	}
	// The returns of an error that the function has tested (if err !=
	// nil { return resp, err }) hand back what net/http's contract says a
	// caller need not close: what the function is to its callers is what
	// the other returns hand back, if there are any.
	sig := self.(*types.Func).Signature()
	errIdx := -1
	if sig.Results().Len() > 0 && match.IsError(sig.Results().At(sig.Results().Len()-1).Type()) {
		errIdx = sig.Results().Len() - 1
	}
	rk := &returnKinds{self: self.(*types.Func), headVar: headVar, done: done, partly: partly, spent: spent, built: built}
	kinds := map[flow.ResultKind]bool{}
	errKinds := map[flow.ResultKind]bool{}
	live := flow.StatusSet{Limited: true} // none yet
	nils, anyLive := uint64(0), false
	for i := 0; i < n && i < 64; i++ {
		if i != ri && i != errIdx && mayBeNil(sig.Results().At(i).Type()) {
			nils |= 1 << i
		}
	}
	for c := range lf.cur.Preorder((*ast.ReturnStmt)(nil), (*ast.FuncLit)(nil)) {
		r, ok := c.Node().(*ast.ReturnStmt)
		if !ok || !inFunc(c, lf.cur) {
			continue
		}
		k, ok := s.returnKind(lf, r, ri, n, rk, &headAll)
		if !ok {
			continue
		}
		returned = true
		if errBranch[r] || errIdx >= 0 && len(r.Results) == n && (s.testedError(c, r.Results[errIdx]) || nonNilError(s.info, r.Results[errIdx])) {
			errKinds[k] = true
			continue
		}
		kinds[k] = true
		if k == flow.ResultLive || k == flow.ResultMixed || k == flow.ResultUnknown {
			live = live.Or(s.returnStatus(r, ri, n, rk, statusAt[r]))
			if m, ok := s.returnNils(r, n, rk); ok {
				nils &= m
				anyLive = true
			}
		}
	}
	if !anyLive {
		nils = 0
	}
	if len(kinds) == 0 {
		kinds = errKinds
		live = flow.AllStatuses()
		nils = 0
	}
	if live.Empty() {
		live = flow.AllStatuses() // nothing live: nothing to say
	}
	head := returned && headAll
	switch {
	case kinds[flow.ResultLive] && (kinds[flow.ResultDone] || kinds[flow.ResultMixed]):
		return flow.ResultMixed, head, live, nils
	case kinds[flow.ResultLive]:
		return flow.ResultLive, head, live, nils
	case kinds[flow.ResultMixed]:
		return flow.ResultMixed, head, live, nils
	case kinds[flow.ResultUnknown] || len(kinds) == 0:
		return flow.ResultUnknown, head, live, nils
	case kinds[flow.ResultDone]:
		return flow.ResultDone, head, flow.AllStatuses(), 0
	}
	return flow.ResultBuilt, head, flow.AllStatuses(), 0
}

// errorBranch returns the if statement that tests the error of the call
// of acq where the response comes with that error: its error check, or,
// where the check does not end the function on every path (if err != nil
// { if errors.As(err, &redirect) { return loc, resp, nil } }; return
// resp, err), the if err != nil right after the call, provided it gives
// the variable no new response.
func (s *Summaries) errorBranch(acq *flow.Acquisition, check flow.Check) *ast.IfStmt {
	if check.Stmt.Valid() {
		if check.Guard {
			return nil
		}
		return check.Stmt.Node().(*ast.IfStmt)
	}
	if acq.ErrVar == nil {
		return nil
	}
	next, ok := acq.Stmt.NextSibling()
	if !ok {
		return nil
	}
	ifs, ok := next.Node().(*ast.IfStmt)
	if !ok || ifs.Init != nil || !flow.TestsErr(s.info, ifs.Cond, acq.ErrVar) || flow.AssignsVar(s.info, ifs.Body, acq.Resp) {
		return nil
	}
	return ifs
}

// returnNils says which results the return r (of n results) hands back
// as nil: literally, or as its callee's summary says (return
// c.doUntilFound(req)). It says false for a recursive call, which hands
// back what the other returns do.
func (s *Summaries) returnNils(r *ast.ReturnStmt, n int, rk *returnKinds) (uint64, bool) {
	if len(r.Results) == n && n > 1 {
		var m uint64
		for i, e := range r.Results {
			if i < 64 && flow.IsNil(s.info, e) {
				m |= 1 << i
			}
		}
		return m, true
	}
	if len(r.Results) == 1 {
		if call, ok := ast.Unparen(r.Results[0]).(*ast.CallExpr); ok {
			callee := match.CalleeFunc(s.info, call)
			if callee != nil && callee.Origin() == rk.self {
				return 0, false
			}
			if callee != nil && callee.Signature().Results().Len() == n {
				return s.NilWhenLive(callee), true
			}
		}
	}
	return 0, true
}

// mayBeNil reports whether a value of type t can be nil.
func mayBeNil(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Pointer, *types.Interface, *types.Map, *types.Slice, *types.Signature, *types.Chan:
		return true
	}
	return false
}

// returnedResponse returns the expression a return statement hands back
// as result ri of n: that result, or the call whose results it returns
// (return c.Do(req)); false for a bare return of named results.
func returnedResponse(r *ast.ReturnStmt, ri, n int) (ast.Expr, bool) {
	switch {
	case len(r.Results) == n:
		return ast.Unparen(r.Results[ri]), true
	case len(r.Results) == 1:
		call, ok := ast.Unparen(r.Results[0]).(*ast.CallExpr)
		return call, ok
	}
	return nil, false
}

// returnStatus says what statuses the response the return r hands back
// as result ri (of n) may have: where the function got it (at its own
// call, narrowed by the tests on the way: at), or what its callee's
// summary says of a response the function returns as it gets it
// (return c.do(req)). A recursive call hands back what the other returns
// do.
func (s *Summaries) returnStatus(r *ast.ReturnStmt, ri, n int, rk *returnKinds, at map[*types.Var]flow.StatusSet) flow.StatusSet {
	e, ok := returnedResponse(r, ri, n)
	if !ok {
		return flow.AllStatuses()
	}
	switch x := e.(type) {
	case *ast.Ident:
		if v, ok := s.info.Uses[x].(*types.Var); ok {
			if st, ok := at[v]; ok {
				return st
			}
		}
		return flow.AllStatuses()
	case *ast.CallExpr:
		if _, ok := rk.built(r, x); !ok {
			callee := match.CalleeFunc(s.info, x)
			switch {
			case callee != nil && callee.Origin() == rk.self:
				return flow.StatusSet{Limited: true}
			case callee != nil:
				return s.Statuses(callee)
			}
			return flow.AllStatuses()
		}
	}
	// Something built on the responses the function got (return
	// newResponse(resp), err): their statuses.
	if len(at) == 0 {
		return flow.AllStatuses()
	}
	st := flow.StatusSet{Limited: true}
	for _, v := range at {
		st = st.Or(v)
	}
	return st
}

// returnKind says what the return r hands back as result ri (of n), and
// whether it hands back a response at all (not nil). It clears *headAll
// unless that response answers a HEAD request.
func (s *Summaries) returnKind(lf *localFunc, r *ast.ReturnStmt, ri, n int, rk *returnKinds, headAll *bool) (flow.ResultKind, bool) {
	e, ok := returnedResponse(r, ri, n)
	if !ok {
		return flow.ResultUnknown, true // a bare return of named results
	}
	switch x := e.(type) {
	case *ast.Ident:
		if x.Name == "nil" {
			if _, ok := s.info.Uses[x].(*types.Nil); ok {
				return 0, false
			}
		}
		v, _ := s.info.Uses[x].(*types.Var)
		*headAll = *headAll && v != nil && rk.headVar[v]
		switch {
		case v == nil:
			return flow.ResultUnknown, true
		case isParam(lf.decl, s.info, v):
			return flow.ResultLive, true // handed through
		}
		d, ok := rk.done[r][v]
		switch {
		case ok && d:
			return flow.ResultDone, true
		case ok && rk.partly[r][v]:
			return flow.ResultMixed, true
		case ok:
			return flow.ResultLive, true
		case rk.spent[v]:
			// resp, err := c.Do(req, &v): a response the callee has
			// already read or closed.
			return flow.ResultDone, true
		}
		if k, ok := rk.built(r, x); ok {
			return k, true // response := newResponse(resp)
		}
		return flow.ResultUnknown, true
	case *ast.UnaryExpr:
		*headAll = false
		if lit, ok := x.X.(*ast.CompositeLit); ok && match.IsNamed(s.info.TypeOf(lit), match.NetHTTP, "Response") {
			return flow.ResultBuilt, true
		}
		if k, ok := rk.built(r, x); ok {
			return k, true // &Response{Response: resp}
		}
		return flow.ResultUnknown, true
	case *ast.CallExpr:
		*headAll = *headAll && flow.IsHead(s.info, &flow.Acquisition{Fn: lf.cur, Call: x}, s)
		if k, ok := rk.built(r, x); ok {
			return k, true // newResponse(resp)
		}
		callee := match.CalleeFunc(s.info, x)
		if callee != nil && callee.Origin() == rk.self {
			return 0, false // recursion: what the other returns hand back
		}
		if callee == nil && s.handsParamResponse(lf, x) {
			// f := requireStatusIn(200); return f(d, resp, err): a
			// checker, a function value handed the function's own
			// response, hands back that response (or nil, with an
			// error): what the caller gave.
			return flow.ResultLive, true
		}
		if idx, _ := flow.ResponseIndex(s.info, x); idx >= 0 {
			return s.Result(callee), true
		}
		return flow.ResultUnknown, true
	}
	*headAll = false
	return flow.ResultUnknown, true
}

// handsParamResponse reports whether call hands one of the function's
// response parameters on as it is.
func (s *Summaries) handsParamResponse(lf *localFunc, call *ast.CallExpr) bool {
	for _, a := range call.Args {
		id, ok := ast.Unparen(a).(*ast.Ident)
		if !ok {
			continue
		}
		if v, ok := s.info.Uses[id].(*types.Var); ok && isParam(lf.decl, s.info, v) && match.IsResponsePtr(v.Type()) {
			return true
		}
	}
	return false
}

// closedOnlyOnError reports whether every close of the body the walk w
// saw is under an if that tests the error ret returns to be non-nil
// (if err != nil { defer resp.Body.Close(); ... }; return resp, err): the
// body is then closed exactly where the caller gets an error, as
// net/http's Client.Do leaves it, and open where it does not.
func (s *Summaries) closedOnlyOnError(lf *localFunc, w *flow.Paths, ret *ast.ReturnStmt) bool {
	sig := s.info.Defs[lf.decl.Name].(*types.Func).Signature()
	n := sig.Results().Len()
	if n == 0 || len(ret.Results) != n || !match.IsError(sig.Results().At(n-1).Type()) {
		return false
	}
	e := ret.Results[n-1]
	var at []inspector.Cursor
	for _, c := range w.Closes {
		at = append(at, c.Stmt)
	}
	for _, d := range w.Defers {
		at = append(at, d.Stmt)
	}
	for _, c := range at {
		if !s.testedError(c, e) {
			return false
		}
	}
	return len(at) > 0
}

// nonNilError reports whether e, returned as an error, is never nil: a
// value of a concrete type that is not a pointer (return resp,
// c.errorFrom(resp) where errorFrom returns an APIError struct), a
// composite literal or its address, or what errors.New and fmt.Errorf
// return. Such a return is the function's error path, as a tested error
// is, whatever it left done of the body.
func nonNilError(info *types.Info, e ast.Expr) bool {
	e = ast.Unparen(e)
	if flow.IsNil(info, e) {
		return false
	}
	switch x := e.(type) {
	case *ast.CompositeLit:
		return true
	case *ast.UnaryExpr:
		_, lit := ast.Unparen(x.X).(*ast.CompositeLit)
		return x.Op == token.AND && lit
	case *ast.CallExpr:
		if fn := match.CalleeFunc(info, x); fn != nil && fn.Pkg() != nil {
			switch fn.Pkg().Path() + "." + fn.Name() {
			case "errors.New", "fmt.Errorf":
				return true
			}
		}
	}
	t := info.TypeOf(e)
	if t == nil || types.IsInterface(t) {
		return false
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer, *types.Map, *types.Slice, *types.Signature, *types.Chan:
		return false
	case *types.Basic:
		return u.Kind() != types.UntypedNil && u.Kind() != types.Invalid
	}
	return true
}

// testedError reports whether e, the error a return at ret hands back,
// is a variable that an if around the return has tested to be non-nil
// (if err != nil { ... return resp, err }).
func (s *Summaries) testedError(ret inspector.Cursor, e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := s.info.Uses[id].(*types.Var)
	if !ok {
		return false
	}
	for c := ret; c.Valid(); c = c.Parent() {
		switch n := c.Node().(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return false
		case *ast.BlockStmt:
			ifs, ok := c.Parent().Node().(*ast.IfStmt)
			if !ok || c.ParentEdgeKind() != edge.IfStmt_Body {
				continue
			}
			if b, ok := ast.Unparen(ifs.Cond).(*ast.BinaryExpr); ok && b.Op == token.NEQ {
				x, y := ast.Unparen(b.X), ast.Unparen(b.Y)
				if flow.IsNil(s.info, x) {
					x, y = y, x
				}
				if xid, ok := x.(*ast.Ident); ok && s.info.Uses[xid] == v && flow.IsNil(s.info, y) {
					return true
				}
			}
			_ = n
		}
	}
	return false
}

// tracks says whether an object is a variable the flow own follows.
func tracks(own *flow.Body) func(types.Object) bool {
	return func(obj types.Object) bool {
		v, ok := obj.(*types.Var)
		return ok && own.Tracks(v)
	}
}

// returnKinds is what resultKind knows of the returns of a function.
type returnKinds struct {
	self    *types.Func
	headVar map[*types.Var]bool
	done    map[*ast.ReturnStmt]map[*types.Var]bool
	partly  map[*ast.ReturnStmt]map[*types.Var]bool
	spent   map[*types.Var]bool
	built   func(*ast.ReturnStmt, ast.Expr) (flow.ResultKind, bool)
}

// inFunc reports whether the node at c belongs to the function at fn
// itself, not to a function literal inside it.
func inFunc(c, fn inspector.Cursor) bool {
	for p := c.Parent(); p.Valid(); p = p.Parent() {
		if p == fn {
			return true
		}
		if _, ok := p.Node().(*ast.FuncLit); ok {
			return false
		}
	}
	return false
}

// isParam reports whether v is a parameter of fd.
func isParam(fd *ast.FuncDecl, info *types.Info, v *types.Var) bool {
	for _, field := range fd.Type.Params.List {
		for _, name := range field.Names {
			if info.Defs[name] == v {
				return true
			}
		}
	}
	return false
}

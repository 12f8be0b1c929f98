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
	"go/types"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
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
	if match.IsResponsePtr(t) {
		return true
	}
	_, isIface := types.Unalias(t).Underlying().(*types.Interface)
	return isIface
}

// returnsResponse returns the index of the *http.Response result of sig,
// or -1.
func returnsResponse(sig *types.Signature) int {
	for i := 0; i < sig.Results().Len(); i++ {
		if match.IsResponsePtr(sig.Results().At(i).Type()) {
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
	if isRequest(fn) {
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

// Head reports whether every response fn returns answers a HEAD request.
func (s *Summaries) Head(fn *types.Func) bool {
	if f := s.fact(fn); f != nil {
		return f.Head
	}
	return false
}

// isRequest reports whether fn is one of net/http's functions and methods
// that make a request and return its response.
func isRequest(fn *types.Func) bool {
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != match.NetHTTP {
		return false
	}
	switch fn.Name() {
	case "Do", "Get", "Head", "Post", "PostForm", "RoundTrip":
		return true
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
		if match.IsResponsePtr(p.Type()) {
			kind = flow.KindResp
		}
		if eff, ok := s.paramEffect(lf, p, kind); ok {
			f.Params[i] = ParamFact{Known: true, Effect: eff}
		}
	}
	if ri := returnsResponse(sig); ri >= 0 {
		f.Result, f.Head = s.resultKind(lf, ri, sig.Results().Len())
		var acqs []*flow.Acquisition
		for _, acq := range flow.Acquisitions(s.info, lf.cur, s) {
			if acq.Resp != nil {
				acqs = append(acqs, acq)
			}
		}
		f.Method = flow.MethodParam(s.info, lf.cur, acqs) + 1
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

// resultKind says what the responses the function returns (at result
// index ri of n) are, and whether they all answer HEAD requests.
func (s *Summaries) resultKind(lf *localFunc, ri, n int) (flow.ResultKind, bool) {
	// The state of each owned response at each return that hands it back.
	done := map[*ast.ReturnStmt]map[*types.Var]bool{}
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
		if own.Escapes || own.Problem != "" {
			continue
		}
		// Without an error check (return resp, err right away), the paths
		// start at the call.
		check, problem := flow.ErrorCheck(acq, own)
		if problem != "" {
			check = flow.Check{}
		}
		w := flow.NewPaths(s.info, lf.cur, acq.Resp, own)
		w.Full = true
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
		for _, e := range w.Exits {
			if e.Return != nil && own.Returns[e.Return] {
				if done[e.Return] == nil {
					done[e.Return] = map[*types.Var]bool{}
				}
				done[e.Return][acq.Resp] = e.State.Closed || e.State.Deferred || e.State.EOF
			}
		}
	}
	kinds := map[flow.ResultKind]bool{}
	for c := range lf.cur.Preorder((*ast.ReturnStmt)(nil), (*ast.FuncLit)(nil)) {
		r, ok := c.Node().(*ast.ReturnStmt)
		if !ok || !inFunc(c, lf.cur) {
			continue
		}
		var e ast.Expr
		switch {
		case len(r.Results) == n:
			e = ast.Unparen(r.Results[ri])
		case len(r.Results) == 1:
			// return c.Do(req): what the callee returns.
			if call, ok := ast.Unparen(r.Results[0]).(*ast.CallExpr); ok {
				kinds[s.Result(match.CalleeFunc(s.info, call))] = true
				returned = true
				headAll = headAll && flow.IsHead(s.info, &flow.Acquisition{Fn: lf.cur, Call: call}, s)
			} else {
				kinds[flow.ResultUnknown] = true
			}
			continue
		default:
			kinds[flow.ResultUnknown] = true // a bare return of named results
			continue
		}
		switch x := e.(type) {
		case *ast.Ident:
			if x.Name == "nil" {
				if _, ok := s.info.Uses[x].(*types.Nil); ok {
					continue
				}
			}
			v, _ := s.info.Uses[x].(*types.Var)
			returned = true
			headAll = headAll && v != nil && headVar[v]
			switch {
			case v == nil:
				kinds[flow.ResultUnknown] = true
			case isParam(lf.decl, s.info, v):
				kinds[flow.ResultLive] = true // handed through
			default:
				d, ok := done[r][v]
				switch {
				case !ok:
					kinds[flow.ResultUnknown] = true
				case d:
					kinds[flow.ResultDone] = true
				default:
					kinds[flow.ResultLive] = true
				}
			}
		case *ast.UnaryExpr:
			returned, headAll = true, false
			if lit, ok := x.X.(*ast.CompositeLit); ok && match.IsNamed(s.info.TypeOf(lit), match.NetHTTP, "Response") {
				kinds[flow.ResultBuilt] = true
			} else {
				kinds[flow.ResultUnknown] = true
			}
		case *ast.CallExpr:
			returned = true
			headAll = headAll && flow.IsHead(s.info, &flow.Acquisition{Fn: lf.cur, Call: x}, s)
			if idx, _ := flow.ResponseIndex(s.info, x); idx >= 0 {
				kinds[s.Result(match.CalleeFunc(s.info, x))] = true
			} else {
				kinds[flow.ResultUnknown] = true
			}
		default:
			returned, headAll = true, false
			kinds[flow.ResultUnknown] = true
		}
	}
	head := returned && headAll
	switch {
	case kinds[flow.ResultLive] && (kinds[flow.ResultDone] || kinds[flow.ResultMixed]):
		return flow.ResultMixed, head
	case kinds[flow.ResultLive]:
		return flow.ResultLive, head
	case kinds[flow.ResultMixed]:
		return flow.ResultMixed, head
	case kinds[flow.ResultUnknown] || len(kinds) == 0:
		return flow.ResultUnknown, head
	case kinds[flow.ResultDone]:
		return flow.ResultDone, head
	}
	return flow.ResultBuilt, head
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

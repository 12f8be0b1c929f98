package flow

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"math/bits"
	"strings"

	"github.com/httpfix/httpfix/rules/internal/match"
)

// statusWords holds the codes 0 to 1023: net/http accepts any three-digit
// status from a server.
const statusWords = 16

// A StatusSet is the set of status codes a response may have on a path.
// The zero value is every code. Its fields are exported so that it
// travels in a fact.
type StatusSet struct {
	// Limited says the set is Codes; otherwise it is every code.
	Limited bool
	Codes   [statusWords]uint64
}

// successStatuses is the 2xx codes.
var successStatuses = statusRange(200, 299)

// informationalStatuses is the interim 1xx codes, but 101 Switching
// Protocols, which ends the exchange.
var informationalStatuses = statusRange(100, 100).Or(statusRange(102, 199))

// Interim reports whether s is tested to hold interim 1xx codes only: a
// response a transport reads before the final one (100 Continue, 103
// Early Hints), without a body, that nobody closes.
func (s StatusSet) Interim() bool { return s.Limited && !s.Empty() && s.Within(informationalStatuses) }

// TestedAsFailure reports whether the tests of a path left s with codes
// other than 2xx: where StatusCode != 200, for one, the body is most
// likely an error's, not what the request asked for. The zero set (no
// test) and a set of 2xx codes alone are not.
func (s StatusSet) TestedAsFailure() bool { return s.Limited && !s.Within(successStatuses) }

// AllStatuses is every code.
func AllStatuses() StatusSet { return StatusSet{} }

// statusRange is the set of codes lo to hi, both included.
func statusRange(lo, hi int64) StatusSet {
	s := StatusSet{Limited: true}
	lo, hi = max(lo, 0), min(hi, statusWords*64-1)
	for c := lo; c <= hi; c++ {
		s.Codes[c/64] |= 1 << (c % 64)
	}
	return s.norm()
}

// And is the codes in both s and t.
func (s StatusSet) And(t StatusSet) StatusSet {
	switch {
	case !s.Limited:
		return t
	case !t.Limited:
		return s
	}
	for i := range s.Codes {
		s.Codes[i] &= t.Codes[i]
	}
	return s
}

// Or is the codes in s or in t.
func (s StatusSet) Or(t StatusSet) StatusSet {
	if !s.Limited || !t.Limited {
		return StatusSet{}
	}
	for i := range s.Codes {
		s.Codes[i] |= t.Codes[i]
	}
	return s.norm()
}

// norm makes a set of every code the zero value, so that sets compare
// equal when they hold the same codes.
func (s StatusSet) norm() StatusSet {
	for _, w := range s.Codes {
		if w != ^uint64(0) {
			return s
		}
	}
	return StatusSet{}
}

// Not is the codes not in s.
func (s StatusSet) Not() StatusSet {
	if !s.Limited {
		return StatusSet{Limited: true}
	}
	for i := range s.Codes {
		s.Codes[i] = ^s.Codes[i]
	}
	return s.norm()
}

// Empty says no code is in s: a path in that state is never taken.
func (s StatusSet) Empty() bool {
	if !s.Limited {
		return false
	}
	for _, w := range s.Codes {
		if w != 0 {
			return false
		}
	}
	return true
}

// Within says every code of s is in t.
func (s StatusSet) Within(t StatusSet) bool { return s.And(t.Not()).Empty() }

// noBodyStatusSet is the statuses whose responses carry no body: the
// informational ones (RFC 9110, 15.2) but 101 Switching Protocols, whose
// body is the new protocol's stream, then 204 and 304.
var noBodyStatusSet = informationalStatuses.Or(statusRange(204, 204)).Or(statusRange(304, 304))

// String lists the ranges of s (200-299,304), or "any".
func (s StatusSet) String() string {
	if !s.Limited {
		return "any"
	}
	var parts []string
	for c := 0; c < statusWords*64; {
		if s.Codes[c/64]&(1<<(c%64)) == 0 {
			// skip to the next set bit
			w := s.Codes[c/64] >> (c % 64)
			if w == 0 {
				c += 64 - c%64
			} else {
				c += bits.TrailingZeros64(w)
			}
			continue
		}
		start := c
		for c < statusWords*64 && s.Codes[c/64]&(1<<(c%64)) != 0 {
			c++
		}
		if c-1 == start {
			parts = append(parts, fmt.Sprint(start))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", start, c-1))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// ResultStatuses is implemented by the Callees that know the statuses of
// the live responses a function hands back (an API library's request
// method that turns every status but a 2xx into an error).
type ResultStatuses interface {
	Statuses(fn *types.Func) StatusSet
}

// LiveResults is implemented by the Callees that know which other
// results of a function are nil wherever the response it hands back is
// live (loc, resp, err := c.doUntilFound(req): a location only with a
// response the callee closed).
type LiveResults interface {
	// NilWhenLive has bit i set if result i is nil on every return that
	// hands back a live response.
	NilWhenLive(fn *types.Func) uint64
}

// AfterCall sets what the summary of the callee of acq says of its
// response where the call returned no error: the statuses it may have,
// and the results whose being non-nil says it is spent.
func (w *Paths) AfterCall(acq *Acquisition, callees Callees) {
	fn := match.CalleeFunc(w.Info, acq.Call)
	if fn == nil {
		return
	}
	if rs, ok := callees.(ResultStatuses); ok {
		w.Start = rs.Statuses(fn.Origin())
	}
	lr, ok := callees.(LiveResults)
	if !ok {
		return
	}
	mask := lr.NilWhenLive(fn.Origin())
	for i, v := range acq.Results {
		if i < 64 && mask&(1<<i) != 0 && v != nil && v != acq.Resp && w.assignedOnce(v) {
			w.spentIfSet = append(w.spentIfSet, v)
		}
	}
}

// SameCall makes w know of its response what o does (AfterCall).
func (w *Paths) SameCall(o *Paths) {
	w.Start, w.spentIfSet = o.Start, o.spentIfSet
}

// testsSet reports whether cond, with op token.NEQ, holds only when one
// of the results in w.spentIfSet is non-nil (loc != nil, alone or in a
// &&); with op token.EQL, whether it fails only then (loc == nil, alone
// or in a ||).
func (w *Paths) testsSet(cond ast.Expr, op token.Token) bool {
	if len(w.spentIfSet) == 0 {
		return false
	}
	join := token.LAND
	if op == token.EQL {
		join = token.LOR
	}
	e, ok := ast.Unparen(cond).(*ast.BinaryExpr)
	if !ok {
		return false
	}
	switch e.Op {
	case join:
		return w.testsSet(e.X, op) || w.testsSet(e.Y, op)
	case op:
		x, y := e.X, e.Y
		if isNil(w.Info, x) {
			x, y = y, x
		}
		if !isNil(w.Info, y) {
			return false
		}
		for _, v := range w.spentIfSet {
			if isVar(w.Info, x, v) {
				return true
			}
		}
	}
	return false
}

// assignedOnce reports whether the local variable v is given a value
// only once in the function, and never has its address taken.
func (w *Paths) assignedOnce(v *types.Var) bool {
	_, ok := w.onlyValue(v)
	return ok
}

// onlyValue returns the expression the local variable v is declared
// with (nil if its one value is a result of a call of several), if v is
// given a value only once in the function and never has its address
// taken.
func (w *Paths) onlyValue(v *types.Var) (ast.Expr, bool) {
	var def ast.Expr
	sets := 0
	for c := range w.Fn.Preorder((*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.UnaryExpr)(nil), (*ast.IncDecStmt)(nil)) {
		switch n := c.Node().(type) {
		case *ast.UnaryExpr:
			if n.Op == token.AND && isVar(w.Info, n.X, v) {
				return nil, false // its address is taken
			}
			continue
		case *ast.IncDecStmt:
			if isVar(w.Info, n.X, v) {
				return nil, false
			}
			continue
		}
		lhs, rhs := AssignParts(c.Node())
		for i, l := range lhs {
			id, ok := ast.Unparen(l).(*ast.Ident)
			if !ok || w.Info.ObjectOf(id) != v {
				continue
			}
			sets++
			if len(rhs) == len(lhs) && w.Info.Defs[id] == v {
				def = rhs[i]
			}
		}
	}
	return def, sets == 1
}

// statusSplit returns the statuses of the response for which cond holds,
// and those for which it does not, as far as cond tests the response's
// StatusCode (every code for what it does not tell): comparisons of
// StatusCode (or StatusCode/100) with constants, joined by &&, || and !,
// and local booleans set once to such a test (ok := resp.StatusCode <
// 300).
func (w *Paths) statusSplit(cond ast.Expr, depth int) (yes, no StatusSet) {
	if depth > 8 {
		return StatusSet{}, StatusSet{}
	}
	switch e := ast.Unparen(cond).(type) {
	case *ast.UnaryExpr:
		if e.Op == token.NOT {
			y, n := w.statusSplit(e.X, depth+1)
			return n, y
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case token.LAND:
			xy, xn := w.statusSplit(e.X, depth+1)
			yy, yn := w.statusSplit(e.Y, depth+1)
			return xy.And(yy), xn.Or(yn)
		case token.LOR:
			xy, xn := w.statusSplit(e.X, depth+1)
			yy, yn := w.statusSplit(e.Y, depth+1)
			return xy.Or(yy), xn.And(yn)
		case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
			if s, ok := w.statusCompare(e); ok {
				return s, s.Not()
			}
		}
	case *ast.Ident:
		if def := w.statusTestVar(e); def != nil {
			return w.statusSplit(def, depth+1)
		}
	}
	return StatusSet{}, StatusSet{}
}

// statusCompare returns the codes for which a comparison of the
// response's StatusCode (or StatusCode/k) with a constant holds.
func (w *Paths) statusCompare(e *ast.BinaryExpr) (StatusSet, bool) {
	op := e.Op
	x, y := e.X, e.Y
	if _, ok := w.constInt(x); ok {
		x, y = y, x
		switch op { // c < s is s > c
		case token.LSS:
			op = token.GTR
		case token.LEQ:
			op = token.GEQ
		case token.GTR:
			op = token.LSS
		case token.GEQ:
			op = token.LEQ
		}
	}
	c, ok := w.constInt(y)
	if !ok {
		return StatusSet{}, false
	}
	div := int64(1)
	if b, ok := ast.Unparen(x).(*ast.BinaryExpr); ok && b.Op == token.QUO {
		k, ok := w.constInt(b.Y)
		if !ok || k <= 0 {
			return StatusSet{}, false
		}
		x, div = b.X, k
	}
	if !w.isStatusCode(x) {
		return StatusSet{}, false
	}
	// The codes whose quotient q by div compares with c: q is in [lo, hi].
	var lo, hi int64 = 0, statusWords*64 - 1
	switch op {
	case token.EQL, token.NEQ:
		lo, hi = c, c
	case token.LSS:
		hi = c - 1
	case token.LEQ:
		hi = c
	case token.GTR:
		lo = c + 1
	case token.GEQ:
		lo = c
	}
	if lo > hi {
		return StatusSet{Limited: true}, true
	}
	s := statusRange(lo*div, hi*div+div-1)
	if op == token.NEQ {
		s = s.Not()
	}
	return s, true
}

// constInt returns the value of an integer constant expression.
func (w *Paths) constInt(e ast.Expr) (int64, bool) {
	tv, ok := w.Info.Types[e]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.Int {
		return 0, false
	}
	return constant.Int64Val(tv.Value)
}

// statusTestVar returns the expression a local boolean was set to, if it
// is set once, where it is declared, after the response (ok :=
// resp.StatusCode < 300), and the response is never assigned again, so
// the test is of the response the walk follows.
func (w *Paths) statusTestVar(id *ast.Ident) ast.Expr {
	v, ok := w.Info.Uses[id].(*types.Var)
	if !ok || !w.describesRoot(v) {
		return nil
	}
	if b, ok := v.Type().Underlying().(*types.Basic); !ok || b.Info()&types.IsBoolean == 0 {
		return nil
	}
	if def, ok := w.testVars[v]; ok {
		return def
	}
	def, ok := w.onlyValue(v)
	if !ok {
		def = nil
	}
	if w.testVars == nil {
		w.testVars = map[*types.Var]ast.Expr{}
	}
	w.testVars[v] = def // the walk meets the test once per path
	return def
}

// describesRoot reports whether v, a variable of the function declared
// after the response's, can only describe the response the walk follows:
// the response is never assigned again.
func (w *Paths) describesRoot(v *types.Var) bool {
	return w.Own != nil && !w.Own.Reassigned && v.Pos() >= w.Root.Pos() && v.Pos() >= w.Fn.Node().Pos() && v.Pos() < w.Fn.Node().End()
}

// statusCases returns the codes a case clause of a switch on the
// response's StatusCode lists, if they are all constants.
func (w *Paths) statusCases(sw *ast.SwitchStmt, cc *ast.CaseClause) (StatusSet, bool) {
	if sw.Tag == nil || !w.isStatusCode(sw.Tag) {
		return StatusSet{}, false
	}
	s := StatusSet{Limited: true}
	for _, e := range cc.List {
		c, ok := w.constInt(e)
		if !ok {
			return StatusSet{}, false
		}
		s = s.Or(statusRange(c, c))
	}
	return s, true
}

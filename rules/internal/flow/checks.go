package flow

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/internal/match"
)

// InsideLoop reports whether the node at c runs in a loop of the
// function fn (a loop around fn does not count: fn's defers run per call).
func InsideLoop(c, fn inspector.Cursor) bool {
	for p := c.Parent(); p.Valid() && p != fn; p = p.Parent() {
		switch p.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return true
		}
	}
	return false
}

// Mentions reports whether n refers to obj.
func Mentions(info *types.Info, n ast.Node, obj types.Object) bool {
	return MentionsVar(info, n, func(v types.Object) bool { return v == obj })
}

// MentionsVar reports whether n refers to an object that is.
func MentionsVar(info *types.Info, n ast.Node, is func(types.Object) bool) bool {
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		if id, ok := x.(*ast.Ident); ok {
			if obj := info.ObjectOf(id); obj != nil && is(obj) {
				found = true
			}
		}
		return !found
	})
	return found
}

// FuncBody returns the body of a *ast.FuncDecl or *ast.FuncLit, or nil.
func FuncBody(fn ast.Node) *ast.BlockStmt {
	switch n := fn.(type) {
	case *ast.FuncDecl:
		return n.Body
	case *ast.FuncLit:
		return n.Body
	}
	return nil
}

// AssignParts returns the left and right sides of an assignment or of a
// var declaration's spec (no right side if it has no values).
func AssignParts(n ast.Node) (lhs, rhs []ast.Expr) {
	switch n := n.(type) {
	case *ast.AssignStmt:
		return n.Lhs, n.Rhs
	case *ast.ValueSpec:
		for _, id := range n.Names {
			lhs = append(lhs, id)
		}
		return lhs, n.Values
	}
	return nil, nil
}

// IsNil reports whether e is the predeclared nil.
func IsNil(info *types.Info, e ast.Expr) bool { return isNil(info, e) }

// isNil reports whether e is the predeclared nil.
func isNil(info *types.Info, e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	_, isNil := info.Uses[id].(*types.Nil)
	return isNil
}

// isVar reports whether e names v.
func isVar(info *types.Info, e ast.Expr, v types.Object) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && info.Uses[id] == v
}

// TestsErr reports whether cond is err != nil (either way round), alone
// or as an operand of ||.
func TestsErr(info *types.Info, cond ast.Expr, errVar types.Object) bool {
	switch e := ast.Unparen(cond).(type) {
	case *ast.BinaryExpr:
		switch e.Op {
		case token.LOR:
			return TestsErr(info, e.X, errVar) || TestsErr(info, e.Y, errVar)
		case token.NEQ:
			return isVar(info, e.X, errVar) && isNil(info, e.Y) || isNil(info, e.X) && isVar(info, e.Y, errVar)
		}
	}
	return false
}

// TestsNoErr reports whether cond is err == nil (either way round), alone
// or as an operand of &&: the block it guards runs only without an error.
func TestsNoErr(info *types.Info, cond ast.Expr, errVar types.Object) bool {
	switch e := ast.Unparen(cond).(type) {
	case *ast.BinaryExpr:
		switch e.Op {
		case token.LAND:
			return TestsNoErr(info, e.X, errVar) || TestsNoErr(info, e.Y, errVar)
		case token.EQL:
			return isVar(info, e.X, errVar) && isNil(info, e.Y) || isNil(info, e.X) && isVar(info, e.Y, errVar)
		}
	}
	return false
}

// OnlyOnErr reports whether the if statement's block runs only when the
// error errVar is not nil: its condition has, as itself or as an operand
// of &&, err != nil, errors.As(err, target) (false for a nil error),
// errors.Is(err, ErrSentinel) with a package-level sentinel, or the ok of
// a comma-ok assertion of err its init makes (if ne, ok :=
// err.(net.Error); ok && ne.Timeout()).
func OnlyOnErr(info *types.Info, ifs *ast.IfStmt, errVar types.Object) bool {
	var ok types.Object
	if as, isAssign := ifs.Init.(*ast.AssignStmt); isAssign && len(as.Lhs) == 2 && len(as.Rhs) == 1 {
		if ta, isAssert := ast.Unparen(as.Rhs[0]).(*ast.TypeAssertExpr); isAssert && isVar(info, ta.X, errVar) {
			if id, isIdent := as.Lhs[1].(*ast.Ident); isIdent {
				ok = info.ObjectOf(id)
			}
		}
	} else if ifs.Init != nil {
		return false
	}
	var implies func(e ast.Expr) bool
	implies = func(e ast.Expr) bool {
		switch e := ast.Unparen(e).(type) {
		case *ast.BinaryExpr:
			switch e.Op {
			case token.LAND:
				return implies(e.X) || implies(e.Y)
			case token.NEQ:
				return isVar(info, e.X, errVar) && isNil(info, e.Y) || isNil(info, e.X) && isVar(info, e.Y, errVar)
			}
		case *ast.Ident:
			return ok != nil && info.Uses[e] == ok
		case *ast.CallExpr:
			fn := match.CalleeFunc(info, e)
			if len(e.Args) != 2 || !isVar(info, e.Args[0], errVar) {
				return false
			}
			// errors.Is(nil, target) is target == nil: false for a
			// sentinel, a package-level error variable.
			sentinel, _ := match.ObjOf(info, e.Args[1]).(*types.Var)
			return match.IsFunc(fn, "errors", "As") ||
				match.IsFunc(fn, "errors", "Is") && sentinel != nil && !sentinel.IsField() && sentinel.Pkg() != nil && sentinel.Parent() == sentinel.Pkg().Scope()
		}
		return false
	}
	return implies(ifs.Cond)
}

// Terminates reports whether a statement never completes normally: it
// returns, panics, branches away or ends the process.
func Terminates(info *types.Info, s ast.Stmt) bool { return terminates(info, s, true) }

// LeavesFunction reports whether every path through s ends the function
// (a return, a panic, a call that does not return): a Terminates that
// takes no break, continue or goto, which may go on elsewhere.
func LeavesFunction(info *types.Info, s ast.Stmt) bool { return terminates(info, s, false) }

// terminates is Terminates, with branches saying whether a break,
// continue or goto counts.
func terminates(info *types.Info, s ast.Stmt, branches bool) bool {
	switch s := s.(type) {
	case *ast.BlockStmt:
		return len(s.List) > 0 && terminates(info, s.List[len(s.List)-1], branches)
	case *ast.ReturnStmt:
		return true
	case *ast.BranchStmt:
		return branches
	case *ast.IfStmt:
		return s.Else != nil && terminates(info, s.Body, branches) && terminates(info, s.Else, branches)
	case *ast.LabeledStmt:
		return terminates(info, s.Stmt, branches)
	case *ast.SelectStmt:
		// select { case <-ctx.Done(): return ctx.Err(); default: return
		// err }: every clause ends the path, and no break leaves it.
		return clausesTerminate(info, s.Body, true, branches)
	case *ast.SwitchStmt:
		return clausesTerminate(info, s.Body, false, branches)
	case *ast.TypeSwitchStmt:
		return clausesTerminate(info, s.Body, false, branches)
	case *ast.ExprStmt:
		call, ok := ast.Unparen(s.X).(*ast.CallExpr)
		if !ok {
			return false
		}
		if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" {
			_, builtin := info.Uses[id].(*types.Builtin)
			return builtin
		}
		return match.NoReturn(info, call)
	}
	return false
}

// clausesTerminate reports whether a switch's or select's clauses all end
// the path (terminates, with branches), as the spec's terminating
// statements do: a switch
// needs a default clause (a select blocks until a clause runs), a switch
// clause may fall through to the next, and no unlabeled break (nor any
// labeled one, which may name the statement) leaves it.
func clausesTerminate(info *types.Info, body *ast.BlockStmt, isSelect, branches bool) bool {
	hasDefault := isSelect
	for i, c := range body.List {
		var list []ast.Stmt
		switch c := c.(type) {
		case *ast.CaseClause:
			list, hasDefault = c.Body, hasDefault || c.List == nil
		case *ast.CommClause:
			list = c.Body
		default:
			return false
		}
		if breaks(list) {
			return false
		}
		if len(list) == 0 {
			return false
		}
		last := list[len(list)-1]
		if b, ok := last.(*ast.BranchStmt); ok && b.Tok == token.FALLTHROUGH && i < len(body.List)-1 {
			continue
		}
		if b, ok := last.(*ast.BranchStmt); ok && b.Tok == token.BREAK {
			return false
		}
		if !terminates(info, last, branches) {
			return false
		}
	}
	return hasDefault
}

// breaks reports whether the statements hold a break that may leave the
// switch or select around them: an unlabeled one outside any nested
// loop, switch or select, or a labeled one anywhere.
func breaks(list []ast.Stmt) bool {
	found := false
	var visit func(n ast.Node, nested bool) bool
	visit = func(n ast.Node, nested bool) bool {
		ast.Inspect(n, func(m ast.Node) bool {
			if found || m == nil {
				return false
			}
			switch m := m.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				if m != n {
					visit(m, true)
					return false
				}
			case *ast.BranchStmt:
				if m.Tok == token.BREAK && (m.Label != nil || !nested) {
					found = true
				}
			}
			return true
		})
		return found
	}
	for _, s := range list {
		if visit(s, false) {
			return true
		}
	}
	return false
}

// AssertsNoErr reports whether the statement ends the test (or the
// goroutine) when errVar is not nil: require.NoError(t, err) and its
// kin from testify's require package, which call t.FailNow, and
// gomega's Expect(err).NotTo(HaveOccurred()) (or To(Succeed())), which
// fail the running spec at once.
func AssertsNoErr(info *types.Info, s ast.Stmt, errVar types.Object) bool {
	es, ok := s.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := ast.Unparen(es.X).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn := match.CalleeFunc(info, call)
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	mentionsErr := func(args []ast.Expr) bool {
		for _, a := range args {
			if isVar(info, a, errVar) {
				return true
			}
		}
		return false
	}
	switch fn.Pkg().Path() {
	case "github.com/stretchr/testify/require":
		switch fn.Name() {
		case "NoError", "NoErrorf", "Nil", "Nilf":
			return mentionsErr(call.Args)
		}
	case "github.com/onsi/gomega", "github.com/onsi/gomega/types", "github.com/onsi/gomega/internal":
		// Expect(err).NotTo(HaveOccurred()), Ω(err).ShouldNot(...),
		// Expect(err).To(Succeed()).
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || len(call.Args) != 1 {
			return false
		}
		inner, ok := ast.Unparen(sel.X).(*ast.CallExpr)
		if !ok || !mentionsErr(inner.Args) {
			return false
		}
		matcher, ok := ast.Unparen(call.Args[0]).(*ast.CallExpr)
		if !ok {
			return false
		}
		m := match.CalleeFunc(info, matcher)
		if m == nil {
			return false
		}
		switch sel.Sel.Name {
		case "NotTo", "ToNot", "ShouldNot":
			return m.Name() == "HaveOccurred"
		case "To", "Should":
			return m.Name() == "Succeed"
		}
	}
	return false
}

// EnclosingFunc returns the innermost *ast.FuncDecl or *ast.FuncLit
// around the node at c, or nil.
func EnclosingFunc(c inspector.Cursor) ast.Node {
	for p := c.Parent(); p.Valid(); p = p.Parent() {
		switch n := p.Node().(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return n
		}
	}
	return nil
}

// AssignsVar reports whether n gives v a new value (an assignment or a
// declaration of it), outside the function literals in it.
func AssignsVar(info *types.Info, n ast.Node, v *types.Var) bool {
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		if found {
			return false
		}
		if _, ok := x.(*ast.FuncLit); ok {
			return false
		}
		lhs, _ := AssignParts(x)
		for _, l := range lhs {
			if id, ok := ast.Unparen(l).(*ast.Ident); ok && info.ObjectOf(id) == v {
				found = true
			}
		}
		return !found
	})
	return found
}

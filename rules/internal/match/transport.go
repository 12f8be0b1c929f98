package match

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
)

// IsTransport reports whether t (through aliases) is net/http.Transport.
func IsTransport(t types.Type) bool { return IsNamed(t, NetHTTP, "Transport") }

// IsRequest reports whether t is net/http.Request or a pointer to it.
func IsRequest(t types.Type) bool {
	return IsNamed(t, NetHTTP, "Request") || IsPtrTo(t, NetHTTP, "Request")
}

// KeyedField returns the element of a keyed struct literal that sets the
// field name, or nil. (The literal's type says which struct the name is a
// field of: a caller checks it first.)
func KeyedField(lit *ast.CompositeLit, name string) *ast.KeyValueExpr {
	for _, elt := range lit.Elts {
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == name {
				return kv
			}
		}
	}
	return nil
}

// FieldOf returns the struct field a selector expression selects (x.f,
// through embedding and pointers), or nil if it selects something else.
func FieldOf(info *types.Info, e ast.Expr) *types.Var {
	se, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	sel := info.Selections[se]
	if sel == nil || sel.Kind() != types.FieldVal {
		return nil
	}
	v, _ := sel.Obj().(*types.Var)
	return v
}

// IsField reports whether v is the field name of the struct type
// path.typ (a field of a type embedded in it is a field of that type).
func IsField(v *types.Var, path, typ, name string) bool {
	if v == nil || !v.IsField() || v.Name() != name || v.Pkg() == nil || v.Pkg().Path() != path {
		return false
	}
	obj := v.Pkg().Scope().Lookup(typ)
	if obj == nil {
		return false
	}
	st, ok := obj.Type().Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := range st.NumFields() {
		if st.Field(i) == v {
			return true
		}
	}
	return false
}

// ConstInt returns the value of e if it is an integer constant that fits
// an int64.
func ConstInt(info *types.Info, e ast.Expr) (int64, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil {
		return 0, false
	}
	v := constant.ToInt(tv.Value)
	if v.Kind() != constant.Int {
		return 0, false
	}
	return constant.Int64Val(v)
}

// ConstString returns the value of e if it is a string constant.
func ConstString(info *types.Info, e ast.Expr) (string, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}

// OneFieldPerLine reports whether a composite literal is written with its
// elements on lines of their own (the first one below the opening
// brace), so that a new element goes on a line of its own too.
func OneFieldPerLine(fset *token.FileSet, lit *ast.CompositeLit) bool {
	open, end := fset.Position(lit.Lbrace).Line, fset.Position(lit.Rbrace).Line
	if len(lit.Elts) == 0 {
		return open != end
	}
	return fset.Position(lit.Elts[0].Pos()).Line > open
}

// LitType returns the type a composite literal builds: for an element
// whose type is elided in a list of pointers ([]*T{{...}}), T, which the
// type checker records as *T.
func LitType(info *types.Info, lit *ast.CompositeLit) types.Type {
	t := info.TypeOf(lit)
	if lit.Type == nil {
		if p, ok := types.Unalias(t).(*types.Pointer); ok {
			return p.Elem()
		}
	}
	return t
}

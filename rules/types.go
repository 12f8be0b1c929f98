package rules

import (
	"go/ast"
	"go/types"
	"strconv"

	"golang.org/x/tools/go/types/typeutil"

	"github.com/httpfix/httpfix/rewrite"
)

const netHTTP = "net/http"

// isPkgObj reports whether obj is the package-level object path.name.
func isPkgObj(obj types.Object, path, name string) bool {
	return obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == path && obj.Name() == name &&
		obj.Parent() == obj.Pkg().Scope()
}

// isNamed reports whether t (through aliases) is the named type path.name.
func isNamed(t types.Type, path, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Name() == name && obj.Pkg() != nil && obj.Pkg().Path() == path
}

// isPtrTo reports whether t is a pointer to the named type path.name.
func isPtrTo(t types.Type, path, name string) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isNamed(p.Elem(), path, name)
}

// isResponsePtr reports whether t is *net/http.Response.
func isResponsePtr(t types.Type) bool { return isPtrTo(t, netHTTP, "Response") }

// isClient reports whether t is net/http.Client or a pointer to it.
func isClient(t types.Type) bool {
	return isNamed(t, netHTTP, "Client") || isPtrTo(t, netHTTP, "Client")
}

// calleeFunc returns the function or method a call statically calls, or
// nil (a call of a function value, a conversion, a builtin).
func calleeFunc(info *types.Info, call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	return fn
}

// isFunc reports whether fn is the package-level function path.name.
func isFunc(fn *types.Func, path, name string) bool {
	return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == path && fn.Name() == name &&
		fn.Signature().Recv() == nil
}

// isMethod reports whether fn is the method name of the named type
// path.typ (with a pointer or value receiver), or of an interface type
// of that name.
func isMethod(fn *types.Func, path, typ, name string) bool {
	if fn == nil || fn.Name() != name {
		return false
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		return false
	}
	t := recv.Type()
	return isNamed(t, path, typ) || isPtrTo(t, path, typ)
}

// objOf returns the object an identifier or a package-qualified selector
// refers to (http.Get, nethttp.DefaultClient, or Get under a dot import).
func objOf(info *types.Info, e ast.Expr) types.Object {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return info.Uses[e]
	case *ast.SelectorExpr:
		if sel, ok := info.Selections[e]; ok {
			return sel.Obj()
		}
		return info.Uses[e.Sel]
	}
	return nil
}

// localVar returns the variable an expression names if it is a local
// variable (declared inside a function), or nil.
func localVar(info *types.Info, e ast.Expr) *types.Var {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := info.ObjectOf(id).(*types.Var)
	if !ok || v.IsField() || v.Pkg() == nil || v.Parent() == v.Pkg().Scope() || v.Parent() == nil {
		return nil
	}
	return v
}

// isPackageLevel reports whether obj is declared at package level (or is
// an import, a builtin or a universe object): something a package-level
// declaration may refer to.
func isPackageLevel(obj types.Object) bool {
	switch obj := obj.(type) {
	case nil:
		return false
	case *types.PkgName, *types.Builtin, *types.Nil:
		return true
	case *types.Var:
		if obj.IsField() {
			return true
		}
	}
	if obj.Pkg() == nil {
		return true // universe
	}
	return obj.Parent() == obj.Pkg().Scope()
}

// fileImports maps the names a file gives its imports to their paths;
// dot imports are listed under ".".
type fileImports struct {
	byName map[string]string
	dot    []string
}

func importsOf(f *ast.File) fileImports {
	imps := fileImports{byName: map[string]string{}}
	for _, spec := range f.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		switch name := importName(spec, path); name {
		case ".":
			imps.dot = append(imps.dot, path)
		case "_":
		default:
			imps.byName[name] = path
		}
	}
	return imps
}

// importName returns the name an import spec gives its package: its
// explicit name, or the one its path suggests.
func importName(spec *ast.ImportSpec, path string) string {
	if spec.Name != nil {
		return spec.Name.Name
	}
	return rewrite.DefaultImportName(path)
}

// Package match recognises the objects and types httpfix's rules care
// about, by type object, never by spelling: an aliased or dot import of
// net/http, a method of the user's own type that returns *http.Response,
// and a third-party client are all seen for what they are.
package match

import (
	"go/ast"
	"go/constant"
	"go/types"
	"strconv"

	"golang.org/x/tools/go/types/typeutil"
)

// NetHTTP is the import path of net/http.
const NetHTTP = "net/http"

// IsPkgObj reports whether obj is the package-level object path.name.
func IsPkgObj(obj types.Object, path, name string) bool {
	return obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == path && obj.Name() == name &&
		obj.Parent() == obj.Pkg().Scope()
}

// IsNamed reports whether t (through aliases) is the named type path.name.
func IsNamed(t types.Type, path, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Name() == name && obj.Pkg() != nil && obj.Pkg().Path() == path
}

// IsPtrTo reports whether t is a pointer to the named type path.name.
func IsPtrTo(t types.Type, path, name string) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && IsNamed(p.Elem(), path, name)
}

// IsResponsePtr reports whether t is *net/http.Response.
func IsResponsePtr(t types.Type) bool { return IsPtrTo(t, NetHTTP, "Response") }

// IsResponseLike reports whether t is *net/http.Response, or a pointer
// to a struct of an API library that embeds one (go-github's
// *github.Response, godo's *godo.Response), whose Body is the embedded
// response's: what is true of a response's body is true of its.
func IsResponseLike(t types.Type) bool { return IsResponsePtr(t) || IsResponseWrapper(t) }

// IsResponseWrapper reports whether t is a pointer to a named struct
// that embeds *net/http.Response, such that its Body is the embedded
// response's (no field or method of its own shadows it).
func IsResponseWrapper(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return false
	}
	named, ok := types.Unalias(p.Elem()).(*types.Named)
	if !ok || IsNamed(named, NetHTTP, "Response") {
		return false
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		return false
	}
	embeds := false
	for i := 0; i < st.NumFields(); i++ {
		if f := st.Field(i); f.Embedded() && IsResponsePtr(f.Type()) {
			embeds = true
		}
	}
	if !embeds {
		return false
	}
	obj, index, _ := types.LookupFieldOrMethod(t, true, nil, "Body")
	v, ok := obj.(*types.Var)
	return ok && v.IsField() && len(index) == 2 && v.Pkg() != nil && v.Pkg().Path() == NetHTTP
}

// IsClient reports whether t is net/http.Client or a pointer to it.
func IsClient(t types.Type) bool {
	return IsNamed(t, NetHTTP, "Client") || IsPtrTo(t, NetHTTP, "Client")
}

// ClientSends reports whether name is a method of http.Client that sends
// a request and returns its response.
func ClientSends(name string) bool {
	switch name {
	case "Do", "Get", "Head", "Post", "PostForm":
		return true
	}
	return false
}

// IsDefaultClientFunc reports whether fn is one of net/http's functions
// that send a request with http.DefaultClient: Get, Head, Post,
// PostForm.
func IsDefaultClientFunc(fn *types.Func) bool {
	return fn != nil && fn.Name() != "Do" && ClientSends(fn.Name()) && IsFunc(fn, NetHTTP, fn.Name())
}

// SendsRequest reports whether fn is one of net/http's functions and
// methods that send a request and return its response: the functions on
// http.DefaultClient, a Client's methods that send, and RoundTrip (of a
// Transport, or of any RoundTripper).
func SendsRequest(fn *types.Func) bool {
	switch {
	case fn == nil:
		return false
	case IsDefaultClientFunc(fn):
		return true
	case ClientSends(fn.Name()):
		return IsMethod(fn, NetHTTP, "Client", fn.Name())
	case fn.Name() == "RoundTrip":
		return IsMethod(fn, NetHTTP, "Transport", "RoundTrip") || IsMethod(fn, NetHTTP, "RoundTripper", "RoundTrip")
	}
	return false
}

// IsError reports whether t is the predeclared error type.
func IsError(t types.Type) bool {
	return t != nil && types.Identical(t, types.Universe.Lookup("error").Type())
}

// CalleeFunc returns the function or method a call statically calls, or
// nil (a call of a function value, a conversion, a builtin).
func CalleeFunc(info *types.Info, call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	return fn
}

// IsFunc reports whether fn is the package-level function path.name.
func IsFunc(fn *types.Func, path, name string) bool {
	return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == path && fn.Name() == name &&
		fn.Signature().Recv() == nil
}

// IsMethod reports whether fn is the method name of the named type
// path.typ (with a pointer or value receiver), or of an interface type
// of that name.
func IsMethod(fn *types.Func, path, typ, name string) bool {
	if fn == nil || fn.Name() != name {
		return false
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		return false
	}
	t := recv.Type()
	return IsNamed(t, path, typ) || IsPtrTo(t, path, typ)
}

// ObjOf returns the object an identifier or a package-qualified selector
// refers to (http.Get, nethttp.DefaultClient, or Get under a dot import).
func ObjOf(info *types.Info, e ast.Expr) types.Object {
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

// IdentObj returns the object an identifier declares or uses, or nil.
func IdentObj(info *types.Info, e ast.Expr) types.Object {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	return info.ObjectOf(id)
}

// LocalVar returns the variable an expression names if it is a local
// variable (declared inside a function), or nil.
func LocalVar(info *types.Info, e ast.Expr) *types.Var {
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

// IsPackageLevel reports whether obj is declared at package level (or is
// an import, a builtin or a universe object): something a package-level
// declaration may refer to.
func IsPackageLevel(obj types.Object) bool {
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

// IsConstTrue reports whether e is a constant true.
func IsConstTrue(info *types.Info, e ast.Expr) bool {
	tv, ok := info.Types[e]
	return ok && tv.Value != nil && tv.Value.Kind() == constant.Bool && constant.BoolVal(tv.Value)
}

// Imports reports whether pkg imports path directly.
func Imports(pkg *types.Package, path string) bool {
	for _, imp := range pkg.Imports() {
		if imp.Path() == path {
			return true
		}
	}
	return false
}

// MayHold reports whether a value of type t may hold (or be) a value of
// the named type path.name, or a pointer to one: through fields, elements,
// pointers, or as an interface that such a pointer implements.
func MayHold(t types.Type, path, name string) bool {
	return mayHold(t, path, name, map[types.Type]bool{})
}

func mayHold(t types.Type, path, name string, seen map[types.Type]bool) bool {
	t = types.Unalias(t)
	if seen[t] {
		return false
	}
	seen[t] = true
	if IsNamed(t, path, name) {
		return true
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		return mayHold(u.Elem(), path, name, seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if mayHold(u.Field(i).Type(), path, name, seen) {
				return true
			}
		}
	case *types.Slice:
		return mayHold(u.Elem(), path, name, seen)
	case *types.Array:
		return mayHold(u.Elem(), path, name, seen)
	case *types.Map:
		return mayHold(u.Key(), path, name, seen) || mayHold(u.Elem(), path, name, seen)
	case *types.Chan:
		return mayHold(u.Elem(), path, name, seen)
	case *types.Interface:
		return true
	case *types.Signature:
		return true // a closure may capture it
	}
	return false
}

// NoReturn reports whether a call ends the goroutine or the process
// without returning: os.Exit, log.Fatal, runtime.Goexit, t.Fatal and the
// Fatal functions of logging packages.
func NoReturn(info *types.Info, call *ast.CallExpr) bool {
	fn := CalleeFunc(info, call)
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

// FileImports maps the names a file gives its imports to their paths,
// for files read without types; dot imports are listed in Dot.
type FileImports struct {
	ByName map[string]string
	Dot    []string
}

// ImportsOf returns the imports of a file read without types, each under
// the name it gives the package or, without one, the name its path
// suggests.
func ImportsOf(f *ast.File, defaultName func(path string) string) FileImports {
	imps := FileImports{ByName: map[string]string{}}
	for _, spec := range f.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		name := defaultName(path)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		switch name {
		case ".":
			imps.Dot = append(imps.Dot, path)
		case "_":
		default:
			imps.ByName[name] = path
		}
	}
	return imps
}

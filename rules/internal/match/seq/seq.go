// Package seq tells which code of a program can run concurrently with
// which: whether a package, with the code it imports, may start
// goroutines (a package fact), and which functions of a main package run
// at most once, in main's own goroutine.
//
// A program makes concurrent requests only from goroutines, and every
// goroutine is started by a go statement, or by a function that runs code
// it is given on goroutines of its own (errgroup.Group.Go, time.AfterFunc,
// an http.Server calling its handlers). A package is sequential when its
// own code starts none, it hands code (a function, or a value with
// methods) to no package whose behaviour is not known, and every package
// it imports that is analyzed is sequential too. The standard library's
// own go statements do its own work (a connection's read loop), and are
// not counted: the functions of it that run code they are given on
// goroutines (goStarters) count as starting them; its other functions run
// the code they are given (a sort's less, a walk's callback) in the
// caller's goroutine. A package that is not analyzed (one that does not
// import net/http, and so makes no request itself) can only run
// concurrently code that the package hands it: handing it a function, or
// a value that holds code (an interface with methods, a Client), counts
// as concurrent; handing it data, or values such packages made (an
// option function of its own, a tag it declares), does not; importing one that imports,
// directly or not, a package that makes requests counts as concurrent
// (its goroutines may call that package). What is not seen: a function
// value that such a package made (returned, or kept in a variable of its
// own), called with code as its argument; code sent on a channel it made;
// and, where the driver loads such a package from export data (the
// httpfix command, which analyzes only the packages that import
// net/http), the imports its API does not mention: its goroutines might
// call a library that makes requests on a client the program set as that
// library's default (a package variable). Drivers that analyze every
// package (go vet, go/analysis/checker) have a fact for each: none of
// these arises there.
package seq

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/httpfix/httpfix/rules/internal/flow"
	"github.com/httpfix/httpfix/rules/internal/match"
)

// Fact says whether a package, with what it imports, may start
// goroutines, and why.
type Fact struct {
	Concurrent bool
	Why        string // what starts them, when Concurrent
}

func (*Fact) AFact() {}

func (f *Fact) String() string {
	if !f.Concurrent {
		return "sequential"
	}
	return "concurrent(" + f.Why + ")"
}

// Analyzer computes the package's Fact; its result is a Result.
var Analyzer = &analysis.Analyzer{
	Name:       "httpfixseq",
	Doc:        "whether a package, or the code it imports, may start goroutines",
	Run:        run,
	FactTypes:  []analysis.Fact{new(Fact)},
	ResultType: reflect.TypeOf((*Result)(nil)),
}

// Result is the package's Fact, with the Facts of the packages it
// imports directly: an analyzer cannot import another's facts, and a
// rule that sees code handed to a function of an imported package needs
// to know whether that package may run it on goroutines.
type Result struct {
	*Fact
	imports map[*types.Package]*Fact
}

// Sequential reports whether pkg, a package the analyzed one imports
// directly, is analyzed and starts no goroutine, nor does any package it
// imports: whatever its functions are handed runs in the caller's
// goroutine, before they return.
func (r *Result) Sequential(pkg *types.Package) bool {
	f := r.imports[pkg]
	return f != nil && !f.Concurrent
}

func run(pass *analysis.Pass) (any, error) {
	f := &Fact{}
	if why := concurrency(pass); why != "" {
		f.Concurrent, f.Why = true, why
	}
	pass.ExportPackageFact(f)
	r := &Result{Fact: f, imports: map[*types.Package]*Fact{}}
	for _, imp := range pass.Pkg.Imports() {
		if g := new(Fact); pass.ImportPackageFact(imp, g) {
			r.imports[imp] = g
		}
	}
	return r, nil
}

// goStarters are the functions and methods of the standard library that
// run code they are given (a function, a handler, a reader) on goroutines
// of their own.
var goStarters = map[string]bool{
	"time.AfterFunc":                    true,
	"context.AfterFunc":                 true,
	"runtime.SetFinalizer":              true,
	"runtime.AddCleanup":                true,
	"net/http.Serve":                    true,
	"net/http.ServeTLS":                 true,
	"net/http.ListenAndServe":           true,
	"net/http.ListenAndServeTLS":        true,
	"net/http.Server.Serve":             true,
	"net/http.Server.ServeTLS":          true,
	"net/http.Server.ListenAndServe":    true,
	"net/http.Server.ListenAndServeTLS": true,
	"net/http/httptest.NewServer":       true,
	"net/http/httptest.NewTLSServer":    true,
	"net/http/httptest.Server.Start":    true,
	"net/http/httptest.Server.StartTLS": true,
	"net/http/fcgi.Serve":               true,
	"net/rpc.Accept":                    true,
	"net/rpc.ServeConn":                 true,
	"net/rpc.Server.Accept":             true,
	"net/rpc.Server.ServeConn":          true,
	"os/exec.Cmd.Start":                 true,
	"os/exec.Cmd.Run":                   true,
	"os/exec.Cmd.Output":                true,
	"os/exec.Cmd.CombinedOutput":        true,
}

// funcKey names fn as goStarters does: path.Name, or path.Type.Name for
// a method.
func funcKey(fn *types.Func) string {
	if fn.Pkg() == nil {
		return ""
	}
	if recv := fn.Signature().Recv(); recv != nil {
		t := recv.Type()
		if p, ok := types.Unalias(t).(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok {
			return fn.Pkg().Path() + "." + n.Obj().Name() + "." + fn.Name()
		}
		return ""
	}
	return fn.Pkg().Path() + "." + fn.Name()
}

// IsStd reports whether path is a package of the standard library: its
// first element has no dot, and it is a directory of GOROOT/src (a
// module of the user's may be named without a dot: myapp/lib).
func IsStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	if strings.Contains(first, ".") {
		return false
	}
	if v, ok := stdDirs.Load(path); ok {
		return v.(bool)
	}
	std := true // GOROOT unknown: the convention alone
	if root := build.Default.GOROOT; root != "" {
		fi, err := os.Stat(filepath.Join(root, "src", filepath.FromSlash(path)))
		std = err == nil && fi.IsDir()
	}
	stdDirs.Store(path, std)
	return std
}

// stdDirs caches IsStd by import path.
var stdDirs sync.Map

// concurrency returns what in the package, or in what it imports, may
// start goroutines, or "".
func concurrency(pass *analysis.Pass) string {
	unknown := map[*types.Package]bool{}
	for _, imp := range pass.Pkg.Imports() {
		if IsStd(imp.Path()) {
			continue
		}
		var f Fact
		if !pass.ImportPackageFact(imp, &f) {
			if via := reachesRequests(pass, imp, map[*types.Package]bool{}); via != "" {
				// Its goroutines, if any, may call code that makes
				// requests, on what the program handed that code.
				return "it imports " + imp.Path() + ", which is not analyzed and imports " + via
			}
			unknown[imp] = true
			continue
		}
		if f.Concurrent {
			return "it imports " + imp.Path() + ", where " + f.Why
		}
	}
	why := ""
	at := func(pos token.Pos, format string, args ...any) {
		if why == "" {
			why = fmt.Sprintf(format, args...) + " at " + pass.Fset.Position(pos).String()
		}
	}
	for _, file := range pass.Files {
		ast.Inspect(file, func(n ast.Node) bool {
			if why != "" {
				return false
			}
			switch n := n.(type) {
			case *ast.GoStmt:
				at(n.Pos(), "a go statement starts a goroutine")
			case *ast.CallExpr:
				fn := match.CalleeFunc(pass.TypesInfo, n)
				switch {
				case fn != nil && fn.Signature().Recv() != nil && fn.Name() == "Go":
					at(n.Pos(), "%s starts a goroutine", types.ExprString(n.Fun))
				case fn != nil && goStarters[funcKey(fn)]:
					at(n.Pos(), "%s runs code on goroutines", types.ExprString(n.Fun))
				case fn != nil && fn.Pkg() != nil && unknown[fn.Pkg()]:
					for _, a := range n.Args {
						if holdsCode(pass.TypesInfo.TypeOf(a)) && !foreign(pass.TypesInfo, a, unknown) {
							at(a.Pos(), "%s, which is not analyzed, is handed code it may run on a goroutine", types.ExprString(n.Fun))
						}
					}
				}
			case *ast.CompositeLit:
				// A struct of a package not analyzed, holding code
				// (cmd := &cli.Command{Run: run}).
				if t, ok := types.Unalias(match.LitType(pass.TypesInfo, n)).(*types.Named); ok && t.Obj().Pkg() != nil && unknown[t.Obj().Pkg()] {
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							e = kv.Value
						}
						if holdsCode(pass.TypesInfo.TypeOf(e)) && !foreign(pass.TypesInfo, e, unknown) {
							at(e.Pos(), "a %s, which is not analyzed, is given code it may run on a goroutine", t.Obj().Name())
						}
					}
				}
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					if v := match.FieldOf(pass.TypesInfo, lhs); v != nil && v.Pkg() != nil && unknown[v.Pkg()] && i < len(n.Rhs) && holdsCode(pass.TypesInfo.TypeOf(n.Rhs[i])) && !foreign(pass.TypesInfo, n.Rhs[i], unknown) {
						at(lhs.Pos(), "%s, of a package not analyzed, is given code it may run on a goroutine", types.ExprString(lhs))
					}
				}
			}
			return true
		})
	}
	return why
}

// reachesRequests returns the package that a package not analyzed
// imports, directly or not, that may make requests (net/http, or an
// analyzed package: one that imports it), or "".
func reachesRequests(pass *analysis.Pass, pkg *types.Package, seen map[*types.Package]bool) string {
	for _, q := range pkg.Imports() {
		if seen[q] {
			continue
		}
		seen[q] = true
		if q.Path() == match.NetHTTP {
			return q.Path()
		}
		if IsStd(q.Path()) {
			continue
		}
		var f Fact
		if pass.ImportPackageFact(q, &f) {
			return q.Path()
		}
		if via := reachesRequests(pass, q, seen); via != "" {
			return via
		}
	}
	return ""
}

// foreign reports whether e is a value that packages not analyzed made,
// with none of the package's code in it: a function or variable of such
// a package (cases.NoLower, language.English), or what a function of one
// returns when handed only such values or data (cases.Title(
// language.English)). Such a package makes no request (it would import
// net/http, or a package that does, and be analyzed or counted as
// concurrent), so the code its values hold cannot make one either.
func foreign(info *types.Info, e ast.Expr, unknown map[*types.Package]bool) bool {
	switch x := ast.Unparen(e).(type) {
	case *ast.SelectorExpr:
		obj := match.ObjOf(info, x)
		if obj == nil || obj.Pkg() == nil || !unknown[obj.Pkg()] || obj.Parent() != obj.Pkg().Scope() {
			return false
		}
		switch obj.(type) {
		case *types.Func, *types.Var, *types.Const:
			return true
		}
	case *ast.CallExpr:
		fn := match.CalleeFunc(info, x)
		if fn == nil || fn.Pkg() == nil || !unknown[fn.Pkg()] || fn.Signature().Recv() != nil {
			return false
		}
		for _, a := range x.Args {
			if holdsCode(info.TypeOf(a)) && !foreign(info, a, unknown) {
				return false
			}
		}
		return true
	}
	return false
}

// holdsCode reports whether a value of type t may hold code another
// package could call: a function, a value of an interface with methods,
// an http.Client or Transport, through fields, elements and pointers. A
// value of the empty interface, as handed to an encoder, is data.
func holdsCode(t types.Type) bool { return holdsCode1(t, map[types.Type]bool{}) }

func holdsCode1(t types.Type, seen map[types.Type]bool) bool {
	if t == nil {
		return false
	}
	t = types.Unalias(t)
	if seen[t] {
		return false
	}
	seen[t] = true
	if match.IsClient(t) || match.IsNamed(t, match.NetHTTP, "Transport") {
		return true
	}
	switch u := t.Underlying().(type) {
	case *types.Signature:
		return true
	case *types.Interface:
		return u.NumMethods() > 0
	case *types.Pointer:
		return holdsCode1(u.Elem(), seen)
	case *types.Slice:
		return holdsCode1(u.Elem(), seen)
	case *types.Array:
		return holdsCode1(u.Elem(), seen)
	case *types.Chan:
		return holdsCode1(u.Elem(), seen)
	case *types.Map:
		return holdsCode1(u.Key(), seen) || holdsCode1(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			if holdsCode1(u.Field(i).Type(), seen) {
				return true
			}
		}
	}
	return false
}

// InMain reports whether fn is the function main of package main.
func InMain(pkg *types.Package, fn ast.Node) bool {
	fd, ok := fn.(*ast.FuncDecl)
	return ok && fd.Recv == nil && fd.Name.Name == "main" && pkg.Name() == "main"
}

// RunsOnce returns the functions of package main that run at most once,
// in main's goroutine, each time the program runs: main, and a function
// that is only called (never used as a value), outside loops and go
// statements, directly by functions that run once. (A function called
// at two places of main runs twice, one after the other, which is what
// its callers need: no call of it overlaps another.) Nil outside package
// main.
func RunsOnce(pass *analysis.Pass) map[*ast.FuncDecl]bool {
	if pass.Pkg.Name() != "main" {
		return nil
	}
	decls := map[*types.Func]*ast.FuncDecl{}
	var mainDecl *ast.FuncDecl
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Body == nil {
				continue
			}
			if InMain(pass.Pkg, fd) {
				mainDecl = fd
				continue
			}
			if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok && fd.Name.Name != "init" {
				decls[fn] = fd
			}
		}
	}
	once := map[*ast.FuncDecl]bool{}
	if mainDecl == nil {
		return once
	}
	once[mainDecl] = true
	// The calls of each candidate: the function that makes each (nil if
	// the use is not a call made directly by a function declaration,
	// outside its loops and go statements).
	callers := map[*types.Func][]*ast.FuncDecl{}
	ins := inspector.New(pass.Files)
	for cur := range ins.Root().Preorder((*ast.Ident)(nil)) {
		fn, ok := pass.TypesInfo.Uses[cur.Node().(*ast.Ident)].(*types.Func)
		if !ok || decls[fn] == nil {
			continue
		}
		callers[fn] = append(callers[fn], onceCaller(cur))
	}
	for grew := true; grew; {
		grew = false
		for fn, fd := range decls {
			if once[fd] || len(callers[fn]) == 0 {
				continue
			}
			all := true
			for _, c := range callers[fn] {
				all = all && c != nil && once[c]
			}
			if all {
				once[fd] = true
				grew = true
			}
		}
	}
	return once
}

// onceCaller returns the function declaration that calls the function
// the identifier at cur names, if the identifier is called there
// directly, outside loops and go statements; else nil.
func onceCaller(cur inspector.Cursor) *ast.FuncDecl {
	call, ok := cur.Parent().Node().(*ast.CallExpr)
	if !ok || call.Fun != cur.Node() {
		return nil
	}
	for enc := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		fd, ok := enc.Node().(*ast.FuncDecl)
		if !ok || flow.InsideLoop(cur, enc) {
			return nil
		}
		for p := cur.Parent(); p != enc; p = p.Parent() {
			if _, ok := p.Node().(*ast.GoStmt); ok {
				return nil
			}
		}
		return fd
	}
	return nil
}

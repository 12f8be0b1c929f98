// The shared client: with the client key set
// (client = "example.com/mono/internal/httpx.Client"), the sites of a
// package move onto that client, a *http.Client the module declares
// once, instead of onto a client the package declares:
//
//	http.Get(u)                 -> httpx.Client.Get(u)      (httpx.Client().Get(u) for a function)
//	http.DefaultClient          -> httpx.Client
//	&http.Client{Timeout: d}    -> &http.Client{Transport: httpx.Client.Transport, Timeout: d}
//	new(http.Client)            -> &http.Client{Transport: httpx.Client.Transport}
//
// importing the client's package where a file does not yet.
//
// A package that the client's package imports, directly or not (or
// through its in-package tests), cannot import it: that would be an
// import cycle. Such a package, the client's package itself, and a
// package whose code or tests replace http.DefaultTransport (which the
// declared Transport defers to, and the shared client may not) declare a
// client of their own, as without the key; the result of the pass says
// why, for the driver's summary.
//
// Which packages the client's package imports is known to a driver that
// loads the module's import graph (the httpfix command, which sets
// config.Config.SharedClientOf). Other drivers (go vet, go fix) see only
// a package and its dependencies: there the client is used only by
// packages that already import its package, directly or not, which it
// therefore cannot import back; every other package declares a client
// of its own.

package defaultclient

import (
	"fmt"
	"go/types"

	"github.com/dave/dst"

	"github.com/httpfix/httpfix/rules/config"
	"github.com/httpfix/httpfix/rules/internal/edit"
)

// Result is what the analyzer returns for a package.
type Result struct {
	// Note, if set, says why the package's fixes declare a client of
	// their own although the client key names a shared one.
	Note string
}

// SummaryNote returns the note, for drivers that print one in their
// summary.
func (r *Result) SummaryNote() string {
	if r == nil {
		return ""
	}
	return r.Note
}

// sharedClient resolves the client key for the package: the client to
// use, or nil and why not (a note; "" when the key is not set).
func (p *defaultClientPass) sharedClient() (*config.SharedClient, string, error) {
	key := p.cfg.Client
	if key == "" {
		return nil, "", nil
	}
	path, name, err := config.ParseClient(key)
	if err != nil {
		return nil, "", fmt.Errorf("client: %v", err)
	}
	self := p.Pkg.Path()
	var sc *config.SharedClient
	if p.cfg.SharedClientOf != nil && p.Module != nil {
		sc = p.cfg.SharedClientOf(p.Module.Path)
	}
	if sc != nil {
		switch {
		case sc.Unavailable != "":
			return nil, sc.Unavailable, nil
		case self == sc.PkgPath:
			return nil, "it is the shared client's package", nil
		case sc.Deps[self]:
			return nil, "the shared client's package imports it, directly or not (an import cycle)", nil
		}
		return sc, "", nil
	}
	// No import graph: only a package that already depends on the
	// client's package can import it without a cycle.
	if self == path {
		return nil, "it is the shared client's package", nil
	}
	var dep *types.Package
	direct := false
	for _, imp := range p.Pkg.Imports() {
		if imp.Path() == path {
			dep, direct = imp, true
		}
	}
	if dep == nil {
		dep = transitiveImport(p.Pkg, path)
	}
	if dep == nil {
		return nil, fmt.Sprintf("it does not import %s yet, and without the import graph of the module (the httpfix command has it) importing it could make a cycle", path), nil
	}
	isFunc, err := config.CheckClient(dep, name)
	if err != nil {
		if !direct && dep.Scope().Lookup(name) == nil {
			// Known only through other packages' export data, which
			// holds what they refer to: not a proof of absence.
			return nil, fmt.Sprintf("it imports %s only indirectly, and its export data here does not show %s", path, name), nil
		}
		return nil, "", fmt.Errorf("client: %v", err)
	}
	return &config.SharedClient{PkgPath: path, PkgName: dep.Name(), Name: name, Func: isFunc}, "", nil
}

// transitiveImport returns the package path among the dependencies of
// pkg, or nil.
func transitiveImport(pkg *types.Package, path string) *types.Package {
	seen := map[*types.Package]bool{}
	var visit func(p *types.Package) *types.Package
	visit = func(p *types.Package) *types.Package {
		for _, q := range p.Imports() {
			if seen[q] {
				continue
			}
			seen[q] = true
			if q.Path() == path {
				return q
			}
			if r := visit(q); r != nil {
				return r
			}
		}
		return nil
	}
	return visit(pkg)
}

// sharedRef returns the expression naming the shared client: the
// variable, or a call of the function, qualified by its package (the fix
// adds the import where the file lacks it).
func sharedRef(sc *config.SharedClient) dst.Expr {
	id := &dst.Ident{Name: sc.Name, Path: sc.PkgPath}
	if sc.Func {
		return &dst.CallExpr{Fun: id}
	}
	return id
}

// sharedText is how a report writes the shared client.
func sharedText(sc *config.SharedClient) string {
	s := sc.PkgName + "." + sc.Name
	if sc.Func {
		s += "()"
	}
	return s
}

// rewriteShared moves the sites onto the shared client: one fix per site,
// which needs no declaration, only the import of the client's package.
func (p *defaultClientPass) rewriteShared(sites []defaultSite, sc *config.SharedClient) {
	for _, s := range sites {
		s := s
		if name, ok := edit.UsableAt(s.file, p.TypesInfo, s.pos, sc.PkgPath); !ok {
			p.s.Reportf(s.pos, "%s not rewritten: %s, the name of the shared client's package %s, is taken here by a local %s; rename the local and run httpfix again",
				s.describe(), name, sc.PkgPath, name)
			continue
		}
		fix := p.s.NewFix()
		refs := siteRefs{
			client:        func() dst.Expr { return sharedRef(sc) },
			transport:     func() dst.Expr { return &dst.SelectorExpr{X: sharedRef(sc), Sel: dst.NewIdent("Transport")} },
			clientText:    sharedText(sc) + ", the module's shared client",
			transportText: sharedText(sc) + ".Transport, the Transport of the module's shared client",
		}
		fix.Do(func(x *edit.Fix) bool { return rewriteSite(x, s, refs) })
		p.s.Fixed(s.pos, s.expr.End(), fix, "%s", s.finding(refs))
	}
}

package rewrite

import (
	"context"
	"errors"
	"fmt"
	"go/types"
	"os"
	"strings"

	"golang.org/x/tools/go/packages"
)

// ErrNotInModule is returned by LoadDeps for a package that module m
// does not provide and does not require.
var ErrNotInModule = errors.New("not provided by the module or its requirements")

// LoadDeps loads the package path as the packages of module m see it
// (under the build tags given), its types read from export data, and
// returns them with the import path of every package it depends on,
// directly or not, its in-package tests included, and its own: the
// packages that cannot import it without a cycle.
//
// It is how a driver resolves a package that a configuration names (the
// shared client of defaultclient) before the run: one go list of the
// package and its dependencies.
func LoadDeps(ctx context.Context, m *Module, tags []string, path string) (*types.Package, map[string]bool, error) {
	env := os.Environ()
	if m.Workspace == "" {
		env = append(env, "GOWORK=off")
	}
	cfg := &packages.Config{
		Context: ctx,
		Mode:    packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedDeps | packages.NeedModule,
		Dir:     m.Dir,
		Env:     env,
		Tests:   true,
	}
	if len(tags) > 0 {
		cfg.BuildFlags = []string{"-tags=" + strings.Join(tags, ",")}
	}
	pkgs, err := packages.Load(cfg, path)
	if err != nil {
		return nil, nil, fmt.Errorf("loading %s: %v", path, firstLine(err.Error()))
	}
	var pkg *packages.Package
	deps := map[string]bool{}
	var visit func(p *packages.Package)
	visit = func(p *packages.Package) {
		if deps[p.PkgPath] && p.PkgPath != path {
			return
		}
		deps[p.PkgPath] = true
		for _, q := range p.Imports {
			if !deps[q.PkgPath] {
				visit(q)
			}
		}
	}
	for _, p := range pkgs {
		switch {
		case p.ID == path:
			pkg = p
			visit(p)
		case p.PkgPath == path && p.ForTest == path:
			visit(p) // with its in-package tests: they cannot import it either
		}
	}
	if pkg == nil {
		return nil, nil, fmt.Errorf("package %s: %w", path, ErrNotInModule)
	}
	if len(pkg.Errors) > 0 {
		msg := firstLine(pkg.Errors[0].Msg)
		if strings.Contains(msg, "no required module provides") || strings.Contains(msg, "is not in std") || strings.Contains(msg, "cannot find module") {
			return nil, nil, fmt.Errorf("package %s: %w", path, ErrNotInModule)
		}
		return nil, nil, fmt.Errorf("package %s does not load: %s", path, msg)
	}
	if pkg.Types == nil {
		return nil, nil, fmt.Errorf("package %s has no type information", path)
	}
	return pkg.Types, deps, nil
}

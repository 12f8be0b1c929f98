package rewrite

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// This file narrows the packages a rule's Reaches word makes worth
// loading. A package that does not import a path a rule needs can still
// hold a site if it calls into a package of the tree that does: svc
// calling api.Get, which returns an *http.Response. The cheap test (svc
// imports api, which mentions "Response") loads every importer of every
// HTTP client package of a monorepo, most of which only use its other
// declarations. So the importer must also mention, as a word, one of the
// declarations through which the package reaches outside plain data: an
// exported function, variable or type whose signature, type or methods
// mention the Reaches word, a package other than the standard library's
// (a needed one, one of the tree, a third party's), or such a type of its
// own; or a method or field of such a type. A value of the package's
// types or results cannot reach the importer's code without one of those
// names being written there.

// reachInfo is what reachNames found in one package, computed once.
type reachInfo struct {
	once  sync.Once
	all   bool     // could not tell: every importer is worth loading
	names [][]byte // exported names that reach
}

// reachNames returns the exported names through which the package in pd
// reaches, or all=true if it cannot tell.
func (s *scanner) reachNames(pd *pkgDir) *reachInfo {
	s.mu.Lock()
	ri := s.reach[pd]
	if ri == nil {
		ri = &reachInfo{}
		if s.reach == nil {
			s.reach = map[*pkgDir]*reachInfo{}
		}
		s.reach[pd] = ri
	}
	s.mu.Unlock()
	ri.once.Do(func() { s.computeReach(pd, ri) })
	return ri
}

func (s *scanner) computeReach(pd *pkgDir, ri *reachInfo) {
	fset := token.NewFileSet()
	type fileInfo struct {
		f        *ast.File
		harmless map[string]bool // names of the standard library imports that reach nothing
	}
	var files []fileInfo
	for _, name := range pd.goFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			ri.all = true
			return
		}
		fi := fileInfo{f: f, harmless: map[string]bool{}}
		for _, is := range f.Imports {
			path, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				ri.all = true
				return
			}
			harmless := s.isStd(path) && !s.isNeeded(path) && !s.underNeeded(path)
			switch {
			case is.Name != nil && is.Name.Name == ".":
				if !harmless {
					ri.all = true // names of a package that reaches, unqualified
					return
				}
			case is.Name != nil:
				fi.harmless[is.Name.Name] = harmless
			default:
				fi.harmless[path[strings.LastIndex(path, "/")+1:]] = harmless
			}
		}
		files = append(files, fi)
	}

	// The identifiers each declaration mentions, and the methods, fields
	// and type of each type.
	type decl struct {
		name     string
		exported bool
		typ      bool       // a type, whose members come with it
		members  []string   // exported methods, fields, interface methods
		exprs    []ast.Node // what decides whether it reaches
		harmless map[string]bool
	}
	var decls []*decl
	types := map[string]*decl{}
	for _, fi := range files {
		for _, d := range fi.f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					decls = append(decls, &decl{name: d.Name.Name, exported: d.Name.IsExported(), exprs: []ast.Node{d.Type}, harmless: fi.harmless})
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						t := &decl{name: spec.Name.Name, exported: spec.Name.IsExported(), typ: true, exprs: []ast.Node{spec.Type}, harmless: fi.harmless}
						if spec.TypeParams != nil {
							t.exprs = append(t.exprs, spec.TypeParams)
						}
						var foreign bool
						t.members, foreign = memberNames(spec.Type, fi.harmless)
						if foreign {
							// Methods promoted from another package's
							// type are called under names this package
							// does not declare.
							ri.all = true
							return
						}
						decls = append(decls, t)
						types[t.name] = t
					case *ast.ValueSpec:
						if d.Tok != token.VAR {
							continue
						}
						var exprs []ast.Node
						if spec.Type != nil {
							exprs = append(exprs, spec.Type)
						} else {
							for _, v := range spec.Values {
								exprs = append(exprs, v)
							}
						}
						for _, n := range spec.Names {
							decls = append(decls, &decl{name: n.Name, exported: n.IsExported(), exprs: exprs, harmless: fi.harmless})
						}
					}
				}
			}
		}
	}
	// Methods belong to their receiver's type: a type reaches if one of
	// its methods' signatures does.
	for _, fi := range files {
		for _, d := range fi.f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) == 0 {
				continue
			}
			if t := types[receiverName(fd.Recv.List[0].Type)]; t != nil {
				t.exprs = append(t.exprs, fd.Type)
				if fd.Name.IsExported() {
					t.members = append(t.members, fd.Name.Name)
				}
			}
		}
	}

	// Which declarations reach: a fixpoint over the package's own names.
	reaching := map[string]bool{}
	mentions := func(d *decl) bool {
		found := false
		for _, e := range d.exprs {
			ast.Inspect(e, func(n ast.Node) bool {
				if found {
					return false
				}
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if x, ok := n.X.(*ast.Ident); ok {
						if harmless, isImport := d.harmless[x.Name]; isImport && harmless {
							return false
						}
						// A needed package, one of the tree, a third
						// party's; or a field or method of a local value
						// (in a variable's initial value), which might
						// be anything.
						found = true
						return false
					}
				case *ast.Ident:
					if reaching[n.Name] || s.isReachWord(n.Name) {
						found = true
					}
				}
				return true
			})
		}
		return found
	}
	for changed := true; changed; {
		changed = false
		for _, d := range decls {
			if !reaching[d.name] && mentions(d) {
				reaching[d.name] = true
				changed = true
			}
		}
	}
	seen := map[string]bool{}
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			ri.names = append(ri.names, []byte(name))
		}
	}
	for _, d := range decls {
		if !reaching[d.name] {
			continue
		}
		if d.exported {
			add(d.name)
		}
		if d.typ {
			for _, m := range d.members {
				add(m)
			}
		}
	}
}

// callsInto reports whether the files of pd mention, as a word, a name
// through which one of deps reaches.
func (s *scanner) callsInto(pd *pkgDir, deps []*pkgDir) bool {
	var names [][]byte
	for _, dep := range deps {
		ri := s.reachNames(dep)
		if ri.all {
			return true
		}
		names = append(names, ri.names...)
	}
	if len(names) == 0 {
		return false
	}
	files := pd.goFiles
	if s.tests {
		files = append(append([]string(nil), files...), pd.tests...)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return true
		}
		for _, name := range names {
			if containsWord(data, name) {
				return true
			}
		}
	}
	return false
}

// memberNames returns the exported fields of a struct type and the
// exported methods of an interface type, and whether it embeds a type of
// an import that is not harmless.
func memberNames(t ast.Expr, harmless map[string]bool) (names []string, foreign bool) {
	var list *ast.FieldList
	switch t := t.(type) {
	case *ast.StructType:
		list = t.Fields
	case *ast.InterfaceType:
		list = t.Methods
	default:
		return nil, false
	}
	for _, f := range list.List {
		for _, n := range f.Names {
			if n.IsExported() {
				names = append(names, n.Name)
			}
		}
		if len(f.Names) > 0 {
			continue
		}
		// Embedded: a field named after its type, and promoted members.
		if name := receiverName(f.Type); name != "" && ast.IsExported(name) {
			names = append(names, name)
		}
		ast.Inspect(f.Type, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && !harmless[x.Name] {
					foreign = true
				}
				return false
			}
			return true
		})
	}
	return names, foreign
}

// receiverName returns the name of the type of a receiver or embedded
// field: T, *T, T[P], pkg.T.
func receiverName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.SelectorExpr:
			return t.Sel.Name
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

func (s *scanner) isReachWord(name string) bool {
	for _, w := range s.reaches {
		if name == w {
			return true
		}
	}
	return false
}

// underNeeded reports whether path lies below a needed path
// (net/http/httptest below net/http): such packages hand out what the
// needed one defines.
func (s *scanner) underNeeded(path string) bool {
	for _, n := range s.needs {
		if strings.HasPrefix(path, n+"/") {
			return true
		}
	}
	return false
}

// isStd reports whether path is a package of the standard library.
func (s *scanner) isStd(path string) bool {
	if v, ok := s.std.Load(path); ok {
		return v.(bool)
	}
	std := false
	if s.ctx.GOROOT != "" && !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
		fi, err := os.Stat(filepath.Join(s.ctx.GOROOT, "src", filepath.FromSlash(path)))
		std = err == nil && fi.IsDir()
	}
	s.std.Store(path, std)
	return std
}

// containsWord reports whether data contains word, not as part of a longer
// identifier.
func containsWord(data, word []byte) bool {
	for {
		i := bytes.Index(data, word)
		if i < 0 {
			return false
		}
		end := i + len(word)
		if (i == 0 || !isIdentByte(data[i-1])) && (end == len(data) || !isIdentByte(data[end])) {
			return true
		}
		data = data[i+1:]
	}
}

// isIdentByte reports whether b may be part of an ASCII identifier. Other
// bytes count as separators, so that a word next to a non-ASCII letter is
// still found: a false match only loads a package for nothing.
func isIdentByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

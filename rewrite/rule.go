package rewrite

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
)

// A Rule finds one kind of misuse in a package and rewrites or reports it.
//
// Rules see the package's typed syntax (go/ast with go/types) and edit its
// decorated syntax (dst). They never write files: the engine restores,
// verifies, diffs and writes what they changed.
type Rule struct {
	// Name is the rule's name, as used by -rules and in reports.
	Name string
	// Doc is the rule's documentation: a lowercase title line, then prose.
	Doc string
	// Imports lists import paths of which at least one must be imported by
	// a package (by any of its files, tests included) for the rule to have
	// work to do: a cheap filter that spares loading other packages with
	// types. An empty list means every package.
	Imports []string
	// Reaches, if set, also makes worth loading a package that imports a
	// package of the tree which imports one of Imports and whose source
	// contains this word: a package calling a helper declared elsewhere
	// (that returns *http.Response, say) need not import net/http itself.
	Reaches string
	// Adds lists the import paths the rule may add to a file. Their type
	// information is completed before the rewritten package is verified.
	Adds []string
	// Run applies the rule to one package.
	Run func(*Pass)
}

// A Pass is one rule applied to one package.
type Pass struct {
	Rule      *Rule
	Fset      *token.FileSet
	Pkg       *types.Package
	TypesInfo *types.Info
	// GoVersion is the go directive of the package's module ("1.26"),
	// which decides the language and library behaviour the code gets.
	GoVersion string
	// Syntax holds every file of the package, in the order the type
	// checker saw them, including files the rule may not change.
	Syntax []*ast.File
	// Files holds the files the rule may change, sorted by path.
	Files []*File

	unit *unit
}

// A File is one source file a rule may change.
type File struct {
	Path string // absolute path
	Ast  *ast.File
	Test bool // a _test.go file

	dec       *decorator.Decorator
	dst       *dst.File // decorated on first use
	base      *dst.File // a copy of dst before any rule edited it
	decorated bool
	decorErr  error
	ignores   []ignoreRange
	changed   bool
}

// Dst returns the decorated syntax tree of f, which rules edit, or nil if
// the file cannot be decorated. Decorating costs more than parsing, and
// most files of a package are never edited, so a file is decorated when
// a rule first asks for it.
func (f *File) Dst() *dst.File {
	if !f.decorated {
		f.decorated = true
		f.dst, f.decorErr = f.dec.DecorateFile(f.Ast)
		if f.dst != nil {
			// Rendering the unedited tree gives the common ancestor of
			// the original bytes and the rewrite (see render); a copy
			// costs much less than decorating the file again.
			f.base = dst.Clone(f.dst).(*dst.File)
		}
	}
	return f.dst
}

// DstNode returns the decorated node for an ast node of f, or nil.
func (f *File) DstNode(n ast.Node) dst.Node {
	if f.Dst() == nil {
		return nil
	}
	return f.dec.Dst.Nodes[n]
}

// AstNode returns the ast node a decorated node of f was made from, or nil
// for a node a rule created.
func (f *File) AstNode(n dst.Node) ast.Node {
	return f.dec.Ast.Nodes[n]
}

// Diagnostic is a site that needs a person, or an error.
type Diagnostic struct {
	Pos     token.Position
	Rule    string
	Message string
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", d.Pos.Filename, d.Pos.Line, d.Pos.Column, d.Rule, d.Message)
}

// File returns the file of p.Files that contains pos, or nil if pos is in
// a file the rule may not change.
func (p *Pass) File(pos token.Pos) *File {
	for _, f := range p.Files {
		if f.Ast.FileStart <= pos && pos <= f.Ast.FileEnd {
			return f
		}
	}
	return nil
}

// Reportf reports a site that needs a person. Sites in files the rule may
// not change, and sites under a //httpfix:ignore comment, are dropped.
func (p *Pass) Reportf(pos token.Pos, format string, args ...any) {
	f := p.File(pos)
	if f == nil || p.Ignored(pos) {
		return
	}
	p.unit.report(Diagnostic{
		Pos:     p.Fset.Position(pos),
		Rule:    p.Rule.Name,
		Message: fmt.Sprintf(format, args...),
	})
}

// Fixed records that the rule rewrote the site at pos: the file is marked
// changed and the site is counted in the summary. A rule must call Fixed
// for every edit; edits that are not recorded are not written.
func (p *Pass) Fixed(pos token.Pos) {
	f := p.File(pos)
	if f == nil {
		panic(fmt.Sprintf("rule %s: fix at %v outside the files it may change", p.Rule.Name, p.Fset.Position(pos)))
	}
	f.changed = true
	p.unit.fixed(p.Rule.Name, f, p.Fset.Position(pos))
}

// Ignored reports whether pos lies in a statement or declaration marked
// //httpfix:ignore (for every rule, or for this one).
func (p *Pass) Ignored(pos token.Pos) bool {
	f := p.File(pos)
	if f == nil {
		return false
	}
	for _, r := range f.ignores {
		if r.pos <= pos && pos < r.end && (r.rule == "" || r.rule == p.Rule.Name) {
			return true
		}
	}
	return false
}

// A DirFile is a Go file of the package's directory that is not one of
// the package's typed files: the test files when tests are not loaded,
// the other test package when they are, files for other platforms or
// build tags. Their names and imports matter to rules (a test that mocks
// http.DefaultTransport, a test helper a new declaration would collide
// with) even though they are never changed.
type DirFile struct {
	Path string
	Ast  *ast.File
	Fset *token.FileSet
}

// DirFiles returns the other Go files of the package's directory, parsed
// without type information (once for the run).
func (p *Pass) DirFiles() []DirFile {
	return p.unit.dirFiles(p.Syntax, p.Fset)
}

// ModuleFile returns the parsed syntax of a Go file of the module being
// processed (for example to read the body of a helper declared in another
// package of the module), or nil if path is outside the module or does not
// parse. Files are cached for the run.
func (p *Pass) ModuleFile(path string) (*ast.File, *token.FileSet) {
	return p.unit.moduleFile(path)
}

// unit is what the engine shares between the passes over one package.
type unit struct {
	mu       sync.Mutex
	dir      string // the package's directory
	dirOnce  sync.Once
	others   []DirFile
	diags    []Diagnostic
	fixes    map[*File]map[string]int // sites fixed, by file and rule
	fixedAt  map[*File][]Diagnostic   // the sites fixed, by file
	modFiles *moduleFiles
}

func (u *unit) report(d Diagnostic) {
	u.mu.Lock()
	u.diags = append(u.diags, d)
	u.mu.Unlock()
}

func (u *unit) fixed(rule string, f *File, pos token.Position) {
	u.mu.Lock()
	if u.fixedAt == nil {
		u.fixedAt = map[*File][]Diagnostic{}
	}
	u.fixedAt[f] = append(u.fixedAt[f], Diagnostic{Pos: pos, Rule: rule, Message: "fixed"})
	if u.fixes == nil {
		u.fixes = map[*File]map[string]int{}
	}
	if u.fixes[f] == nil {
		u.fixes[f] = map[string]int{}
	}
	u.fixes[f][rule]++
	u.mu.Unlock()
}

func (u *unit) dirFiles(typed []*ast.File, fset *token.FileSet) []DirFile {
	u.dirOnce.Do(func() {
		if u.modFiles == nil || u.dir == "" {
			return
		}
		own := map[string]bool{}
		for _, f := range typed {
			if tf := fset.File(f.Pos()); tf != nil {
				own[tf.Name()] = true
			}
		}
		entries, err := os.ReadDir(u.dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				continue
			}
			path := filepath.Join(u.dir, name)
			if own[path] {
				continue
			}
			if af, fs := u.modFiles.get(path); af != nil {
				u.others = append(u.others, DirFile{path, af, fs})
			}
		}
	})
	return u.others
}

func (u *unit) moduleFile(path string) (*ast.File, *token.FileSet) {
	if u.modFiles == nil {
		return nil, nil
	}
	return u.modFiles.get(path)
}

// moduleFiles caches syntax-only parses of module files, shared by every
// package of a module.
type moduleFiles struct {
	dir   string
	mu    sync.Mutex
	fset  *token.FileSet
	files map[string]*ast.File
}

func newModuleFiles(dir string) *moduleFiles {
	return &moduleFiles{dir: dir, fset: token.NewFileSet(), files: map[string]*ast.File{}}
}

func (m *moduleFiles) get(path string) (*ast.File, *token.FileSet) {
	if !within(m.dir, path) {
		return nil, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[path]
	if !ok {
		f, _ = parser.ParseFile(m.fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if f != nil && f.Pos() == token.NoPos {
			f = nil
		}
		m.files[path] = f
	}
	if f == nil {
		return nil, nil
	}
	return f, m.fset
}

// within reports whether path is dir or lies below it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// sortDiagnostics sorts diagnostics by file, line, column, rule and message.
func sortDiagnostics(ds []Diagnostic) {
	sort.Slice(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Pos.Filename != b.Pos.Filename {
			return a.Pos.Filename < b.Pos.Filename
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Column != b.Pos.Column {
			return a.Pos.Column < b.Pos.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}

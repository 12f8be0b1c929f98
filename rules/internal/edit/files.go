// Package edit turns the rules' rewrites of decorated syntax (dst) into
// the suggested fixes of go/analysis: one fix per site, holding exactly
// the text edits of that site, its imports and the declarations it needs.
//
// A rule never edits a file's syntax tree in place. Each fix works on
// copies of the top-level declarations it touches; once the rule is done,
// the copy is printed and merged line by line into the original text of
// the declaration (see mergeHunks), so that the fix changes only the
// lines the rule changed, whatever the layout of the rest. Fixes of
// different sites are therefore independent: a driver may apply any
// subset of them, and identical edits (an import both need, a shared
// declaration) coalesce when they are merged.
package edit

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"strings"
	"sync"

	"github.com/dave/dst"
	"github.com/dave/dst/decorator"
	"github.com/dave/dst/decorator/resolver/gotypes"
	"golang.org/x/tools/go/analysis"
)

// Analyzer provides the files of a package as the rules edit them: their
// text, their decorated syntax (made on first use, shared by every rule
// of the package), their //httpfix:ignore directives.
var Analyzer = &analysis.Analyzer{
	Name:             "httpfixfiles",
	Doc:              "the files of a package, decorated on demand, for httpfix's rules",
	URL:              "https://github.com/httpfix/httpfix",
	Run:              run,
	RunDespiteErrors: true,
	ResultType:       reflect.TypeOf((*Files)(nil)),
}

func run(pass *analysis.Pass) (any, error) {
	fs := &Files{
		fset:   pass.Fset,
		pkg:    pass.Pkg,
		info:   pass.TypesInfo,
		read:   pass.ReadFile,
		byFile: map[*ast.File]*File{},
	}
	for _, af := range pass.Files {
		tf := pass.Fset.File(af.FileStart)
		if tf == nil {
			continue
		}
		f := &File{files: fs, Ast: af, Tok: tf, Name: tf.Name()}
		f.Test = strings.HasSuffix(f.Name, "_test.go")
		f.Generated = ast.IsGenerated(af) || generatedBanner(af)
		importsHTTPTest := false
		for _, is := range af.Imports {
			switch is.Path.Value {
			case `"C"`:
				f.Cgo = true
			case `"testing"`:
				f.ImportsTesting = true
			case `"net/http/httptest"`:
				importsHTTPTest = true
			}
		}
		f.TestSupport = f.ImportsTesting && (testSupportPackage(af.Name.Name) || allFuncsTakeTesting(pass.TypesInfo, af)) ||
			importsHTTPTest && startsTestServer(pass.TypesInfo, af)
		fs.list = append(fs.list, f)
		fs.byFile[af] = f
	}
	return fs, nil
}

// Files holds the files of one package.
type Files struct {
	fset   *token.FileSet
	pkg    *types.Package
	info   *types.Info
	read   func(string) ([]byte, error)
	list   []*File
	byFile map[*ast.File]*File

	mu  sync.Mutex // guards dec and the decoration of files
	dec *decorator.Decorator
	dir dirFiles
}

// All returns the files of the package, in the order of the pass.
func (fs *Files) All() []*File { return fs.list }

// Of returns the file of the package that holds pos, or nil.
func (fs *Files) Of(pos token.Pos) *File {
	for _, f := range fs.list {
		if f.Ast.FileStart <= pos && pos <= f.Ast.FileEnd {
			return f
		}
	}
	return nil
}

// File returns the file of an ast.File of the package.
func (fs *Files) File(af *ast.File) *File { return fs.byFile[af] }

// A File is one Go file of a package.
type File struct {
	files *Files
	Ast   *ast.File
	Tok   *token.File
	Name  string // as the file set names it: an absolute path
	Test  bool   // a _test.go file
	// ImportsTesting is set for a file that imports "testing".
	ImportsTesting bool
	// TestSupport is set for a file of test helpers (an internal/testutil
	// package, acceptance-test helpers, a mock server), treated as test
	// code though its name does not end in _test.go: it imports
	// "testing", and its package is named as test helpers are, or each
	// of its functions takes a *testing.T (or B, F, TB); or it starts an
	// httptest server. In a file that also holds
	// production code (a fetcher beside the stub its tests install),
	// only the functions that take one are test code (TestFunc).
	TestSupport bool
	Generated   bool // "// Code generated ... DO NOT EDIT.", or a generator's banner
	Cgo         bool // imports "C": its syntax is cgo's output, never decorated

	srcOnce sync.Once
	src     []byte
	srcErr  error

	decorated bool
	dst       *dst.File
	decErr    error

	ignoreOnce sync.Once
	ignores    []ignoreRange

	renders sync.Map // ast.Decl -> rendered (the decl as printed, unedited)
}

// Source returns the text of the file, as the type checker read it.
func (f *File) Source() ([]byte, error) {
	f.srcOnce.Do(func() {
		if f.files.read != nil {
			f.src, f.srcErr = f.files.read(f.Name)
		} else {
			f.srcErr = fmt.Errorf("%s: no way to read it", f.Name)
		}
		if f.srcErr == nil && len(f.src) != f.Tok.Size() {
			f.srcErr = fmt.Errorf("%s changed since it was parsed", f.Name)
		}
	})
	return f.src, f.srcErr
}

// Ignored reports whether pos lies in a statement or declaration marked
// //httpfix:ignore for every rule or for rule.
func (f *File) Ignored(pos token.Pos, rule string) bool {
	f.ignoreOnce.Do(func() {
		src, _ := f.Source()
		f.ignores = ignoreRanges(f.files.fset, f.Ast, src)
	})
	for _, r := range f.ignores {
		if r.pos <= pos && pos < r.end && (r.rule == "" || r.rule == rule) {
			return true
		}
	}
	return false
}

// decorate returns the decorated syntax of f, made on first use.
func (f *File) decorate() (*dst.File, *decorator.Decorator, error) {
	fs := f.files
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.dec == nil {
		fs.dec = decorator.NewDecoratorWithImports(fs.fset, fs.pkg.Path(), gotypes.New(fs.info.Uses))
	}
	if !f.decorated {
		f.decorated = true
		if f.Cgo {
			f.decErr = fmt.Errorf("%s: a cgo file is never rewritten", f.Name)
		} else {
			f.dst, f.decErr = fs.dec.DecorateFile(f.Ast)
		}
	}
	return f.dst, fs.dec, f.decErr
}

// dstOf returns the decorated node of n, a node of f.
func (f *File) dstOf(n ast.Node) dst.Node {
	_, dec, err := f.decorate()
	if err != nil {
		return nil
	}
	f.files.mu.Lock()
	defer f.files.mu.Unlock()
	return dec.Dst.Nodes[n]
}

// DeclOf returns the top-level declaration of f that holds pos, or nil.
func (f *File) DeclOf(pos token.Pos) ast.Decl {
	for _, d := range f.Ast.Decls {
		if d.Pos() <= pos && pos < d.End() {
			return d
		}
	}
	return nil
}

// importSpecs returns the file's import specs by path.
func (f *File) importSpecs() map[string][]*ast.ImportSpec {
	m := map[string][]*ast.ImportSpec{}
	for _, is := range f.Ast.Imports {
		p := importPath(is)
		m[p] = append(m[p], is)
	}
	return m
}

// declRange returns the byte range of the original text that a top-level
// declaration and the comments above it occupy: from the line after the
// previous declaration (or package clause) ends to the end of its own
// last line, or to the end of the file for the last declaration, whose
// trailing comments print with it.
func (f *File) declRange(d ast.Decl) (start, end int, err error) {
	src, err := f.Source()
	if err != nil {
		return 0, 0, err
	}
	tf := f.Tok
	prevEnd := f.Ast.Name.End()
	last := true
	for i, x := range f.Ast.Decls {
		if x == d {
			if i > 0 {
				prevEnd = f.Ast.Decls[i-1].End()
			}
			last = i == len(f.Ast.Decls)-1
			break
		}
	}
	prevLine := rawLine(tf, prevEnd)
	if rawLine(tf, d.Pos()) == prevLine {
		return 0, 0, fmt.Errorf("%s:%d: a declaration that shares its line with the one before", f.Name, prevLine)
	}
	// Comments on the previous declaration's last line belong to it.
	start = lineStart(tf, prevLine+1)
	if last {
		return start, len(src), nil
	}
	endLine := rawLine(tf, d.End())
	next := f.Ast.Decls[len(f.Ast.Decls)-1]
	for i, x := range f.Ast.Decls {
		if x == d && i+1 < len(f.Ast.Decls) {
			next = f.Ast.Decls[i+1]
		}
	}
	if rawLine(tf, next.Pos()) == endLine {
		return 0, 0, fmt.Errorf("%s:%d: a declaration that shares its line with the one after", f.Name, endLine)
	}
	return start, lineStart(tf, endLine+1), nil
}

// lineStart returns the offset of the start of line (1-based) of tf, or
// its size past the last line.
func lineStart(tf *token.File, line int) int {
	if line > tf.LineCount() {
		return tf.Size()
	}
	return tf.Offset(tf.LineStart(line))
}

// render prints a top-level declaration of f on its own, with the
// comments attached to it, as gofmt would lay it out. aliases names the
// imports the declaration refers to that the file does not have yet.
func (f *File) render(d dst.Decl, aliases map[string]string) (string, error) {
	file, _, err := f.decorate()
	if err != nil {
		return "", err
	}
	f.files.mu.Lock()
	var decls []dst.Decl
	for _, x := range file.Decls {
		if gd, ok := x.(*dst.GenDecl); ok && gd.Tok == token.IMPORT {
			decls = append(decls, dst.Clone(gd).(dst.Decl))
		}
	}
	f.files.mu.Unlock()
	nImports := len(decls)
	df := &dst.File{Name: dst.NewIdent(f.Ast.Name.Name), Decls: append(decls, d)}
	r := decorator.NewRestorerWithImports(f.files.pkg.Path(), packageNames(f.files.pkg))
	fr := r.FileRestorer()
	for path, name := range aliases {
		fr.Alias[path] = name
	}
	var buf bytes.Buffer
	if err := fr.Fprint(&buf, df); err != nil {
		return "", err
	}
	// The declaration is what follows the imports (the restorer may have
	// dropped some, or added one, in its copy).
	out := buf.Bytes()
	pf, err := parser.ParseFile(token.NewFileSet(), "", out, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return "", fmt.Errorf("rendering a declaration: %v", err)
	}
	_ = nImports
	var prevEnd token.Pos = pf.Name.End()
	n := 0
	for _, x := range pf.Decls {
		if gd, ok := x.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			prevEnd = gd.End()
			n++
			continue
		}
		break
	}
	if len(pf.Decls) != n+1 {
		return "", fmt.Errorf("rendering a declaration: got %d declarations", len(pf.Decls)-n)
	}
	off := int(prevEnd) - 1 // the parser's file base is 1
	if i := bytes.IndexByte(out[off:], '\n'); i >= 0 {
		off += i + 1
	}
	text := strings.TrimLeft(string(out[off:]), "\n")
	return text, nil
}

// base returns the unedited declaration as render prints it.
func (f *File) base(d ast.Decl) (string, error) {
	type rendered struct {
		text string
		err  error
	}
	if r, ok := f.renders.Load(d); ok {
		return r.(rendered).text, r.(rendered).err
	}
	orig, ok := f.dstOf(d).(dst.Decl)
	if !ok {
		return "", fmt.Errorf("%s: declaration not decorated", f.Name)
	}
	f.files.mu.Lock()
	c := dst.Clone(orig).(dst.Decl)
	f.files.mu.Unlock()
	text, err := f.render(c, nil)
	f.renders.Store(d, rendered{text, err})
	return text, err
}

// packageNames resolves import paths to package names from the imports of
// pkg (transitively), falling back to the name the path suggests.
type pkgNames struct {
	names map[string]string
}

func packageNames(pkg *types.Package) pkgNames {
	m := map[string]string{}
	var visit func(p *types.Package)
	visit = func(p *types.Package) {
		for _, q := range p.Imports() {
			if _, ok := m[q.Path()]; !ok {
				m[q.Path()] = q.Name()
				visit(q)
			}
		}
	}
	visit(pkg)
	return pkgNames{m}
}

func (p pkgNames) ResolvePackage(path string) (string, error) {
	if n, ok := p.names[path]; ok {
		return n, nil
	}
	return DefaultImportName(path), nil
}

// rawLine returns the line of p in tf as the file has it, whatever //line
// directives say.
func rawLine(tf *token.File, p token.Pos) int { return tf.PositionFor(p, false).Line }

// testSupportPackage reports whether a package of that name holds test
// helpers: testutil, apitest, fakes, mocks...
func testSupportPackage(name string) bool {
	name = strings.ToLower(name)
	if strings.Contains(name, "test") {
		return true
	}
	switch name {
	case "fake", "fakes", "mock", "mocks", "stub", "stubs":
		return true
	}
	return false
}

// startsTestServer reports whether the file starts an httptest server
// (httptest.NewServer, NewTLSServer, NewUnstartedServer) outside the
// functions that take a *testing.T (test code already, see TestFunc): a
// server on loopback for tests to talk to, which only test helpers and
// mocks start, whatever their package and file are named. (A recorder,
// httptest.NewRecorder, has uses in production code; a test server has
// none.)
func startsTestServer(info *types.Info, f *ast.File) bool {
	found := false
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && TakesTesting(info, fd) {
			continue
		}
		ast.Inspect(d, func(n ast.Node) bool {
			if found {
				return false
			}
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || found {
				return !found
			}
			fn, ok := info.Uses[sel.Sel].(*types.Func)
			if ok && fn.Pkg() != nil && fn.Pkg().Path() == "net/http/httptest" {
				switch fn.Name() {
				case "NewServer", "NewTLSServer", "NewUnstartedServer":
					found = true
				}
			}
			return !found
		})
	}
	return found
}

// allFuncsTakeTesting reports whether every function the file declares
// takes a value of package testing (and there is one).
func allFuncsTakeTesting(info *types.Info, f *ast.File) bool {
	n := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		n++
		if !TakesTesting(info, fd) {
			return false
		}
	}
	return n > 0
}

// TakesTesting reports whether fd has a parameter or receiver whose type
// mentions package testing (*testing.T, testing.TB...).
func TakesTesting(info *types.Info, fd *ast.FuncDecl) bool {
	found := false
	check := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, field := range fl.List {
			ast.Inspect(field.Type, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if obj := info.Uses[sel.Sel]; obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == "testing" {
						found = true
					}
				}
				return !found
			})
		}
	}
	check(fd.Recv)
	check(fd.Type.Params)
	return found
}

// generatedBanner reports whether a comment before the file's package
// clause says, in words other than Go's convention, that the file is
// generated and not to be edited: OpenAPI Generator's "This class is auto
// generated by OpenAPI Generator ... Do not edit the class manually",
// swagger-codegen's, and the like. An edit to such a file is lost at the
// next generation; the fix belongs in the generator's templates. Both
// words are needed: a header that only mentions a generator, or only
// asks for care, is a person's file.
func generatedBanner(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		text := strings.ToLower(strings.Join(strings.Fields(cg.Text()), " "))
		if strings.Contains(text, "generated") && (strings.Contains(text, "do not edit") || strings.Contains(text, "don't edit") || strings.Contains(text, "must not be edited")) {
			return true
		}
	}
	return false
}

package rewrite

import (
	"bytes"
	"context"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dave/dst"
	"github.com/dave/dst/dstutil"
)

// toyRule turns http.Get into http.Head and puts "_ = io.EOF" before the
// statement holding the call: an expression edit, a statement insertion
// and an import, which is all the engine needs to be exercised.
var toyRule = &Rule{
	Name:    "toy",
	Imports: []string{"net/http"},
	Adds:    []string{"io"},
	Run: func(pass *Pass) {
		for _, f := range pass.Files {
			var sites []token.Pos
			ast.Inspect(f.Ast, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				var id *ast.Ident
				switch fun := call.Fun.(type) {
				case *ast.SelectorExpr:
					id = fun.Sel
				case *ast.Ident:
					id = fun
				}
				if fn, ok := pass.TypesInfo.Uses[id].(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() == "net/http" && fn.Name() == "Get" && !pass.Ignored(call.Pos()) {
					sites = append(sites, call.Pos())
					d := f.DstNode(call).(*dst.CallExpr)
					d.Fun.(*dst.Ident).Name = "Head"
				}
				return true
			})
			if len(sites) == 0 {
				continue
			}
			dstutil.Apply(f.Dst(), func(c *dstutil.Cursor) bool {
				s, ok := c.Node().(dst.Stmt)
				if !ok || c.Index() < 0 {
					return true
				}
				found := false
				dst.Inspect(s, func(n dst.Node) bool {
					if id, ok := n.(*dst.Ident); ok && id.Path == "net/http" && id.Name == "Head" {
						found = true
					}
					return !found
				})
				if found {
					if _, isBlock := s.(*dst.BlockStmt); !isBlock {
						c.InsertBefore(&dst.AssignStmt{
							Lhs: []dst.Expr{dst.NewIdent("_")},
							Tok: token.ASSIGN,
							Rhs: []dst.Expr{&dst.Ident{Name: "EOF", Path: "io"}},
						})
						return false
					}
				}
				return true
			}, nil)
			for _, p := range sites {
				pass.Fixed(p)
			}
		}
	},
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runToy(t *testing.T, dir string, mode Mode, args ...string) (*Result, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	res := Run(context.Background(), Options{Dir: dir, Args: args, Mode: mode, Rules: []*Rule{toyRule}, Stdout: &stdout, Stderr: &stderr})
	return res, stdout.String(), stderr.String()
}

const toyMod = "module example.com/m\n\ngo 1.26\n"

func TestToyMinimalDiff(t *testing.T) {
	src := `package m

import (
	"fmt"
	h "net/http"
)

// not gofmt-clean on purpose:
var   x    =   1

func F() {
	fmt.Println(  "a"  )
	resp, err := h.Get("http://x") // keep me
	if err != nil {
		return
	}
	_ = resp
	fmt.Println(  "b"  )
}
`
	dir := writeTree(t, map[string]string{"go.mod": toyMod, "m.go": src})
	res, _, stderr := runToy(t, dir, Collect, "./...")
	if len(res.Errors) > 0 || len(res.Changes) != 1 {
		t.Fatalf("errors %v, changes %d, stderr %s", res.Errors, len(res.Changes), stderr)
	}
	want := strings.Replace(src, `	resp, err := h.Get("http://x") // keep me`, "\t_ = io.EOF\n\tresp, err := h.Head(\"http://x\") // keep me", 1)
	want = strings.Replace(want, "\t\"fmt\"\n", "\t\"fmt\"\n\t\"io\"\n", 1)
	if got := string(res.Changes[0].New); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestToyCRLF(t *testing.T) {
	src := "package m\r\n\r\nimport \"net/http\"\r\n\r\nfunc F() {\r\n\tresp, err := http.Get(\"http://x\")\r\n\t_, _ = resp, err\r\n}\r\n"
	dir := writeTree(t, map[string]string{"go.mod": toyMod, "m.go": src})
	res, _, stderr := runToy(t, dir, Collect, "./...")
	if len(res.Errors) > 0 || len(res.Changes) != 1 {
		t.Fatalf("errors %v, changes %d, stderr %s", res.Errors, len(res.Changes), stderr)
	}
	want := "package m\r\n\r\nimport (\r\n\t\"io\"\r\n\t\"net/http\"\r\n)\r\n\r\nfunc F() {\r\n\t_ = io.EOF\r\n\tresp, err := http.Head(\"http://x\")\r\n\t_, _ = resp, err\r\n}\r\n"
	if got := string(res.Changes[0].New); got != want {
		t.Errorf("got:\n%q\nwant:\n%q", got, want)
	}
}

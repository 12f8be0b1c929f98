package monorepo

import (
	"bytes"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readTree returns the files under dir by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGenerate(t *testing.T) {
	o := Options{Packages: 60}
	tree, err := Generate(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Modules) != 4 || tree.Workspace != "go.work" {
		t.Fatalf("modules %+v, workspace %q; want the root and 3 nested, joined by go.work", tree.Modules, tree.Workspace)
	}
	if len(tree.HTTPFiles) != len(tree.Modules) {
		t.Errorf("HTTPFiles = %v, want one per module", tree.HTTPFiles)
	}

	// Count what was written: packages, and packages some file of which
	// imports net/http.
	files := readTree(t, tree.Dir)
	pkgs := map[string]bool{}
	http := map[string]bool{}
	nGo := 0
	for name, data := range files {
		if !strings.HasSuffix(name, ".go") {
			continue
		}
		nGo++
		if src, err := format.Source(data); err != nil || !bytes.Equal(src, data) {
			t.Errorf("%s is not gofmt-clean (%v)", name, err)
		}
		dir := filepath.Dir(name)
		pkgs[dir] = true
		f, err := parser.ParseFile(token.NewFileSet(), name, data, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range f.Imports {
			if p, _ := strconv.Unquote(is.Path.Value); p == "net/http" {
				http[dir] = true
			}
		}
	}
	if len(pkgs) != o.Packages || tree.Packages != o.Packages {
		t.Errorf("wrote %d packages, reported %d, want %d", len(pkgs), tree.Packages, o.Packages)
	}
	if len(http) != tree.HTTPPackages {
		t.Errorf("wrote %d packages importing net/http, reported %d", len(http), tree.HTTPPackages)
	}
	if min, max := o.Packages/5, o.Packages/5+o.Packages/10; tree.HTTPPackages < min || tree.HTTPPackages > max {
		t.Errorf("%d packages import net/http, want about a fifth of %d", tree.HTTPPackages, o.Packages)
	}
	if nGo != tree.Files {
		t.Errorf("wrote %d .go files, reported %d", nGo, tree.Files)
	}
	listed := 0
	for _, m := range tree.Modules {
		listed += len(m.HTTP)
		for _, d := range m.HTTP {
			if !http[filepath.Clean(filepath.Join(m.Dir, d))] {
				t.Errorf("module %s lists %s, which does not import net/http", m.Path, d)
			}
		}
	}
	if listed != tree.HTTPPackages {
		t.Errorf("modules list %d HTTP packages, want %d", listed, tree.HTTPPackages)
	}

	// Deterministic: the same options write the same bytes.
	again, err := Generate(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	files2 := readTree(t, again.Dir)
	if len(files2) != len(files) {
		t.Fatalf("second tree has %d files, first %d", len(files2), len(files))
	}
	for name, data := range files {
		if !bytes.Equal(files2[name], data) {
			t.Errorf("%s differs between two runs", name)
		}
	}

	// Every module builds and is vet-clean, tests included.
	if testing.Short() {
		return
	}
	for _, m := range tree.Modules {
		for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
			cmd := exec.Command("go", args...)
			cmd.Dir = filepath.Join(tree.Dir, m.Dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("go %s in %s: %v\n%s", strings.Join(args, " "), m.Dir, err, out)
			}
		}
	}
	// The root module stands on its own, without the workspace.
	cmd := exec.Command("go", "build", "./...")
	cmd.Dir = tree.Dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("GOWORK=off go build ./... in the root: %v\n%s", err, out)
	}
}

func TestGenerateNotEmpty(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x"), nil, 0o644)
	if _, err := Generate(dir, Options{Packages: 10}); err == nil {
		t.Error("Generate wrote into a directory that is not empty")
	}
}

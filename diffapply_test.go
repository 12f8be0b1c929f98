package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// The -diff output is a patch for git apply: applied to a copy of the
// input, it gives exactly what -w writes. Every golden case checks this
// (runGolden runs the engine with -diff and -w at once and calls
// checkDiffApplies); TestDemo checks it over the example module, with
// separate -diff and -w runs as a user would make them, and that the
// tool is idempotent there.

// checkDiffApplies applies diff with git apply to the files of the golden
// case ar and checks that the result is the tree in written, where -w
// wrote the same changes.
func checkDiffApplies(t *testing.T, ar *txtar.Archive, written, diff string) {
	t.Helper()
	patched := t.TempDir()
	for _, f := range ar.Files {
		if f.Name != "args" && !strings.HasPrefix(f.Name, "want/") {
			writeTestFile(t, filepath.Join(patched, f.Name), f.Data)
		}
	}
	gitApply(t, patched, diff)
	compareTrees(t, patched, written)
}

// gitApply applies a unified diff to the files in dir.
func gitApply(t *testing.T, dir, diff string) {
	t.Helper()
	if diff == "" {
		return
	}
	cmd := exec.Command("git", "apply", "--whitespace=nowarn", "-")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(diff)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git apply: %v\n%s\nthe diff:\n%s", err, stderr.String(), diff)
	}
}

// compareTrees fails unless the regular files below dirs a and b are the
// same, name for name and byte for byte.
func compareTrees(t *testing.T, a, b string) {
	t.Helper()
	fa, fb := treeFiles(t, a), treeFiles(t, b)
	for name, da := range fa {
		db, ok := fb[name]
		switch {
		case !ok:
			t.Errorf("%s: only in %s", name, a)
		case da != db:
			t.Errorf("%s: git apply of the -diff output gives:\n%s\n-w writes:\n%s", name, da, db)
		}
	}
	for name := range fb {
		if _, ok := fa[name]; !ok {
			t.Errorf("%s: only in %s", name, b)
		}
	}
}

func treeFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// copyTree copies the directory tree src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	for name, data := range treeFiles(t, src) {
		writeTestFile(t, filepath.Join(dst, name), []byte(data))
	}
}

// httpfix runs the command line in dir and returns its exit status,
// stdout and stderr.
func httpfix(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := (&cli{Dir: dir, Stdout: &stdout, Stderr: &stderr}).run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

// TestDemo runs httpfix over the example module as a user would: -diff,
// then -w; the diff applies with git apply and gives what -w wrote; a
// second -diff prints nothing and a second -w changes nothing.
func TestDemo(t *testing.T) {
	const demo = "testdata/demo"
	if _, err := os.Stat(demo); err != nil {
		t.Skip("no example module:", err)
	}
	orig, patched := t.TempDir(), t.TempDir()
	copyTree(t, demo, orig)
	copyTree(t, demo, patched)
	args := []string{"-q", "-test", "./..."}

	code, diff, stderr := httpfix(t, orig, append([]string{"-diff"}, args...)...)
	if code != 1 || diff == "" {
		t.Fatalf("-diff: exit status %d, want 1 (changes pending); stderr:\n%s", code, stderr)
	}
	compareTrees(t, orig, demo) // -diff writes nothing
	gitApply(t, patched, diff)

	if code, out, stderr := httpfix(t, orig, append([]string{"-w"}, args...)...); code == 2 || out != "" {
		t.Fatalf("-w: exit status %d, stdout %q, stderr:\n%s", code, out, stderr)
	}
	compareTrees(t, patched, orig)

	code, again, stderr := httpfix(t, orig, append([]string{"-diff"}, args...)...)
	if again != "" || code == 2 {
		t.Errorf("second -diff: exit status %d, diff:\n%s\nstderr:\n%s", code, again, stderr)
	}
	if code, _, stderr := httpfix(t, orig, append([]string{"-w"}, args...)...); code == 2 {
		t.Errorf("second -w: exit status %d, stderr:\n%s", code, stderr)
	}
	compareTrees(t, patched, orig)
}

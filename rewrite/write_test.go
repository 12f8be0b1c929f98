package rewrite

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Tests of writing (-w): every failure leaves the file as it was, with no
// temporary file beside it, is reported for that file, and does not stop
// the other files being written.

// toySrc is a file toyAnalyzer changes.
func toySrc(pkg string) string {
	return "package " + pkg + "\n\nimport \"net/http\"\n\nfunc F() {\n\tresp, err := http.Get(\"http://x\")\n\t_, _ = resp, err\n}\n"
}

// toyWant is what toyAnalyzer makes of toySrc(pkg).
func toyWant(pkg string) string {
	return "package " + pkg + "\n\nimport (\n\t\"io\"\n\t\"net/http\"\n)\n\nfunc F() {\n\t_ = io.EOF\n\tresp, err := http.Head(\"http://x\")\n\t_, _ = resp, err\n}\n"
}

// threePackages returns a module whose packages a, b and c each have one
// file toyAnalyzer changes.
func threePackages(t *testing.T) string {
	return writeTree(t, map[string]string{
		"go.mod": toyMod,
		"a/a.go": toySrc("a"),
		"b/b.go": toySrc("b"),
		"c/c.go": toySrc("c"),
	})
}

// runWrite runs toyAnalyzer with -w over dir through fsys (nil: the OS).
func runWrite(t *testing.T, dir string, fsys FS) *Result {
	t.Helper()
	return Run(context.Background(), Options{Dir: dir, Args: []string{"./..."}, Mode: Write, Analyzers: []Analyzer{toyAnalyzer}, FS: fsys})
}

// checkFile fails unless the file at dir/name holds want.
func checkFile(t *testing.T, dir, name, want string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s:\n%s\nwant:\n%s", name, got, want)
	}
}

// checkNoTemp fails if a temporary file of writeFile is left in dir's tree.
func checkNoTemp(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".httpfix-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

// checkOthersWritten checks the outcome of a run in which writing pkg's
// file failed with an error containing msg: that error alone, exit status
// 2, pkg's file intact, the other packages' files written, no temporary
// file left.
func checkOthersWritten(t *testing.T, dir string, res *Result, pkg, msg string) {
	t.Helper()
	if len(res.Errors) != 1 || !strings.HasPrefix(res.Errors[0], pkg+"/"+pkg+".go: ") || !strings.Contains(res.Errors[0], msg) {
		t.Errorf("errors %q, want one for %s/%s.go saying %q", res.Errors, pkg, pkg, msg)
	}
	if res.ExitCode != 2 {
		t.Errorf("exit status %d, want 2", res.ExitCode)
	}
	for _, p := range []string{"a", "b", "c"} {
		want := toyWant(p)
		if p == pkg {
			want = toySrc(p)
		}
		checkFile(t, dir, p+"/"+p+".go", want)
	}
	checkNoTemp(t, dir)
}

func TestWriteKeepsPermissions(t *testing.T) {
	dir := threePackages(t)
	modes := map[string]fs.FileMode{"a/a.go": 0o600, "b/b.go": 0o755, "c/c.go": 0o640}
	for name, m := range modes {
		if err := os.Chmod(filepath.Join(dir, name), m); err != nil {
			t.Fatal(err)
		}
	}
	res := runWrite(t, dir, nil)
	if len(res.Errors) > 0 || res.ExitCode != 0 || res.Stats.Changed != 3 {
		t.Fatalf("errors %q, exit %d, changed %d", res.Errors, res.ExitCode, res.Stats.Changed)
	}
	for name, m := range modes {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != m {
			t.Errorf("%s: mode %v after -w, want %v", name, fi.Mode(), m)
		}
	}
	checkFile(t, dir, "a/a.go", toyWant("a"))
	checkNoTemp(t, dir)
}

func TestWriteReadOnlyFile(t *testing.T) {
	dir := threePackages(t)
	if err := os.Chmod(filepath.Join(dir, "b/b.go"), 0o444); err != nil {
		t.Fatal(err)
	}
	res := runWrite(t, dir, nil)
	checkOthersWritten(t, dir, res, "b", "file is read-only; not written")
}

func TestWriteReadOnlyDir(t *testing.T) {
	dir := threePackages(t)
	ro := filepath.Join(dir, "b")
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	res := runWrite(t, dir, nil)
	checkOthersWritten(t, dir, res, "b", "directory is read-only; not written")
}

// faultFS is the OS file system with hooks.
type faultFS struct {
	OSFS
	mu sync.Mutex
	// stat, if set, runs before every Stat.
	stat func(name string)
	// createTemp, if set, runs before a temporary file is created for
	// the file named base.
	createTemp func(base string)
	// write, if set, replaces the Write of the temporary file of base.
	write func(base string, f TempFile, p []byte) (int, error)
}

func (f *faultFS) Stat(name string) (fs.FileInfo, error) {
	if f.stat != nil {
		f.mu.Lock()
		f.stat(name)
		f.mu.Unlock()
	}
	return f.OSFS.Stat(name)
}

func (f *faultFS) CreateTemp(dir, pattern string) (TempFile, error) {
	base := strings.TrimSuffix(strings.TrimPrefix(pattern, "."), ".httpfix-*")
	if f.createTemp != nil {
		f.createTemp(base)
	}
	tf, err := f.OSFS.CreateTemp(dir, pattern)
	if err != nil || f.write == nil {
		return tf, err
	}
	return &faultTemp{TempFile: tf, base: base, fs: f}, nil
}

type faultTemp struct {
	TempFile
	base string
	fs   *faultFS
}

func (t *faultTemp) Write(p []byte) (int, error) { return t.fs.write(t.base, t.TempFile, p) }

func TestWriteDiskFull(t *testing.T) {
	dir := threePackages(t)
	fsys := &faultFS{write: func(base string, f TempFile, p []byte) (int, error) {
		if base != "b.go" {
			return f.Write(p)
		}
		// Half the file makes it to the disk, then the disk is full.
		n, _ := f.Write(p[:len(p)/2])
		return n, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}}
	res := runWrite(t, dir, fsys)
	checkOthersWritten(t, dir, res, "b", "cannot write: no space left on device; not written")
	if strings.Contains(res.Errors[0], ".httpfix-") {
		t.Errorf("error names the temporary file: %s", res.Errors[0])
	}
}

func TestWriteChangedDuringRun(t *testing.T) {
	const edit = "// edited while httpfix ran\n"
	// Edited after the package was loaded, before the write began.
	t.Run("before write", func(t *testing.T) {
		dir := threePackages(t)
		target := filepath.Join(dir, "b/b.go")
		done := false
		fsys := &faultFS{stat: func(name string) {
			if name == target && !done {
				done = true
				appendFile(t, target, edit)
			}
		}}
		res := runWrite(t, dir, fsys)
		checkChanged(t, dir, res, toySrc("b")+edit)
	})
	// Edited while the new contents were being written: caught by the
	// last look before the rename.
	t.Run("during write", func(t *testing.T) {
		dir := threePackages(t)
		target := filepath.Join(dir, "b/b.go")
		fsys := &faultFS{createTemp: func(base string) {
			if base == "b.go" {
				appendFile(t, target, edit)
			}
		}}
		res := runWrite(t, dir, fsys)
		checkChanged(t, dir, res, toySrc("b")+edit)
	})
	// Removed: nothing is written in its place.
	t.Run("removed", func(t *testing.T) {
		dir := threePackages(t)
		target := filepath.Join(dir, "b/b.go")
		fsys := &faultFS{createTemp: func(base string) {
			if base == "b.go" {
				os.Remove(target)
			}
		}}
		res := runWrite(t, dir, fsys)
		if len(res.Errors) != 1 || res.Errors[0] != "b/b.go: removed during run; not written" || res.ExitCode != 2 {
			t.Errorf("errors %q, exit %d", res.Errors, res.ExitCode)
		}
		if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("removed file is back: %v", err)
		}
		checkFile(t, dir, "a/a.go", toyWant("a"))
		checkNoTemp(t, dir)
	})
}

func appendFile(t *testing.T, path, text string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	f.WriteString(text)
	f.Close()
}

// checkChanged checks that b/b.go, edited during the run, holds the edit
// and was reported as changed, and that the others were written.
func checkChanged(t *testing.T, dir string, res *Result, want string) {
	t.Helper()
	if len(res.Errors) != 1 || res.Errors[0] != "b/b.go: changed during run; left as it is" || res.ExitCode != 2 {
		t.Errorf("errors %q, exit %d; want b/b.go changed during run, exit 2", res.Errors, res.ExitCode)
	}
	checkFile(t, dir, "b/b.go", want)
	checkFile(t, dir, "a/a.go", toyWant("a"))
	checkFile(t, dir, "c/c.go", toyWant("c"))
	checkNoTemp(t, dir)
}

// renameFailFS fails every rename.
type renameFailFS struct{ OSFS }

func (renameFailFS) Rename(oldpath, newpath string) error {
	return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EXDEV}
}

func TestWriteFileRenameFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.go")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeFile(renameFailFS{}, path, []byte("old\n"), []byte("new\n"))
	if err == nil || err.Error() != "cannot replace the file: invalid cross-device link; not written" {
		t.Errorf("error %v", err)
	}
	checkFile(t, dir, "x.go", "old\n")
	checkNoTemp(t, dir)
}

// TestHalt checks that Halt waits for the write in flight, which completes
// (no half file, no temporary file), and that no write starts after it.
func TestHalt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.go")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writing, release := make(chan bool), make(chan bool)
	fsys := &faultFS{write: func(base string, f TempFile, p []byte) (int, error) {
		close(writing)
		<-release
		return f.Write(p)
	}}
	wrote := make(chan error)
	go func() { wrote <- writeFile(fsys, path, []byte("old\n"), []byte("new\n")) }()
	<-writing
	halted := make(chan bool)
	go func() { Halt(); close(halted) }()
	var unlock sync.Once // let the other tests write again, whatever happens
	t.Cleanup(func() {
		select {
		case <-halted:
			unlock.Do(writeLock.Unlock)
		default:
		}
	})
	select {
	case <-halted:
		t.Fatal("Halt returned while a write was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	<-halted
	checkFile(t, dir, "x.go", "new\n")
	checkNoTemp(t, dir)

	next := make(chan error)
	go func() { next <- writeFile(OSFS{}, path, []byte("new\n"), []byte("newer\n")) }()
	select {
	case <-next:
		t.Error("a write ran after Halt")
	case <-time.After(50 * time.Millisecond):
	}
	unlock.Do(writeLock.Unlock)
	if err := <-next; err != nil {
		t.Error(err)
	}
}

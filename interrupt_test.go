package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterrupt sends SIGINT or SIGTERM (or SIGINT twice) to httpfix -w
// while it writes a few hundred files, and checks that it stops cleanly:
// exit status 2, every file wholly old or wholly new, no temporary file
// left.
//
// The binary is built with the tag httpfix_writepause, which makes every
// write pause 20ms before its rename, so that the signal surely lands
// while writes are in flight (it is sent as soon as the first file is
// written, a few seconds before the last would be).
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds httpfix")
	}
	bin := filepath.Join(t.TempDir(), "httpfix")
	if out, err := exec.Command("go", "build", "-tags=httpfix_writepause", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// Every file is the same but for its package's and function's names:
	// learn what -w makes of one.
	const npkg, nfile = 20, 10
	src := func(pkg, fn string) string {
		return fmt.Sprintf("package %s\n\nimport \"net/http\"\n\nfunc %s(c *http.Client, url string) (int, error) {\n\tresp, err := c.Get(url)\n\tif err != nil {\n\t\treturn 0, err\n\t}\n\treturn resp.StatusCode, nil\n}\n", pkg, fn)
	}
	ref := t.TempDir()
	writeTestFile(t, filepath.Join(ref, "go.mod"), []byte("module example.com/big\n\ngo 1.26\n"))
	writeTestFile(t, filepath.Join(ref, "zzpkg", "f.go"), []byte(src("zzpkg", "Zzfunc")))
	cmd := exec.Command(bin, "-q", "-w", "-rules=drainclose", "./...")
	cmd.Dir = ref
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("-w: %v\n%s", err, out)
	}
	rewritten, err := os.ReadFile(filepath.Join(ref, "zzpkg", "f.go"))
	if err != nil || string(rewritten) == src("zzpkg", "Zzfunc") {
		t.Fatalf("reference file not rewritten (%v):\n%s", err, rewritten)
	}
	type file struct{ path, old, new string }
	var files []file
	for p := range npkg {
		for f := range nfile {
			pkg, fn := fmt.Sprintf("p%02d", p), fmt.Sprintf("F%02d", f)
			files = append(files, file{
				path: filepath.Join(pkg, fmt.Sprintf("f%02d.go", f)),
				old:  src(pkg, fn),
				new:  strings.NewReplacer("zzpkg", pkg, "Zzfunc", fn).Replace(string(rewritten)),
			})
		}
	}

	for _, tc := range []struct {
		name string
		sigs []os.Signal
	}{
		{"SIGINT", []os.Signal{os.Interrupt}},
		{"SIGTERM", []os.Signal{syscall.SIGTERM}},
		{"SIGINT twice", []os.Signal{os.Interrupt, os.Interrupt}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTestFile(t, filepath.Join(dir, "go.mod"), []byte("module example.com/big\n\ngo 1.26\n"))
			for _, f := range files {
				writeTestFile(t, filepath.Join(dir, f.path), []byte(f.old))
			}
			var stderr bytes.Buffer
			cmd := exec.Command(bin, "-q", "-w", "-rules=drainclose", "./...")
			cmd.Dir = dir
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()

			// Files are written in order: wait for the first.
			first := filepath.Join(dir, files[0].path)
			deadline := time.Now().Add(2 * time.Minute)
			for {
				if data, _ := os.ReadFile(first); string(data) != files[0].old {
					break
				}
				select {
				case err := <-exited:
					t.Fatalf("httpfix exited before writing (%v):\n%s", err, stderr.String())
				case <-time.After(2 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("no file written after 2 minutes:\n%s", stderr.String())
				}
			}
			for i, sig := range tc.sigs {
				if i > 0 {
					time.Sleep(5 * time.Millisecond)
				}
				cmd.Process.Signal(sig) // the process may be gone already
			}
			var err error
			select {
			case err = <-exited:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("httpfix did not stop within a minute of the signal:\n%s", stderr.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Errorf("exit: %v, want exit status 2\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "files not yet written are unchanged") {
				t.Errorf("stderr does not say the run was interrupted:\n%s", stderr.String())
			}

			written := 0
			for _, f := range files {
				data, err := os.ReadFile(filepath.Join(dir, f.path))
				switch {
				case err != nil:
					t.Errorf("%s: %v", f.path, err)
				case string(data) == f.new:
					written++
				case string(data) != f.old:
					t.Errorf("%s is neither old nor new:\n%s", f.path, data)
				}
			}
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && strings.Contains(d.Name(), ".httpfix-") {
					t.Errorf("temporary file left: %s", p)
				}
				return nil
			})
			if written == 0 || written == len(files) {
				t.Errorf("%d of %d files written: the signal did not land while files were written", written, len(files))
			}
			t.Logf("%d of %d files written before the stop; stderr:\n%s", written, len(files), stderr.String())
		})
	}
}

package main

import (
	"encoding/json"
	"errors"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/mod/semver"
)

// TestCLI runs the command-line scenarios in testdata/cli: each script
// runs httpfix (this test binary, whose TestMain runs main when it is
// called httpfix) over the modules in its archive, as a user would.
//
// Besides testscript's commands, a script has
//
//	status N command [args...]
//
// which runs the command and fails unless its exit status is N (exec only
// tells zero from non-zero; httpfix's 1 and 2 mean different things), and
// the condition [go1.26], true when this binary was built by Go 1.26 or
// older. With -update, a failing "cmp stdout file" rewrites the file in
// the script.
func TestCLI(t *testing.T) {
	env := goEnv(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/cli",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup: func(e *testscript.Env) error {
			// The go command that go/packages runs needs its caches; it
			// must not reach the network, nor switch toolchains, nor read
			// the user's settings.
			for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT"} {
				e.Setenv(k, env[k])
			}
			e.Setenv("GOFLAGS", "-buildvcs=false")
			e.Setenv("GOPROXY", "off")
			e.Setenv("GOSUMDB", "off")
			e.Setenv("GOTOOLCHAIN", "local")
			e.Setenv("GOENV", "off")
			e.Setenv("GOROOTSRC", env["GOROOT"]+"/src")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status": cmdStatus,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "go1.26" {
				return semver.Compare(goLang(runtime.Version()), "v1.26") <= 0, nil
			}
			return false, errors.New("unknown condition " + cond)
		},
	})
}

// cmdStatus runs a command and checks its exit status.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! status")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: status N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// goEnv returns the go command's settings the scripts need.
func goEnv(t *testing.T) map[string]string {
	out, err := exec.Command("go", "env", "-json", "GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	env := map[string]string{}
	if err := json.Unmarshal(out, &env); err != nil {
		t.Fatal(err)
	}
	return env
}

// goLang returns the language version of a Go release ("go1.26.8" ->
// "v1.26").
func goLang(version string) string {
	v := "v" + strings.TrimPrefix(version, "go")
	if i := strings.IndexAny(v, " -"); i >= 0 {
		v = v[:i]
	}
	return semver.MajorMinor(v)
}

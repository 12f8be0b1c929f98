package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/httpfix/httpfix/rules"
	"github.com/httpfix/httpfix/rules/config"
)

// The same binary is a go vet and go fix tool (the unitchecker protocol).
// These tests build it, run it as the go command runs it, and compare
// what go fix -fixtool writes with what httpfix -w writes, on the
// example module and on the golden cases, under the machine's Go and
// under Go 1.27 (fetched through the module proxy).

// toolBinary builds httpfix with the given toolchain ("" for the
// machine's) once per test binary.
func toolBinary(t *testing.T, toolchain string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if bin, ok := bins[toolchain]; ok {
		return bin
	}
	dir, err := os.MkdirTemp("", "httpfix-bin")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "httpfix")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = toolchainEnv(toolchain)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build (toolchain %q): %v\n%s", toolchain, err, out)
	}
	bins[toolchain] = bin
	return bin
}

var (
	binMu sync.Mutex
	bins  = map[string]string{}
)

func toolchainEnv(toolchain string) []string {
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if toolchain != "" {
		env = append(env, "GOTOOLCHAIN="+toolchain)
	}
	return env
}

// goTool runs the go command in dir.
func goTool(t *testing.T, toolchain, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = toolchainEnv(toolchain)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestGoVet runs go vet -vettool=httpfix on the example module: every
// site httpfix fixes or reports is a diagnostic of go vet, which exits 1.
func TestGoVet(t *testing.T) {
	for _, tc := range toolchains(t) {
		t.Run(tc.name, func(t *testing.T) {
			bin := toolBinary(t, tc.toolchain)
			dir := t.TempDir()
			copyTree(t, "testdata/demo", dir)
			out, err := goTool(t, tc.toolchain, dir, "vet", "-vettool="+bin, "./...")
			if err == nil {
				t.Fatalf("go vet found nothing:\n%s", out)
			}
			for _, want := range []string{
				"weather/client.go:22:15: http.Get uses http.DefaultClient",
				"weather/client.go:22:15: resp.Body is closed without being read to the end",
				"weather/client.go:40:8: a Transport made on every call of Week",
				"weather/client.go:74:13: the error of http.Get is ignored",
				"loadtest/main.go:41:15: resp.Body is closed without being read to the end on an early path",
				"weather/radar.go:23:13: conn.SetDeadline(time.Now().Add(10 * time.Second)) in the Transport's DialContext function puts an expiry date on every connection it returns",
				"weather/radar.go:40:2: req.Close = true closes the connection after every request",
				"weather/radar.go:51:42: this Transport leaves MaxIdleConnsPerHost at 0",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("go vet did not say %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestGoFix runs go fix -fixtool=httpfix and httpfix -w on copies of the
// example module and of the golden cases: both must write the same files
// (formatted, where the input was not gofmt-clean: go fix formats the
// files it changes, httpfix changes only the lines it fixes).
func TestGoFix(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: builds the tool and runs go fix on every case")
	}
	type fixCase struct {
		name  string
		files map[string][]byte
		args  []string
		dir   string // where go fix runs: the module of the packages
	}
	var cases []fixCase
	demo := map[string][]byte{}
	for name, data := range treeFiles(t, "testdata/demo") {
		demo[name] = []byte(data)
	}
	cases = append(cases, fixCase{name: "demo", files: demo, args: []string{"./..."}})
	for _, dir := range goldenDirs {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
		for _, file := range files {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			name := dir + "/" + strings.TrimSuffix(filepath.Base(file), ".txtar")
			c := fixCase{name: name, files: map[string][]byte{}, args: []string{"./..."}}
			skip := ""
			for _, f := range ar.Files {
				switch {
				case f.Name == "args":
					c.args = strings.Fields(string(f.Data))
				case strings.HasPrefix(f.Name, "want/"):
					if f.Name == "want/errors" || f.Name == "want/reports" && bytes.Contains(f.Data, []byte(": verify: ")) {
						skip = "the command's verification drops a fix"
					}
				case f.Name == config.File:
					skip = "a configuration file: go vet and go fix pass settings as flags"
				default:
					c.files[f.Name] = f.Data
				}
			}
			if v := caseGoVersion(ar); v != "" && needsNewerGo(v) {
				skip = "needs a newer Go"
			}
			if _, ok := c.files["go.mod"]; !ok {
				// Several modules (a dependency replaced by a directory
				// beside the module): go fix runs in the module the
				// arguments name, ./svc/... as ./... inside svc.
				skip = "not one module at the root"
				if len(c.args) > 0 {
					last := c.args[len(c.args)-1]
					dir, ok := strings.CutSuffix(strings.TrimPrefix(last, "./"), "/...")
					if _, mod := c.files[dir+"/go.mod"]; ok && mod && !strings.Contains(dir, "/") {
						c.dir, skip = dir, ""
						c.args = append(slices.Clone(c.args[:len(c.args)-1]), "./"+dir+"/...")
					}
				}
			}
			if skip != "" {
				t.Logf("%s: skipped: %s", name, skip)
				continue
			}
			cases = append(cases, c)
		}
	}
	bin := toolBinary(t, "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := c.args
			if c.dir != "" {
				args = append(slices.Clone(args[:len(args)-1]), "./...")
			}
			fixArgs, why := fixFlags(args)
			if why != "" {
				t.Skip(why)
			}
			withTool, withFix := t.TempDir(), t.TempDir()
			for name, data := range c.files {
				writeTestFile(t, filepath.Join(withTool, name), data)
				writeTestFile(t, filepath.Join(withFix, name), data)
			}
			if code, out, stderr := httpfix(t, withTool, append([]string{"-w", "-q"}, c.args...)...); code == 2 {
				t.Fatalf("httpfix -w: %s%s", out, stderr)
			}
			out, err := goTool(t, "", filepath.Join(withFix, c.dir), append(append([]string{"fix", "-fixtool=" + bin}, fixArgs...), "./...")...)
			if err != nil && !strings.Contains(out, "skipped") {
				// go fix exits non-zero when fixes conflict; anything
				// else is a failure of the tool.
				t.Logf("go fix: %v\n%s", err, out)
			}
			a, b := treeFiles(t, withTool), treeFiles(t, withFix)
			var names []string
			for name := range a {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				ga, gb := a[name], b[name]
				if !strings.HasSuffix(name, ".go") {
					continue
				}
				if ga == gb {
					continue
				}
				if fa, fb := formatted(ga), formatted(gb); fa != fb || string(c.files[name]) == ga && ga != gb {
					t.Errorf("%s: httpfix -w wrote:\n%s\ngo fix -fixtool wrote:\n%s", name, ga, gb)
				}
			}
		})
	}
}

// formatted returns src as gofmt formats it (src itself if it does not
// parse).
func formatted(src string) string {
	out, err := format.Source([]byte(src))
	if err != nil {
		return src
	}
	return string(out)
}

// fixFlags turns the command line of a golden case into the flags of the
// analyzers as go fix passes them: -rules=a,b selects the analyzers (-a
// -b), a setting becomes the flag of every analyzer it concerns
// (-drain-limit=512 is -drainclose.limit=512), -test every analyzer's
// test flag. It says why when the case cannot be run that way.
func fixFlags(args []string) ([]string, string) {
	cfg := config.Default()
	fs := flag.NewFlagSet("case", flag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	fs.Bool("q", false, "")
	tests := fs.Bool("test", false, "")
	cfg.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err.Error()
	}
	for _, a := range fs.Args() {
		if a != "./..." {
			return nil, "arguments other than ./... (go fix takes packages): " + a
		}
	}
	names := rules.Names()
	if len(cfg.Rules) > 0 {
		names = cfg.Rules
	}
	var out []string
	if len(cfg.Rules) > 0 {
		for _, n := range names {
			out = append(out, "-"+n)
		}
	}
	fs.Visit(func(f *flag.Flag) {
		key := config.KeyOfFlag(f.Name)
		for _, s := range config.Settings {
			if s.Key != key || key == "rules" {
				continue
			}
			for analyzer, name := range s.Analyzers {
				if slices.Contains(rules.Names(), analyzer) {
					out = append(out, fmt.Sprintf("-%s.%s=%s", analyzer, name, f.Value.String()))
				}
			}
		}
	})
	if *tests {
		for _, n := range names {
			out = append(out, "-"+n+".test")
		}
	}
	sort.Strings(out)
	return out, ""
}

// toolchains are the Go releases the drivers are tested under: the
// machine's, and Go 1.27 through the module proxy (unless
// HTTPFIX_NO_TOOLCHAIN is set).
func toolchains(t *testing.T) []struct{ name, toolchain string } {
	out := []struct{ name, toolchain string }{{"local", ""}}
	if os.Getenv("HTTPFIX_NO_TOOLCHAIN") == "" && !testing.Short() {
		out = append(out, struct{ name, toolchain string }{newerGo, newerGo})
	}
	return out
}

// TestGoFixToolchains runs go fix -fixtool=httpfix -diff, then go fix
// -fixtool=httpfix, on the example module under each toolchain: the diff
// is printed (and go fix exits non-zero), and the files written are what
// httpfix -w writes.
func TestGoFixToolchains(t *testing.T) {
	for _, tc := range toolchains(t) {
		t.Run(tc.name, func(t *testing.T) {
			bin := toolBinary(t, tc.toolchain)
			withTool, withFix := t.TempDir(), t.TempDir()
			copyTree(t, "testdata/demo", withTool)
			copyTree(t, "testdata/demo", withFix)
			out, err := goTool(t, tc.toolchain, withFix, "fix", "-fixtool="+bin, "-diff", "./...")
			if err == nil || !strings.Contains(out, "resp, err := httpClient.Get(") {
				t.Fatalf("go fix -diff: %v\n%s", err, out)
			}
			compareTrees(t, withFix, "testdata/demo") // -diff writes nothing
			if out, err := goTool(t, tc.toolchain, withFix, "fix", "-fixtool="+bin, "./..."); err != nil {
				t.Fatalf("go fix: %v\n%s", err, out)
			}
			if code, out, stderr := httpfix(t, withTool, "-w", "-q", "./..."); code == 2 {
				t.Fatalf("httpfix -w: %s%s", out, stderr)
			}
			compareTrees(t, withTool, withFix)
		})
	}
}

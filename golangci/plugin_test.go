package golangci

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golangci/plugin-module-register/register"
)

func TestSettings(t *testing.T) {
	p, err := register.GetPlugin("httpfix")
	if err != nil {
		t.Fatal(err)
	}
	lp, err := p(map[string]any{"rules": []any{"drainclose"}, "drain_limit": 8192, "test": true})
	if err != nil {
		t.Fatal(err)
	}
	as, err := lp.BuildAnalyzers()
	if err != nil || len(as) != 1 || as[0].Name != "drainclose" {
		t.Fatalf("analyzers %v, %v; want drainclose", as, err)
	}
	if lp.GetLoadMode() != register.LoadModeTypesInfo {
		t.Errorf("load mode %q", lp.GetLoadMode())
	}
	for _, tc := range []struct {
		settings map[string]any
		want     string
	}{
		{map[string]any{"drain_limt": 1}, `unknown field "drain_limt"`},
		{map[string]any{"drain_limit": 0}, "drain_limit: must be positive"},
		{map[string]any{"rules": []any{"nope"}}, `unknown rule "nope"`},
		{map[string]any{"timeout": "soon"}, "timeout: not a duration"},
	} {
		if _, err := p(tc.settings); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("settings %v: error %v, want %q", tc.settings, err, tc.want)
		}
	}
}

// gclVersion is the golangci-lint the plugin is built into for the test.
const gclVersion = "v2.15.0"

// TestGolangciLint builds golangci-lint with the plugin as golangci-lint
// custom would (the main package of cmd/golangci-lint and a blank import
// of the plugin; custom clones the repository, which this test cannot,
// so the sources come from the module proxy), and runs it on a copy of
// the example module and on a package whose fixes need a declaration in
// another file: the issues appear, and golangci-lint run --fix leaves
// every package building, with what httpfix -w writes once the runs
// converge.
func TestGolangciLint(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: downloads and builds golangci-lint")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gcl := buildGolangciLint(t, repo)
	httpfix := filepath.Join(t.TempDir(), "httpfix")
	run(t, repo, "go", "build", "-o", httpfix, ".")

	for _, tc := range []struct {
		name, src string
		want      []string // issues of the first run
	}{
		{"demo", filepath.Join(repo, "testdata", "demo"), []string{
			"weather/client.go:22:15: drainclose: resp.Body is closed without being read to the end",
			"weather/client.go:40:8: hoisttransport: a Transport made on every call of Week",
			"loadtest/main.go:25:18: defaultclient: http.Get uses http.DefaultClient",
			"weather/radar.go:23:13: pooldeadline: conn.SetDeadline(time.Now().Add(10 * time.Second)) in the Transport's DialContext function",
			"weather/radar.go:40:2: keepalive: req.Close = true closes the connection after every request",
			"weather/radar.go:51:42: poolsize: this Transport leaves MaxIdleConnsPerHost at 0",
		}},
		{"several_files", "", []string{
			"b.go:6:9: defaultclient: http.Get uses http.DefaultClient",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withLint, withTool := t.TempDir(), t.TempDir()
			for _, dir := range []string{withLint, withTool} {
				if tc.src != "" {
					copyDir(t, tc.src, dir)
				} else {
					writeFiles(t, dir, severalFiles)
				}
			}
			writeFiles(t, withLint, map[string]string{".golangci.yml": golangciYML})
			out, code := runCode(t, withLint, gcl, "run", "./...")
			if code != 1 {
				t.Fatalf("golangci-lint run: exit status %d, want 1:\n%s", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("golangci-lint did not say %q:\n%s", w, out)
				}
			}
			// Fixes that need a declaration in another file come once
			// it is there: a few runs converge.
			for i := 0; i < 3; i++ {
				runCode(t, withLint, gcl, "run", "--fix", "./...")
				if out, code := runCode(t, withLint, "go", "build", "./..."); code != 0 {
					t.Fatalf("after golangci-lint run --fix #%d, the module does not build:\n%s", i+1, out)
				}
			}
			runCode(t, withTool, httpfix, "-w", "-q", "./...")
			os.Remove(filepath.Join(withLint, ".golangci.yml"))
			compareDirs(t, withTool, withLint)
		})
	}
}

const golangciYML = `version: "2"
linters:
  default: none
  enable:
    - httpfix
  settings:
    custom:
      httpfix:
        type: module
        description: drain and close response bodies, pool connections
`

// severalFiles is a package whose sites are in two files: the client is
// declared in a.go, which b.go's fix needs.
var severalFiles = map[string]string{
	"go.mod": "module example.com/several\n\ngo 1.26\n",
	"a.go": `package several

import "net/http"

func A(url string) (*http.Response, error) {
	return http.Get(url)
}
`,
	"b.go": `package several

import "net/http"

func B(url string) (*http.Response, error) {
	return http.Get(url)
}
`,
}

// buildGolangciLint builds golangci-lint with the plugin linked in.
func buildGolangciLint(t *testing.T, repo string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"go.mod": "module httpfix.test/customgcl\n\ngo 1.26.0\n\n" +
			"require (\n\tgithub.com/golangci/golangci-lint/v2 " + gclVersion + "\n\tgithub.com/httpfix/httpfix v0.0.0-00010101000000-000000000000\n)\n\n" +
			"replace github.com/httpfix/httpfix => " + repo + "\n",
		"plugins.go": "package main\n\n// The plugin, as golangci-lint custom links it in.\nimport _ \"github.com/httpfix/httpfix/golangci\"\n",
	})
	run(t, dir, "go", "mod", "download", "github.com/golangci/golangci-lint/v2")
	src := strings.TrimSpace(run(t, dir, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/golangci/golangci-lint/v2"))
	mainGo, err := os.ReadFile(filepath.Join(src, "cmd", "golangci-lint", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"main.go": string(mainGo)})
	run(t, dir, "go", "mod", "tidy")
	bin := filepath.Join(dir, "golangci-lint")
	run(t, dir, "go", "build", "-o", bin, ".")
	return bin
}

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	out, code := runCode(t, dir, name, args...)
	if code != 0 {
		t.Fatalf("%s %s: exit status %d\n%s", name, strings.Join(args, " "), code, out)
	}
	return out
}

func runCode(t *testing.T, dir, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out.String(), 0
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	writeFiles(t, dst, readDir(t, src))
}

func readDir(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func compareDirs(t *testing.T, a, b string) {
	t.Helper()
	fa, fb := readDir(t, a), readDir(t, b)
	for name, da := range fa {
		if db, ok := fb[name]; !ok || db != da {
			t.Errorf("%s: httpfix -w wrote:\n%s\ngolangci-lint --fix wrote:\n%s", name, da, db)
		}
	}
	for name := range fb {
		if _, ok := fa[name]; !ok {
			t.Errorf("%s: only golangci-lint wrote it", name)
		}
	}
}

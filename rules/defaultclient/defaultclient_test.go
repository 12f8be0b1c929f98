package defaultclient_test

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/httpfix/httpfix/rules/config"
	"github.com/httpfix/httpfix/rules/defaultclient"
)

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), defaultclient.Analyzer, "a")
}

// TestSharedClientVet runs defaultclient with the client key as go vet
// and go fix do, without the import graph of the module: the package
// that already imports the client's package uses the shared client; the
// other, which importing it could put in a cycle, declares a client of
// its own, and says why in its result.
func TestSharedClientVet(t *testing.T) {
	cfg := config.Default()
	cfg.Client = "sharedvet/httpx.Client"
	a := defaultclient.New(cfg)
	results := analysistest.Run(t, analysistest.TestData(), a, "sharedvet/user", "sharedvet/other")
	notes := map[string]string{}
	for _, r := range results {
		if res, ok := r.Result.(*defaultclient.Result); ok {
			notes[r.Pass.Pkg.Path()] = res.Note
		}
	}
	if n := notes["sharedvet/user"]; n != "" {
		t.Errorf("user: note %q, want none", n)
	}
	if n, want := notes["sharedvet/other"], "it does not import sharedvet/httpx yet"; !strings.Contains(n, want) {
		t.Errorf("other: note %q, want one saying %q", n, want)
	}
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), a, "sharedvet/user")
}

// TestSharedClientVetMissing: under go vet, a client key naming what the
// client's package does not declare is an error of the analyzer that
// names the key.
func TestSharedClientVetMissing(t *testing.T) {
	cfg := config.Default()
	cfg.Client = "sharedvet/httpx.Missing"
	var errs []string
	rec := &recorder{errorf: func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }}
	analysistest.Run(rec, analysistest.TestData(), defaultclient.New(cfg), "sharedvet/user")
	if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), "client: sharedvet/httpx.Missing does not exist") {
		t.Errorf("errors: %q, want one naming the client key", errs)
	}
}

// recorder is an analysistest.Testing that records errors.
type recorder struct {
	errorf func(format string, args ...any)
}

func (r *recorder) Errorf(format string, args ...any) { r.errorf(format, args...) }

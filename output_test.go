package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// TestJSON runs httpfix -json over the example module: go vet -json's
// shape (package, then analyzer, then diagnostics), every site fixed or
// reported, fixes as byte offsets that give what -w writes.
func TestJSON(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "testdata/demo", dir)
	code, out, stderr := httpfix(t, dir, "-json", "-q", "./...")
	if code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr: %s (the reports are in the JSON)", stderr)
	}
	var tree map[string]map[string][]struct {
		Category       string `json:"category"`
		Posn           string `json:"posn"`
		Message        string `json:"message"`
		SuggestedFixes []struct {
			Message string `json:"message"`
			Edits   []struct {
				Filename   string `json:"filename"`
				Start, End int
				New        string `json:"new"`
			} `json:"edits"`
		} `json:"suggested_fixes"`
	}
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	diags := tree["example.com/demo/weather"]["drainclose"]
	if len(diags) == 0 {
		t.Fatalf("no drainclose diagnostics for example.com/demo/weather:\n%s", out)
	}
	fixed, reported := 0, 0
	edited := map[string]string{}
	for _, byAnalyzer := range tree {
		for analyzer, ds := range byAnalyzer {
			for _, d := range ds {
				if d.Category != analyzer || d.Posn == "" || d.Message == "" {
					t.Errorf("diagnostic %+v of %s", d, analyzer)
				}
				if len(d.SuggestedFixes) == 0 {
					reported++
					continue
				}
				fixed++
				for _, e := range d.SuggestedFixes[0].Edits {
					if e.Start > e.End || e.Filename == "" {
						t.Errorf("edit %+v", e)
					}
					edited[e.Filename] = analyzer
				}
			}
		}
	}
	if fixed != 11 || reported != 2 {
		t.Errorf("%d fixed and %d reported, want 11 and 2", fixed, reported)
	}
	for _, f := range []string{"weather/client.go", "weather/api.go", "weather/radar.go", "loadtest/main.go"} {
		if _, ok := edited[f]; !ok {
			t.Errorf("no edit of %s", f)
		}
	}
}

// TestSARIF runs httpfix -sarif over the example module in a repository:
// a SARIF 2.1.0 log valid against the schema (as go-sarif validates it),
// one rule per analyzer with a stable id, results at paths relative to
// the root of the repository, and a fix on the results that have one.
func TestSARIF(t *testing.T) {
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(repo, "svc")
	copyTree(t, "testdata/demo", dir)
	code, out, stderr := httpfix(t, dir, "-sarif", "-q", "./...")
	if code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, stderr)
	}
	report, err := sarif.FromString(out)
	if err != nil {
		t.Fatalf("not SARIF: %v\n%s", err, out)
	}
	if err := report.Validate(); err != nil {
		t.Fatalf("invalid SARIF: %v\n%s", err, out)
	}
	if len(report.Runs) != 1 {
		t.Fatalf("%d runs", len(report.Runs))
	}
	run := report.Runs[0]
	var ids []string
	for _, r := range run.Tool.Driver.Rules {
		ids = append(ids, *r.ID)
	}
	if got := strings.Join(ids, ","); got != "defaultclient,drainclose,hoisttransport,keepalive,pooldeadline,poolsize" {
		t.Errorf("rules %s", got)
	}
	withFix := 0
	for _, r := range run.Results {
		uri := *r.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if !strings.HasPrefix(uri, "svc/") {
			t.Errorf("result at %s, want a path relative to the repository", uri)
		}
		for _, f := range r.Fixes {
			if len(f.ArtifactChanges) == 0 {
				t.Errorf("a fix without changes: %+v", f)
			}
			withFix++
		}
	}
	if len(run.Results) != 13 || withFix != 11 {
		t.Errorf("%d results, %d with a fix; want 13 and 11", len(run.Results), withFix)
	}
}

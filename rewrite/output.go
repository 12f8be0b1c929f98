package rewrite

import (
	"encoding/json"

	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// The machine-readable outputs of a run: -json, in the shape go vet -json
// prints (package, then analyzer, then its diagnostics with their
// suggested fixes), and -sarif, SARIF 2.1.0 for code scanning.

// jsonDiagnostic is a diagnostic as go vet -json prints it.
type jsonDiagnostic struct {
	Category       string             `json:"category,omitempty"`
	Posn           string             `json:"posn"`
	End            string             `json:"end,omitempty"`
	Message        string             `json:"message"`
	SuggestedFixes []jsonSuggestedFix `json:"suggested_fixes,omitempty"`
}

type jsonSuggestedFix struct {
	Message string         `json:"message"`
	Edits   []jsonTextEdit `json:"edits"`
}

type jsonTextEdit struct {
	Filename string `json:"filename"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
	New      string `json:"new"`
}

type jsonError struct {
	Err string `json:"error"`
}

// writeJSON prints the findings and errors of the run: a map from package
// to analyzer to its diagnostics (or {"error": ...}).
func (e *engine) writeJSON(w io.Writer) error {
	tree := map[string]map[string]any{}
	add := func(pkg, analyzer string, v any) {
		if tree[pkg] == nil {
			tree[pkg] = map[string]any{}
		}
		if list, ok := tree[pkg][analyzer].([]jsonDiagnostic); ok {
			if d, ok := v.(jsonDiagnostic); ok {
				tree[pkg][analyzer] = append(list, d)
				return
			}
		}
		if d, ok := v.(jsonDiagnostic); ok {
			tree[pkg][analyzer] = []jsonDiagnostic{d}
			return
		}
		tree[pkg][analyzer] = v
	}
	for _, f := range e.res.Findings {
		d := jsonDiagnostic{Category: f.Rule, Posn: f.Pos.String(), Message: f.Message}
		if f.End.IsValid() {
			d.End = f.End.String()
		}
		for _, fix := range f.Fixes {
			jf := jsonSuggestedFix{Message: fix.Message, Edits: []jsonTextEdit{}}
			for _, te := range fix.Edits {
				jf.Edits = append(jf.Edits, jsonTextEdit{te.Filename, te.Start, te.End, te.New})
			}
			d.SuggestedFixes = append(d.SuggestedFixes, jf)
		}
		add(f.Pkg, f.Rule, d)
	}
	// What the engine adds: rewrites that did not verify, fixes left
	// for a later run; and the errors of the run.
	for _, d := range e.res.Diagnostics {
		if d.Rule == "verify" || strings.Contains(d.Message, "; not fixed") {
			add(packageOf(e.res.Findings, d.Pos.Filename), d.Rule, jsonDiagnostic{Category: d.Rule, Posn: d.Pos.String(), Message: d.Message})
		}
	}
	for _, msg := range e.res.Errors {
		add("", "error", jsonError{msg})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "\t")
	return enc.Encode(tree)
}

// packageOf returns the package of a finding in file, or "".
func packageOf(fs []Finding, file string) string {
	for _, f := range fs {
		if f.Pos.Filename == file {
			return f.Pkg
		}
	}
	return ""
}

// writeSARIF prints the findings of the run as a SARIF 2.1.0 log: one run
// of httpfix, a rule per analyzer (its name is the stable ruleId), a
// result per finding at a path relative to the root of the repository,
// with its fix when the fix changes something.
func (e *engine) writeSARIF(w io.Writer) error {
	root := repoRoot(e.opts.Dir)
	report := sarif.NewReport()
	run := sarif.NewRunWithInformationURI("httpfix", "https://github.com/httpfix/httpfix")
	if e.opts.Version != "" {
		run.Tool.Driver.WithVersion(e.opts.Version)
	}
	var names []string
	docs := map[string]Analyzer{}
	for _, a := range e.opts.Analyzers {
		names = append(names, a.Name)
		docs[a.Name] = a
	}
	for _, f := range e.res.Findings {
		if _, ok := docs[f.Rule]; !ok {
			docs[f.Rule] = Analyzer{}
			names = append(names, f.Rule)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		r := run.AddRule(name)
		if a := docs[name]; a.Analyzer != nil {
			title, _, _ := strings.Cut(a.Doc, "\n")
			r.WithShortDescription(sarif.NewMultiformatMessageString().WithText(title)).
				WithFullDescription(sarif.NewMultiformatMessageString().WithText(a.Doc)).
				WithHelpURI(a.URL)
		}
	}
	uri := func(name string) string {
		abs := name
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(e.opts.Dir, name)
		}
		if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
		return filepath.ToSlash(abs)
	}
	for _, f := range e.res.Findings {
		region := sarif.NewRegion().WithStartLine(f.Pos.Line).WithStartColumn(f.Pos.Column)
		if f.End.IsValid() && f.End.Filename == f.Pos.Filename {
			region.WithEndLine(f.End.Line).WithEndColumn(f.End.Column)
		}
		loc := sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri(f.Pos.Filename)).WithURIBaseID("%SRCROOT%")).
			WithRegion(region)
		res := sarif.NewRuleResult(f.Rule).
			WithLevel("warning").
			WithMessage(sarif.NewTextMessage(f.Message)).
			AddLocation(sarif.NewLocationWithPhysicalLocation(loc))
		res.WithRuleIndex(run.GetRuleIndex(f.Rule))
		for _, fix := range f.Fixes {
			if len(fix.Edits) == 0 {
				continue
			}
			sf := sarif.NewFix().WithDescription(sarif.NewTextMessage(fix.Message))
			byFile := map[string]*sarif.ArtifactChange{}
			var files []string
			for _, te := range fix.Edits {
				ac := byFile[te.Filename]
				if ac == nil {
					ac = sarif.NewArtifactChange().WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri(te.Filename)).WithURIBaseID("%SRCROOT%"))
					byFile[te.Filename] = ac
					files = append(files, te.Filename)
				}
				ac.AddReplacement(sarif.NewReplacement().
					WithDeletedRegion(sarif.NewRegion().WithByteOffset(te.Start).WithByteLength(te.End - te.Start)).
					WithInsertedContent(sarif.NewArtifactContent().WithText(te.New)))
			}
			for _, file := range files {
				sf.AddArtifactChange(byFile[file])
			}
			res.AddFixe(sf)
		}
		run.AddResult(res)
	}
	run.WithOriginalUriBaseIds(map[string]sarif.ArtifactLocation{
		"%SRCROOT%": *sarif.NewArtifactLocation().WithURI("file://" + filepath.ToSlash(root) + "/"),
	})
	report.AddRun(run)
	return report.PrettyWrite(w)
}

// repoRoot returns the root of the repository holding dir (the nearest
// directory above it with a .git), or dir itself.
func repoRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

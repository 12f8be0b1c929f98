package rewrite

import (
	"go/token"
	"sort"

	"golang.org/x/tools/go/analysis"
)

// A Finding is one diagnostic of an analyzer, with its suggested fixes,
// as the machine-readable outputs (-json, -sarif) give it.
type Finding struct {
	Pkg     string // the package's ID
	Rule    string
	Pos     token.Position
	End     token.Position // zero if the diagnostic has no end
	Message string
	Fixes   []SuggestedFix
}

// A SuggestedFix is a fix of a finding: edits of byte ranges of files.
type SuggestedFix struct {
	Message string
	Edits   []TextEdit
}

// A TextEdit replaces the bytes [Start, End) of a file by New.
type TextEdit struct {
	Filename   string
	Start, End int
	New        string
}

func newFinding(fset *token.FileSet, pkg, rule string, d analysis.Diagnostic) Finding {
	f := Finding{Pkg: pkg, Rule: rule, Pos: fset.PositionFor(d.Pos, false), Message: d.Message}
	if d.End.IsValid() {
		f.End = fset.PositionFor(d.End, false)
	}
	for _, sf := range d.SuggestedFixes {
		fix := SuggestedFix{Message: sf.Message}
		for _, te := range sf.TextEdits {
			file := fset.File(te.Pos)
			if file == nil {
				continue
			}
			end := te.End
			if !end.IsValid() {
				end = te.Pos
			}
			fix.Edits = append(fix.Edits, TextEdit{Filename: file.Name(), Start: file.Offset(te.Pos), End: file.Offset(end), New: string(te.NewText)})
		}
		f.Fixes = append(f.Fixes, fix)
	}
	return f
}

// relFinding makes the paths of f relative to the working directory.
func (e *engine) relFinding(f Finding) Finding {
	f.Pos.Filename = e.rel(f.Pos.Filename)
	if f.End.Filename != "" {
		f.End.Filename = e.rel(f.End.Filename)
	}
	fixes := make([]SuggestedFix, len(f.Fixes))
	for i, fix := range f.Fixes {
		edits := make([]TextEdit, len(fix.Edits))
		for j, te := range fix.Edits {
			te.Filename = e.rel(te.Filename)
			edits[j] = te
		}
		fixes[i] = SuggestedFix{Message: fix.Message, Edits: edits}
	}
	f.Fixes = fixes
	return f
}

// sortFindings sorts findings by file, position, rule and message.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Pos.Filename != b.Pos.Filename {
			return a.Pos.Filename < b.Pos.Filename
		}
		if a.Pos.Offset != b.Pos.Offset {
			return a.Pos.Offset < b.Pos.Offset
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}

package edit

import (
	"fmt"
	"go/ast"
	"go/token"
	"sort"

	"golang.org/x/tools/go/analysis"

	"github.com/httpfix/httpfix/rules/config"
)

// A Session collects the findings of one analyzer on one package, with
// their fixes, and reports them when the analyzer is done.
type Session struct {
	pass  *analysis.Pass
	files *Files
	cfg   *config.Config
	sites []*site
}

// A site is one finding: a report, or a fix with its message.
type site struct {
	pos, end token.Pos
	msg      string
	fix      *Fix
}

// NewSession starts the session of pass, which must require Analyzer.
func NewSession(pass *analysis.Pass, cfg *config.Config) *Session {
	return &Session{pass: pass, files: pass.ResultOf[Analyzer].(*Files), cfg: cfg}
}

// Files returns the files of the package.
func (s *Session) Files() *Files { return s.files }

// Pass returns the analysis pass.
func (s *Session) Pass() *analysis.Pass { return s.pass }

// Config returns the analyzer's settings.
func (s *Session) Config() *config.Config { return s.cfg }

// Editable reports whether the rule may change or report anything in f:
// not generated, not cgo's, test code (a _test.go file, or a file that
// imports "testing") only if tests are asked for, and a file the driver
// lets it change.
func (s *Session) Editable(f *File) bool {
	return f != nil && !f.Generated && !f.Cgo && (!f.Test && !f.TestSupport || s.cfg.Tests) && s.cfg.MayEdit(f.Name)
}

// Skip reports whether the rule must leave the code at pos alone: it is
// in a file it may not change, or under a //httpfix:ignore directive.
func (s *Session) Skip(pos token.Pos) bool {
	f := s.files.Of(pos)
	return !s.Editable(f) || f.Ignored(pos, s.pass.Analyzer.Name) || !s.cfg.Tests && s.TestFunc(f, pos)
}

// TestFunc reports whether pos, in f, is in a test helper of a file that
// also holds production code: a function that takes a *testing.T (or B,
// F, TB) in a file that imports "testing".
func (s *Session) TestFunc(f *File, pos token.Pos) bool {
	if f == nil || !f.ImportsTesting {
		return false
	}
	for _, d := range f.Ast.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Pos() <= pos && pos < fd.End() {
			return TakesTesting(s.pass.TypesInfo, fd)
		}
	}
	return false
}

// NewFix starts the fix of a site.
func (s *Session) NewFix() *Fix { return &Fix{s: s} }

// Reportf reports a site that needs a person.
func (s *Session) Reportf(pos token.Pos, format string, args ...any) {
	if s.Skip(pos) {
		return
	}
	s.sites = append(s.sites, &site{pos: pos, msg: fmt.Sprintf(format, args...)})
}

// Fixed records a site the fix rewrites, with the diagnostic's message.
func (s *Session) Fixed(pos, end token.Pos, fix *Fix, format string, args ...any) {
	if s.Skip(pos) {
		return
	}
	s.sites = append(s.sites, &site{pos: pos, end: end, msg: fmt.Sprintf(format, args...), fix: fix})
}

// Flush reports the session's findings on the pass: each site one
// diagnostic, each fixed site with exactly one suggested fix. Fixes whose
// edits overlap are merged into one, which each of their sites carries,
// so that no two fixes a driver merges ever conflict. A fix that cannot
// be made is reported with the reason.
func (s *Session) Flush() {
	sort.SliceStable(s.sites, func(i, j int) bool { return s.sites[i].pos < s.sites[j].pos })
	type made struct {
		edits []analysis.TextEdit
		err   error
	}
	results := make([]made, len(s.sites))
	for i, st := range s.sites {
		if st.fix == nil {
			continue
		}
		y := s.replay(st.fix)
		results[i].edits, results[i].err = y.textEdits()
	}
	// Group the sites whose edits overlap (identical edits do not), and
	// make each group's fix from all their steps.
	group := make([]int, len(s.sites))
	for i := range group {
		group[i] = i
	}
	var find func(i int) int
	find = func(i int) int {
		for group[i] != i {
			i = group[i]
		}
		return i
	}
	for i := range s.sites {
		for j := i + 1; j < len(s.sites); j++ {
			if results[i].err == nil && results[j].err == nil && results[i].edits != nil && results[j].edits != nil &&
				overlap(results[i].edits, results[j].edits) {
				group[find(j)] = find(i)
			}
		}
	}
	members := map[int][]int{}
	for i := range s.sites {
		if s.sites[i].fix != nil && results[i].err == nil {
			members[find(i)] = append(members[find(i)], i)
		}
	}
	for root, ms := range members {
		if len(ms) < 2 {
			continue
		}
		var fixes []*Fix
		for _, i := range ms {
			fixes = append(fixes, s.sites[i].fix)
		}
		edits, err := s.replay(fixes...).textEdits()
		for _, i := range ms {
			results[i] = made{edits, err}
		}
		_ = root
	}
	for i, st := range s.sites {
		d := analysis.Diagnostic{Pos: st.pos, End: st.end, Category: s.pass.Analyzer.Name, Message: st.msg}
		if st.fix != nil {
			r := results[i]
			switch {
			case r.err != nil:
				d.Message = fmt.Sprintf("%s; not fixed: %v", st.msg, r.err)
			case len(r.edits) == 0:
				continue // nothing to change after all
			case s.cfg.SingleFile && spansFiles(s.pass.Fset, r.edits):
				// Left for a later run, once the declaration it needs is
				// in place.
			default:
				d.SuggestedFixes = []analysis.SuggestedFix{{Message: st.msg, TextEdits: r.edits}}
			}
		}
		s.pass.Report(d)
	}
}

// overlap reports whether two sorted lists of edits have edits that
// conflict: not identical, and sharing bytes (or one inserting inside the
// other's range).
func overlap(a, b []analysis.TextEdit) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Pos == y.Pos && x.End == y.End && string(x.NewText) == string(y.NewText) {
				continue
			}
			if x.Pos == x.End && y.Pos == y.End {
				continue // two insertions: both go in
			}
			if x.Pos < y.End && y.Pos < x.End {
				return true
			}
			if x.Pos == x.End && y.Pos < x.Pos && x.Pos < y.End || y.Pos == y.End && x.Pos < y.Pos && y.Pos < x.End {
				return true
			}
			if x.Pos == y.Pos && x.Pos != x.End && y.Pos != y.End {
				return true
			}
		}
	}
	return false
}

// spansFiles reports whether edits touch more than one file.
func spansFiles(fset *token.FileSet, edits []analysis.TextEdit) bool {
	var first *token.File
	for _, e := range edits {
		f := fset.File(e.Pos)
		if first == nil {
			first = f
		} else if f != first {
			return true
		}
	}
	return false
}

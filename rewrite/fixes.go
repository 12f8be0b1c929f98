package rewrite

import (
	"go/token"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// A fixSite is one diagnostic whose fix the engine applies.
type fixSite struct {
	rule  string
	order int // the analyzer's place in the run's list
	diag  analysis.Diagnostic
	pos   token.Position
	edits map[string][]textEdit // by file, sorted
}

// A textEdit replaces the bytes [start, end) of a file by text.
type textEdit struct {
	start, end int
	text       string
}

// newFixSite converts the suggested fix of d into byte offsets.
func newFixSite(fset *token.FileSet, rule string, order int, d analysis.Diagnostic) *fixSite {
	fs := &fixSite{rule: rule, order: order, diag: d, pos: fset.PositionFor(d.Pos, false), edits: map[string][]textEdit{}}
	for _, te := range d.SuggestedFixes[0].TextEdits {
		f := fset.File(te.Pos)
		if f == nil {
			continue
		}
		end := te.End
		if !end.IsValid() {
			end = te.Pos
		}
		fs.edits[f.Name()] = append(fs.edits[f.Name()], textEdit{f.Offset(te.Pos), f.Offset(end), string(te.NewText)})
	}
	for _, es := range fs.edits {
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].start != es[j].start {
				return es[i].start < es[j].start
			}
			return es[i].end < es[j].end
		})
	}
	return fs
}

// conflicts reports whether two edits of one file cannot both be made:
// they are not the same edit, and they share bytes, or one inserts inside
// the range the other replaces, or both replace from the same point.
// Two insertions at one point both go in.
func conflicts(x, y textEdit) bool {
	if x == y {
		return false
	}
	xi, yi := x.start == x.end, y.start == y.end
	switch {
	case xi && yi:
		return false
	case xi:
		return y.start < x.start && x.start < y.end
	case yi:
		return x.start < y.start && y.start < x.end
	}
	return x.start < y.end && y.start < x.end || x.start == y.start
}

// mergeFixes applies the fixes, in order, to the files they edit: each
// fix whose edits conflict with those of a fix applied before it is left
// out. Identical edits (an import two fixes add, a shared declaration)
// are made once. It returns the new text of each file changed, and the
// fixes left out.
func mergeFixes(fixes []*fixSite, original func(path string) []byte) (map[string][]byte, []*fixSite) {
	acc := map[string][]textEdit{}
	owner := map[string][]int{} // the fix that first made each edit of acc
	var left []*fixSite
next:
	for k, fx := range fixes {
		for file, es := range fx.edits {
			for _, x := range es {
				for _, y := range acc[file] {
					if conflicts(x, y) {
						left = append(left, fx)
						continue next
					}
				}
			}
		}
		for file, es := range fx.edits {
		edits:
			for _, x := range es {
				for _, y := range acc[file] {
					if x == y {
						continue edits
					}
				}
				acc[file] = append(acc[file], x)
				owner[file] = append(owner[file], k)
			}
		}
	}
	out := map[string][]byte{}
	for file, es := range acc {
		src := original(file)
		idx := make([]int, len(es))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			x, y := es[idx[a]], es[idx[b]]
			if x.start != y.start {
				return x.start < y.start
			}
			if x.end != y.end {
				return x.start == x.end // an insertion before a replacement from its point
			}
			// Insertions at one point from different fixes: imports in
			// the order of their paths, as gofmt sorts them; anything
			// else in the order of the fixes.
			if owner[file][idx[a]] != owner[file][idx[b]] {
				if px, ok := importLine(x.text); ok {
					if py, ok := importLine(y.text); ok {
						return px < py
					}
				}
			}
			return false
		})
		var b strings.Builder
		last := 0
		for _, i := range idx {
			x := es[i]
			if x.start < last || x.end > len(src) {
				continue // cannot happen: conflicts were left out
			}
			b.Write(src[last:x.start])
			b.WriteString(x.text)
			last = x.end
		}
		b.Write(src[last:])
		out[file] = []byte(b.String())
	}
	return out, left
}

// importLine reports whether an inserted text is one import spec on a
// line of its own ("\t\"io\"\n", or "\n\t\"io\""), and returns its path.
func importLine(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if strings.ContainsAny(t, "\n") {
		return "", false
	}
	fields := strings.Fields(t)
	if len(fields) == 0 || len(fields) > 2 {
		return "", false
	}
	p, err := strconv.Unquote(fields[len(fields)-1])
	if err != nil {
		return "", false
	}
	return p, true
}

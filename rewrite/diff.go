package rewrite

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/httpfix/httpfix/rewrite/textdiff"
)

// unifiedDiff writes a unified diff of old and new, with three lines of
// context, naming the files a/name and b/name as git apply and patch -p1
// expect. It writes nothing when the texts are equal.
func unifiedDiff(w io.Writer, name string, old, new []byte) error {
	if bytes.Equal(old, new) {
		return nil
	}
	a, b := textdiff.SplitLines(string(old)), textdiff.SplitLines(string(new))
	edits := textdiff.Lines(a, b)

	type line struct {
		op   textdiff.Op
		text string
	}
	// Flatten the edits into a list of lines with their origin.
	var all []line
	ia, ib := 0, 0
	for _, e := range edits {
		for k := 0; k < e.N; k++ {
			switch e.Op {
			case textdiff.Equal:
				all = append(all, line{e.Op, a[ia]})
				ia++
				ib++
			case textdiff.Delete:
				all = append(all, line{e.Op, a[ia]})
				ia++
			case textdiff.Insert:
				all = append(all, line{e.Op, b[ib]})
				ib++
			}
		}
	}

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "--- a/%s\n+++ b/%s\n", name, name)
	const context = 3
	// Walk the lines, cutting hunks around changes.
	i := 0
	lineA, lineB := 1, 1 // line numbers at all[i]
	for i < len(all) {
		// Find the next change.
		j := i
		la, lb := lineA, lineB
		for j < len(all) && all[j].op == textdiff.Equal {
			j++
			la++
			lb++
		}
		if j == len(all) {
			break
		}
		// Start the hunk up to context lines before the change.
		start := max(j-context, i)
		startA, startB := la-(j-start), lb-(j-start)
		// Extend the hunk while changes are closer than 2*context lines.
		end := j
		equalRun := 0
		for k := j; k < len(all); k++ {
			if all[k].op == textdiff.Equal {
				equalRun++
				if equalRun > 2*context {
					break
				}
			} else {
				equalRun = 0
				end = k + 1
			}
		}
		end = min(end+context, len(all))
		countA, countB := 0, 0
		for _, l := range all[start:end] {
			if l.op != textdiff.Insert {
				countA++
			}
			if l.op != textdiff.Delete {
				countB++
			}
		}
		fmt.Fprintf(&buf, "@@ -%s +%s @@\n", hunkRange(startA, countA), hunkRange(startB, countB))
		for _, l := range all[start:end] {
			prefix := " "
			switch l.op {
			case textdiff.Delete:
				prefix = "-"
			case textdiff.Insert:
				prefix = "+"
			}
			buf.WriteString(prefix)
			buf.WriteString(l.text)
			if !strings.HasSuffix(l.text, "\n") {
				buf.WriteString("\n\\ No newline at end of file\n")
			}
		}
		// Advance the line counters past the hunk.
		for _, l := range all[i:end] {
			if l.op != textdiff.Insert {
				lineA++
			}
			if l.op != textdiff.Delete {
				lineB++
			}
		}
		i = end
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// hunkRange formats the start,count of a hunk header; an empty range
// names the line before it, as diff -u does.
func hunkRange(start, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprintf("%d", start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}

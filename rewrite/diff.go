package rewrite

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// splitLines splits s into lines, each keeping its "\n"; a last line
// without one is kept as is.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// An edit is one step of a line diff: a run of n lines equal in both
// texts, or deleted from the first, or inserted from the second.
type edit struct {
	op diffmatchpatch.Operation
	n  int
}

// lineDiff returns the line edits that turn a into b. It uses go-diff's
// line mode (lines mapped to runes, then a Myers diff) with no time limit,
// so the result is the same on every run and every machine.
func lineDiff(a, b []string) []edit {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	index := map[string]rune{}
	encode := func(lines []string) []rune {
		rs := make([]rune, len(lines))
		for i, l := range lines {
			r, ok := index[l]
			if !ok {
				r = rune(len(index) + 1)
				if r >= 0xD800 { // skip the surrogate range, which is not valid in a rune string
					r += 0x800
				}
				index[l] = r
			}
			rs[i] = r
		}
		return rs
	}
	ra, rb := encode(a), encode(b)
	var edits []edit
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		n := len([]rune(d.Text))
		if n == 0 {
			continue
		}
		if k := len(edits); k > 0 && edits[k-1].op == d.Type {
			edits[k-1].n += n
			continue
		}
		edits = append(edits, edit{d.Type, n})
	}
	return edits
}

// unifiedDiff writes a unified diff of old and new, with three lines of
// context, naming the files a/name and b/name as git apply and patch -p1
// expect. It writes nothing when the texts are equal.
func unifiedDiff(w io.Writer, name string, old, new []byte) error {
	if bytes.Equal(old, new) {
		return nil
	}
	a, b := splitLines(string(old)), splitLines(string(new))
	edits := lineDiff(a, b)

	type line struct {
		op   diffmatchpatch.Operation
		text string
	}
	// Flatten the edits into a list of lines with their origin.
	var all []line
	ia, ib := 0, 0
	for _, e := range edits {
		for k := 0; k < e.n; k++ {
			switch e.op {
			case diffmatchpatch.DiffEqual:
				all = append(all, line{e.op, a[ia]})
				ia++
				ib++
			case diffmatchpatch.DiffDelete:
				all = append(all, line{e.op, a[ia]})
				ia++
			case diffmatchpatch.DiffInsert:
				all = append(all, line{e.op, b[ib]})
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
		for j < len(all) && all[j].op == diffmatchpatch.DiffEqual {
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
			if all[k].op == diffmatchpatch.DiffEqual {
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
			if l.op != diffmatchpatch.DiffInsert {
				countA++
			}
			if l.op != diffmatchpatch.DiffDelete {
				countB++
			}
		}
		fmt.Fprintf(&buf, "@@ -%s +%s @@\n", hunkRange(startA, countA), hunkRange(startB, countB))
		for _, l := range all[start:end] {
			prefix := " "
			switch l.op {
			case diffmatchpatch.DiffDelete:
				prefix = "-"
			case diffmatchpatch.DiffInsert:
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
			if l.op != diffmatchpatch.DiffInsert {
				lineA++
			}
			if l.op != diffmatchpatch.DiffDelete {
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

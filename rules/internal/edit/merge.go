package edit

import (
	"bytes"
	"strings"

	"github.com/httpfix/httpfix/rewrite/textdiff"
)

// A hunk replaces base lines [bS,bE) by rewrite lines [mS,mE); placed, it
// replaces original lines [oS,oE).
type hunk struct {
	bS, bE, mS, mE int
	oS, oE         int
}

// mergeHunks returns the changes that apply a rewrite to the original
// text, keeping every byte outside the rewritten lines as it was, as
// hunks in original lines with their new lines.
//
// The printer that renders a rewritten syntax tree normalises what it
// prints (gofmt layout, "\n" line endings). To keep the change to the
// lines a rule changed, merge takes the text as printed before the rule
// ran (base) as the common ancestor of the original and the rewrite: the
// original differs from base only in layout, the rewrite differs from
// base only in what the rule changed. Each hunk of the base-to-rewrite
// diff is applied to the original at the lines base shares with it. A
// hunk whose own lines are laid out differently in the original (a
// rewritten statement that was not gofmt-clean) replaces the original's
// version of them; nothing else of the original changes.
//
// Text with CRLF line endings is merged without them, and the lines the
// rewrite contributes get them back.
func mergeHunks(original, base, rewritten string) (orig []string, hs []hunk, newLines []string) {
	crlf := isCRLF(original)
	orig = textdiff.SplitLines(original)
	origNoCR := make([]string, len(orig))
	for i, l := range orig {
		origNoCR[i] = strings.Replace(l, "\r\n", "\n", 1)
	}
	b := textdiff.SplitLines(base)
	m := textdiff.SplitLines(rewritten)
	// Lines that differ only in layout (spaces for tabs, aligned
	// comments) are the same line: matched, the original's bytes stay.
	matchO := matches(normalize(b), normalize(origNoCR))

	hs = hunks(b, m)
	for i := range hs {
		hs[i].place(matchO, len(orig))
	}
	// Widening can make neighbouring hunks overlap in the original: join
	// them (in base and rewrite coordinates, which stay aligned between
	// hunks) and place the result again.
	for i := 1; i < len(hs); {
		prev, h := &hs[i-1], hs[i]
		if h.oS < prev.oE {
			prev.bE, prev.mE = h.bE, h.mE
			prev.place(matchO, len(orig))
			hs = append(hs[:i], hs[i+1:]...)
			continue
		}
		i++
	}
	if crlf {
		m = append([]string(nil), m...)
		for i, l := range m {
			if strings.HasSuffix(l, "\n") && !strings.HasSuffix(l, "\r\n") {
				m[i] = strings.TrimSuffix(l, "\n") + "\r\n"
			}
		}
	}
	return orig, hs, m
}

// apply returns the original lines with the hunks applied.
func apply(orig []string, hs []hunk, m []string) string {
	var out strings.Builder
	next := 0 // next original line to copy
	for _, h := range hs {
		for _, l := range orig[next:h.oS] {
			out.WriteString(l)
		}
		for _, l := range m[h.mS:h.mE] {
			out.WriteString(l)
		}
		next = h.oE
	}
	for _, l := range orig[next:] {
		out.WriteString(l)
	}
	return out.String()
}

// hunks returns the hunks of the line diff from b to m.
func hunks(b, m []string) []hunk {
	var hs []hunk
	ib, im := 0, 0
	var cur *hunk
	for _, e := range textdiff.Lines(b, m) {
		switch e.Op {
		case textdiff.Equal:
			cur = nil
			ib += e.N
			im += e.N
			continue
		case textdiff.Delete:
			if cur == nil {
				hs = append(hs, hunk{bS: ib, bE: ib, mS: im, mE: im})
				cur = &hs[len(hs)-1]
			}
			ib += e.N
			cur.bE = ib
		case textdiff.Insert:
			if cur == nil {
				hs = append(hs, hunk{bS: ib, bE: ib, mS: im, mE: im})
				cur = &hs[len(hs)-1]
			}
			im += e.N
			cur.mE = im
		}
	}
	return hs
}

// place finds the original lines h replaces, widening h over base lines
// the original lays out differently when its edges fall on them.
func (h *hunk) place(matchO []int, nO int) {
	nB := len(matchO)
	matched := func(i int) bool { return i >= 0 && i < nB && matchO[i] >= 0 }
	if h.bS == h.bE {
		// An insertion: after the base line before it, or before the
		// base line after it, whichever the original has.
		switch {
		case h.bS == 0:
			h.oS, h.oE = 0, 0
			if nB > 0 && matched(0) {
				h.oS, h.oE = matchO[0], matchO[0]
			}
			return
		case matched(h.bS - 1):
			h.oS = matchO[h.bS-1] + 1
			h.oE = h.oS
			return
		case h.bS == nB:
			h.oS, h.oE = nO, nO
			return
		case matched(h.bS):
			h.oS, h.oE = matchO[h.bS], matchO[h.bS]
			return
		}
		// Neither neighbour is in the original as printed: replace the
		// original's version of the lines before it.
		h.bS--
		h.mS--
	}
	for h.bS > 0 && !matched(h.bS) && !matched(h.bS-1) {
		h.bS--
		h.mS--
	}
	for h.bE < nB && !matched(h.bE-1) && !matched(h.bE) {
		h.bE++
		h.mE++
	}
	switch {
	case matched(h.bS):
		h.oS = matchO[h.bS]
	case h.bS == 0:
		h.oS = 0
	default:
		h.oS = matchO[h.bS-1] + 1
	}
	switch {
	case matched(h.bE - 1):
		h.oE = matchO[h.bE-1] + 1
	case h.bE == nB:
		h.oE = nO
	default:
		h.oE = matchO[h.bE]
	}
}

// isCRLF reports whether most lines of src end in "\r\n".
func isCRLF(src string) bool {
	return strings.Count(src, "\r\n") > strings.Count(src, "\n")/2
}

// normalize returns the lines with runs of white space made one space and
// leading and trailing white space removed.
func normalize(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Join(strings.Fields(l), " ")
	}
	return out
}

// matches maps each line of a to the index of the line of b it is equal
// to in a line diff of the two, or -1.
func matches(a, b []string) []int {
	match := make([]int, len(a))
	ia, ib := 0, 0
	for _, e := range textdiff.Lines(a, b) {
		switch e.Op {
		case textdiff.Equal:
			for k := 0; k < e.N; k++ {
				match[ia] = ib
				ia++
				ib++
			}
		case textdiff.Delete:
			for k := 0; k < e.N; k++ {
				match[ia] = -1
				ia++
			}
		case textdiff.Insert:
			ib += e.N
		}
	}
	return match
}

// withoutBlankLines drops the empty lines of formatted source, which mean
// nothing to the compiler: the printer sometimes loses one the original
// has (after a // comment ending in \r\n) where the merge keeps it.
func withoutBlankLines(src []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(src, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l...)
		}
	}
	return out
}

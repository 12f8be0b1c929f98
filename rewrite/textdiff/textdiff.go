// Package textdiff computes line diffs, deterministically, on top of
// go-diff: the engine prints them as patches, and the analyzers merge
// rewritten declarations into the original text with them.
package textdiff

import (
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// SplitLines splits s into lines, each keeping its "\n"; a last line
// without one is kept as is.
func SplitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// Op is the kind of a step of a line diff.
type Op int

const (
	Equal Op = iota
	Delete
	Insert
)

// A Step is one step of a line diff: a run of N lines equal in both
// texts, or deleted from the first, or inserted from the second.
type Step struct {
	Op Op
	N  int
}

// Lines returns the steps that turn a into b. It uses go-diff's line mode
// (lines mapped to runes, then a Myers diff) with no time limit, so the
// result is the same on every run and every machine.
func Lines(a, b []string) []Step {
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
	var steps []Step
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		n := len([]rune(d.Text))
		if n == 0 {
			continue
		}
		op := Equal
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = Delete
		case diffmatchpatch.DiffInsert:
			op = Insert
		}
		if k := len(steps); k > 0 && steps[k-1].Op == op {
			steps[k-1].N += n
			continue
		}
		steps = append(steps, Step{op, n})
	}
	return steps
}

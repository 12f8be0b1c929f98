package rewrite

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// leaveTestOnly leaves alone, as it leaves test files alone without -test,
// the packages that only tests use: a package under an internal directory
// (which only the tree rooted at that directory's parent may import),
// whose whole tree the run walks, imported by the test files of that tree
// and by no other file, except those of other such packages (the helpers
// of an acceptance suite, built on one another). Such a package runs
// only under go test, against the test's servers, so changing it is the
// review noise -test exists to avoid. Without a walk of the whole tree
// the run cannot know every importer, and changes the package as usual.
// A note in the summary names what was left alone.
func (e *engine) leaveTestOnly(s *scanner, dirs []*pkgDir) {
	byPath := map[string]*pkgDir{}
	var candidates []*pkgDir
	for _, pd := range dirs {
		if pd.module == nil || pd.importPath == "" {
			continue
		}
		byPath[pd.importPath] = pd
		if parent, ok := internalParent(pd); ok && e.walkedWhole(parent) {
			candidates = append(candidates, pd)
		}
	}
	if len(candidates) == 0 {
		return
	}
	// Who imports each candidate, from files that are not tests, and
	// whether any test file does.
	prodImporters := map[string][]*pkgDir{}
	testImported := map[string]bool{}
	want := map[string]bool{}
	for _, pd := range candidates {
		want[pd.importPath] = true
	}
	for _, pd := range dirs {
		prod := map[string]bool{}
		for _, imp := range pd.prodImports {
			if want[imp] && !prod[imp] {
				prod[imp] = true
				prodImporters[imp] = append(prodImporters[imp], pd)
			}
		}
		for imp := range pd.imports {
			if want[imp] && !prod[imp] {
				testImported[imp] = true
			}
		}
		for _, imp := range pd.taggedTestImports {
			if want[imp] {
				testImported[imp] = true
			}
		}
	}
	// A package nothing imports (not a command) is built into nothing:
	// what it imports says nothing of who uses that. It is changed as
	// usual, being no test either.
	only := map[string]bool{}
	dead := map[*pkgDir]bool{}
	for _, pd := range candidates {
		switch {
		case pd.main:
		case !testImported[pd.importPath] && len(prodImporters[pd.importPath]) == 0:
			dead[pd] = true
		default:
			only[pd.importPath] = true
		}
	}
	// The largest set whose members are imported by tests or by one
	// another only: drop, until none is left to drop, any candidate that
	// a live file outside the set imports, or that only dead code does.
	for changed := true; changed; {
		changed = false
		for _, pd := range candidates {
			p := pd.importPath
			if !only[p] {
				continue
			}
			keep := testImported[p]
			for _, imp := range prodImporters[p] {
				if dead[imp] {
					continue
				}
				if !only[imp.importPath] {
					keep = false
					break
				}
				keep = keep || imp != pd
			}
			if !keep {
				delete(only, p)
				changed = true
			}
		}
	}
	var left []string
	for _, pd := range candidates {
		if !only[pd.importPath] {
			continue
		}
		pd.only = map[string]bool{} // no file of it is to change
		pd.notCovered = nil
		if s.needed(pd) {
			left = append(left, e.rel(pd.dir))
		}
	}
	if len(left) == 0 {
		return
	}
	sort.Strings(left)
	const maxNamed = 3
	names := strings.Join(left[:min(len(left), maxNamed)], ", ")
	if len(left) > maxNamed {
		names += fmt.Sprintf(" and %d more", len(left)-maxNamed)
	}
	what := fmt.Sprintf("%d packages only tests import", len(left))
	if len(left) == 1 {
		what = "1 package only tests import"
	}
	e.res.Notes = append(e.res.Notes, fmt.Sprintf("left alone, as tests are, %s: %s (-test changes them)", what, names))
}

// internalParent returns the directory whose tree may import pd, if pd
// is under an internal directory: the parent of the last "internal"
// element of its import path.
func internalParent(pd *pkgDir) (string, bool) {
	rel := strings.TrimPrefix(pd.importPath, pd.module.Path)
	if rel == pd.importPath && pd.importPath != pd.module.Path {
		return "", false
	}
	elems := strings.Split(strings.Trim(rel, "/"), "/")
	last := -1
	for i, el := range elems {
		if el == "internal" {
			last = i
		}
	}
	if last < 0 {
		return "", false
	}
	return filepath.Join(pd.module.Dir, filepath.FromSlash(path.Join(elems[:last]...))), true
}

// walkedWhole reports whether the run walked the whole tree at dir.
func (e *engine) walkedWhole(dir string) bool {
	for _, root := range e.walked {
		if within(root, dir) {
			return true
		}
	}
	return false
}

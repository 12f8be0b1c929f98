package rewrite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// A migration of a monorepo is landed in shards, each reviewed by its
// owners on its own: with Options.Shard, the changes of a run are
// grouped (by directory, or by the owners CODEOWNERS gives), and each
// group is written to Options.Out as a patch that applies with git apply
// on its own, in any order, with an index (index.json, README.md).
//
// A package is never split: what one fix of a package declares for the
// others (defaultclient's client, in one of its files) and every use of
// it are in one shard. The shards are cut by package directory.

// ShardBy says how the changes are cut into shards.
type ShardBy struct {
	// Kind is "dir" (by directory) or "owners" (by CODEOWNERS); "" is
	// one shard for the whole change.
	Kind string
	// Depth, for "dir", is how many elements of a package's directory
	// (relative to Options.Dir) name its shard; 0 means all of them: a
	// shard per package directory.
	Depth int
}

// ParseShard parses the value of -shard: dir, dir:N or owners.
func ParseShard(s string) (ShardBy, error) {
	switch {
	case s == "owners":
		return ShardBy{Kind: "owners"}, nil
	case s == "dir":
		return ShardBy{Kind: "dir"}, nil
	case strings.HasPrefix(s, "dir:"):
		n, err := strconv.Atoi(strings.TrimPrefix(s, "dir:"))
		if err != nil || n < 1 {
			return ShardBy{}, fmt.Errorf("-shard=%s: the depth of dir:N must be a positive integer", s)
		}
		return ShardBy{Kind: "dir", Depth: n}, nil
	}
	return ShardBy{}, fmt.Errorf("-shard=%s: must be dir, dir:N or owners", s)
}

func (s ShardBy) String() string {
	switch {
	case s.Kind == "dir" && s.Depth > 0:
		return fmt.Sprintf("dir:%d", s.Depth)
	case s.Kind == "":
		return "none"
	}
	return s.Kind
}

// A Shard is a part of the change that is reviewed and landed on its
// own.
type Shard struct {
	Name  string `json:"name"`
	Patch string `json:"patch,omitempty"` // its file in Options.Out, if written
	// Owners are the owners the shard goes to (by CODEOWNERS); Reviewers
	// every owner of one of its files, whose approval GitHub asks for
	// too.
	Owners    []string       `json:"owners,omitempty"`
	Reviewers []string       `json:"reviewers,omitempty"`
	Packages  []string       `json:"packages"`
	Files     []string       `json:"files"` // relative to Options.Dir, slash-separated
	Sites     map[string]int `json:"sites"` // sites fixed, by rule
	// Verified says the tests of its packages and their importers
	// passed with the shard's rewrite as they did without it; Tested
	// lists those packages.
	Verified bool     `json:"verified"`
	Tested   []string `json:"tested,omitempty"`
	// Dropped, if set, says why the shard was left out of the output;
	// Failing lists the tests that passed before the rewrite and fail
	// with it ("package TestName").
	Dropped string   `json:"dropped,omitempty"`
	Failing []string `json:"failing,omitempty"`

	// Mixed lists, for a package whose files have several owners, the
	// files owned by others than the shard's.
	Mixed []string `json:"mixed_ownership,omitempty"`

	held []heldChange
}

// A heldChange is a change kept until the run is over, to be cut into
// shards or verified, with the package directory it belongs to.
type heldChange struct {
	c  Change
	pd *pkgDir
}

// holding reports whether changes are held until the run is over rather
// than emitted as their packages are done.
func (e *engine) holding() bool { return e.opts.Verify || e.opts.Out != "" }

// checkOut checks, before the run, that the output directory is absent
// or empty, and that CODEOWNERS parses if it is to be used.
func (e *engine) checkOut() bool {
	if e.opts.Out != "" {
		entries, err := os.ReadDir(e.opts.Out)
		switch {
		case err == nil && len(entries) > 0:
			e.errorf("-out=%s: the directory exists and is not empty; name a new or empty one", e.opts.Out)
			return false
		case err != nil && !os.IsNotExist(err):
			e.errorf("-out=%s: %v", e.opts.Out, unwrapPathError(err))
			return false
		}
	}
	if e.opts.Out != "" {
		// By owner, the owners cut the shards; by directory, the README
		// still names each shard's owners, if the repository has them.
		co, err := findCodeOwners(repoRoot(e.opts.Dir))
		switch {
		case err == errNoCodeOwners && e.opts.Shard.Kind != "owners":
		case err != nil:
			e.errorf("%s", e.relMsg(err.Error()))
			return false
		}
		e.owners = co
	}
	return true
}

// emitHeld cuts the held changes into shards, verifies them if asked,
// emits the changes of the shards kept as the mode asks, and writes the
// shards to Options.Out.
func (e *engine) emitHeld() {
	held := e.held
	e.held = nil
	if e.ctx.Err() != nil {
		return
	}
	// A file processed under several build contexts: its last text,
	// against the original.
	byPath := map[string]int{}
	var merged []heldChange
	for _, h := range held {
		if i, ok := byPath[h.c.Path]; ok {
			merged[i].c.New = h.c.New
			continue
		}
		byPath[h.c.Path] = len(merged)
		merged = append(merged, h)
	}
	shards := e.cut(merged)
	if e.opts.Verify {
		e.verifyShards(shards)
	}
	if e.ctx.Err() != nil {
		return
	}
	dropped := map[string]bool{}
	droppedPkg := map[string]bool{}
	for _, s := range shards {
		if s.Dropped != "" {
			for _, f := range s.Files {
				dropped[f] = true
			}
			for _, p := range s.Packages {
				droppedPkg[p] = true
			}
		}
	}
	// The notes of the analyzers ("rule: package: note") concern only
	// the packages written.
	e.res.Notes = slices.DeleteFunc(e.res.Notes, func(n string) bool {
		_, rest, _ := strings.Cut(n, ": ")
		pkg, _, _ := strings.Cut(rest, ": ")
		return droppedPkg[pkg]
	})
	for _, h := range merged {
		if !dropped[e.rel(h.c.Path)] {
			e.emitNow(h.c)
		}
	}
	if len(dropped) > 0 {
		var fixes []Diagnostic
		for _, d := range e.res.Fixes {
			if dropped[d.Pos.Filename] {
				e.res.Stats.Fixed[d.Rule]--
				continue
			}
			fixes = append(fixes, d)
		}
		e.res.Fixes = fixes
		for rule, n := range e.res.Stats.Fixed {
			if n <= 0 {
				delete(e.res.Stats.Fixed, rule)
			}
		}
	}
	if e.opts.Out != "" {
		if err := e.writeShards(shards); err != nil {
			e.errorf("-out=%s: %v", e.opts.Out, err)
		} else {
			e.wroteOut = true
		}
	}
	for _, s := range shards {
		s.held = nil
	}
	e.res.Shards = append([]*Shard{}, shards...)
}

// cut groups the changes into shards: by package directory first, then
// each package into the shard its directory, or its owners, name.
func (e *engine) cut(held []heldChange) []*Shard {
	type pkgChanges struct {
		pd    *pkgDir
		dir   string // relative to Options.Dir
		files []heldChange
	}
	var order []*pkgChanges
	byDir := map[string]*pkgChanges{}
	for _, h := range held {
		dir := filepath.Dir(h.c.Path)
		if h.pd != nil {
			dir = h.pd.dir
		}
		p := byDir[dir]
		if p == nil {
			p = &pkgChanges{pd: h.pd, dir: e.rel(dir)}
			byDir[dir] = p
			order = append(order, p)
		}
		p.files = append(p.files, h)
	}
	fileOf := map[string]*Shard{} // relative path -> shard
	byName := map[string]*Shard{}
	var shards []*Shard
	for _, p := range order {
		key, owners, mixed := e.shardKey(p.dir, p.files)
		s := byName[key]
		if s == nil {
			s = &Shard{Name: key, Owners: owners, Sites: map[string]int{}}
			byName[key] = s
			shards = append(shards, s)
		}
		if p.pd != nil && !slices.Contains(s.Packages, p.pd.importPath) {
			s.Packages = append(s.Packages, p.pd.importPath)
		}
		s.Mixed = append(s.Mixed, mixed...)
		for _, h := range p.files {
			rel := e.rel(h.c.Path)
			s.Files = append(s.Files, rel)
			s.held = append(s.held, h)
			fileOf[rel] = s
			if e.owners != nil {
				o, _ := e.owners.owners(h.c.Path)
				for _, r := range o {
					if !slices.Contains(s.Reviewers, r) {
						s.Reviewers = append(s.Reviewers, r)
					}
				}
			}
		}
	}
	for _, d := range e.res.Fixes {
		if s := fileOf[d.Pos.Filename]; s != nil {
			s.Sites[d.Rule]++
		}
	}
	if e.opts.Shard.Kind != "owners" {
		for _, s := range shards {
			s.Owners = slices.Sorted(slices.Values(s.Reviewers))
		}
	}
	sort.Slice(shards, func(i, j int) bool { return shards[i].Name < shards[j].Name })
	used := map[string]bool{}
	for _, s := range shards {
		sort.Strings(s.Files)
		sort.Strings(s.Packages)
		sort.Strings(s.Reviewers)
		sort.Strings(s.Mixed)
		base := fileName(s.Name)
		name := base
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		used[name] = true
		s.Patch = name + ".patch"
	}
	return shards
}

// shardKey names the shard of a package directory (dir, relative to
// Options.Dir) whose files are changed. By owners, a package goes to the
// owners of most of its changed files (on a tie, those of the first file
// by path, which is where its shared declarations go); mixed lists the
// files that others own.
func (e *engine) shardKey(dir string, files []heldChange) (key string, owners []string, mixed []string) {
	switch e.opts.Shard.Kind {
	case "dir":
		elems := strings.Split(dir, "/")
		if d := e.opts.Shard.Depth; d > 0 && len(elems) > d {
			elems = elems[:d]
		}
		key = strings.Join(elems, "/")
		if key == "." {
			key = "root"
		}
		return key, nil, nil
	case "owners":
		paths := make([]string, len(files))
		for i, h := range files {
			paths[i] = h.c.Path
		}
		sort.Strings(paths)
		count := map[string]int{}
		ownersOf := map[string][]string{}
		var first []string
		for _, p := range paths {
			o, _ := e.owners.owners(p)
			k := strings.Join(o, " ")
			if _, ok := count[k]; !ok {
				first = append(first, k)
			}
			count[k]++
			ownersOf[p] = o
		}
		best := first[0]
		for _, k := range first[1:] {
			if count[k] > count[best] {
				best = k
			}
		}
		for _, p := range paths {
			if strings.Join(ownersOf[p], " ") != best {
				mixed = append(mixed, e.rel(p))
			}
		}
		if best == "" {
			return "unowned", nil, mixed
		}
		return best, strings.Fields(best), mixed
	}
	return "all", nil, nil
}

// fileName turns a shard's name into the base name of its patch:
// api/billing -> api-billing, "@org/api @bob" -> org-api+bob.
func fileName(name string) string {
	var parts []string
	for _, f := range strings.Fields(name) {
		f = strings.TrimPrefix(f, "@")
		var b strings.Builder
		for _, r := range f {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
				b.WriteRune(r)
			default:
				b.WriteByte('-')
			}
		}
		parts = append(parts, strings.Trim(b.String(), "-."))
	}
	s := strings.Join(parts, "+")
	if s == "" {
		s = "shard"
	}
	return s
}

// index is DIR/index.json.
type index struct {
	Tool  string `json:"tool,omitempty"`
	Shard string `json:"shard"`
	// Dir is the directory the patches apply in (the one httpfix ran
	// in), relative to the repository's root.
	Dir        string   `json:"dir"`
	CodeOwners string   `json:"codeowners,omitempty"`
	Verify     bool     `json:"verify"`
	Shards     []*Shard `json:"shards"`
	Dropped    []*Shard `json:"dropped,omitempty"`
}

// writeShards writes the patches of the shards kept, index.json and
// README.md to Options.Out.
func (e *engine) writeShards(shards []*Shard) error {
	out := e.opts.Out
	if err := os.MkdirAll(out, 0o755); err != nil {
		return unwrapPathError(err)
	}
	root := repoRoot(e.opts.Dir)
	dir := "."
	if r, ok := under(root, e.opts.Dir); ok {
		dir = r
	}
	ix := index{Tool: e.opts.Version, Shard: e.opts.Shard.String(), Dir: dir, Verify: e.opts.Verify, Shards: []*Shard{}}
	if e.owners != nil {
		ix.CodeOwners, _ = under(root, e.owners.path)
	}
	for _, s := range shards {
		if s.Dropped != "" {
			s.Patch = ""
			ix.Dropped = append(ix.Dropped, s)
			continue
		}
		var buf bytes.Buffer
		for _, h := range s.sortedHeld() {
			if err := unifiedDiff(&buf, e.rel(h.c.Path), h.c.Old, h.c.New); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(out, s.Patch), buf.Bytes(), 0o644); err != nil {
			return unwrapPathError(err)
		}
		ix.Shards = append(ix.Shards, s)
	}
	data, err := json.MarshalIndent(ix, "", "\t")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "index.json"), append(data, '\n'), 0o644); err != nil {
		return unwrapPathError(err)
	}
	if err := os.WriteFile(filepath.Join(out, "README.md"), []byte(e.shardReadme(ix)), 0o644); err != nil {
		return unwrapPathError(err)
	}
	return nil
}

// sortedHeld returns the shard's changes by path.
func (s *Shard) sortedHeld() []heldChange {
	hs := slices.Clone(s.held)
	sort.Slice(hs, func(i, j int) bool { return hs[i].c.Path < hs[j].c.Path })
	return hs
}

// sitesText writes the sites of a shard: "defaultclient 2, drainclose 1".
func sitesText(sites map[string]int) string {
	var out []string
	for rule, n := range sites {
		out = append(out, fmt.Sprintf("%s %d", rule, n))
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// shardReadme writes DIR/README.md: how to land the shards, and each
// shard's owners, files and sites.
func (e *engine) shardReadme(ix index) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# httpfix migration: %d shards\n\n", len(ix.Shards))
	how := "by directory"
	switch {
	case e.opts.Shard.Kind == "dir" && e.opts.Shard.Depth > 0:
		how = fmt.Sprintf("by directory, %d levels deep", e.opts.Shard.Depth)
	case e.opts.Shard.Kind == "owners":
		how = "by owner, from " + ix.CodeOwners + " (the last matching pattern wins; a package whose files have several owners goes to the owners of most of them, on a tie to those of its first file)"
	case e.opts.Shard.Kind == "":
		how = "as one shard"
	}
	fmt.Fprintf(&b, "The change is cut %s. Each patch applies on its own, in any order, from `%s` (the directory httpfix ran in, relative to the repository's root):\n\n", how, ix.Dir)
	fmt.Fprintf(&b, "    git apply %s\n\n", filepath.ToSlash(filepath.Join(e.rel(e.opts.Out), "SHARD.patch")))
	if ix.Verify {
		b.WriteString("Every shard listed was verified: the tests of its packages, and of the packages of the module that import them, pass with its rewrite as they did without it. ")
		fmt.Fprintf(&b, "%d shards were dropped (see the end).\n\n", len(ix.Dropped))
	} else {
		b.WriteString("The shards were not verified by tests (httpfix -verify does that).\n\n")
	}
	if len(ix.Shards) > 0 {
		b.WriteString("| shard | owners | files | sites fixed |\n| --- | --- | --- | --- |\n")
		for _, s := range ix.Shards {
			fmt.Fprintf(&b, "| [%s](%s) | %s | %d | %s |\n", s.Name, s.Patch, ownersText(s.Owners), len(s.Files), sitesText(s.Sites))
		}
		b.WriteString("\n")
	}
	for _, s := range ix.Shards {
		fmt.Fprintf(&b, "## %s\n\n", s.Name)
		fmt.Fprintf(&b, "Patch: [%s](%s)\n\n", s.Patch, s.Patch)
		if e.owners != nil {
			fmt.Fprintf(&b, "Owners: %s\n\n", ownersText(s.Owners))
			if others := without2(s.Reviewers, s.Owners); len(others) > 0 && len(s.Mixed) > 0 {
				fmt.Fprintf(&b, "Also needs the review of: %s (owners of %s)\n\n", strings.Join(others, " "), strings.Join(s.Mixed, ", "))
			}
		}
		fmt.Fprintf(&b, "Sites fixed: %s\n\n", sitesText(s.Sites))
		switch {
		case s.Verified && len(s.Tested) == 0:
			b.WriteString("Verified: no package it changes, nor any package importing them, has tests to run.\n\n")
		case s.Verified:
			fmt.Fprintf(&b, "Verified by the tests of %d packages: %s\n\n", len(s.Tested), strings.Join(s.Tested, ", "))
		}
		b.WriteString("Packages:\n\n")
		for _, p := range s.Packages {
			fmt.Fprintf(&b, "- %s\n", p)
		}
		b.WriteString("\nFiles:\n\n")
		for _, f := range s.Files {
			fmt.Fprintf(&b, "- %s\n", f)
		}
		b.WriteString("\n")
	}
	if len(ix.Dropped) > 0 {
		b.WriteString("## Dropped\n\nThese shards were not written: a person needs to look at them.\n\n")
		for _, s := range ix.Dropped {
			fmt.Fprintf(&b, "### %s\n\n%s\n\n", s.Name, s.Dropped)
			for _, t := range s.Failing {
				fmt.Fprintf(&b, "- %s\n", t)
			}
			if len(s.Failing) > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "Files: %s\n\n", strings.Join(s.Files, ", "))
		}
	}
	return b.String()
}

func ownersText(owners []string) string {
	if len(owners) == 0 {
		return "(none)"
	}
	return strings.Join(owners, " ")
}

// without2 returns the elements of a not in b.
func without2(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// cannotVerify reports whether the shard was dropped because its tests
// could not be run or built: an error of the run, not of the rewrite.
func (s *Shard) cannotVerify() bool { return strings.HasPrefix(s.Dropped, "cannot verify") }

// droppedShards counts the shards left out of the output.
func (e *engine) droppedShards() int {
	n := 0
	for _, s := range e.res.Shards {
		if s.Dropped != "" {
			n++
		}
	}
	return n
}

// printDropped says, one line each, which shards were dropped and why:
// what a person needs to look at, printed with the reports.
func (e *engine) printDropped(w io.Writer) {
	for _, s := range e.res.Shards {
		if s.Dropped == "" || s.cannotVerify() {
			continue // printed with the errors
		}
		msg := fmt.Sprintf("httpfix: shard %s dropped: %s", s.Name, s.Dropped)
		if len(s.Failing) > 0 {
			msg += ": " + strings.Join(s.Failing, ", ")
		}
		fmt.Fprintln(w, msg)
	}
}

// printShards ends the summary with the shards: how many, verified and
// dropped, and where they were written.
func (e *engine) printShards(w io.Writer) {
	if !e.holding() || e.ctx.Err() != nil || e.res.Shards == nil {
		return
	}
	verified, untested := 0, 0
	for _, s := range e.res.Shards {
		if s.Verified {
			verified++
			if len(s.Tested) == 0 {
				untested++
			}
		}
	}
	msg := fmt.Sprintf("httpfix: %d shards", len(e.res.Shards))
	if e.opts.Verify {
		msg += fmt.Sprintf(": %d verified", verified)
		if untested > 0 {
			msg += fmt.Sprintf(" (%d with no tests to run)", untested)
		}
		msg += fmt.Sprintf(", %d dropped; the tests took %.1fs", e.droppedShards(), e.verifyTime.Seconds())
	}
	if e.wroteOut {
		msg += "; written to " + e.rel(e.opts.Out) + " (README.md, index.json)"
	}
	fmt.Fprintln(w, msg)
}

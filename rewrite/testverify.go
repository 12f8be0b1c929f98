package rewrite

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Verification by tests (Options.Verify): the tests of every package a
// shard changes, and of the packages of its module that import them
// (directly or not, their tests included), run once on the original
// code and once with the shard's rewrite, which the go command sees
// through -overlay (nothing is written). A shard whose rewrite makes a
// test fail that passed without it is dropped; a test that fails either
// way does not count against it. A package whose tests do not build on
// the original code cannot verify anything: its shards are dropped too.
//
// The original code is tested once, for all the shards together; each
// shard then once with its own rewrite. go test caches the results of
// passing packages, so a second run over an unchanged tree costs little.

// listedPkg is what go list says of a package of the module.
type listedPkg struct {
	ImportPath   string
	Dir          string
	Imports      []string
	TestImports  []string
	XTestImports []string
	TestGoFiles  []string
	XTestGoFiles []string
}

func (p *listedPkg) hasTests() bool { return len(p.TestGoFiles)+len(p.XTestGoFiles) > 0 }

// moduleGraph is the import graph of a module's packages, tests
// included.
type moduleGraph struct {
	pkgs      map[string]*listedPkg
	importers map[string][]string // by the build of the importer
	testUsers map[string][]string // by the importer's tests
}

// A testUnit is where the go command lists and tests packages of the
// shards: a module on its own, or the workspace of modules loaded
// through one go.work (one go command for all of them: each run of it
// costs the loading of the whole graph, even with every result cached).
type testUnit struct {
	dir  string   // where the go command runs
	env  []string // its environment
	mods []*Module
}

// unitOf returns the unit of module m, making it on first use.
func unitOf(units map[string]*testUnit, e *engine, m *Module) *testUnit {
	key := m.Dir
	if m.Workspace != "" {
		key = m.Workspace
	}
	u := units[key]
	if u == nil {
		u = &testUnit{dir: m.Dir, env: e.goEnv(m)}
		if m.Workspace != "" {
			u.dir = filepath.Dir(m.Workspace)
		}
		units[key] = u
	}
	if !slices.Contains(u.mods, m) {
		u.mods = append(u.mods, m)
	}
	return u
}

// patterns names the packages of the unit's modules.
func (u *testUnit) patterns() []string {
	var pats []string
	for _, m := range u.mods {
		pats = append(pats, m.Path+"/...")
		if m.Path != "" {
			pats = append(pats, m.Path)
		}
	}
	sort.Strings(pats)
	return slices.Compact(pats)
}

// goCommand returns the go command with flags (and the run's build
// tags) on args, in the unit's directory and environment, and the buffer
// its standard error goes to.
func (e *engine) goCommand(u *testUnit, flags, args []string) (*exec.Cmd, *bytes.Buffer) {
	all := slices.Clone(flags)
	if len(e.opts.Tags) > 0 {
		all = append(all, "-tags="+strings.Join(e.opts.Tags, ","))
	}
	cmd := exec.CommandContext(e.ctx, "go", append(all, args...)...)
	cmd.Dir = u.dir
	cmd.Env = u.env
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	return cmd, stderr
}

// listGraph lists the packages of the unit's modules.
func (e *engine) listGraph(u *testUnit) (*moduleGraph, error) {
	cmd, stderr := e.goCommand(u, []string{"list", "-e", "-json=ImportPath,Dir,Imports,TestImports,XTestImports,TestGoFiles,XTestGoFiles"}, u.patterns())
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list in %s: %v: %s", u.dir, err, firstLine(stderr.String()))
	}
	g := &moduleGraph{pkgs: map[string]*listedPkg{}, importers: map[string][]string{}, testUsers: map[string][]string{}}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := &listedPkg{}
		if err := dec.Decode(p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list in %s: %v", u.dir, err)
		}
		g.pkgs[p.ImportPath] = p
		for _, imp := range p.Imports {
			g.importers[imp] = append(g.importers[imp], p.ImportPath)
		}
		for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
			g.testUsers[imp] = append(g.testUsers[imp], p.ImportPath)
		}
	}
	return g, nil
}

// affected returns the packages of the module whose tests a change of
// the packages changed may affect, that have tests: the changed ones,
// those importing them (directly or not), and those whose tests import
// any of these.
func (g *moduleGraph) affected(changed []string) []string {
	built := map[string]bool{}
	var visit func(p string)
	visit = func(p string) {
		if built[p] {
			return
		}
		built[p] = true
		for _, q := range g.importers[p] {
			visit(q)
		}
	}
	for _, p := range changed {
		visit(p)
	}
	tested := map[string]bool{}
	for p := range built {
		tested[p] = true
		for _, q := range g.testUsers[p] {
			tested[q] = true
		}
	}
	var out []string
	for p := range tested {
		if lp := g.pkgs[p]; lp != nil && lp.hasTests() {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// goEnv is the environment the go command runs in for module m.
func (e *engine) goEnv(m *Module) []string {
	env := os.Environ()
	if m.Workspace == "" {
		env = append(env, "GOWORK=off")
	}
	return env
}

// testOutcome is what go test -json said of a package.
type testOutcome struct {
	ran        bool
	buildError string          // the tests did not build: the first error
	failed     bool            // the package failed
	tests      map[string]bool // test -> passed
}

// passed reports whether the test passed (or was skipped); for "",
// whether the package as a whole passed.
func (o *testOutcome) passed(test string) bool {
	if test == "" {
		return o.ran && !o.failed
	}
	return o.tests[test]
}

// goTest runs the tests of pkgs (of the unit) with go test -json, the
// files of overlay replacing the originals, and returns what happened to
// each package.
func (e *engine) goTest(u *testUnit, pkgs []string, overlay string) (map[string]*testOutcome, error) {
	flags := []string{"test", "-json", "-vet=off"}
	if overlay != "" {
		flags = append(flags, "-overlay="+overlay)
	}
	cmd, stderr := e.goCommand(u, flags, pkgs)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("go test: %v", err)
	}
	res := map[string]*testOutcome{}
	get := func(pkg string) *testOutcome {
		o := res[pkg]
		if o == nil {
			o = &testOutcome{tests: map[string]bool{}}
			res[pkg] = o
		}
		return o
	}
	buildOut := map[string]string{} // by ImportPath: its first error line
	type event struct {
		Action, Package, Test, Output, ImportPath, FailedBuild string
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev event
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		switch ev.Action {
		case "build-output":
			line := strings.TrimSpace(ev.Output)
			if _, ok := buildOut[ev.ImportPath]; !ok && line != "" && !strings.HasPrefix(line, "#") {
				buildOut[ev.ImportPath] = line
			}
		case "pass", "fail", "skip":
			o := get(ev.Package)
			o.ran = true
			if ev.Test != "" {
				o.tests[ev.Test] = ev.Action != "fail"
				continue
			}
			if ev.Action == "fail" {
				o.failed = true
				if ev.FailedBuild != "" {
					o.buildError = buildOut[ev.FailedBuild]
					if o.buildError == "" {
						o.buildError = "build failed"
					}
				}
			}
		case "output":
			if ev.Test == "" && strings.Contains(ev.Output, "[setup failed]") {
				get(ev.Package).buildError = "setup failed"
			}
		}
	}
	werr := cmd.Wait()
	if e.ctx.Err() != nil {
		return nil, e.ctx.Err()
	}
	if len(res) == 0 && werr != nil {
		return nil, fmt.Errorf("go test: %v: %s", werr, firstLine(stderr.String()))
	}
	for _, p := range pkgs {
		if res[p] == nil {
			// go test said nothing of it: it did not get that far.
			o := get(p)
			o.buildError = firstLine(stderr.String())
			if o.buildError == "" {
				o.buildError = "go test did not run its tests"
			}
		}
	}
	return res, nil
}

// verifyShards verifies each shard by the tests its rewrite may affect,
// dropping those it makes fail.
func (e *engine) verifyShards(shards []*Shard) {
	start := time.Now()
	defer func() { e.verifyTime = time.Since(start) }()
	progress := newProgress(e.opts.Progress, e.opts.Stderr)
	defer progress.clear()
	say := func(format string, args ...any) {
		if e.opts.Progress {
			fmt.Fprintf(e.opts.Stderr, "\r\033[Khttpfix: verify: "+format, args...)
			progress.shown = true
		}
	}

	// The units of the shards, and the packages each shard changes in
	// each.
	units := map[string]*testUnit{}
	changed := make([]map[*testUnit][]string, len(shards))
	for i, s := range shards {
		changed[i] = map[*testUnit][]string{}
		for _, h := range s.held {
			if h.pd == nil || h.pd.module == nil {
				continue
			}
			u := unitOf(units, e, h.pd.module)
			if !slices.Contains(changed[i][u], h.pd.importPath) {
				changed[i][u] = append(changed[i][u], h.pd.importPath)
			}
		}
	}
	var order []*testUnit
	for _, u := range units {
		order = append(order, u)
	}
	sort.Slice(order, func(a, b int) bool { return order[a].dir < order[b].dir })
	graphs := map[*testUnit]*moduleGraph{}
	graphErr := map[*testUnit]error{}
	for _, u := range order {
		say("listing the packages of %s", u.patterns()[0])
		graphs[u], graphErr[u] = e.listGraph(u)
	}

	// What each shard tests, and the original code once for all.
	tests := make([]map[*testUnit][]string, len(shards))
	union := map[*testUnit][]string{}
	for i, s := range shards {
		tests[i] = map[*testUnit][]string{}
		for u, pkgs := range changed[i] {
			if err := graphErr[u]; err != nil {
				s.Dropped = "cannot verify: " + err.Error()
				continue
			}
			t := graphs[u].affected(pkgs)
			tests[i][u] = t
			union[u] = append(union[u], t...)
		}
	}
	before := map[*testUnit]map[string]*testOutcome{}
	beforeErr := map[*testUnit]error{}
	for _, u := range order {
		pkgs := slices.Compact(slices.Sorted(slices.Values(union[u])))
		if len(pkgs) == 0 {
			before[u] = map[string]*testOutcome{}
			continue
		}
		say("testing %d packages on the original code", len(pkgs))
		before[u], beforeErr[u] = e.goTest(u, pkgs, "")
	}
	if e.ctx.Err() != nil {
		return
	}

	tmp, err := os.MkdirTemp("", "httpfix-verify")
	if err != nil {
		for _, s := range shards {
			s.Dropped = "cannot verify: " + err.Error()
		}
		return
	}
	defer os.RemoveAll(tmp)
	for i, s := range shards {
		if s.Dropped == "" {
			say("shard %d/%d (%s)", i+1, len(shards), s.Name)
			e.verifyShard(s, tests[i], before, beforeErr, filepath.Join(tmp, fmt.Sprint(i)))
		}
		if e.ctx.Err() != nil {
			return
		}
		if s.cannotVerify() {
			// An error of the run (exit 2), said once, here.
			e.errorf("shard %s dropped: %s", s.Name, s.Dropped)
		}
	}
}

// verifyShard runs the tests of one shard with its rewrite in an
// overlay written under dir, and compares them with before.
func (e *engine) verifyShard(s *Shard, tests map[*testUnit][]string, before map[*testUnit]map[string]*testOutcome, beforeErr map[*testUnit]error, dir string) {
	overlay, err := writeOverlay(dir, s.held)
	if err != nil {
		s.Dropped = "cannot verify: " + err.Error()
		return
	}
	var units []*testUnit
	for u := range tests {
		units = append(units, u)
	}
	sort.Slice(units, func(a, b int) bool { return units[a].dir < units[b].dir })
	var failing []string
	var tested []string
	for _, u := range units {
		pkgs := tests[u]
		if len(pkgs) == 0 {
			continue
		}
		if err := beforeErr[u]; err != nil {
			s.Dropped = "cannot verify: " + err.Error()
			return
		}
		// The packages whose tests do not build on the original code
		// verify nothing.
		for _, p := range pkgs {
			if o := before[u][p]; o != nil && o.buildError != "" {
				s.Dropped = fmt.Sprintf("cannot verify: the tests of %s do not build: %s", p, o.buildError)
				return
			}
		}
		after, err := e.goTest(u, pkgs, overlay)
		if err != nil {
			s.Dropped = "cannot verify: " + err.Error()
			return
		}
		for _, p := range pkgs {
			b, a := before[u][p], after[p]
			if a == nil || b == nil {
				continue
			}
			if a.buildError != "" {
				s.Dropped = fmt.Sprintf("the tests of %s do not build with the rewrite: %s", p, a.buildError)
				return
			}
			var names []string
			for t := range b.tests {
				names = append(names, t)
			}
			sort.Strings(names)
			for _, t := range names {
				if b.passed(t) && !a.passed(t) {
					failing = append(failing, p+" "+t)
				}
			}
			if b.passed("") && !a.passed("") && !anyNewFailure(failing, p) {
				failing = append(failing, p+" (the package's tests fail outside any test)")
			}
			tested = append(tested, p)
		}
	}
	sort.Strings(tested)
	s.Tested = tested
	if len(failing) > 0 {
		s.Dropped = "the rewrite makes tests fail that pass without it"
		s.Failing = failing
		return
	}
	s.Verified = true
}

// anyNewFailure reports whether failing names a test of package p.
func anyNewFailure(failing []string, p string) bool {
	for _, f := range failing {
		if strings.HasPrefix(f, p+" ") {
			return true
		}
	}
	return false
}

// writeOverlay writes the new text of the changes and the go command's
// overlay file mapping each file to it, and returns the overlay file's
// path (under dir).
//
// The go command keys the test binaries it caches by the overlay's file
// paths too: each new text goes to a path made of a hash of the original
// path and the text (in the user's cache directory), the same on every
// run, so that a second -verify over the same tree finds its test
// results cached. A file is mapped both by its path and by the path the
// package's directory was reached by, which differ under a symbolic
// link.
func writeOverlay(dir string, held []heldChange) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	root, err := os.UserCacheDir()
	if err != nil {
		root = os.TempDir()
	}
	root = filepath.Join(root, "httpfix", "overlay")
	replace := map[string]string{}
	for _, h := range held {
		sum := sha256.Sum256(append([]byte(h.c.Path+"\x00"), h.c.New...))
		fileDir := filepath.Join(root, hex.EncodeToString(sum[:12]))
		tmp := filepath.Join(fileDir, filepath.Base(h.c.Path))
		if old, err := os.ReadFile(tmp); err != nil || !bytes.Equal(old, h.c.New) {
			if err := os.MkdirAll(fileDir, 0o755); err != nil {
				return "", err
			}
			if err := os.WriteFile(tmp, h.c.New, 0o644); err != nil {
				return "", err
			}
		}
		replace[h.c.Path] = tmp
		if h.pd != nil {
			replace[filepath.Join(h.pd.dir, filepath.Base(h.c.Path))] = tmp
		}
	}
	data, err := json.Marshal(struct{ Replace map[string]string }{replace})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	path := filepath.Join(root, hex.EncodeToString(sum[:12])+".json")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, data, 0o644)
}

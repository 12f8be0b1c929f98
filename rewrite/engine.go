package rewrite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go/types"

	"golang.org/x/tools/go/packages"
)

// Mode says what to do with the changes; modes combine (-l -w lists the
// files it writes).
type Mode int

const (
	// Diff prints the changes as a unified diff.
	Diff Mode = 1 << iota
	// Write writes the changes in place.
	Write
	// List prints the names of the files that change.
	List
	// Collect keeps the changes in the Result (for tests and programs
	// using the engine as a library).
	Collect
	// JSON prints the findings and their fixes as go vet -json does.
	JSON
	// SARIF prints the findings and their fixes as a SARIF 2.1.0 log.
	SARIF
)

// Options configure a run.
type Options struct {
	// Dir is the directory the arguments and the printed paths are
	// relative to. Empty means the current directory.
	Dir string
	// Args are package patterns, directories or .go files. None means ".".
	Args []string
	Mode Mode
	// Tests also rewrites _test.go files. Test files are loaded either way.
	Tests bool
	// Tags are build tags, as for go build -tags.
	Tags []string
	// AllPlatforms processes the files the build context excludes (a
	// _windows.go file on Linux, a //go:build integration file) under a
	// context that includes them. Otherwise they are listed in the summary
	// as not covered.
	AllPlatforms bool
	// Analyzers are the analyzers to run, configured with their
	// defaults. Their Imports and Reaches decide which packages are
	// loaded at all.
	Analyzers []Analyzer
	// Configure, if set, returns the analyzers to run on the packages of
	// a module, for example configured by a file at the module's root.
	// editable tells which files the run may change (an analyzer places
	// the declarations a fix needs in one of them).
	Configure func(m *Module, editable func(path string) bool) ([]Analyzer, error)

	Stdout, Stderr io.Writer
	// Progress shows packages done of total on Stderr (for a terminal).
	Progress bool
	// Verbose prints what was done to each package.
	Verbose bool
	// Summary prints a summary of the run on Stderr at the end.
	Summary bool
	// Parallel bounds the packages processed at once; 0 means GOMAXPROCS.
	Parallel int
	// BatchSize bounds the packages loaded at once; 0 means 256.
	BatchSize int
	// FS is the file system writes go to; nil means the OS.
	FS FS
	// Version names the tool in the machine-readable outputs.
	Version string

	// Shard cuts the change into shards (by directory or by owners),
	// written to Out; Out without Shard writes the whole change as one
	// shard. Out must not exist, or be empty.
	Shard ShardBy
	Out   string
	// Verify runs the tests of every package a shard changes, and of the
	// module's packages that import them, without and with the shard's
	// rewrite (which is not written for that), and drops the shards whose
	// rewrite makes a passing test fail. Without Shard the whole change
	// is one shard.
	Verify bool
}

// Result is the outcome of a run.
type Result struct {
	Changes     []Change     // with Mode Collect
	Diagnostics []Diagnostic // sorted, paths relative to Options.Dir
	Fixes       []Diagnostic // the sites rewritten, sorted, paths relative to Options.Dir
	Errors      []string     // sorted
	// Findings are every diagnostic of the analyzers, fixed or not, with
	// their suggested fixes: what -json and -sarif print.
	Findings []Finding
	// Notes are what the analyzers say in the summary about the
	// packages they fixed (which package declares a client of its own
	// instead of the shared one, and why), sorted.
	Notes []string
	// Shards are the shards of the change, with Out or Verify, sorted by
	// name: those written or emitted, and those dropped (Dropped says
	// why).
	Shards []*Shard
	Stats  Stats
	// ExitCode is 0 when there was nothing to change or report, 1 when
	// changes are pending (Diff, List, Collect) or sites were reported, and
	// 2 on any error.
	ExitCode int
}

// Stats summarise a run.
type Stats struct {
	Modules     int
	Scanned     int // package directories read
	TypeChecked int // packages loaded with full type information
	Changed     int // files changed
	Fixed       map[string]int
	Reported    int
	NotCovered  []string // files the build context excludes that a rule might concern
	Duration    time.Duration
}

type engine struct {
	ctx     context.Context
	opts    Options
	fs      FS
	res     Result
	mu      sync.Mutex
	exports exportFiles
	// configured holds the analyzers of each module (nil: its
	// configuration is in error); only the run's goroutine uses it.
	configured map[*Module][]Analyzer
	// facts holds the facts of every package analyzed so far.
	facts *factStore
	// dirs are the package directories of the run, by path, and
	// editCache memoizes editable.
	dirs      map[string]*pkgDir
	editCache sync.Map
	// walked are the directories whose whole trees the arguments named
	// (dir/...).
	walked []string
	// depsDone records the dependencies analyzed for their facts.
	depsDone map[string]bool
	// realDir is Options.Dir with symbolic links resolved, for rel.
	realDir     string
	realDirOnce sync.Once
	// emitted holds the new text of the files changed so far, by path,
	// when other platforms are processed after the current one: their
	// loads see the rewritten files.
	emitted map[string][]byte
	extra   map[string]*types.Package // packages completed for verification, by path
	// held are the changes kept until the run is over (see holding);
	// owners is the repository's CODEOWNERS, for -shard=owners.
	held   []heldChange
	owners *codeOwners
	// verifyTime is the time the tests of -verify took; wroteOut says
	// the shards were written to Options.Out.
	verifyTime time.Duration
	wroteOut   bool
}

// Run runs the rules over the packages named by opts.Args.
func Run(ctx context.Context, opts Options) *Result {
	start := time.Now()
	if opts.Dir == "" {
		opts.Dir, _ = os.Getwd()
	}
	opts.Dir, _ = filepath.Abs(opts.Dir)
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.Parallel <= 0 {
		opts.Parallel = runtime.GOMAXPROCS(0)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 256
	}
	if len(opts.Args) == 0 {
		opts.Args = []string{"."}
	}
	e := &engine{ctx: ctx, opts: opts, fs: opts.FS, facts: newFactStore(), depsDone: map[string]bool{}}
	if e.fs == nil {
		e.fs = OSFS{}
	}
	e.res.Stats.Fixed = map[string]int{}
	if e.checkOut() {
		e.run()
		if e.holding() {
			e.emitHeld()
		}
	}
	e.res.Stats.Duration = time.Since(start)
	e.finish()
	return &e.res
}

func (e *engine) errorf(format string, args ...any) {
	e.mu.Lock()
	e.res.Errors = append(e.res.Errors, fmt.Sprintf(format, args...))
	e.mu.Unlock()
}

// rel returns path relative to the working directory, with slashes. A
// path under the working directory is relative whether either was
// reached through symbolic links; one outside it is relative if that is
// shorter (as the go command prints paths), else absolute.
func (e *engine) rel(path string) string {
	if r, ok := under(e.opts.Dir, path); ok {
		return r
	}
	e.realDirOnce.Do(func() {
		e.realDir, _ = filepath.EvalSymlinks(e.opts.Dir)
	})
	realPath, err := filepath.EvalSymlinks(path)
	if err != nil {
		realPath = path
	}
	if e.realDir != "" {
		if r, ok := under(e.realDir, realPath); ok {
			return r
		}
	}
	if r, err := filepath.Rel(e.opts.Dir, path); err == nil && len(r) < len(path) {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(path)
}

// under returns path relative to dir, with slashes, if it is under dir.
func under(dir, path string) (string, bool) {
	r, err := filepath.Rel(dir, path)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// relMsg makes an absolute path at the start of a message relative.
func (e *engine) relMsg(msg string) string {
	if !filepath.IsAbs(msg) {
		return msg
	}
	end := strings.IndexByte(msg, ':')
	if end < 0 {
		return e.rel(msg)
	}
	return e.rel(msg[:end]) + msg[end:]
}

func (e *engine) run() {
	defer tuneGC()()
	s := newScanner(e.opts.Tags, e.opts.Parallel)
	s.tests = e.opts.Tests
	for _, a := range e.opts.Analyzers {
		s.needs = append(s.needs, a.Imports...)
		if a.Reaches != "" {
			s.reaches = append(s.reaches, a.Reaches)
		}
	}
	dirs := e.resolveArgs(s)
	if !e.opts.Tests {
		e.leaveTestOnly(s, dirs)
	}
	e.dirs = map[string]*pkgDir{}
	for _, pd := range dirs {
		e.dirs[pd.dir] = pd
	}
	for _, msg := range s.errs {
		e.errorf("%s", e.relMsg(msg))
	}
	e.res.Stats.Scanned = len(dirs)
	for _, pd := range dirs {
		if pd.only != nil {
			pd.notCovered = slices.DeleteFunc(pd.notCovered, func(f string) bool { return !pd.only[f] })
		}
		if !e.opts.AllPlatforms {
			for _, f := range pd.notCovered {
				e.res.Stats.NotCovered = append(e.res.Stats.NotCovered, e.rel(f))
			}
		}
	}
	if e.opts.AllPlatforms {
		defer e.coverPlatforms(dirs)
	}

	selected := s.selectDirs(dirs)
	byModule := map[*Module][]*pkgDir{}
	var modules []*Module
	seenMod := map[*Module]bool{}
	for _, pd := range dirs {
		if pd.module != nil && !seenMod[pd.module] {
			seenMod[pd.module] = true
			e.res.Stats.Modules++
		}
	}
	for _, pd := range selected {
		if _, ok := byModule[pd.module]; !ok {
			modules = append(modules, pd.module)
		}
		byModule[pd.module] = append(byModule[pd.module], pd)
	}
	sort.Slice(modules, func(i, j int) bool { return modules[i].Dir < modules[j].Dir })

	total := len(selected)
	done := 0
	progress := newProgress(e.opts.Progress, e.opts.Stderr)
	defer progress.clear()

	// The go command lists the packages of a module while those of the
	// module before it are processed: listing keeps about one core busy,
	// processing the others.
	type listed struct {
		list *moduleList
		err  error
	}
	lists := make([]chan listed, len(modules))
	startList := func(k int) {
		if k >= len(modules) || lists[k] != nil || tooNew(modules[k], runtime.Version()) != "" {
			return
		}
		c := make(chan listed, 1)
		lists[k] = c
		m := modules[k]
		go func() {
			l, err := e.listModule(m, byModule[m])
			c <- listed{l, err}
		}()
	}
	for k, m := range modules {
		pds := byModule[m]
		if msg := tooNew(m, runtime.Version()); msg != "" {
			e.errorf("%s", msg)
			done += len(pds)
			continue
		}
		startList(k)
		startList(k + 1)
		analyzers, ok := e.analyzersFor(m)
		if !ok {
			done += len(pds)
			continue
		}
		l := <-lists[k]
		list, err := l.list, l.err
		if err != nil {
			if e.ctx.Err() == nil {
				e.errorf("%s", firstLine(err.Error()))
			}
			done += len(pds)
			continue
		}
		for _, p := range variants(list.orphans) {
			for _, msg := range packageErrors(p) {
				e.errorf("%s", e.relMsg(msg))
			}
		}
		// Packages come after those they import, so that the facts of
		// the module's own helpers are known where they are called.
		pds = list.dependencyOrder(pds)
		for i := 0; i < len(pds); i += e.opts.BatchSize {
			if e.ctx.Err() != nil {
				e.errorf("interrupted; files not yet written are unchanged")
				return
			}
			batch := pds[i:min(i+e.opts.BatchSize, len(pds))]
			if !e.runBatch(m, batch, list, analyzers, func() { done++; progress.show(done, total) }) {
				break
			}
		}
	}
}

// analyzersFor returns the analyzers to run on the packages of module m,
// or false after reporting why there are none.
func (e *engine) analyzersFor(m *Module) ([]Analyzer, bool) {
	if e.opts.Configure == nil {
		return e.opts.Analyzers, true
	}
	if e.configured == nil {
		e.configured = map[*Module][]Analyzer{}
	}
	if as, ok := e.configured[m]; ok {
		return as, as != nil
	}
	as, err := e.opts.Configure(m, e.editable)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			e.errorf("%s", e.relMsg(line))
		}
		as = nil
	}
	e.configured[m] = as
	return as, as != nil
}

// editable reports whether the run may change the file at path: a Go
// file of one of its package directories (one of the files it was given,
// if it was given files), reached without leaving its module through a
// symbolic link.
func (e *engine) editable(path string) bool {
	if v, ok := e.editCache.Load(path); ok {
		return v.(bool)
	}
	ok := false
	if pd := e.dirs[filepath.Dir(path)]; pd != nil && pd.module != nil && (pd.only == nil || pd.only[path]) {
		modReal, err := filepath.EvalSymlinks(pd.module.Dir)
		if err != nil {
			modReal = pd.module.Dir
		}
		real, err := filepath.EvalSymlinks(path)
		ok = err == nil && within(modReal, real)
	}
	e.editCache.Store(path, ok)
	return ok
}

// gcPercent is the garbage collector's target (GOGC) during a run. A run
// allocates many times what it keeps (syntax and types of a batch,
// decorated files, rewrites): at Go's default of 100 the collector takes
// about a sixth of the CPU time of a large run; at 200 it takes half
// that, for a peak memory about 1.5 times higher, which the batches
// bound (about 500 MiB for 10,000 packages, see the README).
const gcPercent = 200

var gcTuning struct {
	sync.Mutex
	runs int // runs under way
	old  int // the target before the first of them
}

// tuneGC raises the garbage collector's target to gcPercent while runs are
// under way, unless GOGC is set, and returns the function that restores
// it when the run ends.
func tuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	gcTuning.Lock()
	defer gcTuning.Unlock()
	if gcTuning.runs == 0 {
		gcTuning.old = debug.SetGCPercent(gcPercent)
		if gcTuning.old < 0 || gcTuning.old > gcPercent {
			debug.SetGCPercent(gcTuning.old) // already off or higher
		}
	}
	gcTuning.runs++
	return func() {
		gcTuning.Lock()
		defer gcTuning.Unlock()
		if gcTuning.runs--; gcTuning.runs == 0 {
			debug.SetGCPercent(gcTuning.old)
		}
	}
}

// runBatch loads and processes one batch of packages of module m, then
// emits their changes in order. It returns false if the module cannot be
// loaded at all.
func (e *engine) runBatch(m *Module, batch []*pkgDir, list *moduleList, analyzers []Analyzer, tick func()) bool {
	pkgs, groups, src, err := e.loadBatch(m, batch, list)
	if err != nil {
		if e.ctx.Err() == nil {
			e.errorf("%s", firstLine(err.Error()))
		}
		return false
	}
	defer release(pkgs)
	own := newOwners(batch)
	var adds []string
	for _, a := range analyzers {
		adds = append(adds, a.Adds...)
	}
	for _, g := range groups {
		e.complete(m, g, adds)
	}

	var work []*packages.Package
	var owners []*pkgDir
	for _, p := range variants(pkgs) {
		pd := own.of(p)
		if pd == nil {
			if len(p.Errors) > 0 {
				for _, msg := range packageErrors(p) {
					e.errorf("%s", e.relMsg(msg))
				}
			}
			continue
		}
		work = append(work, p)
		owners = append(owners, pd)
	}
	late := e.analyzeDeps(m, work, list, analyzers)
	e.processAll(work, owners, late, analyzers, src, "", tick)
	return true
}

// processAll processes the loaded packages, each with the directory it
// belongs to, on the engine's workers, then emits their changes, reports
// and errors in package order. The dependencies in late are analyzed
// among them, each once the packages of work it imports are. A non-empty
// context names the build context they were loaded under, for messages.
func (e *engine) processAll(work []*packages.Package, owners []*pkgDir, late []*lateDep, analyzers []Analyzer, src *sources, context string, tick func()) {
	results := make([]*pkgResult, len(work))
	// A package is processed once those it imports are: their facts
	// are then known. Indices from len(work) on are late's.
	nodes := slices.Clip(work) // appending copies: work stays as it is
	for _, d := range late {
		nodes = append(nodes, d.pkg)
	}
	inDeps := batchDeps(nodes)
	var wg sync.WaitGroup
	ready := make(chan int, len(nodes))
	var mu sync.Mutex
	waiting := make([]int, len(nodes))
	dependents := make([][]int, len(nodes))
	for i, deps := range inDeps {
		waiting[i] = len(deps)
		for _, d := range deps {
			dependents[d] = append(dependents[d], i)
		}
	}
	for i := range nodes {
		if waiting[i] == 0 {
			ready <- i
		}
	}
	remaining := len(nodes)
	if remaining == 0 {
		close(ready)
	}
	for w := 0; w < e.opts.Parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ready {
				if i >= len(work) {
					e.analyzeDep(late[i-len(work)])
				} else {
					results[i] = e.process(work[i], owners[i], analyzers, src)
					e.mu.Lock()
					tick()
					e.mu.Unlock()
				}
				mu.Lock()
				for _, j := range dependents[i] {
					if waiting[j]--; waiting[j] == 0 {
						ready <- j
					}
				}
				if remaining--; remaining == 0 {
					close(ready)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	// Emit in package order, whatever order the workers finished in.
	seenErr := map[string]bool{}
	for i, r := range results {
		for _, msg := range r.errs {
			msg = e.relMsg(msg)
			if context != "" {
				msg += " (under " + context + ")"
			}
			if !seenErr[msg] {
				seenErr[msg] = true
				e.errorf("%s", msg)
			}
		}
		for _, d := range r.diags {
			d.Pos.Filename = e.rel(d.Pos.Filename)
			e.res.Diagnostics = append(e.res.Diagnostics, d)
		}
		for _, f := range r.findings {
			e.res.Findings = append(e.res.Findings, e.relFinding(f))
		}
		for _, d := range r.fixedAt {
			d.Pos.Filename = e.rel(d.Pos.Filename)
			e.res.Fixes = append(e.res.Fixes, d)
		}
		if r.typeChecked && context == "" {
			e.res.Stats.TypeChecked++
		}
		for rule, n := range r.fixes {
			e.res.Stats.Fixed[rule] += n
		}
		e.res.Notes = append(e.res.Notes, r.notes...)
		written := 0
		for _, c := range r.changes {
			if e.emit(c, owners[i]) {
				written++
			}
		}
		if e.opts.Verbose {
			e.verbose(work[i], r, written, context)
		}
	}
}

// emit outputs one change of the package in pd as the mode asks and
// reports whether it was emitted; or holds it until the run is over, to
// be cut into shards or verified.
func (e *engine) emit(c Change, pd *pkgDir) bool {
	if !e.holding() {
		return e.emitNow(c)
	}
	e.held = append(e.held, heldChange{c, pd})
	if e.opts.AllPlatforms {
		if e.emitted == nil {
			e.emitted = map[string][]byte{}
		}
		e.emitted[c.Path] = c.New
	}
	return true
}

// emitNow outputs one change as the mode asks and reports whether it was
// emitted.
func (e *engine) emitNow(c Change) bool {
	name := e.rel(c.Path)
	mode := e.opts.Mode
	if mode&Write != 0 {
		if e.ctx.Err() != nil {
			return false
		}
		if err := writeFile(e.fs, c.Path, c.Old, c.New); err != nil {
			e.errorf("%s: %v", name, err)
			return false
		}
	}
	if mode&List != 0 {
		fmt.Fprintln(e.opts.Stdout, name)
	}
	if mode&Diff != 0 {
		if err := unifiedDiff(e.opts.Stdout, name, c.Old, c.New); err != nil {
			e.errorf("%s: %v", name, err)
			return false
		}
	}
	if mode&Collect != 0 {
		e.res.Changes = append(e.res.Changes, c)
	}
	if e.opts.AllPlatforms {
		if e.emitted == nil {
			e.emitted = map[string][]byte{}
		}
		e.emitted[c.Path] = c.New
	}
	e.res.Stats.Changed++
	return true
}

func (e *engine) verbose(p *packages.Package, r *pkgResult, written int, context string) {
	var fixed []string
	for rule, n := range r.fixes {
		fixed = append(fixed, fmt.Sprintf("%s %d", rule, n))
	}
	sort.Strings(fixed)
	verb := "to change"
	if e.opts.Mode&Write != 0 {
		verb = "changed"
	}
	detail := fmt.Sprintf("%d files %s", written, verb)
	if len(fixed) > 0 {
		detail += " (" + strings.Join(fixed, ", ") + ")"
	}
	detail += fmt.Sprintf(", %d reported", len(r.diags))
	if len(r.errs) > 0 {
		detail += fmt.Sprintf(", %d errors", len(r.errs))
	}
	if context != "" {
		detail += " under " + context
	}
	fmt.Fprintf(e.opts.Stderr, "httpfix: %s: %s\n", p.ID, detail)
}

// finish sorts what the run found, prints it and sets the exit code.
func (e *engine) finish() {
	sortDiagnostics(e.res.Diagnostics)
	sortDiagnostics(e.res.Fixes)
	sort.Strings(e.res.Errors)
	sort.Strings(e.res.Stats.NotCovered)
	e.res.Notes = slices.Compact(slices.Sorted(slices.Values(e.res.Notes)))
	e.res.Stats.Reported = len(e.res.Diagnostics)
	sortFindings(e.res.Findings)
	machine := e.opts.Mode&(JSON|SARIF) != 0
	switch {
	case e.opts.Mode&JSON != 0:
		if err := e.writeJSON(e.opts.Stdout); err != nil {
			e.res.Errors = append(e.res.Errors, "writing JSON: "+err.Error())
		}
	case e.opts.Mode&SARIF != 0:
		if err := e.writeSARIF(e.opts.Stdout); err != nil {
			e.res.Errors = append(e.res.Errors, "writing SARIF: "+err.Error())
		}
	}
	if !machine {
		// The machine-readable outputs hold the reports.
		for _, d := range e.res.Diagnostics {
			fmt.Fprintln(e.opts.Stderr, d)
		}
	}
	e.printDropped(e.opts.Stderr)
	for _, msg := range e.res.Errors {
		fmt.Fprintln(e.opts.Stderr, msg)
	}
	if e.opts.Summary {
		e.printSummary()
	}
	switch {
	case len(e.res.Errors) > 0:
		e.res.ExitCode = 2
	case len(e.res.Diagnostics) > 0 || e.droppedShards() > 0:
		e.res.ExitCode = 1
	case e.res.Stats.Changed > 0 && e.opts.Mode&Write == 0:
		e.res.ExitCode = 1
	case machine && len(e.res.Findings) > 0 && e.opts.Mode&Write == 0:
		e.res.ExitCode = 1
	}
}

func (e *engine) printSummary() {
	st := &e.res.Stats
	w := e.opts.Stderr
	var fixed []string
	total := 0
	for rule, n := range st.Fixed {
		fixed = append(fixed, fmt.Sprintf("%s %d", rule, n))
		total += n
	}
	sort.Strings(fixed)
	verb := "to change"
	if e.opts.Mode&Write != 0 {
		verb = "changed"
	}
	fmt.Fprintf(w, "httpfix: %d modules, %d packages scanned, %d type-checked; %d files %s, %d sites fixed",
		st.Modules, st.Scanned, st.TypeChecked, st.Changed, verb, total)
	if len(fixed) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(fixed, ", "))
	}
	fmt.Fprintf(w, ", %d reported, %d errors; %d files not covered; %.1fs\n",
		st.Reported, len(e.res.Errors), len(st.NotCovered), st.Duration.Seconds())
	for _, n := range e.res.Notes {
		fmt.Fprintf(w, "httpfix: %s\n", n)
	}
	e.printShards(w)
	const maxListed = 10
	for i, f := range st.NotCovered {
		if i == maxListed && !e.opts.Verbose {
			fmt.Fprintf(w, "httpfix: ... and %d more files not covered (-v lists them)\n", len(st.NotCovered)-maxListed)
			break
		}
		if e.opts.AllPlatforms {
			fmt.Fprintf(w, "httpfix: not covered by any build context httpfix tried: %s\n", f)
		} else {
			fmt.Fprintf(w, "httpfix: not covered by the build context %s (-all-platforms or -tags covers it): %s\n", currentContext(e.opts.Tags), f)
		}
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// errNoPackages is returned for a pattern that matches nothing.
var errNoPackages = errors.New("matched no packages")

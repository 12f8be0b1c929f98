package main

// Behaviour tests: the rewritten programs really reuse their connections.
//
// The golden cases check the text of the rewrites; these check what they
// are for. Each program in testdata/behaviour is a small module with one
// misuse shape (all of them, for all_shapes). A test builds it, runs it
// against a loopback httptest server that counts the TCP connections it
// accepts, rewrites it in place with the engine exactly as "httpfix -w"
// would, builds and runs it again, and compares the two counts with the
// limits of the issue: after the rewrite, a sequential loop of 200
// requests uses at most 2 connections and 50 concurrent workers at most
// 52. Before it, the same loads must use clearly more (one connection per
// request where every connection is lost), so that the rewrite is what
// fixed them.
//
// The rules about Transports are measured the same way: pool_waves
// (poolsize) sends waves of 50 concurrent requests through a Transport
// that keeps two idle connections per host, nearly one connection per
// request before and at most 52 after; one_worker, the Transport poolsize
// leaves alone, is an asynchronous sender's, whose one worker sends what
// 50 goroutines queue over a single connection, before and after; TestBehaviourPoolDeadline runs
// seed 000's dial deadline against a server answering in 100 ms (failed
// requests before, none after, over at most two connections, while a
// server that never answers still fails a request within about twice
// the deadline); TestBehaviourKeepAlive checks that seed 000's three
// "fixes" each cost a connection per request and are reported, at their
// positions, and not rewritten.
//
// TestBehaviourGo127 covers drainclose's version awareness: since Go 1.27,
// Body.Close drains by itself, so the program that closes without reading
// reuses its connections once built with Go 1.27 (go.mod unchanged), and a
// go 1.27 module only gets the missing Closes, from httpfix built with Go
// 1.27. Go 1.27 drains after Close has returned, so those programs reuse
// connections within looser bounds (see selfDrainSeqLimit). The toolchain
// comes through the module proxy; if it cannot be fetched, that test is
// skipped with the error.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"
	"golang.org/x/mod/semver"
	"golang.org/x/tools/txtar"

	"github.com/httpfix/httpfix/rewrite"
)

// The loads of the issue, and the connections they may use once fixed.
const (
	seqRequests = 200 // a sequential loop
	seqLimit    = 2
	concWorkers = 50 // concurrent workers, each sending concRounds requests
	concRounds  = 10
	concLimit   = concWorkers + 2
	// concHold is how long the server holds each request of a concurrent
	// load, so that the workers' requests really overlap.
	concHold = 3 * time.Millisecond
	// concPause is how long a worker waits between two requests, as a
	// paced client or one that does some work per response does. Its
	// connection is idle meanwhile, so the idle connections of all the
	// workers together outgrow a pool of two (http.DefaultTransport):
	// 50 workers then use hundreds of connections. With no pause, a
	// worker takes its connection back the moment it returns it, and the
	// pool rarely overflows (58 connections in one run, 50 in another:
	// not a measure of anything).
	concPause = time.Millisecond

	// Go 1.27 drains a body closed unread in the Transport's read loop
	// after Close has returned (readLoop signals eofc, then calls
	// maybeDrainBody), and only then puts the connection back in the
	// pool. A request sent right after the Close may find it still
	// draining and dial another: a sequential loop that relies on Close
	// to drain uses 2 or 3 connections, at times 4 on this shared
	// machine (one that drains before closing uses 1), and 50 workers up
	// to 58. That is reuse, but not within the bounds; these
	// looser ones (a connection in use and one draining per worker, and
	// some slack) apply to that case only.
	selfDrainSeqLimit  = 10
	selfDrainConcLimit = 2 * concWorkers
)

// go127Toolchain is a Go whose Body.Close drains by itself.
const go127Toolchain = "go1.27.1"

// A workload is how a program is run: its workers, each sending n
// requests, against a server holding each request for hold.
type workload struct {
	name       string // seq or conc
	shape      string // the program's -shape, if it has several
	workers, n int
	hold       time.Duration // the server holds each request this long
	pause      time.Duration // a worker waits this long between requests
	// queued says that the workers queue their requests for one sender
	// that sends them one at a time: the server does not wait for a
	// first round of concurrent requests.
	queued bool
}

func seqWorkload(shape string) workload {
	return workload{name: "seq", shape: shape, workers: 1, n: seqRequests}
}

func concWorkload(shape string) workload {
	return workload{name: "conc", shape: shape, workers: concWorkers, n: concRounds, hold: concHold, pause: concPause}
}

// queuedWorkload is concWorkload's workers, queueing their requests for
// a sender that sends them one after the other.
func queuedWorkload() workload {
	l := concWorkload("")
	l.name, l.queued = "queued", true
	return l
}

// waveWorkload is waves of concWorkers concurrent requests, each wave
// waiting for the last, concRounds of them: with two idle connections
// per host, every wave but the first dials all but two of its
// connections again (about 480 of 500 requests).
func waveWorkload() workload {
	return workload{name: "waves", workers: concWorkers, n: concRounds, hold: concHold}
}

// waveBefore is what the waves must use before poolsize: nearly one
// connection per request.
const waveBefore = 400

func (l workload) String() string {
	s := fmt.Sprintf("%s %dx%d", l.name, l.workers, l.n)
	if l.shape != "" {
		s = l.shape + " " + s
	}
	return s
}

func (l workload) requests() int { return l.workers * l.n }

// limit is what the workload may use once the program reuses connections.
func (l workload) limit() connCheck {
	if l.workers == 1 {
		return connsAtMost(seqLimit)
	}
	return connsAtMost(concLimit)
}

// selfDrainLimit is what the workload may use when the program closes
// bodies unread and Go 1.27 drains them (see selfDrainSeqLimit).
func (l workload) selfDrainLimit() connCheck {
	if l.workers == 1 {
		return connsAtMost(selfDrainSeqLimit)
	}
	return connsAtMost(selfDrainConcLimit)
}

// A connCheck is an assertion on a connection count.
type connCheck struct {
	desc string
	ok   func(int) bool
}

func connsAtMost(n int) connCheck {
	return connCheck{fmt.Sprintf("<= %d", n), func(c int) bool { return c <= n }}
}

func connsAtLeast(n int) connCheck {
	return connCheck{fmt.Sprintf(">= %d", n), func(c int) bool { return c >= n }}
}

func connsMoreThan(n int) connCheck {
	return connCheck{fmt.Sprintf("> %d", n), func(c int) bool { return c > n }}
}

// connPerRequest is one connection per request: none is ever reused.
func connPerRequest(l workload) connCheck {
	n := l.requests()
	return connCheck{fmt.Sprintf("== %d", n), func(c int) bool { return c == n }}
}

// A behaviourRun is a workload and what it must use before and after the
// rewrite.
type behaviourRun struct {
	workload
	before, after connCheck
}

// losesAll is a workload that dials a connection per request before the
// rewrite, and stays within the limits after it.
func losesAll(l workload) behaviourRun { return behaviourRun{l, connPerRequest(l), l.limit()} }

// overflows is a concurrent workload that outgrows a pool of two idle
// connections before the rewrite.
func overflows(l workload) behaviourRun { return behaviourRun{l, connsMoreThan(concLimit), l.limit()} }

// alreadyReuses is a workload that reuses connections before the rewrite
// too (a sequential loop on http.DefaultTransport).
func alreadyReuses(l workload) behaviourRun { return behaviourRun{l, l.limit(), l.limit()} }

func TestBehaviour(t *testing.T) {
	t.Parallel()
	cases := []struct {
		program   string   // testdata/behaviour/<program>.txtar
		flags     []string // httpfix flags besides -w -q
		fixes     []string // rules that must fix sites
		unchanged bool     // no rule may fix a site: the program needs none
		runs      []behaviourRun
	}{{
		// Seed 001, misuse one: Close without reading; a big enough pool.
		program: "noread_loop",
		flags:   []string{"-rules=drainclose"},
		fixes:   []string{"drainclose"},
		runs:    []behaviourRun{losesAll(seqWorkload("")), losesAll(concWorkload(""))},
	}, {
		// defer Close, a 404 branch, a Decoder leaving the newline.
		program: "json_status",
		flags:   []string{"-rules=drainclose"},
		fixes:   []string{"drainclose"},
		runs:    []behaviourRun{losesAll(seqWorkload("")), losesAll(concWorkload(""))},
	}, {
		// The body handed to the caller on success, dropped unclosed
		// with the error of every other status.
		program: "handed_on",
		flags:   []string{"-rules=drainclose"},
		fixes:   []string{"drainclose"},
		runs:    []behaviourRun{losesAll(seqWorkload("")), losesAll(concWorkload(""))},
	}, {
		// A retry loop closing each failed response unread, in a
		// function that hands the body of a 200 on.
		program: "retry_close",
		flags:   []string{"-rules=drainclose"},
		fixes:   []string{"drainclose"},
		runs:    []behaviourRun{losesAll(seqWorkload("")), losesAll(concWorkload(""))},
	}, {
		// A retry into the same variable on a failed status: the first
		// response closed unread before it, or lost with the legacy
		// error; the retry's never closed.
		program: "retry_status",
		flags:   []string{"-rules=drainclose"},
		fixes:   []string{"drainclose"},
		runs:    []behaviourRun{losesAll(seqWorkload("")), losesAll(concWorkload(""))},
	}, {
		// A status return before a stream: drained there, the stream
		// path only closed.
		program: "status_before_stream",
		flags:   []string{"-rules=drainclose"},
		fixes:   []string{"drainclose"},
		runs:    []behaviourRun{losesAll(seqWorkload("")), losesAll(concWorkload(""))},
	}, {
		// The response handed through a checker a generator makes,
		// then a 404 return and a Decoder, as json_status.
		program: "checker_query",
		flags:   []string{"-rules=drainclose"},
		fixes:   []string{"drainclose"},
		runs:    []behaviourRun{losesAll(seqWorkload("")), losesAll(concWorkload(""))},
	}, {
		// Seed 001, misuse two: http.Get from concurrent workers.
		program: "get_workers",
		flags:   []string{"-rules=defaultclient"},
		fixes:   []string{"defaultclient"},
		runs:    []behaviourRun{alreadyReuses(seqWorkload("")), overflows(concWorkload(""))},
	}, {
		// Seed 001, misuse three: a Transport per call.
		program: "percall_transport",
		flags:   []string{"-rules=hoisttransport"},
		fixes:   []string{"hoisttransport"},
		runs:    []behaviourRun{losesAll(seqWorkload("")), losesAll(concWorkload(""))},
	}, {
		// A library's default client: pooled, whatever the load.
		program: "library_defaults",
		flags:   []string{"-rules=defaultclient"},
		fixes:   []string{"defaultclient"},
		runs:    []behaviourRun{alreadyReuses(seqWorkload("")), overflows(concWorkload(""))},
	}, {
		// Seed 001 misuse two, seed 003: a Transport of the program's
		// own that keeps two idle connections per host, under waves of
		// concurrent requests.
		program: "pool_waves",
		flags:   []string{"-rules=poolsize"},
		fixes:   []string{"poolsize"},
		runs:    []behaviourRun{{waveWorkload(), connsAtLeast(waveBefore), connsAtMost(concLimit)}},
	}, {
		// An asynchronous sender: 50 goroutines queue events, the one
		// worker the sender starts sends them, one after the other.
		// poolsize leaves its Transport (two idle connections per
		// host) alone: one connection serves every request.
		program:   "one_worker",
		flags:     []string{"-rules=poolsize"},
		unchanged: true,
		runs:      []behaviourRun{{queuedWorkload(), connsAtMost(seqLimit), connsAtMost(seqLimit)}},
	}, {
		// Every shape, every rule, default flags.
		program: "all_shapes",
		fixes:   []string{"drainclose", "defaultclient", "hoisttransport"},
		runs: []behaviourRun{
			losesAll(seqWorkload("noread")), losesAll(concWorkload("noread")),
			losesAll(seqWorkload("users")), losesAll(concWorkload("users")),
			alreadyReuses(seqWorkload("load")), overflows(concWorkload("load")),
			losesAll(seqWorkload("post")), losesAll(concWorkload("post")),
		},
	}}
	for _, c := range cases {
		t.Run(c.program, func(t *testing.T) {
			t.Parallel()
			old := behaviourOldGo(t)
			p := newBehaviourProgram(t, c.program)
			p.compare(t, old, strings.Join(c.fixes, "+"), c.runs, func() {
				if c.unchanged {
					leaveInPlace(t, p.dir, c.flags)
					return
				}
				res := rewriteInPlace(t, p.dir, c.flags)
				for _, rule := range c.fixes {
					if res.Stats.Fixed[rule] == 0 {
						t.Errorf("rule %s fixed no site (fixed: %v)", rule, res.Stats.Fixed)
					}
				}

			})
		})
	}
}

// TestBehaviourSwappedDefaults runs the library program with -swap
// before and after the rewrite: the http.DefaultTransport the program
// installs sees every request the library makes, through http.Get and
// through its own client alike, once they are on the package's client.
//
// With -setclient the program gives http.DefaultClient a Transport of
// its own instead (what a test does to trust its TLS server, or
// httpmock.ActivateNonDefault(http.DefaultClient)): the library's
// http.Get requests still go through it after the rewrite.
func TestBehaviourSwappedDefaults(t *testing.T) {
	t.Parallel()
	old := behaviourOldGo(t)
	p := newBehaviourProgram(t, "library_defaults")
	l := concWorkload("")
	run := func(exe, phase, swap string) string {
		srv, _, reqs := startCountingServer(t, l)
		defer srv.Close()
		cmd := exec.Command(exe, "-url", srv.URL, "-workers", strconv.Itoa(l.workers), "-n", strconv.Itoa(l.n), "-pause", l.pause.String(), swap)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", phase, swap, err, out)
		}
		if got := reqs.Load(); got != int64(l.requests()) {
			t.Fatalf("%s %s: the server got %d requests, want %d", phase, swap, got, l.requests())
		}
		return string(out)
	}
	swaps := []string{"-swap", "-setclient"}
	exe := p.build(t, old, "before")
	for _, swap := range swaps {
		if out := run(exe, "before", swap); !strings.Contains(out, "saw every request") {
			t.Fatalf("before the rewrite, %s: %s", swap, out)
		}
	}
	res := rewriteInPlace(t, p.dir, []string{"-rules=defaultclient"})
	if res.Stats.Fixed["defaultclient"] == 0 {
		t.Fatalf("defaultclient fixed nothing")
	}
	exe = p.build(t, old, "after")
	for _, swap := range swaps {
		if out := run(exe, "after", swap); !strings.Contains(out, "saw every request") {
			t.Errorf("after the rewrite, %s: %s", swap, out)
			p.logSource(t)
		}
	}
}

// TestBehaviourGo127 checks what Go 1.27 changes: Body.Close drains by
// itself, so closing without reading no longer loses the connection, and
// in a go 1.27 module drainclose only adds the missing Closes.
func TestBehaviourGo127(t *testing.T) {
	t.Parallel()
	old := behaviourOldGo(t)
	newer := behaviourNewGo(t)

	// The no-drain loop (go 1.26 in its go.mod), not rewritten: built
	// with Go 1.26 it loses every connection, with Go 1.27 it reuses them.
	t.Run("noread_loop", func(t *testing.T) {
		t.Parallel()
		var tab connTable
		defer tab.log(t)
		p := newBehaviourProgram(t, "noread_loop")
		binOld := p.build(t, old, "go126")
		binNew := p.build(t, newer, "go127")
		for _, l := range []workload{seqWorkload(""), concWorkload("")} {
			nOld := countConns(t, binOld, l)
			nNew := countConns(t, binNew, l)
			tab.add(p.name, "(not rewritten)", l, old.version, nOld, -1)
			tab.add(p.name, "(not rewritten)", l, newer.version, nNew, -1)
			if want := connPerRequest(l); !want.ok(nOld) {
				t.Errorf("%s with %s: %d connections, want %s", l, old.version, nOld, want.desc)
			}
			if want := l.selfDrainLimit(); !want.ok(nNew) {
				t.Errorf("%s with %s: %d connections, want %s", l, newer.version, nNew, want.desc)
			}
		}
	})

	// A go 1.27 module, rewritten by httpfix built with Go 1.27 (built
	// with Go 1.26, it refuses the module): the body never closed gets a
	// Close, which Go 1.27 drains; the Close deferred before the error
	// check moves after it; no drain is inserted.
	t.Run("go127_health", func(t *testing.T) {
		t.Parallel()
		p := newBehaviourProgram(t, "go127_health")
		runs := []behaviourRun{
			{seqWorkload("health"), connPerRequest(seqWorkload("health")), seqWorkload("").selfDrainLimit()},
			{concWorkload("health"), connPerRequest(concWorkload("health")), concWorkload("").selfDrainLimit()},
			{seqWorkload("users"), seqWorkload("").selfDrainLimit(), seqWorkload("").selfDrainLimit()},
			{concWorkload("users"), concWorkload("").selfDrainLimit(), concWorkload("").selfDrainLimit()},
		}
		p.compare(t, newer, "all (go 1.27 module)", runs, func() {
			httpfix := buildHTTPFixWith(t, newer)
			orig := readModuleFiles(t, p.dir)
			cmd := exec.Command(httpfix, "-w", "-q", "./...")
			cmd.Dir = p.dir
			cmd.Env = newer.env()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("httpfix (built with %s) -w -q ./...: %v\n%s", newer.version, err, out)
			}
			if len(out) > 0 {
				t.Errorf("httpfix -w -q printed:\n%s", out)
			}
			now := readModuleFiles(t, p.dir)
			changed := logRewrites(t, orig, now)
			if len(changed) == 0 {
				t.Fatalf("httpfix -w changed nothing")
			}
			for _, name := range changed {
				for _, drain := range []string{"io.Copy", "io.Discard", "io.ReadAll"} {
					if bytes.Count(now[name], []byte(drain)) != bytes.Count(orig[name], []byte(drain)) {
						t.Errorf("%s: a drain (%s) was inserted in a go 1.27 module", name, drain)
					}
				}
				if g, w := bytes.Count(now[name], []byte("defer resp.Body.Close()")), 2; g != w {
					t.Errorf("%s: %d deferred Closes, want %d (one per function)", name, g, w)
				}
			}
		})
	})
}

// A behaviourGo is a Go toolchain that builds programs.
type behaviourGo struct {
	name    string // the GOTOOLCHAIN setting
	version string // what it reports
}

func (tc behaviourGo) env() []string {
	return append(os.Environ(), "GOTOOLCHAIN="+tc.name, "GOWORK=off")
}

var (
	behaviourOldGoOnce = sync.OnceValues(func() (behaviourGo, error) { return lookupBehaviourGo("local") })
	behaviourNewGoOnce = sync.OnceValues(func() (behaviourGo, error) { return lookupBehaviourGo(go127Toolchain) })
)

func lookupBehaviourGo(name string) (behaviourGo, error) {
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Env = behaviourGo{name: name}.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return behaviourGo{}, fmt.Errorf("GOTOOLCHAIN=%s go env GOVERSION: %v\n%s", name, err, out)
	}
	return behaviourGo{name: name, version: strings.TrimSpace(string(out))}, nil
}

// behaviourOldGo returns the local toolchain, which must be older than
// Go 1.27: there, closing an unread body loses the connection.
func behaviourOldGo(t *testing.T) behaviourGo {
	t.Helper()
	tc, err := behaviourOldGoOnce()
	if err != nil {
		t.Fatal(err)
	}
	if semver.Compare(goVersionSemver(tc.version), "v1.27") >= 0 {
		t.Skipf("the local Go is %s: these tests need a Go older than 1.27, whose Body.Close does not drain", tc.version)
	}
	return tc
}

// behaviourNewGo returns Go 1.27, fetched through the module proxy if need
// be.
func behaviourNewGo(t *testing.T) behaviourGo {
	t.Helper()
	if os.Getenv("HTTPFIX_NO_TOOLCHAIN") != "" {
		t.Skip("HTTPFIX_NO_TOOLCHAIN set: not fetching " + go127Toolchain)
	}
	tc, err := behaviourNewGoOnce()
	if err != nil {
		t.Skipf("toolchain %s unavailable: %v", go127Toolchain, err)
	}
	return tc
}

// goVersionSemver turns "go1.26.8" into "v1.26.8".
func goVersionSemver(v string) string {
	v = "v" + strings.TrimPrefix(v, "go")
	if i := strings.IndexAny(v, " -"); i >= 0 {
		v = v[:i]
	}
	return v
}

// buildHTTPFixWith builds the command (the package under test) with tc.
func buildHTTPFixWith(t *testing.T, tc behaviourGo) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "httpfix")
	start := time.Now()
	cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", exe, ".")
	cmd.Env = tc.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building httpfix with %s: %v\n%s", tc.version, err, out)
	}
	t.Logf("built httpfix with %s in %v", tc.version, time.Since(start).Round(time.Millisecond))
	return exe
}

// A behaviourProgram is a module of testdata/behaviour written to a
// directory.
type behaviourProgram struct {
	name string
	dir  string
	bins string // where its builds go, outside the module
}

func newBehaviourProgram(t *testing.T, name string) *behaviourProgram {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", "behaviour", name+".txtar"))
	if err != nil {
		t.Fatal(err)
	}
	p := &behaviourProgram{name: name, dir: t.TempDir(), bins: t.TempDir()}
	for _, f := range ar.Files {
		path := filepath.Join(p.dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// build builds the program with tc and returns the executable.
func (p *behaviourProgram) build(t *testing.T, tc behaviourGo, phase string) string {
	t.Helper()
	exe := filepath.Join(p.bins, p.name+"-"+phase)
	start := time.Now()
	// Without a symbol table and DWARF, linking takes half the time.
	cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", exe, ".")
	cmd.Dir = p.dir
	cmd.Env = tc.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s (%s) with %s: %v\n%s", p.name, phase, tc.version, err, out)
	}
	t.Logf("built %s (%s) with %s in %v", p.name, phase, tc.version, time.Since(start).Round(time.Millisecond))
	return exe
}

// compare builds the program with tc and runs it under every workload,
// rewrites it, builds and runs it again, logs the connections counted,
// and checks them.
func (p *behaviourProgram) compare(t *testing.T, tc behaviourGo, rules string, runs []behaviourRun, fix func()) {
	t.Helper()
	bin := p.build(t, tc, "before")
	before := make([]int, len(runs))
	for i, r := range runs {
		before[i] = countConns(t, bin, r.workload)
	}
	fix()
	bin = p.build(t, tc, "after")
	var tab connTable
	for i, r := range runs {
		after := countConns(t, bin, r.workload)
		tab.add(p.name, rules, r.workload, tc.version, before[i], after)
		if !r.before.ok(before[i]) {
			t.Errorf("%s before the rewrite: %d connections, want %s", r.workload, before[i], r.before.desc)
		}
		if !r.after.ok(after) {
			t.Errorf("%s after the rewrite: %d connections, want %s", r.workload, after, r.after.desc)
		}
	}
	tab.log(t)
	if t.Failed() {
		p.logSource(t)
	}
}

func (p *behaviourProgram) logSource(t *testing.T) {
	t.Helper()
	tree := readModuleFiles(t, p.dir)
	for _, name := range slices.Sorted(maps.Keys(tree)) {
		t.Logf("%s now reads:\n%s", name, tree[name])
	}
}

// countConnsMu runs one program at a time, so that the workers of one do
// not starve the requests of another.
var countConnsMu sync.Mutex

// countConns runs the program under the workload against a new server and
// returns the TCP connections the server accepted.
func countConns(t *testing.T, exe string, l workload) int {
	t.Helper()
	srv, conns, reqs := startCountingServer(t, l)
	defer srv.Close()

	args := []string{"-url", srv.URL, "-workers", strconv.Itoa(l.workers), "-n", strconv.Itoa(l.n), "-pause", l.pause.String()}
	if l.shape != "" {
		args = append(args, "-shape", l.shape)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	countConnsMu.Lock()
	err := cmd.Run()
	countConnsMu.Unlock()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(exe), strings.Join(args, " "), err, stderr.Bytes())
	}
	// The program is gone; a connection it dialed but never used may
	// still wait in the listen queue. Let the accepts settle.
	n := conns.Load()
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		m := conns.Load()
		if m == n {
			break
		}
		n = m
	}
	if got := reqs.Load(); got != int64(l.requests()) {
		t.Fatalf("%s %s: the server got %d requests, want %d", filepath.Base(exe), l, got, l.requests())
	}
	return int(n)
}

// startCountingServer starts an HTTP/1.1 server on loopback that counts
// the connections it accepts and the requests it serves. For a concurrent
// load it holds back the answers to the first round until every worker's
// request is in (or a few seconds passed), then holds each request for
// l.hold: the workers really run at once, and no worker is still waiting
// for the connection it dialed when another's first request is answered.
// (That race makes Go's Transport dial a connection more than it needs,
// whatever the program does: on this shared machine, dozens more in a
// bad run.)
//
// Its bodies are small enough for drainclose's drain (4 KiB) and not
// empty, so that closing one unread loses the connection before Go 1.27:
//
//   - /users/{id}: a JSON object of exactly 512 bytes and the encoder's
//     newline, or 404 for every fourth id. A json.Decoder reads 512 bytes
//     first, finds the whole value, and stops before the newline.
//   - anything else: 1 KiB of text.
func startCountingServer(t *testing.T, l workload) (srv *httptest.Server, conns, reqs *atomic.Int64) {
	t.Helper()
	conns, reqs = new(atomic.Int64), new(atomic.Int64)
	page := bytes.Repeat([]byte("0123456789abcde\n"), 64)
	notFound := bytes.Repeat([]byte("no such user; "), 22)
	firstRound := make(chan struct{})
	var once sync.Once
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := reqs.Add(1); n >= int64(l.workers) || l.queued {
			once.Do(func() { close(firstRound) })
		}
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-firstRound:
		case <-time.After(5 * time.Second):
		}
		if l.hold > 0 {
			time.Sleep(l.hold)
		}
		body, status, ctype := page, http.StatusOK, "text/plain; charset=utf-8"
		if id, ok := strings.CutPrefix(r.URL.Path, "/users/"); ok {
			n, err := strconv.Atoi(id)
			switch {
			case err != nil || n%4 == 3:
				body, status = notFound, http.StatusNotFound
			default:
				body, ctype = paddedUserJSON(t, n), "application/json"
			}
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	return srv, conns, reqs
}

// paddedUserJSON returns user id as json.Encoder writes it: a value of 512
// bytes, then a newline.
func paddedUserJSON(t *testing.T, id int) []byte {
	const size = 512
	u := map[string]any{"id": id, "name": fmt.Sprintf("user %d", id), "email": fmt.Sprintf("user%d@example.com", id), "bio": ""}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(u); err != nil {
		t.Error(err)
	}
	u["bio"] = strings.Repeat("x", size+1-buf.Len())
	buf.Reset()
	if err := json.NewEncoder(&buf).Encode(u); err != nil || buf.Len() != size+1 {
		t.Errorf("user JSON is %d bytes, want %d: %v", buf.Len(), size+1, err)
	}
	return buf.Bytes()
}

// rewriteInPlace runs the engine over the module in dir as "httpfix -w -q
// flags ./..." would, and checks it changed files, with no error and no
// site left to a person.
func rewriteInPlace(t *testing.T, dir string, flags []string) *rewrite.Result {
	t.Helper()
	return runInPlace(t, dir, flags, true)
}

// leaveInPlace runs the engine as rewriteInPlace does, and checks it
// changed nothing, with no error and no site left to a person.
func leaveInPlace(t *testing.T, dir string, flags []string) *rewrite.Result {
	t.Helper()
	return runInPlace(t, dir, flags, false)
}

func runInPlace(t *testing.T, dir string, flags []string, wantChanges bool) *rewrite.Result {
	t.Helper()
	orig := readModuleFiles(t, dir)
	var stdout, stderr bytes.Buffer
	c := &cli{Dir: dir, Stdout: &stdout, Stderr: &stderr}
	args := append(append([]string{"-w", "-q"}, flags...), "./...")
	opts, code := c.options(args)
	if code >= 0 {
		t.Fatalf("httpfix %s: exit %d\n%s", strings.Join(args, " "), code, stderr.Bytes())
	}
	start := time.Now()
	res := rewrite.Run(context.Background(), opts)
	t.Logf("httpfix %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if len(res.Errors) > 0 {
		t.Fatalf("httpfix %s: errors:\n%s", strings.Join(args, " "), strings.Join(res.Errors, "\n"))
	}
	for _, d := range res.Diagnostics {
		t.Errorf("httpfix reported a site instead of fixing it: %s", d)
	}
	if res.ExitCode != 0 {
		t.Errorf("httpfix %s: exit %d\n%s", strings.Join(args, " "), res.ExitCode, stderr.Bytes())
	}
	changed := logRewrites(t, orig, readModuleFiles(t, dir))
	switch {
	case wantChanges && len(changed) == 0:
		t.Fatalf("httpfix %s changed nothing", strings.Join(args, " "))
	case !wantChanges && len(changed) > 0:
		t.Errorf("httpfix %s changed %s, which need no change", strings.Join(args, " "), strings.Join(changed, ", "))
	}
	if res.Stats.Changed != len(changed) {
		t.Errorf("httpfix counts %d files changed, %d did", res.Stats.Changed, len(changed))
	}
	return res
}

// readModuleFiles returns the files under dir by slash-separated relative path.
func readModuleFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		tree[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// logRewrites logs the lines that changed between two trees and returns
// the files that did.
func logRewrites(t *testing.T, before, after map[string][]byte) []string {
	t.Helper()
	var changed []string
	for _, name := range slices.Sorted(maps.Keys(after)) {
		if b, ok := before[name]; ok && bytes.Equal(b, after[name]) {
			continue
		}
		changed = append(changed, name)
		dmp := diffmatchpatch.New()
		a, b, lines := dmp.DiffLinesToChars(string(before[name]), string(after[name]))
		var out strings.Builder
		for _, d := range dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines) {
			prefix := map[diffmatchpatch.Operation]string{diffmatchpatch.DiffInsert: "+", diffmatchpatch.DiffDelete: "-"}[d.Type]
			if prefix == "" {
				continue
			}
			for _, l := range strings.SplitAfter(d.Text, "\n") {
				if l != "" {
					out.WriteString(prefix + l)
				}
			}
		}
		t.Logf("rewritten %s:\n%s", name, out.String())
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			t.Errorf("%s was removed", name)
		}
	}
	return changed
}

// A connTable collects the measurements of a test, logged at its end.
type connTable struct {
	mu   sync.Mutex
	rows [][]string
}

// add records a measurement; after < 0 means the program was not
// rewritten.
func (tab *connTable) add(program, rules string, l workload, goVersion string, before, after int) {
	a := "-"
	if after >= 0 {
		a = strconv.Itoa(after)
	}
	tab.mu.Lock()
	defer tab.mu.Unlock()
	tab.rows = append(tab.rows, []string{program, rules, l.String(), strconv.Itoa(before), a, goVersion})
}

func (tab *connTable) log(t *testing.T) {
	t.Helper()
	tab.mu.Lock()
	defer tab.mu.Unlock()
	var out strings.Builder
	rows := append([][]string{{"program", "rules", "load", "before", "after", "go"}}, tab.rows...)
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	for _, r := range rows {
		for i, c := range r {
			fmt.Fprintf(&out, "%-*s  ", width[i], c)
		}
		out.WriteString("\n")
	}
	t.Logf("TCP connections accepted by the server:\n%s", out.String())
}

// The numbers of seed 000, scaled down: a dial deadline of one second
// (the program's), a server that answers in 100 ms, and enough
// sequential requests to outlive the deadline on one connection.
const (
	dialDeadline     = time.Second
	deadlineLatency  = 100 * time.Millisecond
	deadlineRequests = 20
	deadlineDials    = 2
)

// TestBehaviourPoolDeadline runs seed 000's client, whose dial function
// sets an absolute deadline on every connection, before and after
// pooldeadline: sequential requests through one pooled connection to a
// server that answers in 100 ms fail once the connection is a second
// old, and no longer do once the deadline is gone (over at most two
// connections); a server that does not answer at all still fails the
// request, within about twice the deadline.
func TestBehaviourPoolDeadline(t *testing.T) {
	t.Parallel()
	old := behaviourOldGo(t)
	p := newBehaviourProgram(t, "dial_deadline")
	before := p.build(t, old, "before")
	bFail, bConns, bOut := runDeadline(t, before, deadlineLatency, deadlineRequests)
	res := rewriteInPlace(t, p.dir, []string{"-rules=pooldeadline"})
	if res.Stats.Fixed["pooldeadline"] != 1 {
		t.Fatalf("pooldeadline fixed %d sites, want 1", res.Stats.Fixed["pooldeadline"])
	}
	after := p.build(t, old, "after")
	aFail, aConns, aOut := runDeadline(t, after, deadlineLatency, deadlineRequests)
	start := time.Now()
	sFail, _, sOut := runDeadline(t, after, -1, 1)
	stalled := time.Since(start)
	t.Logf("%d sequential requests, server answering in %v, dial deadline %v:\n"+
		"before: %d failed, %d connections\nafter:  %d failed, %d connections\n"+
		"after, a server that never answers: %d failed, in %v",
		deadlineRequests, deadlineLatency, dialDeadline, bFail, bConns, aFail, aConns, sFail, stalled.Round(time.Millisecond))
	if bFail < 1 {
		t.Errorf("before the rewrite: no request failed, want at least one (the deadline should expire the pooled connection):\n%s", bOut)
	}
	if aFail != 0 {
		t.Errorf("after the rewrite: %d requests failed, want none:\n%s", aFail, aOut)
	}
	if aConns > deadlineDials {
		t.Errorf("after the rewrite: %d connections, want at most %d", aConns, deadlineDials)
	}
	if sFail != 1 || stalled > 2*dialDeadline {
		t.Errorf("after the rewrite, a server that never answers: %d of 1 requests failed in %v, want it to fail within %v:\n%s", sFail, stalled, 2*dialDeadline, sOut)
	}
	if t.Failed() {
		p.logSource(t)
	}
}

// runDeadline runs the dial_deadline program for n requests against a
// server that answers each after latency (never, if latency < 0) and
// returns the failures the program saw, the connections the server
// accepted, and the program's output.
func runDeadline(t *testing.T, exe string, latency time.Duration, n int) (failures, conns int, out string) {
	t.Helper()
	var accepted atomic.Int64
	stop := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if latency < 0 {
			select {
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		time.Sleep(latency)
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok\n")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	defer close(stop)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-url", srv.URL, "-n", strconv.Itoa(n))
	countConnsMu.Lock()
	b, err := cmd.CombinedOutput()
	countConnsMu.Unlock()
	if err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(exe), err, b)
	}
	out = string(b)
	i := strings.LastIndex(out, "failures: ")
	if i < 0 {
		t.Fatalf("%s printed no failure count:\n%s", filepath.Base(exe), out)
	}
	failures, err = strconv.Atoi(strings.TrimSpace(out[i+len("failures: "):]))
	if err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(exe), err, out)
	}
	return failures, int(accepted.Load()), out
}

// TestBehaviourKeepAlive runs seed 000's three "fixes" for connection
// reset by peer: each closes the connection after every request (200
// sequential requests, 200 connections). keepalive reports each site,
// at its position, and rewrites nothing.
func TestBehaviourKeepAlive(t *testing.T) {
	t.Parallel()
	old := behaviourOldGo(t)
	p := newBehaviourProgram(t, "keepalive_off")
	bin := p.build(t, old, "before")
	var tab connTable
	for _, shape := range []string{"close", "header", "nokeepalive"} {
		l := seqWorkload(shape)
		n := countConns(t, bin, l)
		tab.add(p.name, "keepalive", l, old.version, n, -1)
		if want := connPerRequest(l); !want.ok(n) {
			t.Errorf("%s: %d connections, want %s", l, n, want.desc)
		}
	}
	tab.log(t)

	orig := readModuleFiles(t, p.dir)
	src := string(orig["main.go"])
	var want []string
	for _, site := range []string{"req.Close = true", `req.Header.Add("Connection", "close")`, "DisableKeepAlives: true"} {
		want = append(want, "main.go:"+position(t, src, site)+": keepalive")
	}
	slices.SortFunc(want, func(a, b string) int { return compareLineCol(a, b) })
	var stdout, stderr bytes.Buffer
	c := &cli{Dir: p.dir, Stdout: &stdout, Stderr: &stderr}
	opts, code := c.options([]string{"-w", "-q", "-rules=keepalive", "./..."})
	if code >= 0 {
		t.Fatalf("httpfix -w: exit %d\n%s", code, stderr.Bytes())
	}
	res := rewrite.Run(context.Background(), opts)
	var got []string
	for _, d := range res.Diagnostics {
		got = append(got, fmt.Sprintf("%s:%d:%d: %s", filepath.Base(d.Pos.Filename), d.Pos.Line, d.Pos.Column, d.Rule))
		t.Logf("reported: %s", d)
	}
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("reports:\n%s\nwant:\n%s", g, w)
	}
	if len(res.Errors) > 0 || res.ExitCode != 1 {
		t.Errorf("exit %d, errors %v; want 1 (sites reported), none", res.ExitCode, res.Errors)
	}
	if changed := logRewrites(t, orig, readModuleFiles(t, p.dir)); len(changed) > 0 || res.Stats.Changed != 0 {
		t.Errorf("httpfix rewrote %v; keepalive only reports", changed)
	}
}

// compareLineCol orders "file:line:col: ..." strings of one file by line
// and column.
func compareLineCol(a, b string) int {
	num := func(s string, i int) int {
		n, _ := strconv.Atoi(strings.Split(s, ":")[i])
		return n
	}
	if d := num(a, 1) - num(b, 1); d != 0 {
		return d
	}
	return num(a, 2) - num(b, 2)
}

// position returns "line:col" of the first occurrence of text in src.
func position(t *testing.T, src, text string) string {
	t.Helper()
	i := strings.Index(src, text)
	if i < 0 {
		t.Fatalf("%q not in the program", text)
	}
	line := strings.Count(src[:i], "\n") + 1
	col := i - strings.LastIndex(src[:i], "\n")
	return fmt.Sprintf("%d:%d", line, col)
}

// The benchmarks are in an external test package so that they can run
// the engine with the product's rules, as the command does; the engine
// itself never imports them.
package rewrite_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/tools/go/packages"

	"github.com/httpfix/httpfix/rewrite"
	"github.com/httpfix/httpfix/rewrite/internal/monorepo"
	"github.com/httpfix/httpfix/rules"
	"github.com/httpfix/httpfix/rules/config"
)

// The benchmarks run httpfix over synthetic monorepos (see
// rewrite/internal/monorepo) of these many packages. CI runs only the smallest
// (-short, -benchtime=1x); the others are for measurements:
//
//	go test -run '^$' -bench . -benchtime=1x -short .     # CI, seconds
//	go test -run '^$' -bench 'Run/10000' -benchtime=3x .   # one size
//
// Trees are written to $HTTPFIX_BENCH_DIR (default $TMPDIR/httpfix-bench),
// one directory per size, rewritten by every run of the benchmarks and
// kept afterwards: the build cache is keyed by the files' paths, so a tree
// at a stable path stays warm from one run to the next. Delete the
// directory to reclaim the space.
var benchSizes = []int{200, 2000, 10000}

var benchTrees = struct {
	sync.Mutex
	m map[int]monorepo.Tree
}{m: map[int]monorepo.Tree{}}

// benchTree returns the tree of n packages, writing it on first use in
// the process and warming the build cache for it (go build ./... in every
// module), so that what is timed is the tool, not the compiler.
func benchTree(tb testing.TB, n int) monorepo.Tree {
	tb.Helper()
	benchTrees.Lock()
	defer benchTrees.Unlock()
	if t, ok := benchTrees.m[n]; ok {
		return t
	}
	root := os.Getenv("HTTPFIX_BENCH_DIR")
	if root == "" {
		root = filepath.Join(os.TempDir(), "httpfix-bench")
	}
	dir := filepath.Join(root, fmt.Sprintf("tree-%d", n))
	if err := os.RemoveAll(dir); err != nil {
		tb.Fatal(err)
	}
	tree, err := monorepo.Generate(dir, monorepo.Options{Packages: n})
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range tree.Modules {
		cmd := exec.Command("go", "build", "./...")
		cmd.Dir = filepath.Join(tree.Dir, m.Dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("go build ./... in %s: %v\n%s", cmd.Dir, err, out)
		}
	}
	benchTrees.m[n] = tree
	return tree
}

// runTool runs the engine in dir with the product's rules and their
// default configuration, as httpfix ARGS... -q does, its output
// discarded, and fails on any error.
func runTool(tb testing.TB, dir string, mode rewrite.Mode, args ...string) *rewrite.Result {
	res := rewrite.Run(context.Background(), rewrite.Options{
		Dir:       dir,
		Args:      args,
		Mode:      mode,
		Analyzers: productAnalyzers(),
		Stdout:    io.Discard,
		Stderr:    io.Discard,
	})
	if len(res.Errors) > 0 {
		tb.Fatalf("httpfix %s: %d errors, the first: %s", strings.Join(args, " "), len(res.Errors), res.Errors[0])
	}
	return res
}

// productAnalyzers returns the product's rules with their default
// configuration, as the engine takes them.
func productAnalyzers() []rewrite.Analyzer {
	var out []rewrite.Analyzer
	for _, r := range rules.New(config.Default()) {
		out = append(out, rewrite.Analyzer{Analyzer: r.Analyzer, Imports: r.Imports, Reaches: r.Reaches, Adds: r.Adds})
	}
	return out
}

// resetPeak collects garbage and restarts the process's peak resident set
// size (VmHWM), so that the next peakMiB reports the code in between.
func resetPeak() {
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // Linux; ignored elsewhere
}

// peakMiB returns the process's peak resident set size in MiB, or -1
// where /proc/self/status is not there.
func peakMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return -1
}

// cpuTime returns the CPU time used so far by the process and by the
// children it waited for (the go command that go/packages runs): on a
// machine shared with other work it varies less than the wall time.
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	d := func(tv syscall.Timeval) time.Duration { return time.Duration(tv.Nano()) }
	return d(self.Utime) + d(self.Stime) + d(children.Utime) + d(children.Stime)
}

// benchSize runs f as the sub-benchmark of size n, skipping sizes above
// 200 under -short.
func benchSize(b *testing.B, n int, f func(b *testing.B, tree monorepo.Tree)) {
	b.Run(strconv.Itoa(n), func(b *testing.B) {
		if n > 200 && testing.Short() {
			b.Skip("large tree; run without -short")
		}
		tree := benchTree(b, n)
		resetPeak()
		cpu := cpuTime()
		b.ReportAllocs()
		b.ResetTimer()
		f(b, tree)
		b.StopTimer()
		b.ReportMetric(peakMiB(), "peak-MiB")
		b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	})
}

// BenchmarkRun times httpfix -diff ./... over a whole monorepo, from its
// root, as a user runs it once as a migration or in CI.
func BenchmarkRun(b *testing.B) {
	for _, n := range benchSizes {
		benchSize(b, n, func(b *testing.B, tree monorepo.Tree) {
			var res *rewrite.Result
			for i := 0; i < b.N; i++ {
				res = runTool(b, tree.Dir, rewrite.Diff, "./...")
			}
			if res.Stats.Modules != len(tree.Modules) || res.Stats.Scanned != tree.Packages || res.Stats.TypeChecked < tree.HTTPPackages {
				b.Fatalf("%d modules, %d packages scanned, %d type-checked; the tree has %d modules, %d packages, %d importing net/http",
					res.Stats.Modules, res.Stats.Scanned, res.Stats.TypeChecked, len(tree.Modules), tree.Packages, tree.HTTPPackages)
			}
			b.ReportMetric(float64(res.Stats.TypeChecked), "typed-pkgs")
			b.ReportMetric(float64(res.Stats.Changed), "changed-files")
		})
	}
}

// BenchmarkFloor times what no run of httpfix can go below: loading, with
// syntax and full type information, just the packages that import
// net/http, one packages.Load per module, and nothing else.
func BenchmarkFloor(b *testing.B) {
	for _, n := range benchSizes {
		benchSize(b, n, func(b *testing.B, tree monorepo.Tree) {
			for i := 0; i < b.N; i++ {
				for _, m := range tree.Modules {
					cfg := &packages.Config{
						Mode: packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
						Dir:  filepath.Join(tree.Dir, m.Dir),
					}
					pkgs, err := packages.Load(cfg, m.HTTP...)
					if err != nil {
						b.Fatal(err)
					}
					if len(pkgs) != len(m.HTTP) {
						b.Fatalf("module %s: loaded %d packages, want %d", m.Path, len(pkgs), len(m.HTTP))
					}
					for _, p := range pkgs {
						if len(p.Errors) > 0 {
							b.Fatalf("%s: %v", p.ID, p.Errors[0])
						}
					}
				}
			}
		})
	}
}

// BenchmarkPrecommit times a pre-commit hook's run: one changed file in
// the largest tree.
func BenchmarkPrecommit(b *testing.B) {
	benchSize(b, 10000, func(b *testing.B, tree monorepo.Tree) {
		for i := 0; i < b.N; i++ {
			res := runTool(b, tree.Dir, rewrite.Diff, tree.HTTPFiles[0])
			if res.Stats.TypeChecked != 1 {
				b.Fatalf("%d packages type-checked, want 1", res.Stats.TypeChecked)
			}
		}
	})
}

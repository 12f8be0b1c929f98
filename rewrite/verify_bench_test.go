package rewrite_test

import (
	"testing"
	"time"

	"github.com/httpfix/httpfix/rewrite"
	"github.com/httpfix/httpfix/rewrite/internal/monorepo"
)

// BenchmarkVerify times what -verify adds to a run over a whole
// monorepo: each iteration runs httpfix -diff ./... from the tree's root
// without and with -verify (the whole change one shard: its packages'
// tests and their importers', on the original code and on the rewritten
// one through -overlay), and reports the difference as verify-s/op. The
// first iteration on a tree compiles the test binaries; later ones find
// them, and the results of the passing packages, in the go command's
// cache:
//
//	go test -run '^$' -bench 'Verify/2000' -benchtime=1x ./rewrite/   # cold
//	go test -run '^$' -bench 'Verify/2000' -benchtime=3x ./rewrite/   # mostly warm
func BenchmarkVerify(b *testing.B) {
	if testing.Short() {
		b.Skip("runs the tree's tests twice: minutes; run without -short")
	}
	for _, n := range benchSizes[:2] {
		benchSize(b, n, func(b *testing.B, tree monorepo.Tree) {
			var added time.Duration
			var res *rewrite.Result
			for i := 0; i < b.N; i++ {
				start := time.Now()
				runTool(b, tree.Dir, rewrite.Diff, "./...")
				plain := time.Since(start)
				start = time.Now()
				res = rewrite.Run(b.Context(), rewrite.Options{
					Dir:       tree.Dir,
					Args:      []string{"./..."},
					Mode:      rewrite.Diff,
					Verify:    true,
					Analyzers: productAnalyzers(),
				})
				added += time.Since(start) - plain
				if len(res.Errors) > 0 {
					b.Fatalf("httpfix -verify: %d errors, the first: %s", len(res.Errors), res.Errors[0])
				}
			}
			for _, s := range res.Shards {
				if !s.Verified {
					b.Fatalf("shard %s not verified: %s %v", s.Name, s.Dropped, s.Failing)
				}
				b.ReportMetric(float64(len(s.Tested)), "tested-pkgs")
			}
			b.ReportMetric(added.Seconds()/float64(b.N), "verify-s/op")
		})
	}
}

package rewrite_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/tools/go/packages"
)

// TestVetComparison times httpfix against go vet and against a typed
// go/packages load of the whole repository on a synthetic monorepo, all
// as processes of their own, alternating them over several runs, and
// prints the times, the peak memory and the ratios. It also times go vet
// with httpfix as its vet tool against plain go vet. It takes minutes, so it runs only when
// asked:
//
//	HTTPFIX_VET_COMPARE=1 go test -run VetComparison -v -timeout 2h ./rewrite
//
// HTTPFIX_VET_SIZE sets the number of packages (default 10000) and
// HTTPFIX_VET_RUNS the rounds (default 3).
//
// go vet caches its results by content, so each vet run gets a flag value
// of its own (-printfuncs=bustN), which makes it analyse every package
// again while the build cache stays warm (go build ./... in every module
// first): vet doing its work, not reading its cache. Its pattern is the
// root module's path followed by /..., which through the go.work covers
// every module of the tree, as httpfix's ./... does (./... would stop at
// the nested modules' go.mod files).
func TestVetComparison(t *testing.T) {
	if os.Getenv("HTTPFIX_VET_COMPARE") == "" {
		t.Skip("set HTTPFIX_VET_COMPARE=1 to run (minutes)")
	}
	size, runs := 10000, 3
	if v, err := strconv.Atoi(os.Getenv("HTTPFIX_VET_SIZE")); err == nil {
		size = v
	}
	if v, err := strconv.Atoi(os.Getenv("HTTPFIX_VET_RUNS")); err == nil {
		runs = v
	}
	tree := benchTree(t, size)
	bin := filepath.Join(t.TempDir(), "httpfix")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/httpfix/httpfix").CombinedOutput(); err != nil {
		t.Fatalf("go build -o %s: %v\n%s", bin, err, out)
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()

	// run runs a command in the tree, its output discarded, and returns
	// its wall time and peak resident set size (MiB; the largest of the
	// process and the children it waited for).
	run := func(okCodes []int, name string, args ...string) (time.Duration, float64) {
		cmd := exec.Command(name, args...)
		cmd.Dir = tree.Dir
		cmd.Stdout = null
		cmd.Stderr = null
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil && !slices.Contains(okCodes, cmd.ProcessState.ExitCode()) {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		rss := -1.0
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = float64(ru.Maxrss) / 1024
		}
		return d, rss
	}

	vetPattern := "./..."
	if tree.Workspace != "" {
		vetPattern = tree.Modules[0].Path + "/..."
	}
	precommit := tree.HTTPFiles[0]
	t.Logf("tree: %s, %d packages (%d import net/http), %d modules", tree.Dir, tree.Packages, tree.HTTPPackages, len(tree.Modules))
	t.Logf("machine: %d CPUs (GOMAXPROCS %d)", runtime.NumCPU(), runtime.GOMAXPROCS(0))
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var vets, fixes, pres, loads, vettools []time.Duration
	var fixRSS, loadRSS []float64
	for i := 0; i < runs; i++ {
		bust := fmt.Sprintf("-printfuncs=bust%d", rand.Int64())
		dv, rv := run([]int{0}, "go", "vet", bust, vetPattern)
		df, rf := run([]int{0, 1}, bin, "-diff", "-q", "./...")
		dp, rp := run([]int{0, 1}, bin, "-diff", "-q", precommit)
		os.Setenv(typedLoadEnv, tree.Dir)
		dl, rl := run([]int{0}, self, "-test.run=^$")
		os.Unsetenv(typedLoadEnv)
		// A drain limit of its own makes go vet run the vet tool on every
		// package again.
		dt, _ := run([]int{0, 1}, "go", "vet", "-vettool="+bin, fmt.Sprintf("-drainclose.limit=%d", 4096+rand.IntN(1<<20)), vetPattern)
		t.Logf("round %d: go vet %s: %.2fs (%.0f MiB); httpfix -diff ./...: %.2fs (%.0f MiB); httpfix -diff %s: %.2fs (%.0f MiB); typed load: %.2fs (%.0f MiB); go vet -vettool=httpfix: %.2fs",
			i+1, vetPattern, dv.Seconds(), rv, df.Seconds(), rf, precommit, dp.Seconds(), rp, dl.Seconds(), rl, dt.Seconds())
		vets, fixes, pres, loads, vettools = append(vets, dv), append(fixes, df), append(pres, dp), append(loads, dl), append(vettools, dt)
		fixRSS, loadRSS = append(fixRSS, rf), append(loadRSS, rl)
	}
	mv, mf, mp, ml, mt := median(vets), median(fixes), median(pres), median(loads), median(vettools)
	t.Logf("median over %d rounds: go vet %.2fs; httpfix %.2fs (%.2fx vet, %.2fx the typed load of %.2fs); peak %.0f MiB (%.2fx the load's %.0f MiB); go vet -vettool=httpfix %.2fs (%.2fx go vet); pre-commit (one file) %.2fs",
		runs, mv.Seconds(), mf.Seconds(), mf.Seconds()/mv.Seconds(), mf.Seconds()/ml.Seconds(), ml.Seconds(),
		medianF(fixRSS), medianF(fixRSS)/medianF(loadRSS), medianF(loadRSS), mt.Seconds(), mt.Seconds()/mv.Seconds(), mp.Seconds())
}

// typedLoadEnv makes the test binary load, with syntax and full type
// information, every package of the tree in the directory it names (each
// module of it with ./..., as go/packages users do), and exit: the typed
// load of the whole repository httpfix is compared with.
const typedLoadEnv = "HTTPFIX_TYPED_LOAD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(typedLoadEnv); dir != "" {
		typedLoad(dir)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func typedLoad(root string) {
	var dirs []string
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "go.mod" {
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	for _, dir := range dirs {
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo, Dir: dir, Env: append(os.Environ(), "GOWORK=off")}
		if _, err := packages.Load(cfg, "./..."); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func medianF(fs []float64) float64 {
	s := slices.Clone(fs)
	slices.Sort(s)
	return s[len(s)/2]
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

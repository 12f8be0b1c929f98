package rewrite

import (
	"go/build"
	"go/build/constraint"
	"golang.org/x/tools/go/packages"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// A buildContext is a GOOS, a GOARCH and build tags: one of the contexts
// a package's files are selected under.
type buildContext struct {
	GOOS, GOARCH string
	Tags         []string // sorted
}

func (c buildContext) String() string {
	s := c.GOOS + "/" + c.GOARCH
	if len(c.Tags) > 0 {
		s += " -tags=" + strings.Join(c.Tags, ",")
	}
	return s
}

// env returns the environment of the go command for the context. Cgo is
// off: building for another platform would need its C compiler.
func (c buildContext) env() []string {
	return []string{"GOOS=" + c.GOOS, "GOARCH=" + c.GOARCH, "CGO_ENABLED=0"}
}

// platforms lists the GOOS/GOARCH pairs the go command knows (go tool dist
// list), most common first, so that a file is processed under the most
// familiar context that includes it.
var platforms = func() [][2]string {
	common := [][2]string{
		{"linux", "amd64"}, {"windows", "amd64"}, {"darwin", "arm64"}, {"darwin", "amd64"},
		{"linux", "arm64"}, {"freebsd", "amd64"}, {"linux", "386"}, {"windows", "386"},
		{"windows", "arm64"}, {"linux", "arm"}, {"openbsd", "amd64"}, {"netbsd", "amd64"},
		{"dragonfly", "amd64"}, {"solaris", "amd64"}, {"illumos", "amd64"}, {"aix", "ppc64"},
		{"android", "arm64"}, {"ios", "arm64"}, {"plan9", "amd64"}, {"js", "wasm"},
		{"wasip1", "wasm"}, {"linux", "ppc64le"}, {"linux", "s390x"}, {"linux", "riscv64"},
		{"linux", "mips64le"}, {"linux", "loong64"}, {"freebsd", "arm64"},
	}
	return common
}()

// unixOS are the GOOS values the "unix" build constraint matches.
var unixOS = map[string]bool{
	"aix": true, "android": true, "darwin": true, "dragonfly": true, "freebsd": true, "hurd": true,
	"illumos": true, "ios": true, "linux": true, "netbsd": true, "openbsd": true, "solaris": true,
}

// knownWords are the build constraint words that are not free tags.
func knownWord(w string) bool {
	if w == "unix" || w == "cgo" || w == "gc" || w == "gccgo" || strings.HasPrefix(w, "go1.") {
		return true
	}
	for _, p := range platforms {
		if w == p[0] || w == p[1] {
			return true
		}
	}
	return false
}

// contextFor finds a build context, other than the current one, that
// includes the Go file: its name's _GOOS/_GOARCH suffix and its
// //go:build line must both hold. The current context's GOOS/GOARCH come
// first, then the common platforms; free tags (integration, e2e) are set
// as the constraint needs them. It reports false when no known context
// includes the file (//go:build ignore, a constraint that cannot hold).
func contextFor(path string, current buildContext) (buildContext, bool) {
	src, err := os.ReadFile(path)
	if err != nil {
		return buildContext{}, false
	}
	var expr constraint.Expr
	for _, line := range headerLines(src) {
		if constraint.IsGoBuild(line) {
			if e, err := constraint.Parse(line); err == nil {
				expr = e
			}
			break
		}
	}
	var free []string
	if expr != nil {
		seen := map[string]bool{}
		collectTags(expr, func(tag string) {
			if !knownWord(tag) && !seen[tag] && tag != "ignore" {
				seen[tag] = true
				free = append(free, tag)
			}
		})
		sort.Strings(free)
	}
	if len(free) > 4 {
		free = free[:4]
	}
	name := filepath.Base(path)
	// The current platform, then the others of its GOOS, then those of
	// its GOARCH, then the rest: change as little as possible.
	candidates := [][2]string{{current.GOOS, current.GOARCH}}
	for _, pass := range []func(p [2]string) bool{
		func(p [2]string) bool { return p[0] == current.GOOS },
		func(p [2]string) bool { return p[0] != current.GOOS && p[1] == current.GOARCH },
		func(p [2]string) bool { return p[0] != current.GOOS && p[1] != current.GOARCH },
	} {
		for _, p := range platforms {
			if pass(p) {
				candidates = append(candidates, p)
			}
		}
	}
	for _, p := range candidates {
		ctx := build.Default
		ctx.GOOS, ctx.GOARCH = p[0], p[1]
		ctx.CgoEnabled = false
		if !goodOSArchFile(name, p[0], p[1]) {
			continue
		}
		// Try the tags the context already has, then subsets of the
		// free tags, fewest first.
		for mask := 0; mask < 1<<len(free); mask++ {
			tags := append([]string(nil), current.Tags...)
			for i, t := range free {
				if mask&(1<<i) != 0 {
					tags = append(tags, t)
				}
			}
			ok := expr == nil || expr.Eval(func(tag string) bool {
				switch {
				case tag == p[0] || tag == p[1]:
					return true
				case tag == "unix":
					return unixOS[p[0]]
				case tag == "gc":
					return true
				case strings.HasPrefix(tag, "go1."):
					return true // a release tag no newer than ours: checked by the module's go version
				}
				for _, t := range tags {
					if t == tag {
						return true
					}
				}
				return false
			})
			if !ok {
				continue
			}
			c := buildContext{GOOS: p[0], GOARCH: p[1], Tags: uniqSorted(tags)}
			if c.GOOS == current.GOOS && c.GOARCH == current.GOARCH && equalStrings(c.Tags, current.Tags) {
				continue // the current context, which excluded the file for another reason
			}
			return c, true
		}
	}
	return buildContext{}, false
}

// goodOSArchFile reports whether a file name's _GOOS, _GOARCH or
// _GOOS_GOARCH suffix (before _test) allows the platform.
func goodOSArchFile(name, goos, goarch string) bool {
	name = strings.TrimSuffix(name, ".go")
	name = strings.TrimSuffix(name, "_test")
	parts := strings.Split(name, "_")
	if len(parts) < 2 {
		return true
	}
	isOS := func(s string) bool {
		for _, p := range platforms {
			if p[0] == s {
				return true
			}
		}
		return s == "hurd" || s == "zos"
	}
	isArch := func(s string) bool {
		for _, p := range platforms {
			if p[1] == s {
				return true
			}
		}
		return false
	}
	last := parts[len(parts)-1]
	if len(parts) >= 3 && isOS(parts[len(parts)-2]) && isArch(last) {
		os := parts[len(parts)-2]
		return (os == goos || os == "unix" && unixOS[goos]) && last == goarch
	}
	switch {
	case isOS(last):
		return last == goos
	case isArch(last):
		return last == goarch
	}
	return true
}

// headerLines returns the comment lines before the package clause.
func headerLines(src []byte) []string {
	var out []string
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "package ") {
			break
		}
		out = append(out, line)
	}
	return out
}

func collectTags(e constraint.Expr, f func(string)) {
	switch e := e.(type) {
	case *constraint.TagExpr:
		f(e.Tag)
	case *constraint.NotExpr:
		collectTags(e.X, f)
	case *constraint.AndExpr:
		collectTags(e.X, f)
		collectTags(e.Y, f)
	case *constraint.OrExpr:
		collectTags(e.X, f)
		collectTags(e.Y, f)
	}
}

func uniqSorted(ss []string) []string {
	sort.Strings(ss)
	var out []string
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// currentContext returns the context the go command builds for, from the
// environment (GOOS, GOARCH) and the -tags given.
func currentContext(tags []string) buildContext {
	goos, goarch := runtime.GOOS, runtime.GOARCH
	if v := os.Getenv("GOOS"); v != "" {
		goos = v
	}
	if v := os.Getenv("GOARCH"); v != "" {
		goarch = v
	}
	return buildContext{GOOS: goos, GOARCH: goarch, Tags: uniqSorted(append([]string(nil), tags...))}
}

// coverPlatforms processes the files the build context excluded from the
// packages in dirs (those importing a path a rule needs) under contexts
// that include them: for each module, the files are grouped by the
// context contextFor finds, and each group's packages are loaded again
// under it, with the files the run changed so far in an overlay. Only the
// excluded files are rewritten: the others were processed under the
// current context. A file no known context includes, or whose package
// does not load under its context, is listed as not covered.
func (e *engine) coverPlatforms(dirs []*pkgDir) {
	byModule := map[*Module][]*pkgDir{}
	var modules []*Module
	for _, pd := range dirs {
		if len(pd.notCovered) == 0 {
			continue
		}
		if pd.module == nil {
			e.notCovered(pd.notCovered...)
			continue
		}
		if _, ok := byModule[pd.module]; !ok {
			modules = append(modules, pd.module)
		}
		byModule[pd.module] = append(byModule[pd.module], pd)
	}
	sort.Slice(modules, func(i, j int) bool { return modules[i].Dir < modules[j].Dir })
	current := currentContext(e.opts.Tags)
	for _, m := range modules {
		type group struct {
			context buildContext
			dirs    []*pkgDir
			files   map[*pkgDir][]string
		}
		groups := map[string]*group{}
		var keys []string
		for _, pd := range byModule[m] {
			for _, f := range pd.notCovered {
				c, ok := contextFor(f, current)
				if !ok {
					e.notCovered(f)
					continue
				}
				g := groups[c.String()]
				if g == nil {
					g = &group{context: c, files: map[*pkgDir][]string{}}
					groups[c.String()] = g
					keys = append(keys, c.String())
				}
				if g.files[pd] == nil {
					g.dirs = append(g.dirs, pd)
				}
				g.files[pd] = append(g.files[pd], f)
			}
		}
		sort.Strings(keys)
		analyzers, ok := e.analyzersFor(m)
		for _, k := range keys {
			g := groups[k]
			if !ok || e.ctx.Err() != nil || tooNew(m, runtime.Version()) != "" {
				for _, files := range g.files {
					e.notCovered(files...)
				}
				continue
			}
			e.runContext(m, g.context, g.dirs, g.files, analyzers)
		}
	}
}

// runContext loads the packages in dirs, all of module m, under build
// context c and processes the files of each that files lists.
func (e *engine) runContext(m *Module, c buildContext, dirs []*pkgDir, files map[*pkgDir][]string, analyzers []Analyzer) {
	src := &sources{files: map[string][]byte{}}
	cfg := e.loadConfig(m, loadMode, src)
	cfg.Env = append(cfg.Env, c.env()...)
	cfg.BuildFlags = nil
	if len(c.Tags) > 0 {
		cfg.BuildFlags = []string{"-tags=" + strings.Join(c.Tags, ",")}
	}
	cfg.Overlay = map[string][]byte{}
	for path, data := range e.emitted {
		if within(m.Dir, path) {
			cfg.Overlay[path] = data
		}
	}
	pats, err := patterns(m, dirs)
	var pkgs []*packages.Package
	if err == nil {
		pkgs, err = packages.Load(cfg, pats...)
	}
	if err != nil {
		if e.ctx.Err() == nil {
			e.errorf("%s (under %s)", firstLine(err.Error()), c)
		}
		for _, fs := range files {
			e.notCovered(fs...)
		}
		return
	}
	defer release(pkgs)
	var adds []string
	for _, a := range analyzers {
		adds = append(adds, a.Adds...)
	}
	e.complete(m, pkgs, adds)

	own := newOwners(dirs)
	var work []*packages.Package
	var owners []*pkgDir
	covered := map[string]bool{}
	for _, p := range variants(pkgs) {
		pd := own.of(p)
		if pd == nil {
			continue
		}
		only := map[string]bool{}
		for _, f := range files[pd] {
			only[f] = true
		}
		for _, f := range p.GoFiles {
			if only[f] && len(p.Errors) == 0 {
				covered[f] = true
			}
		}
		// A copy of the directory that changes only the excluded files:
		// the others were processed under the current context.
		sub := *pd
		sub.only = only
		work = append(work, p)
		owners = append(owners, &sub)
	}
	for _, pd := range dirs {
		for _, f := range files[pd] {
			if !covered[f] {
				e.notCovered(f)
			}
		}
	}
	e.processAll(work, owners, nil, analyzers, src, c.String(), func() {})
}

// notCovered lists files as not covered by the run.
func (e *engine) notCovered(files ...string) {
	for _, f := range files {
		e.res.Stats.NotCovered = append(e.res.Stats.NotCovered, e.rel(f))
	}
}

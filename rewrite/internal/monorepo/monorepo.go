// Package monorepo writes synthetic Go monorepos for httpfix's benchmarks
// and scale tests: a root module and a few nested modules joined by a
// go.work, thousands of packages importing one another a few levels deep,
// and a share of packages that use net/http the ways httpfix rewrites
// (bodies closed without a drain, a close deferred before the error
// check, a status-code return before io.ReadAll, a JSON decoder that stops
// after one value, http.DefaultClient, a Transport built per call) next to
// code that is already right (a constructor that keeps its Transport in
// the client it returns).
//
// The output depends only on the Options: the same options write the
// same bytes, whatever the directory. Every module builds and passes go
// vet (the close deferred before the error check goes through a method of
// the package's own, which vet's httpresponse check does not follow).
package monorepo

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Options describe the tree to write.
type Options struct {
	// Packages is the number of packages, all modules together; 0 means
	// 200.
	Packages int
	// HTTPShare is the share of packages whose code imports net/http and
	// holds the misuse shapes; 0 means 0.2, a negative value none.
	HTTPShare float64
	// Nested is the number of modules nested below the root module; 0
	// means 3, a negative value none (and no go.work).
	Nested int
	// Seed varies the import graph and the choice of packages; 0 means 1.
	Seed uint64
	// Module is the path of the root module; "" means example.com/mono.
	// A nested module's path is the root's followed by its directory.
	Module string
	// GoVersion is the go directive of every module; "" means 1.26.
	GoVersion string
}

// Tree is what Generate wrote.
type Tree struct {
	Dir string // absolute
	// Modules lists the root module first, then the nested ones by
	// directory.
	Modules []Module
	// Workspace is the go.work joining the modules ("" with no nested
	// module), relative to Dir.
	Workspace string
	Packages  int
	// HTTPPackages counts the packages one of whose files (test files
	// included) imports net/http: the ones httpfix loads with types.
	HTTPPackages int
	Files        int // .go files
	// HTTPFiles names, for each module, a non-test file that imports
	// net/http and holds misuse shapes (relative to Dir, slash-separated):
	// what a pre-commit hook passes.
	HTTPFiles []string
}

// Module is one module of a Tree.
type Module struct {
	Dir      string // relative to Tree.Dir, slash-separated; "." for the root
	Path     string
	Packages int
	// HTTP lists the directories (relative to Dir, "./"-prefixed, as
	// package patterns) of the packages importing net/http.
	HTTP []string
}

// pkg is one package being generated.
type pkg struct {
	mod     int    // index of its module
	dir     string // relative to the module, slash-separated
	name    string
	path    string // import path
	level   int
	deps    []*pkg // plain imports of the tree
	client  *pkg   // an HTTP package whose client it uses, or nil
	http    bool   // holds the misuse shapes
	correct bool   // an HTTP package with correct code only
	shapes  []int  // misuse shapes of an HTTP package
	test    int    // 0 no test, 1 a plain test, 2 a handler test using net/http
	index   int    // global, for names
}

var (
	areaWords = []string{"billing", "catalog", "identity", "search", "ledger", "media", "notify", "orders",
		"pricing", "profile", "reports", "shipping", "storage", "tasks", "users", "audit", "config", "events", "geo", "metrics"}
	pkgWords = []string{"store", "cache", "index", "queue", "codec", "model", "policy", "schema", "router", "worker",
		"feed", "quota", "token", "batch", "graph", "stats", "sync", "trace", "vault", "view"}
	modWords = []string{"billing", "search", "identity", "payments", "catalog", "gateway", "ingest", "notify"}
)

const (
	levels       = 6  // depth of the import graph inside a module
	perArea      = 40 // packages per area directory
	nestedShare  = 0.1
	clientShare  = 0.1  // plain packages that use an HTTP package's client
	handlerShare = 0.02 // plain packages with a test that imports net/http
	testShare    = 0.3  // packages with a test file
	correctShare = 0.25 // HTTP packages with correct code only
)

func (o *Options) defaults() {
	if o.Packages <= 0 {
		o.Packages = 200
	}
	if o.HTTPShare == 0 {
		o.HTTPShare = 0.2
	}
	if o.HTTPShare < 0 {
		o.HTTPShare = 0
	}
	if o.Nested == 0 {
		o.Nested = 3
	}
	if o.Nested < 0 {
		o.Nested = 0
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Module == "" {
		o.Module = "example.com/mono"
	}
	if o.GoVersion == "" {
		o.GoVersion = "1.26"
	}
}

// Generate writes a tree described by o into dir, which must be empty or
// not exist, and returns what it wrote.
func Generate(dir string, o Options) (Tree, error) {
	o.defaults()
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Tree{}, err
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return Tree{}, fmt.Errorf("monorepo: %s is not empty", dir)
	}
	nested := o.Nested
	if max := o.Packages / 4; nested > max {
		nested = max // a nested module holds at least two packages
	}
	if nested > 0 && o.Packages < 8 {
		nested = 0
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6874747066697821))

	tree := Tree{Dir: dir}
	sizes := make([]int, nested+1)
	sizes[0] = o.Packages
	for i := 1; i <= nested; i++ {
		sizes[i] = max(2, int(float64(o.Packages)*nestedShare))
		sizes[0] -= sizes[i]
	}
	tree.Modules = append(tree.Modules, Module{Dir: ".", Path: o.Module})
	for i := 1; i <= nested; i++ {
		word := modWords[(i-1)%len(modWords)]
		if i > len(modWords) {
			word += fmt.Sprint((i - 1) / len(modWords))
		}
		rel := "services/" + word
		tree.Modules = append(tree.Modules, Module{Dir: rel, Path: o.Module + "/" + rel})
	}

	// Lay out the packages of each module and their imports. Imports go
	// from a level to lower ones, and from a module to earlier ones, so
	// the graph has no cycle.
	var all []*pkg
	byMod := make([][]*pkg, len(sizes))
	for m, n := range sizes {
		ps := make([]*pkg, n)
		for i := range ps {
			idx := len(all)
			area := i / perArea
			areaName := areaWords[area%len(areaWords)]
			if area >= len(areaWords) {
				areaName += fmt.Sprint(area / len(areaWords))
			}
			name := fmt.Sprintf("%s%04d", pkgWords[idx%len(pkgWords)], idx)
			p := &pkg{
				mod:   m,
				dir:   "pkg/" + areaName + "/" + name,
				name:  name,
				level: i * levels / n,
				index: idx,
			}
			p.path = path.Join(tree.Modules[m].Path, p.dir)
			ps[i] = p
			all = append(all, p)
		}
		// The HTTP packages of the module: an exact share, spread at random.
		nHTTP := int(float64(n)*o.HTTPShare + 0.5)
		if o.HTTPShare > 0 && nHTTP == 0 {
			nHTTP = 1
		}
		for k, i := range rng.Perm(n)[:nHTTP] {
			ps[i].http = true
			ps[i].correct = float64(k+1) <= float64(nHTTP)*correctShare
			first := rng.IntN(len(shapes))
			for s := 0; s < 3; s++ {
				ps[i].shapes = append(ps[i].shapes, (first+s)%len(shapes))
			}
		}
		byLevel := make([][]*pkg, levels)
		for _, p := range ps {
			byLevel[p.level] = append(byLevel[p.level], p)
		}
		for _, p := range ps {
			if p.level > 0 {
				below := byLevel[p.level-1]
				for k := 1 + rng.IntN(3); k > 0; k-- {
					p.addDep(below[rng.IntN(len(below))])
				}
				if p.level > 1 && rng.Float64() < 0.5 {
					below := byLevel[p.level-2]
					p.addDep(below[rng.IntN(len(below))])
				}
				if !p.http && rng.Float64() < clientShare {
					var hs []*pkg
					for _, q := range ps {
						if q.http && q.level < p.level {
							hs = append(hs, q)
						}
					}
					if len(hs) > 0 {
						p.client = hs[rng.IntN(len(hs))]
					}
				}
			} else if m > 0 {
				// The bottom of a nested module builds on the top of the
				// module before it, through the workspace.
				prev := byMod[m-1]
				p.addDep(prev[len(prev)-1-rng.IntN(min(len(prev), 5))])
			}
			switch r := rng.Float64(); {
			case !p.http && r < handlerShare:
				p.test = 2
			case r < testShare:
				p.test = 1
			}
		}
		byMod[m] = ps
	}

	// Write the files.
	w := &writer{root: dir}
	if nested > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "go %s\n\nuse (\n", o.GoVersion)
		for _, m := range tree.Modules {
			fmt.Fprintf(&b, "\t%s\n", map[bool]string{true: ".", false: "./" + m.Dir}[m.Dir == "."])
		}
		b.WriteString(")\n")
		w.write("go.work", b.String())
		tree.Workspace = "go.work"
	}
	for m := range tree.Modules {
		mod := &tree.Modules[m]
		w.write(path.Join(mod.Dir, "go.mod"), fmt.Sprintf("module %s\n\ngo %s\n", mod.Path, o.GoVersion))
		mod.Packages = len(byMod[m])
		httpFile := ""
		for _, p := range byMod[m] {
			files := p.files()
			names := make([]string, 0, len(files))
			for name := range files {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				w.write(path.Join(mod.Dir, p.dir, name), files[name])
			}
			tree.Files += len(files)
			if p.http || p.test == 2 {
				mod.HTTP = append(mod.HTTP, "./"+p.dir)
			}
			if p.http && !p.correct && httpFile == "" {
				httpFile = path.Join(mod.Dir, p.dir, "client.go")
			}
		}
		sort.Strings(mod.HTTP)
		tree.Packages += mod.Packages
		tree.HTTPPackages += len(mod.HTTP)
		if httpFile != "" {
			tree.HTTPFiles = append(tree.HTTPFiles, httpFile)
		}
	}
	if w.err != nil {
		return Tree{}, w.err
	}
	return tree, nil
}

func (p *pkg) addDep(q *pkg) {
	for _, d := range p.deps {
		if d == q {
			return
		}
	}
	p.deps = append(p.deps, q)
}

type writer struct {
	root string
	made map[string]bool
	err  error
}

func (w *writer) write(rel, data string) {
	if w.err != nil {
		return
	}
	file := filepath.Join(w.root, filepath.FromSlash(rel))
	dir := filepath.Dir(file)
	if w.made == nil {
		w.made = map[string]bool{}
	}
	if !w.made[dir] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			w.err = err
			return
		}
		w.made[dir] = true
	}
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		w.err = err
	}
}

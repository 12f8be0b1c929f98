package rewrite

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/go/packages"
)

// resolveArgs turns the arguments into package directories: "dir/..."
// walks a tree (every module in it), a directory names its package, a .go
// file names its package and restricts changes to that file, and anything
// else is a package pattern for the go command. Problems are recorded as
// errors; the other arguments are still resolved.
//
// Code that is not the user's to change is left out whatever names it:
// vendored packages, the standard library, the module cache, and the
// dependencies an import path pattern such as "all" matches. An argument
// that names nothing else is an error, except a .go file (what pre-commit
// passes, vendored files included), which is skipped as a generated file
// is.
func (e *engine) resolveArgs(s *scanner) []*pkgDir {
	set := &argSet{byDir: map[string]*pkgDir{}}
	for _, arg := range e.opts.Args {
		e.resolveArg(s, arg, set)
		if set.added == 0 && set.why != "" && !strings.HasSuffix(arg, ".go") {
			e.errorf("%s: names only %s, which httpfix never changes", arg, set.why)
		}
		set.added, set.why = 0, ""
	}
	out := make([]*pkgDir, 0, len(set.byDir))
	for _, pd := range set.byDir {
		out = append(out, pd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	return out
}

// argSet collects the package directories the arguments name.
type argSet struct {
	byDir   map[string]*pkgDir
	foreign foreignCode
	added   int    // directories the current argument added
	why     string // why the current argument's directories were left out, if some were
}

// add adds pd, to change only the file only, or all its files if only is
// "". A directory of code httpfix never changes is left out.
func (a *argSet) add(pd *pkgDir, only string) {
	if reason := a.foreign.why(pd); reason != "" {
		a.why = reason
		return
	}
	a.added++
	old, ok := a.byDir[pd.dir]
	if !ok {
		old = pd
		a.byDir[pd.dir] = pd
		if only != "" {
			pd.only = map[string]bool{}
		}
	}
	switch {
	case only == "":
		old.only = nil
	case old.only != nil:
		old.only[only] = true
	}
}

// resolveArg resolves one argument, passing the package directories it
// names to add.
func (e *engine) resolveArg(s *scanner, arg string, set *argSet) {
	path := arg
	if !filepath.IsAbs(path) {
		path = filepath.Join(e.opts.Dir, arg)
	}
	switch {
	case arg == "..." || strings.HasSuffix(arg, "/...") || strings.HasSuffix(arg, string(filepath.Separator)+"..."):
		root := strings.TrimSuffix(strings.TrimSuffix(path, "..."), string(filepath.Separator))
		if root == "" {
			root = string(filepath.Separator)
		}
		if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
			if !isLocal(arg) {
				e.resolvePattern(s, arg, set)
				return
			}
			e.errorf("%s: no such directory", arg)
			return
		}
		pds, err := s.walk(root)
		if err != nil {
			e.errorf("%s: %v", arg, err)
			return
		}
		e.walked = append(e.walked, root)
		if len(pds) == 0 {
			e.errorf("%s: pattern matched no packages", arg)
			return
		}
		for _, pd := range pds {
			set.add(pd, "")
		}
	case strings.HasSuffix(arg, ".go"):
		fi, err := os.Stat(path)
		if err != nil {
			e.errorf("%s: %v", arg, unwrapPathError(err))
			return
		}
		if fi.IsDir() {
			e.errorf("%s: is a directory", arg)
			return
		}
		pd, err := e.scanOne(s, filepath.Dir(path))
		if err != nil {
			e.errorf("%s: %v", arg, err)
			return
		}
		if pd == nil {
			e.errorf("%s: not part of a Go package in this build context", arg)
			return
		}
		set.add(pd, path)
	default:
		fi, err := os.Stat(path)
		if err == nil && fi.IsDir() {
			pd, err := e.scanOne(s, path)
			if err != nil {
				e.errorf("%s: %v", arg, err)
				return
			}
			if pd == nil {
				e.errorf("%s: no Go files", arg)
				return
			}
			set.add(pd, "")
			return
		}
		if isLocal(arg) {
			e.errorf("%s: no such directory", arg)
			return
		}
		e.resolvePattern(s, arg, set)
	}
}

// scanOne reads the package in dir.
func (e *engine) scanOne(s *scanner, dir string) (*pkgDir, error) {
	m, err := s.moduleFor(dir)
	if err != nil {
		return nil, err
	}
	pd := s.scanDir(dir, m)
	if pd != nil {
		pd.explicit = true
	}
	return pd, nil
}

// resolvePattern asks the go command which directories an import path
// pattern (net/..., example.com/x/...) names, in the module of the
// working directory. Packages outside the main modules (the standard
// library, dependencies) are left out.
func (e *engine) resolvePattern(s *scanner, pattern string, set *argSet) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedModule, Dir: e.opts.Dir, Context: e.ctx}
	if len(e.opts.Tags) > 0 {
		cfg.BuildFlags = []string{"-tags=" + strings.Join(e.opts.Tags, ",")}
	}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil {
		e.errorf("%s: %v", pattern, firstLine(err.Error()))
		return
	}
	for _, p := range pkgs {
		files := append(append([]string(nil), p.GoFiles...), p.IgnoredFiles...)
		if len(files) == 0 {
			for _, le := range p.Errors {
				// Not "; to add it:" and the go get command: httpfix
				// changes only the modules it is given.
				msg, _, _ := strings.Cut(firstLine(le.Msg), "; to add it:")
				e.errorf("%s: %s", pattern, msg)
			}
			continue
		}
		dir := filepath.Dir(files[0])
		if p.Module == nil || !p.Module.Main {
			set.why = "packages outside the main module (dependencies, the standard library)"
			continue
		}
		pd, err := e.scanOne(s, dir)
		if err != nil {
			e.errorf("%s: %v", pattern, err)
			continue
		}
		if pd != nil {
			set.add(pd, "")
		}
	}
	if len(pkgs) == 0 {
		e.errorf("%s: pattern %v", pattern, errNoPackages)
	}
}

// foreignCode recognises the packages httpfix never changes.
type foreignCode struct {
	once     sync.Once
	modCache string
}

// why returns why pd is left out, or "" if it is not.
func (fc *foreignCode) why(pd *pkgDir) string {
	if vendored(pd.dir) {
		return "vendored code"
	}
	m := pd.module
	if m == nil {
		return ""
	}
	if m.Path == "std" || m.Path == "cmd" {
		return "the Go distribution's own source"
	}
	// Module cache directories are named path@version; only then is
	// it worth asking the go command where the cache is.
	if strings.Contains(m.Dir, "@") {
		fc.once.Do(func() {
			out, err := exec.Command("go", "env", "GOMODCACHE").Output()
			if err == nil {
				fc.modCache = strings.TrimSpace(string(out))
			}
		})
		if fc.modCache != "" && within(fc.modCache, m.Dir) {
			return "a module in the module cache"
		}
	}
	return ""
}

// vendored reports whether dir is in the vendor directory of a module (a
// directory named vendor beside a go.mod), even if a vendored module
// kept its go.mod.
func vendored(dir string) bool {
	if !strings.Contains(filepath.ToSlash(dir)+"/", "/vendor/") {
		return false
	}
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if filepath.Base(d) != "vendor" {
			continue
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(d), "go.mod")); err == nil {
			return true
		}
	}
	return false
}

// isLocal reports whether a pattern is a file system path rather than an
// import path.
func isLocal(arg string) bool {
	return arg == "." || arg == ".." || filepath.IsAbs(arg) ||
		strings.HasPrefix(arg, "./") || strings.HasPrefix(arg, "../") ||
		strings.HasPrefix(arg, "."+string(filepath.Separator))
}

// unwrapPathError returns the cause of a failed file operation without
// the paths it names (for messages that name the file already).
func unwrapPathError(err error) error {
	var pe *os.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// progress shows packages done of total on a terminal.
type progress struct {
	on    bool
	w     interface{ Write([]byte) (int, error) }
	shown bool
}

func newProgress(on bool, w interface{ Write([]byte) (int, error) }) *progress {
	return &progress{on: on, w: w}
}

func (p *progress) show(done, total int) {
	if !p.on {
		return
	}
	fmt.Fprintf(p.w, "\rhttpfix: %d/%d packages", done, total)
	p.shown = true
}

func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

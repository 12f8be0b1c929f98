package rewrite

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// resolveArgs turns the arguments into package directories: "dir/..."
// walks a tree (every module in it), a directory names its package, a .go
// file names its package and restricts changes to that file, and anything
// else is a package pattern for the go command. Problems are recorded as
// errors; the other arguments are still resolved.
func (e *engine) resolveArgs(s *scanner) []*pkgDir {
	byDir := map[string]*pkgDir{}
	add := func(pd *pkgDir, only string) {
		old, ok := byDir[pd.dir]
		if !ok {
			old = pd
			byDir[pd.dir] = pd
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
	for _, arg := range e.opts.Args {
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
					e.resolvePattern(s, arg, add)
					continue
				}
				e.errorf("%s: no such directory", arg)
				continue
			}
			pds, err := s.walk(root)
			if err != nil {
				e.errorf("%s: %v", arg, err)
				continue
			}
			if len(pds) == 0 {
				e.errorf("%s: pattern matched no packages", arg)
				continue
			}
			for _, pd := range pds {
				add(pd, "")
			}
		case strings.HasSuffix(arg, ".go"):
			fi, err := os.Stat(path)
			if err != nil {
				e.errorf("%s: %v", arg, unwrapPathError(err))
				continue
			}
			if fi.IsDir() {
				e.errorf("%s: is a directory", arg)
				continue
			}
			pd, err := e.scanOne(s, filepath.Dir(path))
			if err != nil {
				e.errorf("%s: %v", arg, err)
				continue
			}
			if pd == nil {
				e.errorf("%s: not part of a Go package in this build context", arg)
				continue
			}
			add(pd, path)
		default:
			fi, err := os.Stat(path)
			if err == nil && fi.IsDir() {
				pd, err := e.scanOne(s, path)
				if err != nil {
					e.errorf("%s: %v", arg, err)
					continue
				}
				if pd == nil {
					e.errorf("%s: no Go files", arg)
					continue
				}
				add(pd, "")
				continue
			}
			if isLocal(arg) {
				e.errorf("%s: no such directory", arg)
				continue
			}
			e.resolvePattern(s, arg, add)
		}
	}
	out := make([]*pkgDir, 0, len(byDir))
	for _, pd := range byDir {
		out = append(out, pd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	return out
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
// working directory.
func (e *engine) resolvePattern(s *scanner, pattern string, add func(*pkgDir, string)) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles, Dir: e.opts.Dir, Context: e.ctx}
	if len(e.opts.Tags) > 0 {
		cfg.BuildFlags = []string{"-tags=" + strings.Join(e.opts.Tags, ",")}
	}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil {
		e.errorf("%s: %v", pattern, firstLine(err.Error()))
		return
	}
	n := 0
	for _, p := range pkgs {
		files := append(append([]string(nil), p.GoFiles...), p.IgnoredFiles...)
		if len(files) == 0 {
			for _, le := range p.Errors {
				e.errorf("%s: %s", pattern, firstLine(le.Msg))
			}
			continue
		}
		pd, err := e.scanOne(s, filepath.Dir(files[0]))
		if err != nil {
			e.errorf("%s: %v", pattern, err)
			continue
		}
		if pd != nil {
			n++
			add(pd, "")
		}
	}
	if n == 0 && len(pkgs) == 0 {
		e.errorf("%s: pattern %v", pattern, errNoPackages)
	}
}

// isLocal reports whether a pattern is a file system path rather than an
// import path.
func isLocal(arg string) bool {
	return arg == "." || arg == ".." || filepath.IsAbs(arg) ||
		strings.HasPrefix(arg, "./") || strings.HasPrefix(arg, "../") ||
		strings.HasPrefix(arg, "."+string(filepath.Separator))
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
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

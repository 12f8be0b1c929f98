package rewrite

import (
	"bufio"
	"bytes"
	"fmt"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// exportFiles finds the export data of the packages rules may add to a
// file, once per run.
//
// Verification type-checks a rewritten file that may import a package
// the original did not (io, say). The loaded packages know such a package
// only through their dependencies' export data, which describes the part
// of it their API mentions: io.ReadCloser, not io.CopyN. complete reads
// the package's own export data into the same types.Package, so that the
// type identities shared with the rest of the load stay intact.
type exportFiles struct {
	once  sync.Once
	files map[string]string // import path -> export data file
	err   error
}

func (x *exportFiles) get(dir string, env []string, tags []string, paths []string) (map[string]string, error) {
	x.once.Do(func() {
		args := []string{"list", "-export", "-f", "{{.ImportPath}}={{.Export}}"}
		if len(tags) > 0 {
			args = append(args, "-tags="+strings.Join(tags, ","))
		}
		cmd := exec.Command("go", append(args, paths...)...)
		cmd.Dir = dir
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			x.err = fmt.Errorf("go list -export %s: %v: %s", strings.Join(paths, " "), err, firstLine(stderr.String()))
			return
		}
		x.files = map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if path, file, ok := strings.Cut(sc.Text(), "="); ok && file != "" {
				x.files[path] = file
			}
		}
	})
	return x.files, x.err
}

// complete reads the export data of the packages in adds into the
// packages of the batch, completing the types.Package every package of
// the batch shares for each of them (or creating it). It must run before
// the batch's packages are processed, as it modifies shared scopes.
func (e *engine) complete(m *Module, pkgs []*packages.Package, adds []string) {
	if len(adds) == 0 || len(pkgs) == 0 {
		return
	}
	view := map[string]*types.Package{}
	for _, p := range pkgs {
		if p.Types == nil {
			continue
		}
		view[p.PkgPath] = p.Types
		for path, q := range transitiveImports(p.Types) {
			view[path] = q
		}
	}
	var todo, have []string
	for _, path := range adds {
		if p, ok := view[path]; !ok || !p.Complete() {
			todo = append(todo, path)
		} else {
			have = append(have, path)
		}
	}
	// A package of the batch itself (the shared client's, loaded from
	// source) is complete already; the batch's packages that do not
	// import it find it where verification looks, too.
	e.mu.Lock()
	if e.extra == nil {
		e.extra = map[string]*types.Package{}
	}
	for _, path := range have {
		e.extra[path] = view[path]
	}
	e.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	sort.Strings(todo)
	env := os.Environ()
	if m.Workspace == "" {
		env = append(env, "GOWORK=off")
	}
	files, err := e.exports.get(m.Dir, env, e.opts.Tags, todoAll(adds))
	if err != nil {
		e.errorf("%v", err)
		return
	}
	fset := token.NewFileSet()
	for _, path := range todo {
		file, ok := files[path]
		if !ok {
			continue
		}
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		r, err := gcexportdata.NewReader(f)
		if err == nil {
			_, err = gcexportdata.Read(r, fset, view, path)
		}
		f.Close()
		if err != nil {
			e.errorf("reading export data of %s: %v", path, err)
		}
	}
	// Packages created here are reachable only through view; record them
	// where verification looks.
	e.mu.Lock()
	if e.extra == nil {
		e.extra = map[string]*types.Package{}
	}
	for _, path := range todo {
		if p, ok := view[path]; ok {
			e.extra[path] = p
		}
	}
	e.mu.Unlock()
}

// todoAll returns adds sorted, so that the one go list call of the run
// asks for all of them whatever the first batch needed.
func todoAll(adds []string) []string {
	out := append([]string(nil), adds...)
	sort.Strings(out)
	return out
}

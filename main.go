// Command httpfix rewrites Go code so that net/http clients pool and reuse
// their connections: it drains and closes response bodies, moves calls off
// http.DefaultClient onto a configured client, and hoists per-call
// Transports to package level.
//
// Usage:
//
//	httpfix [flags] [packages | directories | files]
//
// The same binary is a go vet and go fix tool (the unitchecker protocol):
//
//	go vet -vettool=$(command -v httpfix) ./...
//	go fix -fixtool=$(command -v httpfix) ./...
//
// See README.md for the flags, the rules and the configuration file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/term"
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/httpfix/httpfix/rewrite"
	"github.com/httpfix/httpfix/rules"
	"github.com/httpfix/httpfix/rules/config"
)

func main() {
	if isUnitchecker(os.Args[1:]) {
		// Run by go vet or go fix, one package per process: the
		// analyzers, their flags (-drainclose.limit, ...) and their facts
		// as the go command passes them.
		unitchecker.Main(rules.Analyzers()...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &cli{
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Terminal: term.IsTerminal(int(os.Stderr.Fd())),
	}
	c.interrupted(cancel)
	os.Exit(c.run(ctx, os.Args[1:]))
}

// isUnitchecker reports whether the command line is the go command's,
// running httpfix as a vet or fix tool: it asks for the tool's version
// (-V=full) or flags (-flags), or names a unit's configuration file.
func isUnitchecker(args []string) bool {
	if len(args) == 0 {
		return false
	}
	if args[0] == "-V=full" || args[0] == "-flags" || args[0] == "-V" {
		return true
	}
	return strings.HasSuffix(args[len(args)-1], ".cfg")
}

// interrupted makes the first SIGINT or SIGTERM cancel the run: the engine
// writes no file after it, finishes the one being written, and ends with
// exit status 2, so that every file is either old or new. A second signal
// exits at once, but only once the file being written (if any) is complete
// and its temporary file gone.
func (c *cli) interrupted(cancel func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	eol := "" // clears the progress line on a terminal
	if c.Terminal {
		eol = "\r\033[K"
	}
	go func() {
		sig := <-sigs
		fmt.Fprintf(c.Stderr, "%shttpfix: %v: stopping; files not yet written are left unchanged (signal again to quit at once)\n", eol, sig)
		cancel()
		<-sigs
		rewrite.Halt()
		fmt.Fprintf(c.Stderr, "%shttpfix: stopped; files not yet written are unchanged\n", eol)
		os.Exit(2)
	}()
}

// cli is the command line, with its input and output injectable for tests.
type cli struct {
	Dir            string // working directory; "" means the process's
	Stdout, Stderr io.Writer
	Terminal       bool // Stderr is a terminal: show progress
}

const usage = `usage: httpfix [flags] [packages | directories | files]

httpfix rewrites Go code so that net/http clients pool and reuse their
connections. By default it prints the change as a unified diff (-diff).

Exit status: 0 nothing to change or report, 1 changes pending or sites
reported, 2 an error.

Flags:
`

// run runs the command with args and returns its exit status.
func (c *cli) run(ctx context.Context, args []string) int {
	opts, code := c.options(args)
	if code >= 0 {
		return code
	}
	res := rewrite.Run(ctx, opts)
	if ctx.Err() != nil && res.ExitCode < 2 {
		// Interrupted after the last file was written, or while the last
		// packages were being loaded: the run is not complete all the same.
		fmt.Fprintln(c.Stderr, "httpfix: interrupted; files not yet written are unchanged")
		return 2
	}
	return res.ExitCode
}

// options parses the command line into the engine's options. It returns an
// exit status >= 0 if the command must stop there (-help, a bad flag).
func (c *cli) options(args []string) (rewrite.Options, int) {
	fs := flag.NewFlagSet("httpfix", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed below, in one line
	var (
		diff    = fs.Bool("diff", false, "print the changes as a unified diff (the default)")
		write   = fs.Bool("w", false, "write the changes to the files")
		list    = fs.Bool("l", false, "list the files that change")
		jsonOut = fs.Bool("json", false, "print the findings and their fixes as JSON, in the shape go vet -json prints, instead of a diff")
		sarif   = fs.Bool("sarif", false, "print the findings and their fixes as SARIF 2.1.0 (for code scanning), instead of a diff")
		tests   = fs.Bool("test", false, "also rewrite _test.go files")
		tags    = fs.String("tags", "", "comma-separated build `tags`, as for go build")
		allPlat = fs.Bool("all-platforms", false, "also rewrite the files the build context excludes (other GOOS/GOARCH, build tags), each under a context that includes it")
		verbose = fs.Bool("v", false, "print what was done to each package")
		quiet   = fs.Bool("q", false, "do not print the summary")
		par     = fs.Int("parallel", 0, "packages processed at once (default: the number of CPUs)")
		batch   = fs.Int("batch", 0, "packages loaded at once; bounds memory (default 256)")
		version = fs.Bool("version", false, "print the version and exit")
		shard   = fs.String("shard", "", "cut the change into shards, each a patch in -out: `dir`, dir:N (directories N levels deep) or owners (by CODEOWNERS)")
		out     = fs.String("out", "", "write the change to `DIR` (which must not exist, or be empty) as patches, one per shard, with index.json and README.md")
		verify  = fs.Bool("verify", false, "run the tests of the packages each shard changes and of their importers, without and with its rewrite, and drop the shards whose rewrite makes a passing test fail")
	)
	flagCfg := config.Default()
	flagCfg.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.help(fs)
			return rewrite.Options{}, 0
		}
		fmt.Fprintf(c.Stderr, "httpfix: %v (httpfix -help lists the flags)\n", err)
		return rewrite.Options{}, 2
	}
	if *version {
		fmt.Fprintln(c.Stdout, versionString())
		return rewrite.Options{}, 0
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		if key := config.KeyOfFlag(f.Name); key != "" {
			set[key] = true
		}
	})
	if err := flagCfg.Validate(rules.Names()); err != nil {
		// Only the flags given can be wrong: the rest are the defaults.
		for _, msg := range keyErrors(err, func(key string) string { return "-" + config.FlagName(key) }) {
			fmt.Fprintf(c.Stderr, "httpfix: %s\n", msg)
		}
		return rewrite.Options{}, 2
	}
	if *jsonOut && *sarif {
		fmt.Fprintln(c.Stderr, "httpfix: -json and -sarif cannot be combined")
		return rewrite.Options{}, 2
	}
	var shardBy rewrite.ShardBy
	if *shard != "" {
		var err error
		if shardBy, err = rewrite.ParseShard(*shard); err != nil {
			fmt.Fprintf(c.Stderr, "httpfix: %v\n", err)
			return rewrite.Options{}, 2
		}
		if *out == "" {
			fmt.Fprintf(c.Stderr, "httpfix: -shard=%s needs -out=DIR, the directory the shards are written to\n", *shard)
			return rewrite.Options{}, 2
		}
	}
	if (*jsonOut || *sarif) && (*shard != "" || *out != "" || *verify) {
		fmt.Fprintln(c.Stderr, "httpfix: -json and -sarif print every finding; they cannot be combined with -shard, -out or -verify")
		return rewrite.Options{}, 2
	}

	var mode rewrite.Mode
	if *write {
		mode |= rewrite.Write
	}
	if *list {
		mode |= rewrite.List
	}
	switch {
	case *jsonOut:
		mode |= rewrite.JSON
	case *sarif:
		mode |= rewrite.SARIF
	case *diff || mode == 0 && *out == "":
		// -out alone writes the patches only.
		mode |= rewrite.Diff
	}

	flagCfg.Tests = *tests
	var tagList []string
	if *tags != "" {
		tagList = strings.Split(*tags, ",")
	}
	configure := newConfigurer(context.Background(), flagCfg, set, tagList)
	opts := rewrite.Options{
		Dir:          c.Dir,
		Args:         fs.Args(),
		Mode:         mode,
		Tests:        *tests,
		AllPlatforms: *allPlat,
		Analyzers:    engineAnalyzers(rules.New(flagCfg)),
		Configure:    configure.analyzers,
		Stdout:       c.Stdout,
		Stderr:       c.Stderr,
		Progress:     c.Terminal && !*verbose,
		Verbose:      *verbose,
		Summary:      !*quiet,
		Parallel:     *par,
		BatchSize:    *batch,
		Version:      versionString(),
		Shard:        shardBy,
		Out:          *out,
		Verify:       *verify,
	}
	if opts.Out != "" && !filepath.IsAbs(opts.Out) {
		opts.Out = filepath.Join(c.dir(), opts.Out)
	}
	opts.Tags = tagList
	return opts, -1
}

// dir returns the working directory of the command.
func (c *cli) dir() string {
	if c.Dir != "" {
		return c.Dir
	}
	d, _ := os.Getwd()
	return d
}

// help prints the usage, the flags and the documentation of each rule.
func (c *cli) help(fs *flag.FlagSet) {
	fs.SetOutput(c.Stdout)
	fmt.Fprint(c.Stdout, usage)
	fs.PrintDefaults()
	fmt.Fprintf(c.Stdout, "\nRules (-rules=%s):\n", strings.Join(rules.Names(), ","))
	for _, r := range rules.New(config.Default()) {
		doc := r.Analyzer.Doc
		title, rest, _ := strings.Cut(doc, "\n")
		fmt.Fprintf(c.Stdout, "\n%s: %s\n", r.Analyzer.Name, title)
		for _, line := range strings.Split(strings.TrimSpace(rest), "\n") {
			if line == "" {
				fmt.Fprintln(c.Stdout)
				continue
			}
			fmt.Fprintf(c.Stdout, "    %s\n", line)
		}
	}
	fmt.Fprintf(c.Stdout, "\nAs a go vet or go fix tool:\n\n    go vet -vettool=$(command -v httpfix) ./...\n    go fix -fixtool=$(command -v httpfix) ./...\n")
}

// versionString says which httpfix this is: its module version (or the
// VCS revision it was built from) and the Go that built it.
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "httpfix (unknown version)"
	}
	v := info.Main.Version
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v = "devel " + rev + modified
	}
	if v == "" {
		v = "(devel)"
	}
	return fmt.Sprintf("httpfix %s (%s)", v, info.GoVersion)
}

// engineAnalyzers gives the engine the analyzers of rules, with what its
// prefilter needs to know of each.
func engineAnalyzers(rs []rules.Rule) []rewrite.Analyzer {
	out := make([]rewrite.Analyzer, len(rs))
	for i, r := range rs {
		out[i] = rewrite.Analyzer{Analyzer: r.Analyzer, Imports: r.Imports, Reaches: r.Reaches, Adds: r.Adds}
	}
	return out
}

// keyErrors returns the messages of a validation error, each naming its
// key as name says.
func keyErrors(err error, name func(key string) string) []string {
	var out []string
	var walk func(err error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var ke *config.KeyError
		if errors.As(err, &ke) {
			out = append(out, name(ke.Key)+": "+ke.Msg)
			return
		}
		out = append(out, err.Error())
	}
	walk(err)
	return out
}

// configurer gives each module the analyzers configured for it: the
// defaults, overridden by the module's configuration file, overridden by
// the flags given on the command line.
type configurer struct {
	flags *config.Config
	set   map[string]bool // keys set by flags
	tags  []string        // build tags, for loading the shared client
	ctx   context.Context
	mu    sync.Mutex
	cache map[string]*configured // by configuration file
}

type configured struct {
	analyzers []rewrite.Analyzer
	err       error
	cfg       config.Config
	fromFile  map[string]bool
	// shared holds the shared client (the client key) as each module
	// sees it, by module path; errs the modules that cannot resolve it.
	mu     sync.Mutex
	shared map[string]*config.SharedClient
	errs   map[string]error
}

func newConfigurer(ctx context.Context, flags config.Config, set map[string]bool, tags []string) *configurer {
	return &configurer{flags: &flags, set: set, tags: tags, ctx: ctx, cache: map[string]*configured{}}
}

// analyzers returns the analyzers of module m. The modules that share a
// configuration file share its analyzers (and so the facts of their
// packages); only the shared client is resolved for each module.
func (c *configurer) analyzers(m *rewrite.Module, editable func(string) bool) ([]rewrite.Analyzer, error) {
	path := config.Find(m.Dir)
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.cache[path]
	if !ok {
		r = &configured{shared: map[string]*config.SharedClient{}, errs: map[string]error{}}
		r.analyzers, r.err = c.load(path, editable, r)
		c.cache[path] = r
	}
	if r.err != nil || r.cfg.Client == "" {
		return r.analyzers, r.err
	}
	if _, done := r.shared[m.Path]; !done {
		sc, err := c.resolveClient(m, r.cfg.Client)
		if err != nil {
			name := "-" + config.FlagName("client")
			if !c.set["client"] && r.fromFile["client"] {
				name = path + ": client"
			}
			err = fmt.Errorf("%s: %v", name, err)
		}
		r.mu.Lock()
		r.shared[m.Path], r.errs[m.Path] = sc, err
		r.mu.Unlock()
	}
	if err := r.errs[m.Path]; err != nil {
		return nil, err
	}
	return r.analyzers, nil
}

// resolveClient finds the shared client as the packages of m see it: it
// must exist and be a *http.Client (or a function returning one).
func (c *configurer) resolveClient(m *rewrite.Module, key string) (*config.SharedClient, error) {
	pkgPath, name, err := config.ParseClient(key)
	if err != nil {
		return nil, err
	}
	pkg, deps, err := rewrite.LoadDeps(c.ctx, m, c.tags, pkgPath)
	if errors.Is(err, rewrite.ErrNotInModule) && pkgPath != m.Path && !strings.HasPrefix(pkgPath, m.Path+"/") {
		// The client of another module, which this one does not
		// require: its packages declare clients of their own.
		return &config.SharedClient{PkgPath: pkgPath, Name: name,
			Unavailable: fmt.Sprintf("module %s does not require the module of %s", m.Path, pkgPath)}, nil
	}
	if errors.Is(err, rewrite.ErrNotInModule) {
		return nil, fmt.Errorf("%s does not exist: module %s has no package %s", key, m.Path, pkgPath)
	}
	if err != nil {
		return nil, err
	}
	isFunc, err := config.CheckClient(pkg, name)
	if err != nil {
		return nil, err
	}
	return &config.SharedClient{PkgPath: pkgPath, PkgName: pkg.Name(), Name: name, Func: isFunc, Deps: deps}, nil
}

// load reads the configuration file at path (if any), lays the flags
// over it, and only then validates the result: a flag that corrects a
// bad value of the file wins. Every bad key is named as the person wrote
// it: the flag, or the key of the file.
func (c *configurer) load(path string, editable func(string) bool, r *configured) ([]rewrite.Analyzer, error) {
	cfg := config.Default()
	fromFile := map[string]bool{}
	if path != "" {
		var err error
		if fromFile, err = cfg.LoadFile(path); err != nil {
			return nil, err
		}
	}
	cfg.Overlay(c.flags, c.set)
	cfg.Tests = c.flags.Tests
	cfg.Editable = editable
	cfg.SharedClientOf = func(modulePath string) *config.SharedClient {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.shared[modulePath]
	}
	r.cfg, r.fromFile = cfg, fromFile
	if err := cfg.Validate(rules.Names()); err != nil {
		msgs := keyErrors(err, func(key string) string {
			if c.set[key] || !fromFile[key] {
				return "-" + config.FlagName(key)
			}
			return path + ": " + key
		})
		return nil, errors.New(strings.Join(msgs, "\n"))
	}
	as := engineAnalyzers(rules.New(cfg))
	if pkgPath, _, err := config.ParseClient(cfg.Client); err == nil {
		// Verification type-checks files that now import the client's
		// package.
		for i := range as {
			if as[i].Name == "defaultclient" {
				as[i].Adds = append(slices.Clip(as[i].Adds), pkgPath)
			}
		}
	}
	return as, nil
}

// Command httpfix rewrites Go code so that net/http clients pool and reuse
// their connections: it drains and closes response bodies, moves calls off
// http.DefaultClient onto a configured client, and hoists per-call
// Transports to package level.
//
// Usage:
//
//	httpfix [flags] [packages | directories | files]
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
	"strings"
	"sync"
	"syscall"

	"golang.org/x/term"

	"github.com/httpfix/httpfix/rewrite"
	"github.com/httpfix/httpfix/rules"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	c := &cli{
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Terminal: term.IsTerminal(int(os.Stderr.Fd())),
	}
	c.interrupted(cancel)
	os.Exit(c.run(ctx, os.Args[1:]))
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
		tests   = fs.Bool("test", false, "also rewrite _test.go files")
		tags    = fs.String("tags", "", "comma-separated build `tags`, as for go build")
		allPlat = fs.Bool("all-platforms", false, "also rewrite the files the build context excludes (other GOOS/GOARCH, build tags), each under a context that includes it")
		verbose = fs.Bool("v", false, "print what was done to each package")
		quiet   = fs.Bool("q", false, "do not print the summary")
		par     = fs.Int("parallel", 0, "packages processed at once (default: the number of CPUs)")
		batch   = fs.Int("batch", 0, "packages loaded at once; bounds memory (default 256)")
	)
	flagCfg := rules.DefaultConfig()
	flagCfg.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(c.Stdout)
			fmt.Fprint(c.Stdout, usage)
			fs.PrintDefaults()
			return rewrite.Options{}, 0
		}
		fmt.Fprintf(c.Stderr, "httpfix: %v (httpfix -help lists the flags)\n", err)
		return rewrite.Options{}, 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := flagCfg.Validate(); err != nil {
		fmt.Fprintf(c.Stderr, "httpfix: %v\n", flagErr(err))
		return rewrite.Options{}, 2
	}

	var mode rewrite.Mode
	if *write {
		mode |= rewrite.Write
	}
	if *list {
		mode |= rewrite.List
	}
	if *diff || mode == 0 {
		mode |= rewrite.Diff
	}

	configure := newConfigurer(flagCfg, set)
	opts := rewrite.Options{
		Dir:          c.Dir,
		Args:         fs.Args(),
		Mode:         mode,
		Tests:        *tests,
		AllPlatforms: *allPlat,
		Rules:        rules.New(flagCfg),
		Configure:    configure.rules,
		Stdout:       c.Stdout,
		Stderr:       c.Stderr,
		Progress:     c.Terminal && !*verbose,
		Verbose:      *verbose,
		Summary:      !*quiet,
		Parallel:     *par,
		BatchSize:    *batch,
	}
	if *tags != "" {
		opts.Tags = strings.Split(*tags, ",")
	}
	return opts, -1
}

// flagErr renames the keys in a configuration error to their flags.
func flagErr(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ":"); i > 0 {
		msg = "-" + rules.FlagName(msg[:i]) + msg[i:]
	}
	return strings.ReplaceAll(msg, "\n", "; ")
}

// configurer gives each module the rules configured for it: the defaults,
// overridden by the module's configuration file, overridden by the flags
// given on the command line.
type configurer struct {
	flags *rules.Config
	set   map[string]bool
	mu    sync.Mutex
	cache map[string]configured // by configuration file
}

type configured struct {
	rules []*rewrite.Rule
	err   error
}

func newConfigurer(flags rules.Config, set map[string]bool) *configurer {
	return &configurer{flags: &flags, set: set, cache: map[string]configured{}}
}

func (c *configurer) rules(m *rewrite.Module) ([]*rewrite.Rule, error) {
	path := rules.FindConfig(m.Dir)
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.cache[path]
	if !ok {
		r.rules, r.err = c.load(path)
		c.cache[path] = r
	}
	return r.rules, r.err
}

func (c *configurer) load(path string) ([]*rewrite.Rule, error) {
	cfg := rules.DefaultConfig()
	if path != "" {
		if err := cfg.LoadFile(path); err != nil {
			return nil, err
		}
	}
	cfg.Overlay(c.flags, c.set)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return rules.New(cfg), nil
}

// Package config holds the settings of httpfix's analyzers: the keys of
// the .httpfix.toml file a module checks in, the flags of the httpfix
// command, and the flags of each analyzer (-drainclose.limit, ...) that
// go vet, go fix and other drivers pass.
package config

import (
	"errors"
	"flag"
	"fmt"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// File is the name of the configuration file looked for at a module's
// root (and, for a module nested in a repository, in the directories
// above it, up to the repository's root), so that a monorepo checks its
// choices in once.
const File = ".httpfix.toml"

// DrainMode says whether drainclose drains bodies before closing them.
type DrainMode string

const (
	// DrainAuto drains in modules whose go directive is older than 1.27:
	// from Go 1.27 on, Close drains a little of the body by itself.
	DrainAuto DrainMode = "auto"
	// DrainAlways drains whatever the Go version.
	DrainAlways DrainMode = "always"
	// DrainNever only makes sure bodies are closed.
	DrainNever DrainMode = "never"
)

// Config holds the settings of the analyzers. The keys of the file are
// also flags of the httpfix command (with dashes for underscores) and of
// the analyzers they concern; a flag given on the command line wins over
// the file.
type Config struct {
	// Rules lists the rules to run; empty means all.
	Rules []string `toml:"rules"`
	// MaxIdleConns, MaxIdleConnsPerHost and IdleConnTimeout size the pool
	// of the Transport that defaultclient declares (poolsize uses
	// MaxIdleConnsPerHost too).
	MaxIdleConns        int      `toml:"max_idle_conns"`
	MaxIdleConnsPerHost int      `toml:"max_idle_conns_per_host"`
	IdleConnTimeout     Duration `toml:"idle_conn_timeout"`
	// MaxConnsPerHost, if positive, bounds the connections per host
	// (requests beyond it wait). Off by default: it changes behaviour.
	MaxConnsPerHost int `toml:"max_conns_per_host"`
	// Timeout, if positive, is the declared client's total deadline per
	// request. Off by default: it breaks long downloads and long polls.
	Timeout Duration `toml:"timeout"`
	// DrainLimit is the most bytes drainclose reads from a body before
	// closing it.
	DrainLimit int64 `toml:"drain_limit"`
	// Drain says when drainclose drains.
	Drain DrainMode `toml:"drain"`
	// Client, if set, names a client of the module that defaultclient
	// uses instead of declaring one per package: the import path of a
	// package and the name of a package-level variable of type
	// *http.Client, or of a function of no arguments returning one
	// ("example.com/mono/internal/httpx.Client").
	Client string `toml:"client"`

	// Tests makes the analyzers change and report _test.go files too.
	// Tests talk to httptest servers through the defaults on purpose.
	Tests bool `toml:"-"`
	// Editable, if set, tells whether a file (by its absolute path) may be
	// changed: a driver that was given files rather than packages (a
	// pre-commit hook) changes only those. Sites in other files are
	// neither fixed nor reported.
	Editable func(filename string) bool `toml:"-"`
	// SingleFile keeps every suggested fix within one file: a fix that
	// needs a declaration in another file of the package is left out
	// (the site is reported, and fixed once the declaration exists). For
	// drivers that apply multi-file edits wrongly (golangci-lint).
	SingleFile bool `toml:"-"`
	// SharedClientOf, if set, returns what a driver that knows the
	// import graph (the httpfix command) found out about Client for the
	// packages of the module of the given path, or nil. Without it (go
	// vet, go fix, other drivers), defaultclient uses Client only in
	// packages that already import its package, directly or not: adding
	// that import anywhere else could make an import cycle.
	SharedClientOf func(modulePath string) *SharedClient `toml:"-"`
}

// SharedClient describes the client the client key names, as a driver
// resolved it in one module.
type SharedClient struct {
	PkgPath string // import path of the client's package
	PkgName string // its declared name
	Name    string // the variable or function
	Func    bool   // a function returning the client, not a variable
	// Deps holds the import path of every package the client's package
	// imports, directly or not, and its own: packages that cannot import
	// it without a cycle.
	Deps map[string]bool
	// Unavailable, if set, says why the module cannot use the client at
	// all (its package is not among the module's dependencies): every
	// package declares a client of its own, as without the key.
	Unavailable string
}

// ParseClient splits the value of the client key into the import path
// of a package and a name declared in it.
func ParseClient(s string) (pkgPath, name string, err error) {
	slash := strings.LastIndex(s, "/")
	dot := strings.LastIndex(s, ".")
	if dot <= slash+1 || dot == len(s)-1 {
		return "", "", fmt.Errorf("must be an import path and a name, such as example.com/mono/internal/httpx.Client, not %q", s)
	}
	pkgPath, name = s[:dot], s[dot+1:]
	if !token.IsIdentifier(name) {
		return "", "", fmt.Errorf("%q is not a Go identifier (in %q)", name, s)
	}
	if strings.ContainsAny(pkgPath, " \t\"'`") || strings.HasPrefix(pkgPath, "/") || strings.HasSuffix(pkgPath, "/") {
		return "", "", fmt.Errorf("%q is not an import path (in %q)", pkgPath, s)
	}
	return pkgPath, name, nil
}

// Default returns the settings used when nothing is configured.
func Default() Config {
	return Config{
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     Duration(90 * time.Second),
		DrainLimit:          4 << 10,
		Drain:               DrainAuto,
	}
}

// MayEdit reports whether the file may be changed (see Editable).
func (c *Config) MayEdit(filename string) bool {
	return c.Editable == nil || c.Editable(filename)
}

// Duration is a time.Duration written as "90s" in the file and on the
// command line.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

// Set parses a flag value.
func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("not a duration (such as 90s or 1m30s): %q", s)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalText parses a file value.
func (d *Duration) UnmarshalText(b []byte) error { return d.Set(string(b)) }

// A KeyError is a setting that is out of range or of the wrong form.
type KeyError struct {
	Key string // the key in the file ("max_idle_conns_per_host")
	Msg string
}

func (e *KeyError) Error() string { return e.Key + ": " + e.Msg }

// Validate reports every setting that is out of range, each as a
// *KeyError naming its key, joined.
func (c *Config) Validate(ruleNames []string) error {
	var errs []error
	check := func(ok bool, key, format string, args ...any) {
		if !ok {
			errs = append(errs, &KeyError{key, fmt.Sprintf(format, args...)})
		}
	}
	for _, r := range c.Rules {
		check(slices.Contains(ruleNames, r), "rules", "unknown rule %q (known: %s)", r, strings.Join(ruleNames, ", "))
	}
	check(c.MaxIdleConns >= 0, "max_idle_conns", "must be 0 (no limit) or more, not %d", c.MaxIdleConns)
	check(c.MaxIdleConnsPerHost > 0, "max_idle_conns_per_host", "must be positive, not %d", c.MaxIdleConnsPerHost)
	check(c.IdleConnTimeout >= 0, "idle_conn_timeout", "must not be negative, not %v", c.IdleConnTimeout)
	check(c.MaxConnsPerHost >= 0, "max_conns_per_host", "must be 0 (off) or more, not %d", c.MaxConnsPerHost)
	check(c.Timeout >= 0, "timeout", "must be 0 (off) or more, not %v", c.Timeout)
	check(c.DrainLimit > 0, "drain_limit", "must be positive, not %d", c.DrainLimit)
	check(c.Drain == DrainAuto || c.Drain == DrainAlways || c.Drain == DrainNever,
		"drain", "must be auto, always or never, not %q", c.Drain)
	if c.Client != "" {
		if _, _, err := ParseClient(c.Client); err != nil {
			errs = append(errs, &KeyError{"client", err.Error()})
		}
	}
	return errors.Join(errs...)
}

// Find returns the configuration file that applies to the module in dir:
// the nearest File in dir or above it, stopping at the root of the
// repository (a directory holding .git), or "" if there is none.
func Find(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, File)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil || filepath.Dir(d) == d {
			return ""
		}
	}
}

// LoadFile reads the configuration file at path over c and returns the
// keys it sets. Unknown keys and values of the wrong type are errors that
// name the file, the line and the key. The values are not validated: a
// flag may still override them (see Validate).
func (c *Config) LoadFile(path string) (map[string]bool, error) {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		// Say where and which key: "file:line: key: what is wrong".
		var perr toml.ParseError
		if errors.As(err, &perr) {
			if perr.LastKey != "" {
				return nil, fmt.Errorf("%s:%d: %s: %s", path, perr.Position.Line, perr.LastKey, perr.Message)
			}
			return nil, fmt.Errorf("%s:%d: %s", path, perr.Position.Line, perr.Message)
		}
		if m := tomlTypeErr.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: %s: %s", path, m[1], m[2], m[3])
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		keys := make([]string, len(undecoded))
		for i, k := range undecoded {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%s: unknown key %s (known: %s)", path, strings.Join(keys, ", "), strings.Join(Keys(), ", "))
	}
	set := map[string]bool{}
	for _, k := range md.Keys() {
		set[k.String()] = true
	}
	return set, nil
}

// tomlTypeErr matches the TOML decoder's message for a value of the wrong
// type.
var tomlTypeErr = regexp.MustCompile(`^toml: line (\d+) \(last key "(.+?)"\): (.*)$`)

// A Setting is a configuration key, which is also a flag of the command
// and of the analyzers it concerns.
type Setting struct {
	Key string // in the file: max_idle_conns_per_host
	// Analyzers are the analyzers the setting concerns, with the name of
	// their flag for it ("drainclose" -> "limit").
	Analyzers map[string]string
	Usage     string
	Value     func(c *Config) flag.Value
}

// Flag returns the command-line flag of the setting: max-idle-conns-per-host.
func (s Setting) Flag() string { return FlagName(s.Key) }

// Settings lists every key of the file.
var Settings = []Setting{
	{"rules", nil, "comma-separated `list` of rules to run (default all)",
		func(c *Config) flag.Value { return (*listValue)(&c.Rules) }},
	{"max_idle_conns", map[string]string{"defaultclient": "max-idle-conns"}, "idle connections the declared Transport keeps in all (0: no limit)",
		func(c *Config) flag.Value { return (*intValue)(&c.MaxIdleConns) }},
	{"max_idle_conns_per_host", map[string]string{"defaultclient": "max-idle-conns-per-host", "poolsize": "max-idle-conns-per-host"}, "idle connections a Transport httpfix declares or sizes keeps per host",
		func(c *Config) flag.Value { return (*intValue)(&c.MaxIdleConnsPerHost) }},
	{"idle_conn_timeout", map[string]string{"defaultclient": "idle-conn-timeout"}, "how long the declared Transport keeps an idle connection",
		func(c *Config) flag.Value { return &c.IdleConnTimeout }},
	{"max_conns_per_host", map[string]string{"defaultclient": "max-conns-per-host"}, "if positive, bound the declared Transport's connections per host (requests wait)",
		func(c *Config) flag.Value { return (*intValue)(&c.MaxConnsPerHost) }},
	{"timeout", map[string]string{"defaultclient": "timeout"}, "if positive, the declared client's deadline for a whole request",
		func(c *Config) flag.Value { return &c.Timeout }},
	{"drain_limit", map[string]string{"drainclose": "limit"}, "most `bytes` drainclose reads from a body before closing it",
		func(c *Config) flag.Value { return (*int64Value)(&c.DrainLimit) }},
	{"drain", map[string]string{"drainclose": "drain"}, "when drainclose drains: auto (if the module's go directive is below 1.27), always, never",
		func(c *Config) flag.Value { return (*drainValue)(&c.Drain) }},
	{"client", map[string]string{"defaultclient": "client"}, "a `client` of the module for defaultclient to use instead of declaring one per package: import/path.Name, a *http.Client variable or a function returning one",
		func(c *Config) flag.Value { return (*stringValue)(&c.Client) }},
}

// Keys lists the keys of the file.
func Keys() []string {
	var keys []string
	for _, s := range Settings {
		keys = append(keys, s.Key)
	}
	return keys
}

// FlagName returns the command-line flag for a configuration key.
func FlagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// KeyOfFlag returns the configuration key of a command-line flag, or "".
func KeyOfFlag(name string) string {
	for _, s := range Settings {
		if s.Flag() == name {
			return s.Key
		}
	}
	return ""
}

// RegisterFlags defines a command-line flag for every key, setting c.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	for _, s := range Settings {
		fs.Var(s.Value(c), s.Flag(), s.Usage)
	}
}

// RegisterAnalyzerFlags defines, on an analyzer's flags, the settings that
// concern it (named as Settings says), and its test flag, setting c.
func (c *Config) RegisterAnalyzerFlags(analyzer string, fs *flag.FlagSet) {
	for _, s := range Settings {
		if name, ok := s.Analyzers[analyzer]; ok {
			fs.Var(s.Value(c), name, s.Usage+" (the "+s.Key+" key of "+File+")")
		}
	}
	fs.BoolVar(&c.Tests, "test", c.Tests, "also fix and report _test.go files")
}

// Overlay copies onto c the settings of from whose keys are in set.
func (c *Config) Overlay(from *Config, set map[string]bool) {
	for _, s := range Settings {
		if set[s.Key] {
			s.Value(c).Set(s.Value(from).String())
		}
	}
}

type intValue int

func (v *intValue) String() string { return strconv.Itoa(int(*v)) }
func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not an integer: %q", s)
	}
	*v = intValue(n)
	return nil
}

type int64Value int64

func (v *int64Value) String() string { return strconv.FormatInt(int64(*v), 10) }
func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %q", s)
	}
	*v = int64Value(n)
	return nil
}

type stringValue string

func (v *stringValue) String() string     { return string(*v) }
func (v *stringValue) Set(s string) error { *v = stringValue(strings.TrimSpace(s)); return nil }

type listValue []string

func (v *listValue) String() string { return strings.Join(*v, ",") }
func (v *listValue) Set(s string) error {
	*v = nil
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			*v = append(*v, f)
		}
	}
	return nil
}

type drainValue DrainMode

func (v *drainValue) String() string { return string(*v) }
func (v *drainValue) Set(s string) error {
	switch DrainMode(s) {
	case DrainAuto, DrainAlways, DrainNever:
		*v = drainValue(s)
		return nil
	}
	return fmt.Errorf("must be auto, always or never, not %q", s)
}

// CheckClient checks that name, in pkg, is what the client key may name:
// an exported package-level variable of type *net/http.Client, or an
// exported function of no parameters whose one result is one. It reports
// whether it is a function.
func CheckClient(pkg *types.Package, name string) (isFunc bool, err error) {
	ref := pkg.Path() + "." + name
	obj := pkg.Scope().Lookup(name)
	qual := func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		return p.Name()
	}
	switch {
	case obj == nil:
		return false, fmt.Errorf("%s does not exist: package %s declares no %s", ref, pkg.Path(), name)
	case !obj.Exported():
		return false, fmt.Errorf("%s is not exported: other packages cannot use it", ref)
	}
	isClientPtr := func(t types.Type) bool {
		p, ok := types.Unalias(t).(*types.Pointer)
		if !ok {
			return false
		}
		n, ok := types.Unalias(p.Elem()).(*types.Named)
		return ok && n.Obj().Name() == "Client" && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "net/http"
	}
	switch obj := obj.(type) {
	case *types.Var:
		if isClientPtr(obj.Type()) {
			return false, nil
		}
		return false, fmt.Errorf("%s is a %s, not a *http.Client", ref, types.TypeString(obj.Type(), qual))
	case *types.Func:
		sig := obj.Type().(*types.Signature)
		if sig.Params().Len() == 0 && sig.Results().Len() == 1 && isClientPtr(sig.Results().At(0).Type()) && sig.TypeParams().Len() == 0 {
			return true, nil
		}
		return false, fmt.Errorf("%s is a function of type %s, not one of no arguments returning a *http.Client", ref, types.TypeString(sig, qual))
	}
	return false, fmt.Errorf("%s is not a variable or a function returning a *http.Client", ref)
}

package rules

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// ConfigFile is the name of the configuration file looked for at a
// module's root (and, for a module nested in a repository, in the
// directories above it, up to the repository's root), so that a monorepo
// checks its choices in once.
const ConfigFile = ".httpfix.toml"

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

// Config holds the settings of the rules. The same keys are flags of the
// command (with dashes for underscores) and keys of the configuration
// file; a flag given on the command line wins over the file.
type Config struct {
	// Rules lists the rules to run; empty means all.
	Rules []string `toml:"rules"`
	// MaxIdleConns, MaxIdleConnsPerHost and IdleConnTimeout size the pool
	// of the Transport that defaultclient declares.
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
}

// DefaultConfig returns the settings used when nothing is configured.
func DefaultConfig() Config {
	return Config{
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     Duration(90 * time.Second),
		DrainLimit:          4 << 10,
		Drain:               DrainAuto,
	}
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

// Validate reports the first setting that is out of range, naming its key.
func (c *Config) Validate() error {
	var errs []error
	check := func(ok bool, key, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf("%s: "+format, append([]any{key}, args...)...))
		}
	}
	for _, r := range c.Rules {
		check(slices.Contains(Names(), r), "rules", "unknown rule %q (known: %s)", r, strings.Join(Names(), ", "))
	}
	check(c.MaxIdleConns >= 0, "max_idle_conns", "must be 0 (no limit) or more, not %d", c.MaxIdleConns)
	check(c.MaxIdleConnsPerHost > 0, "max_idle_conns_per_host", "must be positive, not %d", c.MaxIdleConnsPerHost)
	check(c.IdleConnTimeout >= 0, "idle_conn_timeout", "must not be negative, not %v", c.IdleConnTimeout)
	check(c.MaxConnsPerHost >= 0, "max_conns_per_host", "must be 0 (off) or more, not %d", c.MaxConnsPerHost)
	check(c.Timeout >= 0, "timeout", "must be 0 (off) or more, not %v", c.Timeout)
	check(c.DrainLimit > 0, "drain_limit", "must be positive, not %d", c.DrainLimit)
	check(c.Drain == DrainAuto || c.Drain == DrainAlways || c.Drain == DrainNever,
		"drain", "must be auto, always or never, not %q", c.Drain)
	return errors.Join(errs...)
}

// FindConfig returns the configuration file that applies to the module in
// dir: the nearest ConfigFile in dir or above it, stopping at the root of
// the repository (a directory holding .git), or "" if there is none.
func FindConfig(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, ConfigFile)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil || filepath.Dir(d) == d {
			return ""
		}
	}
}

// LoadConfig reads the configuration file at path over c. Unknown keys
// and values of the wrong type are errors that name the key.
func (c *Config) LoadFile(path string) error {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		// Say where and which key: "file:line: key: what is wrong".
		var perr toml.ParseError
		if errors.As(err, &perr) {
			if perr.LastKey != "" {
				return fmt.Errorf("%s:%d: %s: %s", path, perr.Position.Line, perr.LastKey, perr.Message)
			}
			return fmt.Errorf("%s:%d: %s", path, perr.Position.Line, perr.Message)
		}
		if m := tomlTypeErr.FindStringSubmatch(err.Error()); m != nil {
			return fmt.Errorf("%s:%s: %s: %s", path, m[1], m[2], m[3])
		}
		return fmt.Errorf("%s: %v", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		keys := make([]string, len(undecoded))
		for i, k := range undecoded {
			keys[i] = k.String()
		}
		return fmt.Errorf("%s: unknown key %s (known: %s)", path, strings.Join(keys, ", "), strings.Join(configKeys(), ", "))
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// tomlTypeErr matches the TOML decoder's message for a value of the wrong
// type.
var tomlTypeErr = regexp.MustCompile(`^toml: line (\d+) \(last key "(.+?)"\): (.*)$`)

// configKeys lists the keys of the configuration file.
func configKeys() []string {
	var keys []string
	for _, s := range settings {
		keys = append(keys, s.key)
	}
	return keys
}

// A setting is a configuration key, which is also a flag.
type setting struct {
	key   string
	usage string
	value func(c *Config) flag.Value
}

var settings = []setting{
	{"rules", "comma-separated `list` of rules to run (default all: " + strings.Join(Names(), ",") + ")",
		func(c *Config) flag.Value { return (*listValue)(&c.Rules) }},
	{"max_idle_conns", "idle connections the declared Transport keeps in all (0: no limit)",
		func(c *Config) flag.Value { return (*intValue)(&c.MaxIdleConns) }},
	{"max_idle_conns_per_host", "idle connections the declared Transport keeps per host",
		func(c *Config) flag.Value { return (*intValue)(&c.MaxIdleConnsPerHost) }},
	{"idle_conn_timeout", "how long the declared Transport keeps an idle connection",
		func(c *Config) flag.Value { return &c.IdleConnTimeout }},
	{"max_conns_per_host", "if positive, bound the declared Transport's connections per host (requests wait)",
		func(c *Config) flag.Value { return (*intValue)(&c.MaxConnsPerHost) }},
	{"timeout", "if positive, the declared client's deadline for a whole request",
		func(c *Config) flag.Value { return &c.Timeout }},
	{"drain_limit", "most `bytes` drainclose reads from a body before closing it",
		func(c *Config) flag.Value { return (*int64Value)(&c.DrainLimit) }},
	{"drain", "when drainclose drains: auto (if the module's go directive is below 1.27), always, never",
		func(c *Config) flag.Value { return (*drainValue)(&c.Drain) }},
}

// FlagName returns the command-line flag for a configuration key.
func FlagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// RegisterFlags defines a flag for every configuration key, setting c.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	for _, s := range settings {
		fs.Var(s.value(c), FlagName(s.key), s.usage)
	}
}

// Overlay copies onto c the settings of from whose flags are in set (the
// flags given on the command line).
func (c *Config) Overlay(from *Config, set map[string]bool) {
	for _, s := range settings {
		if set[FlagName(s.key)] {
			s.value(c).Set(s.value(from).String())
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

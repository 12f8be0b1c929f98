// Package golangci is httpfix's golangci-lint (v2) module plugin: it
// registers the linter "httpfix", which runs httpfix's analyzers with
// the settings of .golangci.yml.
//
// A golangci-lint binary with the plugin is built by golangci-lint
// custom from a .custom-gcl.yml such as
//
//	version: v2.15.0
//	plugins:
//	  - module: github.com/httpfix/httpfix
//	    import: github.com/httpfix/httpfix/golangci
//	    version: latest
//
// and enabled in .golangci.yml:
//
//	version: "2"
//	linters:
//	  enable: [httpfix]
//	  settings:
//	    custom:
//	      httpfix:
//	        type: module
//	        description: drain and close response bodies, pool connections
//	        settings:
//	          rules: [drainclose, defaultclient]
//	          drain_limit: 8192
//
// The settings are the keys of .httpfix.toml, plus test (also fix and
// report _test.go files). golangci-lint applies edits of one fix that
// span files to the wrong file (golangci-lint #6671): the plugin offers
// only fixes that stay within one file. A site whose fix needs a
// declaration in another file of the package is reported without a fix,
// and gets one on the next run, once the declaration is there.
package golangci

import (
	"fmt"
	"strings"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/httpfix/httpfix/rules"
	"github.com/httpfix/httpfix/rules/config"
)

func init() {
	register.Plugin("httpfix", New)
}

// Settings are the plugin's settings in .golangci.yml: the keys of
// .httpfix.toml, and test.
type Settings struct {
	Rules               []string `json:"rules"`
	MaxIdleConns        *int     `json:"max_idle_conns"`
	MaxIdleConnsPerHost *int     `json:"max_idle_conns_per_host"`
	IdleConnTimeout     string   `json:"idle_conn_timeout"`
	MaxConnsPerHost     *int     `json:"max_conns_per_host"`
	Timeout             string   `json:"timeout"`
	DrainLimit          *int64   `json:"drain_limit"`
	Drain               string   `json:"drain"`
	Test                bool     `json:"test"`
}

type plugin struct {
	cfg config.Config
}

// New returns the plugin configured by the settings golangci-lint read.
func New(settings any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](settings)
	if err != nil {
		return nil, fmt.Errorf("httpfix: %v", err)
	}
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	return &plugin{cfg: cfg}, nil
}

// config returns the analyzers' configuration the settings describe.
func (s Settings) config() (config.Config, error) {
	cfg := config.Default()
	cfg.Rules = s.Rules
	if s.MaxIdleConns != nil {
		cfg.MaxIdleConns = *s.MaxIdleConns
	}
	if s.MaxIdleConnsPerHost != nil {
		cfg.MaxIdleConnsPerHost = *s.MaxIdleConnsPerHost
	}
	if s.MaxConnsPerHost != nil {
		cfg.MaxConnsPerHost = *s.MaxConnsPerHost
	}
	if s.DrainLimit != nil {
		cfg.DrainLimit = *s.DrainLimit
	}
	var errs []string
	if s.IdleConnTimeout != "" {
		if err := cfg.IdleConnTimeout.Set(s.IdleConnTimeout); err != nil {
			errs = append(errs, "idle_conn_timeout: "+err.Error())
		}
	}
	if s.Timeout != "" {
		if err := cfg.Timeout.Set(s.Timeout); err != nil {
			errs = append(errs, "timeout: "+err.Error())
		}
	}
	if s.Drain != "" {
		cfg.Drain = config.DrainMode(s.Drain)
	}
	cfg.Tests = s.Test
	cfg.SingleFile = true
	if err := cfg.Validate(rules.Names()); err != nil {
		errs = append(errs, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("httpfix settings: %s", strings.Join(errs, "; "))
	}
	return cfg, nil
}

// BuildAnalyzers returns the analyzers of the rules the settings select.
func (p *plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	var out []*analysis.Analyzer
	for _, r := range rules.New(p.cfg) {
		out = append(out, r.Analyzer)
	}
	return out, nil
}

// GetLoadMode says that the analyzers need type information.
func (p *plugin) GetLoadMode() string { return register.LoadModeTypesInfo }

package edit

import (
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"

	"github.com/httpfix/httpfix/rules/config"
	"github.com/httpfix/httpfix/rules/internal/analyzerdoc"
)

// NewAnalyzer returns the analyzer of a rule, the same for every rule
// but what it does: named name, documented by the "# Analyzer name"
// section of doc (the content of its package's doc.go) and by url (its
// README section), requiring the inspector and this package's Analyzer,
// then more, with flags that set a copy of cfg, which run is given.
func NewAnalyzer(name, url, doc string, cfg config.Config, more []*analysis.Analyzer, run func(*analysis.Pass, *config.Config) (any, error)) *analysis.Analyzer {
	c := cfg
	a := &analysis.Analyzer{
		Name:     name,
		Doc:      analyzerdoc.Extract(doc, name),
		URL:      url,
		Requires: append([]*analysis.Analyzer{inspect.Analyzer, Analyzer}, more...),
		Run:      func(pass *analysis.Pass) (any, error) { return run(pass, &c) },
	}
	c.RegisterAnalyzerFlags(a.Name, &a.Flags)
	return a
}

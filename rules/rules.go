// Package rules lists httpfix's analyzers, in one place, with what a
// driver's prefilter needs to know of each. Every rule is a
// golang.org/x/tools/go/analysis Analyzer in a package of its own
// (rules/drainclose, ...); the code they share lives in rules/internal:
// ownership and value flow (flow), the facts that summarise what
// functions do with responses (facts), edits made on decorated syntax
// and turned into suggested fixes (edit), and type matching (match).
package rules

import (
	"golang.org/x/tools/go/analysis"

	"github.com/httpfix/httpfix/rules/config"
	"github.com/httpfix/httpfix/rules/defaultclient"
	"github.com/httpfix/httpfix/rules/drainclose"
	"github.com/httpfix/httpfix/rules/hoisttransport"
	"github.com/httpfix/httpfix/rules/internal/match"
	"github.com/httpfix/httpfix/rules/keepalive"
	"github.com/httpfix/httpfix/rules/pooldeadline"
	"github.com/httpfix/httpfix/rules/poolsize"
)

// A Rule is an analyzer, with what a driver that loads only the packages
// a rule can concern (the httpfix command) needs to know of it.
type Rule struct {
	Analyzer *analysis.Analyzer
	// Imports lists import paths of which a package must import at least
	// one (directly or through one of its imports) for the rule to have
	// work to do.
	Imports []string
	// Reaches, if set, also makes worth loading a package that imports a
	// package which imports one of Imports and whose source contains this
	// word: a package calling a helper declared elsewhere (that returns
	// *http.Response, say) need not import net/http itself.
	Reaches string
	// Adds lists the import paths the rule's fixes may add to a file.
	Adds []string
}

// all lists every rule, in the order a driver that merges their fixes
// applies them. drainclose comes first: it reasons about the calls that
// produce responses, which defaultclient then moves off the default
// client without changing their results.
var all = []struct {
	name string
	make func(config.Config) Rule
}{
	{"drainclose", func(c config.Config) Rule {
		return Rule{drainclose.New(c), []string{match.NetHTTP}, "Response", []string{"io", match.NetHTTP}}
	}},
	{"defaultclient", func(c config.Config) Rule {
		return Rule{defaultclient.New(c), []string{match.NetHTTP}, "", []string{match.NetHTTP, "sync", "time"}}
	}},
	{"pooldeadline", func(c config.Config) Rule {
		return Rule{pooldeadline.New(c), []string{match.NetHTTP}, "", nil}
	}},
	{"hoisttransport", func(c config.Config) Rule {
		return Rule{hoisttransport.New(c), []string{match.NetHTTP}, "", nil}
	}},
	{"poolsize", func(c config.Config) Rule {
		return Rule{poolsize.New(c), []string{match.NetHTTP}, "", nil}
	}},
	{"keepalive", func(c config.Config) Rule {
		return Rule{keepalive.New(c), []string{match.NetHTTP}, "", nil}
	}},
}

// Names returns the names of all rules, in order.
func Names() []string {
	var names []string
	for _, r := range all {
		names = append(names, r.name)
	}
	return names
}

// New returns the rules selected by c (all if c.Rules is empty),
// configured by c.
func New(c config.Config) []Rule {
	var out []Rule
	for _, r := range all {
		if len(c.Rules) == 0 || contains(c.Rules, r.name) {
			out = append(out, r.make(c))
		}
	}
	return out
}

// Analyzers returns every rule's analyzer with the default settings: the
// ones whose flags go vet and go fix set (-drainclose.limit, ...).
func Analyzers() []*analysis.Analyzer {
	return []*analysis.Analyzer{drainclose.Analyzer, defaultclient.Analyzer, pooldeadline.Analyzer, hoisttransport.Analyzer, poolsize.Analyzer, keepalive.Analyzer}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

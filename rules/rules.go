// Package rules holds httpfix's rules, one per file, and the helpers they
// share. Every rule matches by type object (go/types), never by spelling:
// an aliased or dot import of net/http, a method of the user's own type
// that returns *http.Response, and a third-party client are all seen for
// what they are.
package rules

import (
	"github.com/httpfix/httpfix/rewrite"
)

// all lists every rule, in the order they run on a package. drainclose
// runs first: it reasons about the calls that produce responses, which
// defaultclient then moves off the default client without changing their
// results.
var all = []func(Config) *rewrite.Rule{
	newDrainClose,
	newDefaultClient,
	newHoistTransport,
}

// Names returns the names of all rules, in order.
func Names() []string {
	var names []string
	for _, r := range New(DefaultConfig()) {
		names = append(names, r.Name)
	}
	return names
}

// New returns the rules selected by c (all if c.Rules is empty),
// configured by c.
func New(c Config) []*rewrite.Rule {
	var out []*rewrite.Rule
	for _, mk := range all {
		r := mk(c)
		if len(c.Rules) == 0 || contains(c.Rules, r.Name) {
			out = append(out, r)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

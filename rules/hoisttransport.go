package rules

import "github.com/httpfix/httpfix/rewrite"

func newHoistTransport(c Config) *rewrite.Rule {
	return &rewrite.Rule{
		Name:    "hoisttransport",
		Doc:     "hoisttransport",
		Imports: []string{"net/http"},
		Run:     func(pass *rewrite.Pass) {},
	}
}

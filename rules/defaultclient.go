package rules

import "github.com/httpfix/httpfix/rewrite"

func newDefaultClient(c Config) *rewrite.Rule {
	return &rewrite.Rule{
		Name:    "defaultclient",
		Doc:     "defaultclient",
		Imports: []string{"net/http"},
		Run:     func(pass *rewrite.Pass) {},
	}
}

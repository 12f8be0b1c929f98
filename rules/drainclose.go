package rules

import "github.com/httpfix/httpfix/rewrite"

func newDrainClose(c Config) *rewrite.Rule {
	return &rewrite.Rule{
		Name:    "drainclose",
		Doc:     "drainclose",
		Imports: []string{"net/http"},
		Run:     func(pass *rewrite.Pass) {},
	}
}

package drainclose_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/httpfix/httpfix/rules/drainclose"
	"github.com/httpfix/httpfix/rules/internal/facts"
)

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), drainclose.Analyzer, "a")
	analysistest.Run(t, analysistest.TestData(), facts.Analyzer, "helper")
}

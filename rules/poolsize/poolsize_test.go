package poolsize_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/httpfix/httpfix/rules/poolsize"
)

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), poolsize.Analyzer, "a")
}

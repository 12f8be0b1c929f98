package pooldeadline_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/httpfix/httpfix/rules/pooldeadline"
)

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), pooldeadline.Analyzer, "a")
}

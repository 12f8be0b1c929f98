package facts_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/httpfix/httpfix/rules/internal/facts"
)

func TestFacts(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), facts.Analyzer, "helpers", "stream", "statuses", "methods")
}

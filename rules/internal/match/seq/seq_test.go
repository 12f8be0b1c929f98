package seq_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/httpfix/httpfix/rules/internal/match/seq"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), seq.Analyzer, "seqlib", "fanlib", "usesfan", "timer", "grouped", "prog")
}

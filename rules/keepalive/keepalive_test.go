package keepalive_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/httpfix/httpfix/rules/keepalive"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), keepalive.Analyzer, "a")
}

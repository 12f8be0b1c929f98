package flow

import (
	"go/ast"
	"go/types"

	"github.com/httpfix/httpfix/rules/internal/match"
)

// What the standard library (and golang.org/x/net/html's parser) does
// with a reader it is handed, for the functions that matter: no fact is
// exported for the standard library, since its packages are not
// analyzed, and the parser's read to EOF is not one a summary proves.

// readsToEOF reports whether the call reads its argument argIdx to EOF:
// io.ReadAll, io.Copy and io.CopyBuffer (from it), ReadFrom, and the
// bounded drain io.CopyN into io.Discard.
func readsToEOF(fn *types.Func, argIdx int, call *ast.CallExpr, info *types.Info) bool {
	switch {
	case fn == nil:
		return false
	case match.IsFunc(fn, "io", "ReadAll"), match.IsFunc(fn, "io/ioutil", "ReadAll"):
		return argIdx == 0
	case match.IsFunc(fn, "io", "Copy"), match.IsFunc(fn, "io", "CopyBuffer"):
		return argIdx == 1
	case match.IsFunc(fn, "io", "CopyN"):
		return argIdx == 1 && IsDiscard(match.ObjOf(info, call.Args[0]))
	case match.IsFunc(fn, "net/http/httputil", "DumpResponse"):
		return argIdx == 0 // reads it all, and puts a copy back
	case fn.Name() == "ReadFrom" && fn.Signature().Recv() != nil:
		return argIdx == 0
	case match.IsFunc(fn, xNetHTML, "Parse"), match.IsFunc(fn, xNetHTML, "ParseWithOptions"),
		match.IsFunc(fn, xNetHTML, "ParseFragment"), match.IsFunc(fn, xNetHTML, "ParseFragmentWithOptions"):
		// The HTML5 parsing algorithm has no early end: the parser takes
		// tokens until its tokenizer reports io.EOF (or a read error),
		// through a state machine whose loop no summary proves ends
		// there. What it returns is built from the whole document.
		return argIdx == 0
	}
	return false
}

// xNetHTML is the HTML5 parser of the Go project's extended library,
// which scrapers (goquery, colly) read response bodies with.
const xNetHTML = "golang.org/x/net/html"

// wrapsReader reports whether fn returns a reader over its argument
// argIdx that ends where that reader ends, or at a bound: io.LimitReader,
// io.TeeReader, http.MaxBytesReader.
func wrapsReader(fn *types.Func, argIdx int) bool {
	switch {
	case match.IsFunc(fn, "io", "LimitReader"), match.IsFunc(fn, "io", "TeeReader"):
		return argIdx == 0
	case match.IsFunc(fn, match.NetHTTP, "MaxBytesReader"):
		return argIdx == 1
	}
	return false
}

// IsDiscard reports whether obj is io.Discard (or ioutil.Discard).
func IsDiscard(obj types.Object) bool {
	return match.IsPkgObj(obj, "io", "Discard") || match.IsPkgObj(obj, "io/ioutil", "Discard")
}

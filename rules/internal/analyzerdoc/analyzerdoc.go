// Package analyzerdoc extracts the documentation of an analyzer from the
// doc comment of its package, so that the text go vet -help, httpfix
// -help and go doc print is written once.
package analyzerdoc

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
)

// Extract returns the "# Analyzer name" section of the package doc
// comment of the Go source content: its first line (the title, "name:
// what it does"), then its paragraphs. It panics if there is none, which
// the analyzers' tests catch.
func Extract(content, name string) string {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", content, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		panic(err)
	}
	if f.Doc == nil {
		panic("no package doc comment")
	}
	return section(f.Doc, name)
}

func section(doc *ast.CommentGroup, name string) string {
	text := doc.Text()
	heading := "# Analyzer " + name
	i := strings.Index(text, heading+"\n")
	if i < 0 {
		panic("no " + heading + " section")
	}
	rest := text[i+len(heading)+1:]
	if j := strings.Index(rest, "\n# "); j >= 0 {
		rest = rest[:j]
	}
	rest = strings.TrimSpace(rest)
	// The title line reads "name: what it does"; the analyzer's Doc
	// starts with what it does.
	rest = strings.TrimPrefix(rest, name+": ")
	return rest
}

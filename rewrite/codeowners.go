package rewrite

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// codeOwners is a repository's CODEOWNERS file, as GitHub reads it:
// lines of a pattern and its owners; the last line whose pattern matches
// a file gives the file's owners (none, if the line lists none).
type codeOwners struct {
	path  string // the file
	root  string // the repository's root, which patterns are relative to
	rules []ownerRule
}

type ownerRule struct {
	line    int
	pattern string
	re      *regexp.Regexp
	owners  []string
}

// codeOwnersPlaces are where GitHub looks for the file, in its order: the
// first that exists is the one.
var codeOwnersPlaces = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

// findCodeOwners reads the CODEOWNERS file of the repository at root.
func findCodeOwners(root string) (*codeOwners, error) {
	for _, place := range codeOwnersPlaces {
		path := filepath.Join(root, filepath.FromSlash(place))
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return parseCodeOwners(path, root, data)
	}
	return nil, errNoCodeOwners
}

// errNoCodeOwners says the repository has no CODEOWNERS file.
var errNoCodeOwners = fmt.Errorf("-shard=owners: the repository has no CODEOWNERS file (looked for %s)", strings.Join(codeOwnersPlaces, ", "))

// parseCodeOwners parses a CODEOWNERS file. A line that GitHub would
// reject (a pattern it does not support, an owner that is no user, team
// or e-mail address) is an error naming the file and the line.
func parseCodeOwners(path, root string, data []byte) (*codeOwners, error) {
	co := &codeOwners{path: path, root: root}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i]) // a comment after the owners
		}
		fields := splitUnescaped(line)
		pattern, owners := fields[0], fields[1:]
		re, err := ownerPattern(pattern)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: pattern %q: %v", path, n, pattern, err)
		}
		for _, o := range owners {
			if !ownerRE.MatchString(o) {
				return nil, fmt.Errorf("%s:%d: owner %q: not a @user, an @org/team or an e-mail address", path, n, o)
			}
		}
		co.rules = append(co.rules, ownerRule{line: n, pattern: pattern, re: re, owners: owners})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return co, nil
}

// ownerRE matches an owner: @user, @org/team, or an e-mail address.
var ownerRE = regexp.MustCompile(`^(@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?|[^@\s]+@[^@\s]+\.[^@\s]+)$`)

// splitUnescaped splits a line at blanks that no backslash escapes.
func splitUnescaped(line string) []string {
	var out []string
	var cur strings.Builder
	escaped := false
	for _, r := range line {
		switch {
		case escaped:
			cur.WriteRune('\\')
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case r == ' ' || r == '\t':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if escaped {
		cur.WriteRune('\\')
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// ownerPattern compiles a CODEOWNERS pattern into a regular expression
// over slash-separated paths relative to the repository's root, with
// GitHub's semantics (gitignore's, less what it does not support):
//
//   - a pattern with a slash at its start or in its middle is anchored
//     at the root; one without matches at any depth (*.go, apps/);
//   - * matches within one path element, ? one character of it, ** any
//     number of elements (a leading **/, a trailing /**, a /**/ inside);
//   - a pattern naming a directory (with or without a trailing slash)
//     matches everything below it, but a last element that is a lone *
//     (docs/*) matches only the files directly in the directory;
//   - \ escapes the character after it (\#, a blank in a name).
//
// What GitHub does not support is an error: negation (!), character
// ranges ([...]), three asterisks in a row.
func ownerPattern(p string) (*regexp.Regexp, error) {
	switch {
	case strings.HasPrefix(p, "!"):
		return nil, fmt.Errorf("negation (!) is not supported in CODEOWNERS")
	case strings.ContainsAny(unescapedSpecials(p), "[]"):
		return nil, fmt.Errorf("character ranges ([...]) are not supported in CODEOWNERS")
	case strings.Contains(p, "***"):
		return nil, fmt.Errorf("three asterisks in a row are not a pattern")
	case p == "/":
		return nil, fmt.Errorf("/ alone matches nothing")
	}
	segs := strings.Split(p, "/")
	if segs[0] == "" {
		segs = segs[1:] // anchored at the root
	} else if len(segs) == 1 || len(segs) == 2 && segs[1] == "" {
		if segs[0] != "**" {
			segs = append([]string{"**"}, segs...) // at any depth
		}
	}
	if len(segs) > 1 && segs[len(segs)-1] == "" {
		segs[len(segs)-1] = "**" // a directory: everything below it
	}
	var re strings.Builder
	re.WriteString(`\A`)
	last := len(segs) - 1
	sep := false // a slash is due before the next element
	for i, seg := range segs {
		switch {
		case seg == "**" && i == 0 && i == last:
			re.WriteString(`.+`)
		case seg == "**" && i == 0:
			re.WriteString(`(?:.+/)?`)
			sep = false
		case seg == "**" && i == last:
			re.WriteString(`/.*`)
		case seg == "**":
			re.WriteString(`(?:/.+)?`)
			sep = true
		case seg == "*" && i == last:
			if sep {
				re.WriteString(`/`)
			}
			re.WriteString(`[^/]+`)
			sep = true
		default:
			if sep {
				re.WriteString(`/`)
			}
			if strings.Contains(seg, "**") {
				return nil, fmt.Errorf("** must be a whole path element")
			}
			escaped := false
			for _, r := range seg {
				switch {
				case escaped:
					re.WriteString(regexp.QuoteMeta(string(r)))
					escaped = false
				case r == '\\':
					escaped = true
				case r == '*':
					re.WriteString(`[^/]*`)
				case r == '?':
					re.WriteString(`[^/]`)
				default:
					re.WriteString(regexp.QuoteMeta(string(r)))
				}
			}
			if i == last {
				re.WriteString(`(?:/.*)?`) // a directory's contents too
			}
			sep = true
		}
	}
	re.WriteString(`\z`)
	return regexp.Compile(re.String())
}

// unescapedSpecials returns p less the characters a backslash escapes.
func unescapedSpecials(p string) string {
	var b strings.Builder
	escaped := false
	for _, r := range p {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// owners returns the owners of the file at path (absolute, or relative
// to the root) and the line that gives them (0 if no line matches).
func (co *codeOwners) owners(path string) ([]string, int) {
	rel := path
	if filepath.IsAbs(path) {
		r, err := filepath.Rel(co.root, path)
		if err != nil {
			return nil, 0
		}
		rel = r
	}
	rel = filepath.ToSlash(rel)
	for i := len(co.rules) - 1; i >= 0; i-- {
		if co.rules[i].re.MatchString(rel) {
			return co.rules[i].owners, co.rules[i].line
		}
	}
	return nil, 0
}

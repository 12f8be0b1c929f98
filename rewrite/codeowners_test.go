package rewrite

import (
	"strings"
	"testing"
)

// TestCodeOwnersMatch checks the patterns of GitHub's documentation and
// its precedence: the last matching line wins.
func TestCodeOwnersMatch(t *testing.T) {
	src := `# comment
*                @global
*.js             @js-owner #inline comment
*.go             docs@example.com
/build/logs/     @doctocat
docs/*           @docs
apps/            @octocat
/scripts/        @scripts
/apps/github
**/logs          @logs
/src/**/x.go     @deep
/billing/legacy.go @carol
file\ name.txt   @spaced
`
	co, err := parseCodeOwners("CODEOWNERS", "/repo", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"README.md", "@global"},
		{"web/app.js", "@js-owner"},
		{"main.go", "docs@example.com"},
		{"build/logs/x.txt", "@logs"}, // **/logs, a later line, matches too
		{"build/logs", "@logs"},
		{"docs/getting-started.md", "@docs"},
		{"docs/build-app/troubleshooting.md", "@global"}, // docs/* is not recursive
		{"apps/x/y.txt", "@octocat"},
		{"a/apps/z.txt", "@octocat"},
		{"apps/github/readme.txt", ""}, // a line without owners: unowned
		{"scripts/deploy.sh", "@scripts"},
		{"deep/logs/a", "@logs"},
		{"src/x.go", "@deep"},
		{"src/a/b/x.go", "@deep"},
		{"billing/legacy.go", "@carol"},
		{"billing/billing.go", "docs@example.com"},
		{"file name.txt", "@spaced"},
		{"/repo/web/app.js", "@js-owner"}, // an absolute path, under the root
	} {
		got, _ := co.owners(tc.path)
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("owners(%s) = %q, want %q", tc.path, g, tc.want)
		}
	}
}

// TestCodeOwnersErrors: what GitHub does not accept is an error of one
// line naming the file and the line.
func TestCodeOwnersErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"!/x @a", `CODEOWNERS:2: pattern "!/x": negation (!) is not supported`},
		{"[abc].go @a", `CODEOWNERS:2: pattern "[abc].go": character ranges ([...]) are not supported`},
		{"a/***/b @a", `CODEOWNERS:2: pattern "a/***/b": three asterisks`},
		{"*.go team", `CODEOWNERS:2: owner "team": not a @user`},
		{"a**b @x", `CODEOWNERS:2: pattern "a**b": ** must be a whole path element`},
	} {
		_, err := parseCodeOwners("CODEOWNERS", "/repo", []byte("* @ok\n"+tc.line+"\n"))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line starting %q", tc.line, err, tc.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	for in, want := range map[string]ShardBy{"dir": {Kind: "dir"}, "dir:2": {Kind: "dir", Depth: 2}, "owners": {Kind: "owners"}} {
		got, err := ParseShard(in)
		if err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "dir:0", "dir:x", "team"} {
		if _, err := ParseShard(in); err == nil {
			t.Errorf("ParseShard(%q): no error", in)
		}
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{"api/billing": "api-billing", "@org/api @bob": "org-api+bob", "root": "root", "docs@example.com": "docs-example.com"} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}

package rewrite

import (
	"os"
	"path/filepath"
	"testing"
)

func TestContextFor(t *testing.T) {
	linux := buildContext{GOOS: "linux", GOARCH: "amd64"}
	for _, tc := range []struct {
		name, src string
		want      string // "" means none
	}{
		{"client_windows.go", "package m\n", "windows/amd64"},
		{"client_darwin_arm64.go", "package m\n", "darwin/arm64"},
		{"client_arm64.go", "package m\n", "linux/arm64"},
		{"client.go", "//go:build windows || darwin\n\npackage m\n", "windows/amd64"},
		{"client.go", "//go:build integration\n\npackage m\n", "linux/amd64 -tags=integration"},
		{"client.go", "//go:build !linux && unix\n\npackage m\n", "darwin/amd64"},
		{"client.go", "//go:build e2e && !windows\n\npackage m\n", "linux/amd64 -tags=e2e"},
		{"client.go", "//go:build ignore\n\npackage m\n", ""},
		{"client.go", "//go:build linux && windows\n\npackage m\n", ""},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
			t.Fatal(err)
		}
		got, ok := contextFor(path, linux)
		switch {
		case tc.want == "" && ok:
			t.Errorf("%s %q: got %s, want none", tc.name, tc.src, got)
		case tc.want != "" && (!ok || got.String() != tc.want):
			t.Errorf("%s %q: got %s (%v), want %s", tc.name, tc.src, got, ok, tc.want)
		}
	}
}

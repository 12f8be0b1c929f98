package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// errChanged is returned by writeFile when the file on disk no longer holds
// the bytes the rewrite was computed from.
var errChanged = errors.New("changed during run; left as it is")

// FS is the part of the file system that writing touches. Tests replace it
// to simulate faults such as a full disk.
type FS interface {
	ReadFile(name string) ([]byte, error)
	Stat(name string) (fs.FileInfo, error)
	CreateTemp(dir, pattern string) (TempFile, error)
	Rename(oldpath, newpath string) error
	Remove(name string) error
}

// TempFile is a file being written by writeFile.
type TempFile interface {
	Name() string
	Write(p []byte) (int, error)
	Chmod(mode fs.FileMode) error
	Sync() error
	Close() error
}

// OSFS is the operating system's file system.
type OSFS struct{}

func (OSFS) ReadFile(name string) ([]byte, error)  { return os.ReadFile(name) }
func (OSFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }
func (OSFS) Rename(oldpath, newpath string) error  { return os.Rename(oldpath, newpath) }
func (OSFS) Remove(name string) error              { return os.Remove(name) }
func (OSFS) CreateTemp(dir, pattern string) (TempFile, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// writeFile replaces the contents of path, which were old when they were
// read, with new.
//
// The new contents go to a temporary file in the same directory, which gets
// the original's permission bits and is then renamed over it, so that at
// every moment the file holds either all of old or all of new. A file whose
// contents are no longer old (someone edited it while the tool ran) is left
// alone and errChanged returned. A file or directory without write
// permission is refused even where the rename would succeed (for root, or
// for a read-only file in a writable directory): read-only is how version
// control systems such as Perforce say "not yours to change".
func writeFile(fsys FS, path string, old, new []byte) (err error) {
	info, err := fsys.Stat(path)
	if err != nil {
		return err
	}
	mode := info.Mode()
	if mode.Perm()&0o222 == 0 {
		return fmt.Errorf("file is read-only; not written")
	}
	dir := filepath.Dir(path)
	if dinfo, err := fsys.Stat(dir); err == nil && dinfo.Mode().Perm()&0o222 == 0 {
		return fmt.Errorf("directory %s is read-only; not written", dir)
	}
	current, err := fsys.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Equal(current, old) {
		return errChanged
	}

	tmp, err := fsys.CreateTemp(dir, "."+filepath.Base(path)+".httpfix-*")
	if err != nil {
		return fmt.Errorf("cannot create temporary file: %w", err)
	}
	tmpName := tmp.Name()
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			fsys.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(new); err != nil {
		return fmt.Errorf("cannot write: %w", err)
	}
	if err := tmp.Chmod(mode.Perm() | mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return fmt.Errorf("cannot set permissions: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cannot write: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write: %w", err)
	}
	// Look once more, as late as possible: an editor may have saved the
	// file while we were writing ours.
	if current, err := fsys.ReadFile(path); err != nil {
		return err
	} else if !bytes.Equal(current, old) {
		return errChanged
	}
	if err := fsys.Rename(tmpName, path); err != nil {
		return fmt.Errorf("cannot replace file: %w", err)
	}
	renamed = true
	return nil
}

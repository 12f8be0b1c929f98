package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
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

// writeLock is held for reading by every write in flight; Halt takes it for
// writing.
var writeLock sync.RWMutex

// writePause, if set, is a pause between writing a file's new contents
// and putting them in place: set in builds for the interrupt test only
// (write_pause.go), so that a signal lands while writes are in flight.
var writePause time.Duration

// Halt waits for the files being written to be complete and stops any
// further write, for a program about to exit at once (a second interrupt):
// after it returns, every file holds either its old or its new contents and
// no temporary file is left. Writes attempted after Halt block forever.
func Halt() { writeLock.Lock() }

// writeFile replaces the contents of path, which were old when they were
// read, with new.
//
// The new contents go to a temporary file in the same directory, which gets
// the original's permission bits and is then renamed over it, so that at
// every moment the file holds either all of old or all of new, and the
// temporary file is removed whatever fails. A file whose contents are no
// longer old (someone edited it while the tool ran) is left alone and
// errChanged returned. A file or directory without write permission is
// refused even where the rename would succeed (for root, or for a read-only
// file in a writable directory): read-only is how version control systems
// such as Perforce say "not yours to change".
//
// The errors say what went wrong without the temporary file's name; in
// every case the file is left as it was.
func writeFile(fsys FS, path string, old, new []byte) (err error) {
	writeLock.RLock()
	defer writeLock.RUnlock()

	info, err := fsys.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return errRemoved
	}
	if err != nil {
		return fmt.Errorf("cannot read: %v; not written", unwrapPathError(err))
	}
	mode := info.Mode()
	if mode.Perm()&0o222 == 0 {
		return fmt.Errorf("file is read-only; not written")
	}
	dir := filepath.Dir(path)
	if dinfo, err := fsys.Stat(dir); err == nil && dinfo.Mode().Perm()&0o222 == 0 {
		return fmt.Errorf("directory is read-only; not written")
	}
	if err := unchanged(fsys, path, old); err != nil {
		return err
	}

	tmp, err := fsys.CreateTemp(dir, "."+filepath.Base(path)+".httpfix-*")
	if err != nil {
		return fmt.Errorf("cannot create a temporary file in its directory: %v; not written", unwrapPathError(err))
	}
	tmpName := tmp.Name()
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			fsys.Remove(tmpName)
		}
	}()
	notWritten := func(what string, err error) error {
		return fmt.Errorf("%s: %w; not written", what, unwrapPathError(err))
	}
	if _, err := tmp.Write(new); err != nil {
		return notWritten("cannot write", err)
	}
	if err := tmp.Chmod(mode.Perm() | mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return notWritten("cannot set permissions", err)
	}
	if err := tmp.Sync(); err != nil {
		return notWritten("cannot write", err)
	}
	if err := tmp.Close(); err != nil {
		return notWritten("cannot write", err)
	}
	if writePause > 0 {
		time.Sleep(writePause)
	}
	// Look once more, as late as possible: an editor may have saved the
	// file while we were writing ours.
	if err := unchanged(fsys, path, old); err != nil {
		return err
	}
	if err := fsys.Rename(tmpName, path); err != nil {
		return notWritten("cannot replace the file", err)
	}
	renamed = true
	return nil
}

// errRemoved is returned by writeFile when the file no longer exists.
var errRemoved = errors.New("removed during run; not written")

// unchanged returns nil if path still holds old, or why not.
func unchanged(fsys FS, path string, old []byte) error {
	current, err := fsys.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errRemoved
	case err != nil:
		return fmt.Errorf("cannot read: %v; not written", unwrapPathError(err))
	case !bytes.Equal(current, old):
		return errChanged
	}
	return nil
}

//go:build httpfix_writepause

package rewrite

import "time"

// Built with -tags httpfix_writepause (by TestInterrupt only), every write
// takes a while, so that a signal lands while the files are being written.
func init() { writePause = 20 * time.Millisecond }

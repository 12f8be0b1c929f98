// Package flow follows values through a function, for every rule: where
// a value goes (Tracker: locals, closures, what it escapes to), what
// happens to a response's body on each path (AnalyzeBody, Paths), which
// calls give the function a response to own (Acquisitions) and where
// their error is checked (ErrorCheck). What callees do with a body comes
// from their summaries (Callees): the facts of other packages, the
// summaries of the package's own functions, what is known of the
// standard library.
package flow

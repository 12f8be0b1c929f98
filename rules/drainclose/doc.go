// Package drainclose defines an Analyzer that drains, then closes, every
// HTTP response body a function owns.
//
// # Analyzer drainclose
//
// drainclose: drain, then close, every response body the function owns
//
// A call that returns a *net/http.Response (http.Get, (*http.Client).Do,
// RoundTrip, a wrapper of the module's own, a third-party SDK) and is
// assigned to a local variable makes the function the owner of the body,
// unless the response escapes (stored outside the function's locals,
// sent on a channel, used by a goroutine, kept by a callee, or returned
// with its body open). A connection goes back to the pool only when its
// body was read to EOF and closed; defer resp.Body.Close() alone loses it
// whenever the body was not read to the end (a status-code branch, a
// json.Decoder that stops after one value, a body that is ignored).
//
// For every owned body the analyzer places, right after the error check,
//
//	defer func(resp *http.Response) {
//		_, _ = io.CopyN(io.Discard, resp.Body, 4096)
//		_ = resp.Body.Close()
//	}(resp)
//
// (replacing or moving an existing defer resp.Body.Close(), and moving
// one written before the error check), and drains before explicit Close
// calls on early paths. Code that already reads every body to EOF, or
// drains it itself (a deferred closure, a helper of any package whose
// summary says it drains, a deferred call of a function with no summary
// handed the response), is left alone. What a helper does with a body is
// known from a fact: the summary of that function, computed in its own
// package.
//
// In a module whose go directive is 1.27 or later, Close drains by
// itself: the analyzer then only makes sure every owned body is closed
// after the error check (the drain flag forces either behaviour). Bodies
// consumed as streams (a Scanner, a Decoder or Read in a loop, anything
// built on the body used in a loop, an upgraded connection) are closed,
// never drained, except on the returns reached before the stream starts,
// and, in a function that hands its caller a stream a call built on the
// body, only where a test of the status says the body is a failure's. An
// explicit close before the body escapes drains first, also in a retry
// loop with no error check. A body that escapes only to the caller, in an
// error stored in a named result after the function deferred its close,
// is still the function's. The first body of a variable a retry assigns
// again, and a body a goto back before the call drops, are closed where
// they are lost; interim 1xx responses need nothing. A struct that
// embeds *http.Response is a response where the summary of the function
// that returns it says its body is handed on open. A callee's summary
// also says which statuses the responses it hands back live may have (a
// request method that turns every other status into an error): a branch
// on a status outside them is never taken. A result the callee sets only
// with a response it closed (a redirect's location) makes the response
// spent where it is set; a HEAD request sent through request methods has
// no body. The last response of a sequential command, after which main
// can make no request, needs only its close. A defer in a loop, an
// ignored error, and whatever cannot be shown safe are reported instead.
package drainclose

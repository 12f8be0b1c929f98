// Package pooldeadline defines an Analyzer that removes the absolute
// deadlines a Transport's dial function puts on the connections it pools.
//
// # Analyzer pooldeadline
//
// pooldeadline: no absolute deadline on a pooled connection
//
// A Dial or DialContext function of an http.Transport (DialTLS and
// DialTLSContext too) that calls conn.SetDeadline(time.Now().Add(d))
// (or SetReadDeadline, SetWriteDeadline) on the connection it returns
// gives every pooled connection an expiry date: d after it was dialed,
// whatever request happens to reuse it fails with "i/o timeout", however
// fast the server answers. The pooldeadline analyzer removes the deadline
// and keeps the bound on a server that does not answer with the timeouts
// net/http has per request: the Transport's ResponseHeaderTimeout, set to
// d where the Transport sets none; where it already bounds the wait for
// headers, or the deadline bounds only writes, the whole request is what
// the deadline means, and the Client built on the Transport (in the same
// file) gets Timeout d if it has none. A Client Timeout counts from the
// start of each request, so it is never stricter than the deadline was.
//
// The site is reported instead where d cannot be moved out of the dial
// function (computed per connection, read from the connection or
// through a pointer, a package variable assigned after initialization),
// where the dial function is not a function literal of the Transport
// (a named function other code may call), where the connection is used
// after the deadline is set (the deadline also bounds a handshake in the
// dial function: clear it before returning instead), and where a write
// deadline has no Client to carry it. A dial function that clears the
// deadline (SetDeadline(time.Time{})) before returning the connection is
// right, and left alone.
package pooldeadline

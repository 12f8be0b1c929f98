// Package hoisttransport defines an Analyzer that moves per-call
// http.Transports to package level.
//
// # Analyzer hoisttransport
//
// hoisttransport: one Transport per package, not one per call
//
// An http.Transport owns a connection pool. One created inside a function
// that runs per request dials a new TCP (and TLS) connection on every call
// and leaves the old ones open: ESTABLISHED sockets pile up until the
// process runs out of file descriptors, or TIME_WAIT until it runs out of
// ports. hoisttransport moves such a Transport literal, or a clone of
// http.DefaultTransport, to a package-level variable that every call
// shares (with the Client literal around it, when that depends only on
// package-level values too). Identical literals of a package share one
// variable.
//
// A Transport that outlives the call (returned, stored in a field, passed
// to another function, used by a goroutine) belongs to an object with its
// own lifetime, typically one built by a constructor: that is the right
// pattern, and it is left alone. A Transport with DisableKeepAlives pools
// nothing and is left alone too, as are literals directly in main and
// init. Sites that cannot be hoisted safely are reported with the reason:
// the literal uses parameters or local variables, or package state set
// after initialization (a flag), or the function changes or closes the
// Transport after creating it.
package hoisttransport

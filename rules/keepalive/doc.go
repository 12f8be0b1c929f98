// Package keepalive defines an Analyzer that reports the settings that
// turn connection reuse off.
//
// # Analyzer keepalive
//
// keepalive: report the "fixes" that turn pooling off
//
// Three settings are the usual advice against "connection reset by peer"
// and EOF on reused connections: req.Close = true, a "Connection: close"
// request header, and DisableKeepAlives: true on a Transport. Each one
// closes the connection after every request: every request pays a new
// TCP (and TLS) handshake and leaves a socket in TIME_WAIT, the storm
// that exhausts a machine's ephemeral ports under load. The keepalive
// analyzer reports each of them with that cost and with what fixes stale
// connections instead: an IdleConnTimeout below the server's keep-alive
// timeout, so that the client drops an idle connection before the server
// does (and Go already retries an idempotent request that fails on a
// reused connection). Nothing is rewritten: turning keep-alives back on
// changes behaviour someone chose.
//
// A deliberate choice is not reported: a value that is not a constant
// (DisableKeepAlives: cfg.NoKeepAlive), a setting made only under a
// condition (if opts.Close { req.Close = true }), or in a function
// literal a function returns (an option), and a request a handler
// received. Nor is a site that costs nothing, in a function of a command
// that runs once (main, or a function only main calls, outside its
// loops): outside loops, a request closed after use, or a Transport built
// there with keep-alives off whose requests are all made in that
// function, outside loops and goroutines, and that is handed to no other
// code: a one-shot tool's few requests, which could share little anyway.
package keepalive

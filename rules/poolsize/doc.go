// Package poolsize defines an Analyzer that gives the Transports a
// package builds enough idle connections per host.
//
// # Analyzer poolsize
//
// poolsize: enough idle connections per host
//
// A Transport keeps at most MaxIdleConnsPerHost idle connections to each
// host, and when the field is zero, http.DefaultMaxIdleConnsPerHost: 2,
// the same trap as http.DefaultTransport. Under concurrency every
// connection beyond two is closed after use and the next request dials a
// new one: sockets pile up in TIME_WAIT until the machine runs out of
// ephemeral ports (connect: cannot assign requested address). The
// poolsize analyzer sets MaxIdleConnsPerHost (100 by default, the
// max_idle_conns_per_host setting, never above a MaxIdleConns the
// Transport sets) on the Transports of the package's own whose pool
// serves more than one call, or concurrent requests: a literal at package
// level, kept by whatever a constructor returns (or stored by main or
// init), handed to other code or to goroutines, and a clone of
// http.DefaultTransport whose fields the code sets.
//
// A Transport that sets MaxIdleConnsPerHost at all (even low, even from a
// variable), or that turns keep-alives off (DisableKeepAlives), is left
// alone, and so is one used only by the function that builds it, main
// included: its requests go one at a time. So are those of a command that
// starts no goroutine: a Transport built in main, or in a function only
// main calls (outside loops), is left alone wherever main hands it (in a
// Client, to a library's constructor) when neither the command nor any
// package it imports may start a goroutine: no go statement, no Go
// method (errgroup), no standard function that runs code on goroutines
// of its own (an HTTP server, time.AfterFunc), and no code handed to a
// package that is not analyzed. Made per call, its pool goes away with
// the call, and hoisttransport moves it to package level as it is (the
// variable it declares is left alone too, so that a second run
// changes nothing). So is the Transport of an asynchronous sender that
// one worker goroutine drives: kept, with the Client on it, in unexported
// fields of one object only, and sent on only by that object's worker
// (an unexported method started once per object, in a sync.Once of the
// object's or by the constructor that allocates it) and the unexported
// methods only it calls on its receiver; or by two such workers, as the
// default pool keeps an idle connection for each. A per-host value below 4 on a
// Transport the package uses from goroutines is reported. Where the
// Transport's MaxIdleConns is not a constant, the value cannot be chosen:
// the site is reported.
package poolsize

// Package defaultclient defines an Analyzer that moves a package's
// requests off http.DefaultClient onto a configured client.
//
// # Analyzer defaultclient
//
// defaultclient: use a configured client instead of the defaults
//
// The defaultclient analyzer replaces calls of http.Get, http.Head,
// http.Post and http.PostForm, and every read of http.DefaultClient, with
// a client declared once per package. Its Transport starts from a clone
// of http.DefaultTransport (proxy, HTTP/2, dialer and TLS settings kept)
// and keeps up to 100 idle connections per host by default, where
// http.DefaultTransport keeps 2: under concurrency every other connection
// is closed after use and a new one dialed, which fills the machine with
// TIME_WAIT sockets and exhausts its ephemeral ports. An http.Client with
// no Transport, or with http.DefaultTransport, gets the declared
// Transport. A bound on connections per host and a client timeout are
// added only when configured (max_conns_per_host, timeout).
//
// Assignments to http.DefaultClient or its fields are reported, not
// rewritten. So is every site of a package whose code or tests mock or
// change the defaults (httpmock.Activate, gock, assigning
// http.DefaultTransport or http.DefaultClient, changing the settings of
// http.DefaultTransport): moving its calls off the defaults would bypass
// the mocks or lose the settings.
//
// With the client key (-defaultclient.client=example.com/m/httpx.Client),
// the sites move onto that client of the module instead, importing its
// package: http.Get(u) becomes httpx.Client.Get(u), and a client without
// a Transport gets httpx.Client.Transport. A package that the client's
// package imports cannot import it back (an import cycle) and declares a
// client of its own. Run one package at a time, as go vet and go fix do,
// the analyzer cannot see which packages those are: it uses the client
// only in packages that already import its package, directly or not.
package defaultclient

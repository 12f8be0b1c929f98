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
// A command's one-off requests are left alone: http.Get(u) or
// http.DefaultClient.Do(req) called in main, or in a function only main
// calls (outside loops, go statements and function literals), has one
// request in flight and reuses the idle connection http.DefaultTransport
// keeps for it; so does a client without a Transport made there and used
// there only, to send. With a client timeout or a bound on connections
// per host configured, the calls on the defaults move too.
//
// In a main package the client is a variable. In a library it is a
// function that copies http.DefaultClient as it is when a request is
// sent (its Timeout, Jar, CheckRedirect) and gives the copy the pooled
// Transport where it has none: the program that imports the library may
// set http.DefaultClient up at any time, and a library must not drop what
// it cannot see. Only sites that send at once move onto it (http.Get(u),
// http.DefaultClient.Do(req), an unexported getter's fallback); a read
// the library keeps (a default in a variable or field, a client an
// exported function hands out, a method value) stays.
//
// The declared Transport defers to a replaced http.DefaultTransport (a
// test's httpmock.Activate or gock, a proxy) at each request, so such
// mocks do not block the rewrite. Assignments to http.DefaultClient or
// its fields, and comparisons with it, are reported, not rewritten. So is
// every client site of a main package whose code or tests replace, mock
// or set up http.DefaultClient, and every site of a package that changes
// the settings of http.DefaultTransport: the declared client would not
// have them.
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

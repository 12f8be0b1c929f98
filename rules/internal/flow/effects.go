package flow

import (
	"go/types"
)

// State is what is done to a body on a path: read to its end (or drained,
// bounded) and closed.
type State struct {
	EOF    bool
	Closed bool
}

// meet returns what is done on both of two paths.
func (s State) meet(t State) State { return State{s.EOF && t.EOF, s.Closed && t.Closed} }

// A ParamEffect summarises what a function does with one of its
// parameters when the parameter is a response, or a reader such as a
// response's body.
type ParamEffect struct {
	// All is what is done to the body on every path that returns.
	All State
	// OnError is what is done on the paths that return a non-nil error
	// (for a function whose last result is an error): the body of a
	// response that an API's error handler turns into an error.
	OnError State
	// Keeps says that the function keeps the body beyond the call: it
	// stores it or hands it to a goroutine. The caller no longer owns it.
	Keeps bool
	// Builds says that the function returns something built on the body
	// (a stream, an iterator, a decode function) and keeps it nowhere
	// else: the caller owns the body through what the call returns, and
	// follows that result as it follows its own derived values.
	Builds bool
	// KeepsInReceiver says that the method keeps the body in its receiver
	// (a field of it, or through another method of it that does) and
	// nowhere else: the caller follows the receiver as something built
	// on the body (a parser that holds the reader, a decoder reset onto
	// it), so a local receiver keeps it no longer than the caller does.
	KeepsInReceiver bool
	// SomeClosed says that the function closes the body on some of its
	// paths (an error parser that returns early for a 2xx status, and
	// drains and closes the body otherwise): a caller that hands it the
	// body on the paths it means it for may count on it.
	SomeClosed bool
	// Stream says that the function consumes the body incrementally (a
	// loop over a Scanner, a Decoder, Read): it is never drained.
	Stream bool
}

// ResultKind says what the response a function returns is to its caller.
type ResultKind uint8

const (
	// ResultUnknown: nothing is known; a response returned alone or with
	// an error is the caller's to close.
	ResultUnknown ResultKind = iota
	// ResultLive: the response of a request the function made (or was
	// handed), returned with its body untouched: the caller owns it.
	ResultLive
	// ResultDone: the function read or closed the body on every path that
	// returns the response; the caller gets it for its status and
	// headers, and has nothing to close.
	ResultDone
	// ResultBuilt: a response the function built itself, with no
	// connection behind it.
	ResultBuilt
	// ResultMixed: live on some paths, read or closed on others (a
	// request method whose options say whether it decodes the body):
	// the caller owns it, but a caller that drops it may be right to.
	ResultMixed
)

// Callees tells what functions do with the responses and bodies they are
// handed, and what the responses they return are: the facts of other
// packages, summaries of the functions of the current one, and what is
// known of the standard library.
type Callees interface {
	// Param returns what fn does with its parameter idx (the last one for
	// every variadic argument), if known.
	Param(fn *types.Func, idx int) (ParamEffect, bool)
	// Result returns what the response fn returns is.
	Result(fn *types.Func) ResultKind
}

// NoCallees knows nothing of any function but the standard library's.
type NoCallees struct{}

func (NoCallees) Param(fn *types.Func, idx int) (ParamEffect, bool) { return ParamEffect{}, false }
func (NoCallees) Result(fn *types.Func) ResultKind                  { return ResultUnknown }

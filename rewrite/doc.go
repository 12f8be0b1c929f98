// Package rewrite is httpfix's engine and the driver of its command
// line: it finds the packages to work on (scan), loads them with full
// type information, the rest with export data (load), runs the analyzers
// it is given on them with their facts (driver), merges the suggested
// fixes of each package (fixes), type-checks the rewritten package
// (verify), and prints the change as a patch, or writes it (diff,
// write), or reports it as JSON or SARIF (output).
//
// The engine never imports the rules: the command hands it the
// analyzers, with what its prefilter needs to know of each (Analyzer).
package rewrite

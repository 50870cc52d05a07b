// tabwriter.go: aligns stdin exactly as Go's runtime/pprof aligns its text profiles
// (text/tabwriter with minwidth 1, tabwidth 8, padding 1, tab padding). Used by
// tests/t6001-legacy-text.sh to check encoder/legacy.c's alignment against Go's own.
package main

import (
	"io"
	"os"
	"text/tabwriter"
)

func main() {
	tw := tabwriter.NewWriter(os.Stdout, 1, 8, 1, '\t', 0)
	if _, err := io.Copy(tw, os.Stdin); err != nil {
		os.Exit(1)
	}
	tw.Flush()
}

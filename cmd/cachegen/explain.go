package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cachegen/cachegen/generator"
)

// explain prints, per method running a sqlc query, the tables it reads
// and writes and the annotation cachegen uses for it: the user's, with
// the namespaces inferred from the SQL.
func explain(cfg generator.Config, stdout, stderr io.Writer) int {
	wd, _ := os.Getwd()
	res, err := generator.Load(cfg)
	var diags generator.Diagnostics
	switch {
	case errors.As(err, &diags):
		for _, d := range diags {
			fmt.Fprintln(stderr, prefix+d.Format(wd))
		}
		return exitProblem
	case err != nil:
		fmt.Fprintln(stderr, prefix+err.Error())
		return exitProblem
	}
	if len(res.Explained) == 0 {
		fmt.Fprintln(stderr, prefix+"no wrapped interface runs a sqlc query; nothing to explain")
	}
	list := func(uses []string) string {
		if len(uses) == 0 {
			return "-"
		}
		return strings.Join(uses, "; ")
	}
	for _, ex := range res.Explained {
		fmt.Fprintf(stdout, "%s %s.%s (%s)\n", strings.TrimSuffix(generator.Diagnostic{Pos: ex.Pos}.Format(wd), " "), ex.Interface, ex.Method, ex.Engine)
		fmt.Fprintf(stdout, "\treads:  %s\n\twrites: %s\n", list(ex.Reads), list(ex.Writes))
		ann := ex.Annotation
		if ann == "" {
			ann = "none: passed through"
		}
		fmt.Fprintf(stdout, "\tuses:   %s\n", ann)
	}
	return exitOK
}

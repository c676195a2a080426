// Command stagehand-render renders one environment of a chart for
// stagehand's checks, as `helm template -f <values>` does: it reads a JSON
// request (internal/chartexec.Request: the chart's files, the chart
// directory and the values file) on standard input and writes a JSON
// result (chartexec.Response) on standard output. It never fetches a chart
// and never talks to a cluster.
//
// It is a program of its own because Helm's packages do costly work while
// Go initialises them; stagehand runs it only when a check renders a chart,
// so no other command pays for it.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/stagehand-gitops/stagehand/internal/chartexec"
	"github.com/stagehand-gitops/stagehand/internal/helmrender"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintf(os.Stderr, "usage: %s < request.json\n\nReads a render request on standard input and writes the result on standard output; stagehand runs it for its checks.\n", os.Args[0])
		os.Exit(2)
	}
	resp, err := serve(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", chartexec.Program, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(resp); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", chartexec.Program, err)
		os.Exit(1)
	}
}

// serve answers one request. A chart that does not render is a result,
// not an error; an error is a request that cannot be read.
func serve(in io.Reader) (chartexec.Response, error) {
	data, err := io.ReadAll(io.LimitReader(in, 2*chartexec.MaxRequest))
	if err != nil {
		return chartexec.Response{}, fmt.Errorf("read the request: %w", err)
	}
	req, tree, err := chartexec.DecodeRequest(data)
	if err != nil {
		return chartexec.Response{}, err
	}
	n, err := helmrender.Render(tree, req.Chart, req.Values)
	var at *helmrender.Error
	switch {
	case err == nil:
		return chartexec.Response{Manifests: n}, nil
	case errors.As(err, &at):
		return chartexec.Response{Error: &chartexec.Fault{File: at.File, Line: at.Line, Message: err.Error()}}, nil
	default:
		return chartexec.Response{Error: &chartexec.Fault{Message: err.Error(), NotRendered: true}}, nil
	}
}

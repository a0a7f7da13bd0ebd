// Command testreport reads `go test -json` output on stdin and prints what
// plain `go test` prints (package results, and the full output of failed
// tests), followed by how many subtests passed and were skipped on each
// database dialect, so a run shows that store tests ran on both SQLite and
// PostgreSQL, and the slowest top-level tests (wall time, which for a
// parallel test includes the time it waited for others), so that the run's
// time can be kept lean. It exits 1 when any test or package failed.
//
// A data race report is printed whichever test test2json attributes it to:
// a race in a goroutine that outlives its test fails the package ("race
// detected outside of test execution") while its report sits in the output
// of a test that passed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	os.Exit(report(os.Stdin, os.Stdout))
}

func report(in io.Reader, out io.Writer) int {
	var (
		outputs  = map[string][]string{} // package/test -> output lines
		dialects = map[string]map[string]int{"sqlite": {}, "postgres": {}}
		skips    = map[string]int{}
		slow     []timing
		failed   bool
		races    = map[string][]string{} // package/test -> lines of its race reports
		inRace   = map[string]bool{}     // package/test -> inside a race report
		orphans  = map[string][]string{} // package -> race reports of tests that passed
	)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(out, sc.Text()) // build errors are not JSON
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "output":
			outputs[key] = append(outputs[key], e.Output)
			if strings.Contains(e.Output, "WARNING: DATA RACE") {
				inRace[key] = true
			}
			if inRace[key] {
				races[key] = append(races[key], e.Output)
				if strings.HasPrefix(e.Output, "==================") {
					inRace[key] = false
				}
			}
			if e.Test == "" && (strings.HasPrefix(e.Output, "ok ") || strings.HasPrefix(e.Output, "FAIL") ||
				strings.HasPrefix(e.Output, "?") || strings.HasPrefix(e.Output, "panic")) {
				fmt.Fprint(out, e.Output)
			}
		case "pass", "skip":
			if e.Action == "pass" && e.Test != "" && !strings.Contains(e.Test, "/") {
				slow = append(slow, timing{e.Package, e.Test, e.Elapsed})
			}
			if e.Test != "" {
				orphans[e.Package] = append(orphans[e.Package], races[key]...)
				last := e.Test[strings.LastIndex(e.Test, "/")+1:]
				if d, ok := dialects[last]; ok {
					d[e.Action]++
					if e.Action == "skip" {
						for _, l := range outputs[key] {
							if strings.Contains(l, "not configured") {
								skips[strings.TrimSpace(l)]++
							}
						}
					}
				}
			}
			delete(outputs, key)
			delete(races, key)
		case "fail":
			failed = true
			if e.Test != "" {
				fmt.Fprintf(out, "--- FAIL: %s (%s)\n", e.Test, e.Package)
				for _, l := range outputs[key] {
					fmt.Fprint(out, l)
				}
			} else {
				for _, l := range outputs[key] {
					if !strings.HasPrefix(l, "FAIL") {
						fmt.Fprint(out, l)
					}
				}
				for _, l := range orphans[e.Package] {
					fmt.Fprint(out, l)
				}
				delete(orphans, e.Package)
			}
			delete(outputs, key) // a failed test's race report is in its output
			delete(races, key)
		}
	}
	fmt.Fprintf(out, "\ndatabase subtests: sqlite %d passed, %d skipped; postgres %d passed, %d skipped\n",
		dialects["sqlite"]["pass"], dialects["sqlite"]["skip"], dialects["postgres"]["pass"], dialects["postgres"]["skip"])
	reasons := make([]string, 0, len(skips))
	for r := range skips {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(out, "  skipped %d× because: %s\n", skips[r], r)
	}
	sort.SliceStable(slow, func(i, j int) bool { return slow[i].seconds > slow[j].seconds })
	if len(slow) > slowest {
		slow = slow[:slowest]
	}
	if len(slow) > 0 {
		fmt.Fprintln(out, "slowest tests:")
	}
	for _, t := range slow {
		fmt.Fprintf(out, "  %7.1fs %s (%s)\n", t.seconds, t.test, t.pkg)
	}
	if failed {
		return 1
	}
	return 0
}

// slowest is how many of the slowest tests the report lists.
const slowest = 10

// timing is a passed top-level test and its elapsed wall time.
type timing struct {
	pkg, test string
	seconds   float64
}

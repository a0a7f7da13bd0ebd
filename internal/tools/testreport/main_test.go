package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReportCountsDialectsAndShowsFailures(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"Action":"run","Package":"p","Test":"TestA"}`,
		`{"Action":"pass","Package":"p","Test":"TestA/sqlite"}`,
		`{"Action":"output","Package":"p","Test":"TestA/postgres","Output":"    testdb.go:1: PostgreSQL not configured: set X\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestA/postgres"}`,
		`{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: boom\n"}`,
		`{"Action":"fail","Package":"p","Test":"TestB"}`,
		`{"Action":"output","Package":"p","Output":"FAIL\tp\t0.1s\n"}`,
		`{"Action":"fail","Package":"p"}`,
	}, "\n")
	var out strings.Builder
	code := report(strings.NewReader(in), &out)
	require.Equal(t, 1, code)
	s := out.String()
	require.Contains(t, s, "--- FAIL: TestB (p)\n    b_test.go:9: boom\n")
	require.Contains(t, s, "FAIL\tp\t0.1s")
	require.Contains(t, s, "sqlite 1 passed, 0 skipped; postgres 0 passed, 1 skipped")
	require.Contains(t, s, "skipped 1× because: testdb.go:1: PostgreSQL not configured: set X")

	require.NotContains(t, s, "slowest tests:", "only passed tests are timed")

	out.Reset()
	var many []string
	for i := range 12 {
		many = append(many, fmt.Sprintf(`{"Action":"pass","Package":"p","Test":"T%02d","Elapsed":%d}`, i, i))
	}
	many = append(many, `{"Action":"pass","Package":"p","Test":"T99/sqlite","Elapsed":99}`)
	require.Zero(t, report(strings.NewReader(strings.Join(many, "\n")), &out))
	s = out.String()
	require.Contains(t, s, "slowest tests:\n     11.0s T11 (p)\n     10.0s T10 (p)\n")
	require.Contains(t, s, "      2.0s T02 (p)\n")
	require.NotContains(t, s, "T01 (p)", "ten at most")
	require.NotContains(t, s, "T99", "subtests are not listed")

	out.Reset()
	require.Zero(t, report(strings.NewReader(`{"Action":"pass","Package":"p","Test":"T/postgres"}`), &out))

	out.Reset()
	race := strings.Join([]string{
		`{"Action":"output","Package":"p","Test":"TestC","Output":"==================\n"}`,
		`{"Action":"output","Package":"p","Test":"TestC","Output":"WARNING: DATA RACE\n"}`,
		`{"Action":"output","Package":"p","Test":"TestC","Output":"  main.leak()\n"}`,
		`{"Action":"output","Package":"p","Test":"TestC","Output":"==================\n"}`,
		`{"Action":"output","Package":"p","Test":"TestC","Output":"unrelated\n"}`,
		`{"Action":"pass","Package":"p","Test":"TestC"}`,
		`{"Action":"output","Package":"p","Output":"testing: race detected outside of test execution\n"}`,
		`{"Action":"fail","Package":"p"}`,
	}, "\n")
	require.Equal(t, 1, report(strings.NewReader(race), &out))
	s = out.String()
	require.Contains(t, s, "WARNING: DATA RACE\n  main.leak()\n==================\n",
		"a race report attributed to a passed test is shown when its package fails")
	require.NotContains(t, s, "unrelated")

	out.Reset()
	failedRace := strings.Join([]string{
		`{"Action":"output","Package":"p","Test":"TestD","Output":"WARNING: DATA RACE\n"}`,
		`{"Action":"output","Package":"p","Test":"TestD","Output":"  main.racy()\n"}`,
		`{"Action":"output","Package":"p","Test":"TestD","Output":"==================\n"}`,
		`{"Action":"fail","Package":"p","Test":"TestD"}`,
		`{"Action":"fail","Package":"p"}`,
	}, "\n")
	require.Equal(t, 1, report(strings.NewReader(failedRace), &out))
	require.Equal(t, 1, strings.Count(out.String(), "main.racy()"),
		"a failed test's race report is printed once, with its output")
}

package scaletest_test

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(envMode); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

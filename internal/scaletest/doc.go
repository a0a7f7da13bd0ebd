// Package scaletest holds wauser's multi-process tests: several
// processes sharing one database, killed with SIGKILL at random points and
// restarted, and the store checked afterwards.
//
// The test binary is its own child: TestMain runs a child mode instead of
// the tests when the environment names one (see child_test.go). A child
// opens a Client on the database it is given, with its own watest.Fake, and
// reports on stdout what the parent needs to check: which accounts it
// connects and when, and which history chunks WhatsApp got acknowledged.
//
// The package has no code outside its tests.
package scaletest

package store

// ReadFollowers exposes followers to the tests of package store_test.
var ReadFollowers = (*Store).followers

package wa

// OnSendWait makes the serialized client c call fn whenever a send starts
// waiting for another one to finish.
func OnSendWait(c Client, fn func()) {
	c.(*serialClient).waiting = fn
}

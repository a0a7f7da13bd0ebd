package watest_test

import (
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/proto/waHistorySync"

	"github.com/wauser/wauser/watest"
)

// A made-up history for a load test: the second of two chunks, 3
// conversations of 4 messages each, from conversation 3 on. Emit it with
// conn.Emit(watest.HistoryData(data)).
func ExampleSyntheticHistory() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	data := watest.SyntheticHistory(2, 3, 3, 4, 100, start)
	fmt.Println(data.GetChunkOrder(), data.GetProgress(), len(data.GetConversations()))
	conv := data.GetConversations()[0]
	first := conv.GetMessages()[0].GetMessage()
	fmt.Println(conv.GetID(), len(conv.GetMessages()))
	fmt.Println(first.GetKey().GetID(), first.GetKey().GetFromMe(), time.Unix(int64(first.GetMessageTimestamp()), 0).UTC())
	// Output:
	// 2 100 3
	// 15550000003@s.whatsapp.net 4
	// 3EB0000003000000 true 2026-01-01 00:00:12 +0000 UTC
}

// A large history as one blob, built one conversation at a time (never
// held decoded) and uploaded as the phone does; conn.EmitHistoryBlob(blob)
// uploads it and announces it to the account in one step.
func ExampleHistoryBlob() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	blob := watest.NewHistoryBlob(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 1, 100)
	for n := range 1000 {
		if err := blob.AddConversation(watest.SyntheticConversation(n, 10, start)); err != nil {
			panic(err)
		}
	}
	notif, err := watest.New().UploadHistory(blob)
	if err != nil {
		panic(err)
	}
	fmt.Println(notif.GetSyncType(), notif.GetChunkOrder(), notif.GetProgress(), notif.GetFileLength() < 1<<20)
	// Output: INITIAL_BOOTSTRAP 1 100 true
}

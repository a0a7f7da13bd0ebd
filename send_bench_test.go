package wauser_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
)

// BenchmarkSendText measures SendText through the whole path (validation,
// the pending transaction with the quota count, the fake's send, the sent
// transaction), to one chat on a SQLite file store. The fake's own cost is
// negligible, so this is wauser's cost per message.
func BenchmarkSendText(b *testing.B) {
	h := newHarness(b, testdb.SQLite(b), wauser.WithDailyMessageLimit(0))
	bot, _ := pair(b, h, "bot")
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := bot.SendText(ctx, "+15557654321", fmt.Sprintf("message %d", i)); err != nil {
			require.NoError(b, err)
		}
	}
}

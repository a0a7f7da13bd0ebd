package store

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every column of the three record tables is either read by the feed or
// listed here as one it does not show: a column added to a model cannot be
// left out of the feed unnoticed.
func TestFeedColumnsCoverTheModels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		model   any
		feed    string
		leftOut []string
	}{
		{Conversation{}, feedConversationColumns, []string{"account_id", "alt_jid", "field_times", "created_at", "updated_at"}},
		{Contact{}, feedContactColumns, []string{"account_id", "field_times", "created_at", "updated_at"}},
		{Message{}, feedMessageColumns, []string{"account_id", "sender_person_id", "reaction_times", "media_keys",
			"wire_chat_jid", "wire_sender_jid", "created_at", "updated_at"}},
	} {
		typ := reflect.TypeOf(tc.model)
		var all []string
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("bun"), ",")
			if name == "" || name == "-" || strings.HasPrefix(name, "table:") {
				continue
			}
			all = append(all, name)
		}
		feed := strings.Split(tc.feed, ", ")
		for _, c := range feed {
			require.NotContains(t, tc.leftOut, c, "%s: %s both read and left out", typ.Name(), c)
		}
		got := append(slices.Clone(feed), tc.leftOut...)
		slices.Sort(got)
		slices.Sort(all)
		require.Equal(t, all, got, "%s: the feed's columns and those it leaves out are the model's", typ.Name())
	}
}

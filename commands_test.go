package wauser_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
)

func TestRecordCommand(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		for _, id := range []wauser.AccountID{"a", "b"} {
			_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: id})
			require.NoError(t, err)
		}
		a := h.c.WithAccount("a")

		started := epoch.Add(-2 * time.Second)
		cmd, err := a.RecordCommand(ctx, wauser.RecordCommandRequest{
			Kind:      "create_group",
			Payload:   json.RawMessage(`{ "name": "Team",  "participants": ["+15550000001"] }`),
			Result:    json.RawMessage(`{"group_jid":"120363000000000001@g.us"}`),
			StartedAt: started,
		})
		require.NoError(t, err)
		require.Regexp(t, `^cmd_[a-z2-7]{20}$`, cmd.ID)
		require.Equal(t, wauser.CommandCompleted, cmd.Status)
		require.JSONEq(t, `{"name":"Team","participants":["+15550000001"]}`, string(cmd.Payload))
		require.Equal(t, started, cmd.CreatedAt)
		require.Equal(t, started, cmd.ClaimedAt)
		require.Equal(t, epoch, cmd.CompletedAt)

		// It survives a restart, and reads back the same.
		got, err := h.open(t).WithAccount("a").GetCommand(ctx, cmd.ID)
		require.NoError(t, err)
		require.Equal(t, cmd, got)
		out, err := json.Marshal(got)
		require.NoError(t, err)
		require.JSONEq(t, `{"id":"`+string(cmd.ID)+`","kind":"create_group",
			"payload":{"name":"Team","participants":["+15550000001"]},"status":"completed",
			"result":{"group_jid":"120363000000000001@g.us"},
			"created_at":"2026-11-21T11:59:58Z","claimed_at":"2026-11-21T11:59:58Z","completed_at":"2026-11-21T12:00:00Z"}`, string(out))

		// Another account does not see it.
		_, err = h.c.WithAccount("b").GetCommand(ctx, cmd.ID)
		require.ErrorIs(t, err, wauser.ErrNotFound)

		// A failure, with empty payload and result.
		failed, err := a.RecordCommand(ctx, wauser.RecordCommandRequest{Kind: "unlink", Error: "the phone refused"})
		require.NoError(t, err)
		require.Equal(t, wauser.CommandFailed, failed.Status)
		require.JSONEq(t, `{}`, string(failed.Payload))
		require.JSONEq(t, `{}`, string(failed.Result))
		require.Equal(t, "the phone refused", failed.Error)
	})
}

func TestRecordCommandRejectsBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
	require.NoError(t, err)
	for name, req := range map[string]wauser.RecordCommandRequest{
		"no kind":        {},
		"kind":           {Kind: "Create Group"},
		"long kind":      {Kind: string(make([]byte, 65))},
		"payload array":  {Kind: "x", Payload: json.RawMessage(`[1]`)},
		"payload null":   {Kind: "x", Payload: json.RawMessage(`null`)},
		"result invalid": {Kind: "x", Result: json.RawMessage(`{"a":`)},
	} {
		_, err := h.c.RecordCommand(ctx, req)
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, name)
	}
	for _, id := range []wauser.CommandID{"", "cmd_../x", "cmd_ x"} {
		_, err := h.c.GetCommand(ctx, id)
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "%q", id)
	}
	_, err = h.c.GetCommand(ctx, "cmd_aaaaaaaaaaaaaaaaaaaa")
	require.ErrorIs(t, err, wauser.ErrNotFound)
	_, err = h.c.WithAccount("nope").RecordCommand(ctx, wauser.RecordCommandRequest{Kind: "x"})
	require.ErrorIs(t, err, wauser.ErrNotFound)
}

func TestRecordCommandPrunesOldRecords(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
		require.NoError(t, err)
		old, err := h.c.RecordCommand(ctx, wauser.RecordCommandRequest{Kind: "x"})
		require.NoError(t, err)

		h.clock.Advance(wauser.CommandRetention - time.Second)
		kept, err := h.c.RecordCommand(ctx, wauser.RecordCommandRequest{Kind: "x"})
		require.NoError(t, err)
		_, err = h.c.GetCommand(ctx, old.ID)
		require.NoError(t, err, "within the retention period")

		h.clock.Advance(2 * time.Second)
		_, err = h.c.RecordCommand(ctx, wauser.RecordCommandRequest{Kind: "x"})
		require.NoError(t, err)
		_, err = h.c.GetCommand(ctx, old.ID)
		require.ErrorIs(t, err, wauser.ErrNotFound, "pruned after the retention period")
		_, err = h.c.GetCommand(ctx, kept.ID)
		require.NoError(t, err)
	})
}

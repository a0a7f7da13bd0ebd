package wa_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/internal/wa"
)

func TestDevicesOpenSaveDelete(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.Open(t)
		devs := wa.NewDevices(st.Container(), nil, nil)

		conn, paired, err := devs.Open(ctx, "a", types.EmptyJID)
		require.NoError(t, err)
		require.False(t, paired)
		serial, ok := conn.Client.(interface{ Unwrap() wa.Client })
		require.True(t, ok, "sends of the account are serialized")
		wrapped, ok := serial.Unwrap().(interface{ Whatsmeow() *whatsmeow.Client })
		require.True(t, ok, "the default factory makes real whatsmeow clients")
		cli := wrapped.Whatsmeow()
		require.True(t, cli.SynchronousAck, "ack only after the handler returned true")
		require.True(t, cli.EnableDecryptedEventBuffer, "redelivered messages can be decrypted again")
		require.False(t, cli.EnableAutoReconnect, "wauser supervises reconnects")
		require.True(t, cli.DisableLoginAutoReconnect, "wauser logs in after pairing itself, and retries if that fails")
		require.True(t, cli.AutomaticMessageRerequestFromPhone, "undecryptable messages are asked again from the phone")
		require.True(t, cli.EmitAppStateEventsOnFullSync)
		require.True(t, cli.ManualHistorySyncDownload, "history is downloaded by the sync queue, not by whatsmeow")
		require.Same(t, cli, conn.Local, "a real client is its own Local")

		id := types.NewADJID("15550001234", 0, 9)
		require.NoError(t, wa.SaveOfflinePairing(ctx, conn.Device, id, types.EmptyJID, "P", "android", ""))
		again, paired, err := devs.Open(ctx, "a", id)
		require.NoError(t, err)
		require.True(t, paired)
		require.Equal(t, id, *again.Device.ID)

		require.NoError(t, devs.Delete(ctx, id))
		require.NoError(t, devs.Delete(ctx, id), "deleting a deleted device succeeds")
		_, paired, err = devs.Open(ctx, "a", id)
		require.NoError(t, err)
		require.False(t, paired, "a device whose rows are gone opens unpaired")
	})
}

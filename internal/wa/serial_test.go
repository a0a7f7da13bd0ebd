package wa_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.uber.org/mock/gomock"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/mocks"
	"github.com/wauser/wauser/internal/wa"
)

// TestSendsAreSerialized: a peer message to the account's own phone (a
// history request, which may bypass whatsmeow's send lock) waits while
// another send of the account is in flight, and goes once it is done.
func TestSendsAreSerialized(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	m := mocks.NewMockClient(gomock.NewController(t))
	c := wa.Serial(m)
	require.Same(t, c, wa.Serial(c), "serializing twice wraps once")

	own := types.NewJID("15550001111", types.DefaultUserServer)
	peer := types.NewJID("15550002222", types.DefaultUserServer)
	inSend, release := make(chan struct{}), make(chan struct{})
	peerSent := make(chan struct{})
	m.EXPECT().SendMessage(gomock.Any(), peer, gomock.Any()).DoAndReturn(
		func(context.Context, types.JID, *waE2E.Message, ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
			close(inSend)
			<-release
			return whatsmeow.SendResponse{ID: "A"}, nil
		})
	m.EXPECT().SendPeerMessage(gomock.Any(), own, gomock.Any()).DoAndReturn(
		func(context.Context, types.JID, *waE2E.Message) (whatsmeow.SendResponse, error) {
			select {
			case <-release:
			default:
				t.Error("the peer message went while another send was in flight")
			}
			close(peerSent)
			return whatsmeow.SendResponse{ID: "B"}, nil
		})
	waiting := make(chan struct{})
	wa.OnSendWait(c, func() { close(waiting) })

	sendDone := make(chan error, 1)
	go func() {
		_, err := c.SendMessage(ctx, peer, &waE2E.Message{Conversation: proto.String("hi")})
		sendDone <- err
	}()
	<-inSend
	peerDone := make(chan error, 1)
	go func() {
		_, err := c.SendPeerMessage(ctx, own, &waE2E.Message{})
		peerDone <- err
	}()
	select {
	case <-waiting:
	case <-ctx.Done():
		t.Fatal("the peer message did not wait for the send in flight")
	}
	close(release)
	require.NoError(t, <-sendDone)
	require.NoError(t, <-peerDone)
	<-peerSent
}

// TestSerialSendGivesUpWithItsContext: a send waiting for its turn ends
// with its ctx, sending nothing.
func TestSerialSendGivesUpWithItsContext(t *testing.T) {
	t.Parallel()
	m := mocks.NewMockClient(gomock.NewController(t))
	c := wa.Serial(m)
	inSend, release := make(chan struct{}), make(chan struct{})
	m.EXPECT().SendMessage(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
		func(context.Context, types.JID, *waE2E.Message, ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
			close(inSend)
			<-release
			return whatsmeow.SendResponse{}, nil
		}).Times(1)
	go func() { _, _ = c.SendMessage(t.Context(), types.EmptyJID, &waE2E.Message{}) }()
	<-inSend
	ctx, cancel := context.WithCancel(t.Context())
	wa.OnSendWait(c, cancel)
	_, err := c.SendPeerMessage(ctx, types.EmptyJID, &waE2E.Message{})
	require.ErrorIs(t, err, context.Canceled)
	close(release)
}

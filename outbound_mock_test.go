package wauser_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waVnameCert"
	"go.mau.fi/whatsmeow/types"
	"go.uber.org/mock/gomock"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

var channel = types.NewJID("120363098765432109", types.NewsletterServer)

func channelMeta() *types.NewsletterMetadata {
	m := &types.NewsletterMetadata{ID: channel, State: types.WrappedNewsletterState{Type: types.NewsletterStateActive}}
	m.ThreadMeta.Name.Text = "News"
	m.ThreadMeta.Description.Text = "Daily"
	m.ThreadMeta.InviteCode = "0029AbCd"
	m.ThreadMeta.SubscriberCount = 42
	m.ThreadMeta.VerificationState = types.NewsletterVerificationStateVerified
	m.ThreadMeta.CreationTime.Time = epoch.Add(-24 * time.Hour)
	m.ThreadMeta.Picture = &types.ProfilePictureInfo{URL: "https://pps.whatsapp.net/full"}
	m.ThreadMeta.Preview = types.ProfilePictureInfo{URL: "https://pps.whatsapp.net/preview"}
	m.ViewerMeta = &types.NewsletterViewerMetadata{Mute: types.NewsletterMuteOn, Role: types.NewsletterRoleSubscriber}
	return m
}

// TestMockOutboundOperations asserts, for newsletters, contact checks,
// presence and media, the exact whatsmeow call and arguments, and the
// result.
func TestMockOutboundOperations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context, t *testing.T, h *mockHarness)
	}{
		{"ListNewsletters", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().GetSubscribedNewsletters(gomock.Any()).Return([]*types.NewsletterMetadata{channelMeta()}, nil)
			got, err := h.c.ListNewsletters(ctx)
			require.NoError(t, err)
			require.Equal(t, []*wauser.Newsletter{{
				ID: channel, Name: "News", Description: "Daily", InviteCode: "0029AbCd",
				InviteLink: "https://whatsapp.com/channel/0029AbCd", SubscriberCount: 42, Verified: true,
				State: "active", PictureURL: "https://pps.whatsapp.net/full", PreviewURL: "https://pps.whatsapp.net/preview",
				CreatedAt: epoch.Add(-24 * time.Hour), Role: "subscriber", Muted: true,
			}}, got)
		}},
		{"GetNewsletter by JID", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().GetNewsletterInfo(gomock.Any(), channel).Return(channelMeta(), nil)
			got, err := h.c.GetNewsletter(ctx, channel.String())
			require.NoError(t, err)
			require.Equal(t, "News", got.Name)
		}},
		{"GetNewsletter by link", func(ctx context.Context, t *testing.T, h *mockHarness) {
			m := channelMeta()
			m.ViewerMeta = nil
			gomock.InOrder(
				h.m.EXPECT().GetNewsletterInfoWithInvite(gomock.Any(), "0029AbCd").Return(m, nil),
				h.m.EXPECT().GetNewsletterInfoWithInvite(gomock.Any(), "0029AbCd").Return(m, nil),
				h.m.EXPECT().GetNewsletterInfoWithInvite(gomock.Any(), "0029Gone").Return(nil, nil),
			)
			got, err := h.c.GetNewsletter(ctx, "https://whatsapp.com/channel/0029AbCd")
			require.NoError(t, err)
			require.Empty(t, got.Role, "unknown when looked up by link")
			_, err = h.c.GetNewsletter(ctx, "0029AbCd")
			require.NoError(t, err)
			_, err = h.c.GetNewsletter(ctx, "0029Gone")
			require.ErrorIs(t, err, wauser.ErrNotFound, "WhatsApp answered no channel")
		}},
		{"FollowNewsletter", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().FollowNewsletter(gomock.Any(), channel).Return(nil),
				h.m.EXPECT().GetNewsletterInfoWithInvite(gomock.Any(), "0029AbCd").Return(channelMeta(), nil),
				h.m.EXPECT().FollowNewsletter(gomock.Any(), channel).Return(nil),
			)
			require.NoError(t, h.c.FollowNewsletter(ctx, channel.String()))
			require.NoError(t, h.c.FollowNewsletter(ctx, "https://whatsapp.com/channel/0029AbCd"), "by link: looked up, then followed by JID")
		}},
		{"UnfollowNewsletter", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().UnfollowNewsletter(gomock.Any(), channel).Return(nil)
			require.NoError(t, h.c.UnfollowNewsletter(ctx, channel.String()))
		}},
		{"CheckContacts", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().IsOnWhatsApp(gomock.Any(), []string{"+15551230001", "+447911123456", "+15551230002"}).Return([]types.IsOnWhatsAppResponse{
				{Query: "+447911123456", JID: types.NewJID("447911123456", types.DefaultUserServer), IsIn: true,
					VerifiedName: &types.VerifiedName{Details: &waVnameCert.VerifiedNameCertificate_Details{VerifiedName: proto.String("Shop Ltd")}}},
				{Query: "+15551230001", JID: gAlice, IsIn: true},
				{Query: "+15551230002", JID: gBob, IsIn: false},
			}, nil)
			got, err := h.c.CheckContacts(ctx, []string{"+15551230001", "+44 7911 123456", "15551230001", "+15551230002"})
			require.NoError(t, err)
			require.Equal(t, []wauser.ContactCheck{
				{Input: "+15551230001", Phone: "+15551230001", OnWhatsApp: true, JID: gAlice},
				{Input: "+44 7911 123456", Phone: "+447911123456", OnWhatsApp: true, JID: types.NewJID("447911123456", types.DefaultUserServer), BusinessName: "Shop Ltd"},
				{Input: "15551230001", Phone: "+15551230001", OnWhatsApp: true, JID: gAlice},
				{Input: "+15551230002", Phone: "+15551230002"},
			}, got, "one result per input, in order; a repeated number is asked once")
		}},
		{"SendChatPresence", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SendChatPresence(gomock.Any(), gAlice, types.ChatPresenceComposing, types.ChatPresenceMediaText).Return(nil),
				h.m.EXPECT().SendChatPresence(gomock.Any(), groupID, types.ChatPresenceComposing, types.ChatPresenceMediaAudio).Return(nil),
				h.m.EXPECT().SendChatPresence(gomock.Any(), gAlice, types.ChatPresencePaused, types.ChatPresenceMediaText).Return(nil),
			)
			require.NoError(t, h.c.SendChatPresence(ctx, "+15551230001", wauser.PresenceTyping))
			require.NoError(t, h.c.SendChatPresence(ctx, groupID.String(), wauser.PresenceRecording))
			require.NoError(t, h.c.SendChatPresence(ctx, gAlice.String(), wauser.PresencePaused))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(ctxTimeout(t), t, pairedMock(t, testdb.SQLite(t)))
		})
	}
}

// uploadResponse is what whatsmeow's Upload answers for data.
func uploadResponse(data []byte) whatsmeow.UploadResponse {
	sum := sha256.Sum256(data)
	return whatsmeow.UploadResponse{
		URL:           "https://mmg.whatsapp.net/v/t62.7118-24/1.enc?ccb=11-4",
		DirectPath:    "/v/t62.7118-24/1.enc?ccb=11-4",
		MediaKey:      bytes.Repeat([]byte{1}, 32),
		FileEncSHA256: bytes.Repeat([]byte{2}, 32),
		FileSHA256:    sum[:],
		FileLength:    uint64(len(data)),
	}
}

// TestMockUploadMedia uploads from bytes, a reader and a URL, and checks the
// whatsmeow call and that the stored row keeps every field a media message
// needs, on both databases.
func TestMockUploadMedia(t *testing.T) {
	t.Parallel()
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{9}, 64)...)
	pdf := []byte("%PDF-1.7\n1 0 obj\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(png)
	}))
	t.Cleanup(srv.Close)
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := pairedMock(t, db, wauser.WithPrivateMediaURLs(), wauser.WithHTTPClient(srv.Client()))
		ctx := ctxTimeout(t)

		gomock.InOrder(
			h.m.EXPECT().Upload(gomock.Any(), png, whatsmeow.MediaImage).Return(uploadResponse(png), nil),
			h.m.EXPECT().Upload(gomock.Any(), pdf, whatsmeow.MediaDocument).Return(uploadResponse(pdf), nil),
			h.m.EXPECT().Upload(gomock.Any(), png, whatsmeow.MediaImage).Return(uploadResponse(png), nil),
		)
		img, err := h.c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: png})
		require.NoError(t, err)
		sum := sha256.Sum256(png)
		require.Equal(t, wauser.MediaImage, img.Type, "from the sniffed MIME type")
		require.Equal(t, "image/png", img.MIMEType)
		require.Equal(t, int64(len(png)), img.Size)
		require.Equal(t, hex.EncodeToString(sum[:]), img.SHA256)
		require.Equal(t, epoch, img.CreatedAt)
		require.True(t, strings.HasPrefix(string(img.ID), "media_"))

		doc, err := h.c.UploadMedia(ctx, wauser.UploadMediaRequest{Reader: iotest.HalfReader(bytes.NewReader(pdf)), MIMEType: "application/pdf", FileName: "report.pdf"})
		require.NoError(t, err)
		require.Equal(t, wauser.MediaDocument, doc.Type)
		require.Equal(t, "report.pdf", doc.FileName)

		fromURL, err := h.c.UploadMedia(ctx, wauser.UploadMediaRequest{URL: srv.URL + "/photos/cat.png"})
		require.NoError(t, err)
		require.Equal(t, "image/png", fromURL.MIMEType, "sniffed: the server sent a generic type")
		require.Equal(t, "cat.png", fromURL.FileName)
		require.Equal(t, srv.URL+"/photos/cat.png", fromURL.SourceURL)

		// The stored row has what an ImageMessage needs, and GetMedia shows
		// the public part only.
		row, err := store.GetMedia(ctx, h.c.Store().DB(), "p", string(img.ID))
		require.NoError(t, err)
		want := uploadResponse(png)
		b64 := base64.StdEncoding.EncodeToString
		require.Equal(t, want.URL, row.URL)
		require.Equal(t, want.DirectPath, row.DirectPath)
		require.Equal(t, b64(want.MediaKey), row.MediaKey)
		require.Equal(t, b64(want.FileEncSHA256), row.EncSHA256)
		require.Equal(t, b64(want.FileSHA256), row.SHA256)
		require.Equal(t, int64(want.FileLength), row.Size)
		require.Equal(t, "image/png", row.MIMEType)
		require.Equal(t, "image", row.MediaType)
		got, err := h.c.GetMedia(ctx, img.ID)
		require.NoError(t, err)
		require.Equal(t, img, got)
		_, err = h.c.GetMedia(ctx, "media_missing")
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}

// TestMockBadInputsMakeNoCall gives every operation bad input: each fails
// with ErrInvalidArgument naming the field, and the mock sees no call (it
// has no expectations, so any call fails the test).
func TestMockBadInputsMakeNoCall(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(bytes.Repeat([]byte("a"), 2048))
	}))
	t.Cleanup(srv.Close)
	// The media limit is 1 KiB, and private URLs are refused (the default).
	h := pairedMock(t, testdb.SQLite(t), wauser.WithMediaLimit(1024), wauser.WithHTTPClient(srv.Client()))
	ctx := ctxTimeout(t)
	c := h.c
	str := func(s string) *string { return &s }
	long := strings.Repeat("x", 101)
	for _, tc := range []struct {
		name  string
		field string
		call  func() error
	}{
		{"CreateGroup empty name", "name", func() error { _, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "  "}); return err }},
		{"CreateGroup long name", "name", func() error { _, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{Name: long}); return err }},
		{"CreateGroup bad member", "members[1]", func() error {
			_, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "T", Members: []string{"+15551230001", "0123"}})
			return err
		}},
		{"CreateGroup group as member", "members[0]", func() error {
			_, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "T", Members: []string{groupID.String()}})
			return err
		}},
		{"CreateGroup duplicate member", "members[1]", func() error {
			_, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "T", Members: []string{"+15551230001", gAlice.String()}})
			return err
		}},
		{"CreateGroup self as member", "members[0]", func() error {
			_, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "T", Members: []string{"+15550001111"}})
			return err
		}},
		{"CreateGroup bad timer", "ephemeral_seconds", func() error {
			_, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "T", Ephemeral: true, EphemeralSeconds: 60})
			return err
		}},
		{"CreateGroup timer without ephemeral", "ephemeral_seconds", func() error {
			_, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "T", EphemeralSeconds: 86400})
			return err
		}},
		{"CreateGroup bad community", "community_id", func() error {
			_, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "T", CommunityID: "+15551230001"})
			return err
		}},
		{"CreateGroup long topic", "topic", func() error {
			_, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "T", Topic: strings.Repeat("y", 2049)})
			return err
		}},
		{"GetGroup person", "group", func() error { _, err := c.GetGroup(ctx, "+15551230001"); return err }},
		{"GetGroup empty", "group", func() error { _, err := c.GetGroup(ctx, ""); return err }},
		{"UpdateGroup nothing", "request", func() error { _, err := c.UpdateGroup(ctx, groupID.String(), wauser.UpdateGroupRequest{}); return err }},
		{"UpdateGroup empty name", "name", func() error {
			_, err := c.UpdateGroup(ctx, groupID.String(), wauser.UpdateGroupRequest{Name: str("")})
			return err
		}},
		{"UpdateGroup PNG photo", "photo", func() error {
			_, err := c.UpdateGroup(ctx, groupID.String(), wauser.UpdateGroupRequest{Photo: []byte("\x89PNG\r\n\x1a\n")})
			return err
		}},
		{"UpdateGroup photo and remove", "photo", func() error {
			_, err := c.UpdateGroup(ctx, groupID.String(), wauser.UpdateGroupRequest{Photo: jpeg, RemovePhoto: true})
			return err
		}},
		{"UpdateGroup bad group", "group", func() error {
			_, err := c.UpdateGroup(ctx, "x@g.us", wauser.UpdateGroupRequest{Name: str("n")})
			return err
		}},
		{"DeleteGroup bad group", "group", func() error { return c.DeleteGroup(ctx, "status@broadcast") }},
		{"AddGroupMembers none", "members", func() error { _, err := c.AddGroupMembers(ctx, groupID.String(), nil); return err }},
		{"AddGroupMembers bad", "members[0]", func() error { _, err := c.AddGroupMembers(ctx, groupID.String(), []string{"alice"}); return err }},
		{"AddGroupMembers too many", "members", func() error {
			_, err := c.AddGroupMembers(ctx, groupID.String(), make([]string, 1025))
			return err
		}},
		{"RemoveGroupMembers device JID", "members[0]", func() error {
			_, err := c.RemoveGroupMembers(ctx, groupID.String(), []string{"15551230001:3@s.whatsapp.net"})
			return err
		}},
		{"PromoteGroupAdmins bad group", "group", func() error { _, err := c.PromoteGroupAdmins(ctx, "", []string{"+15551230001"}); return err }},
		{"DemoteGroupAdmins channel", "members[0]", func() error {
			_, err := c.DemoteGroupAdmins(ctx, groupID.String(), []string{channel.String()})
			return err
		}},
		{"ListGroupJoinRequests bad group", "group", func() error { _, err := c.ListGroupJoinRequests(ctx, "abc"); return err }},
		{"ApproveGroupJoinRequests none", "members", func() error { _, err := c.ApproveGroupJoinRequests(ctx, groupID.String(), []string{}); return err }},
		{"RejectGroupJoinRequests bad", "members[0]", func() error { _, err := c.RejectGroupJoinRequests(ctx, groupID.String(), []string{""}); return err }},
		{"SetGroupAnnounce bad group", "group", func() error { return c.SetGroupAnnounce(ctx, gAlice.String(), true) }},
		{"SetGroupLocked bad group", "group", func() error { return c.SetGroupLocked(ctx, "1@lid", true) }},
		{"GetGroupInviteLink bad group", "group", func() error { _, err := c.GetGroupInviteLink(ctx, "+1", false); return err }},
		{"ArchiveChat channel", "chat", func() error { return c.ArchiveChat(ctx, channel.String()) }},
		{"UnarchiveChat empty", "chat", func() error { return c.UnarchiveChat(ctx, "") }},
		{"PinChat status", "chat", func() error { return c.PinChat(ctx, "status@broadcast") }},
		{"UnpinChat bad", "chat", func() error { return c.UnpinChat(ctx, "++1") }},
		{"ClearChat bad", "chat", func() error { return c.ClearChat(ctx, "1555@example.com", false) }},
		{"GetNewsletter group", "newsletter", func() error { _, err := c.GetNewsletter(ctx, groupID.String()); return err }},
		{"GetNewsletter bad link", "newsletter", func() error { _, err := c.GetNewsletter(ctx, "https://example.com/channel/x"); return err }},
		{"FollowNewsletter empty", "newsletter", func() error { return c.FollowNewsletter(ctx, "") }},
		{"UnfollowNewsletter bad", "newsletter", func() error { return c.UnfollowNewsletter(ctx, "abc@newsletter") }},
		{"CheckContacts none", "phones", func() error { _, err := c.CheckContacts(ctx, nil); return err }},
		{"CheckContacts too many", "phones", func() error { _, err := c.CheckContacts(ctx, make([]string, 101)); return err }},
		{"CheckContacts bad", "phones[1]", func() error { _, err := c.CheckContacts(ctx, []string{"+15551230001", "0123456"}); return err }},
		{"SendChatPresence bad chat", "chat", func() error { return c.SendChatPresence(ctx, channel.String(), wauser.PresenceTyping) }},
		{"SendChatPresence bad presence", "presence", func() error { return c.SendChatPresence(ctx, gAlice.String(), "online") }},
		{"UploadMedia nothing", "data", func() error { _, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{}); return err }},
		{"UploadMedia two sources", "data", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: jpeg, URL: "https://example.com/a.jpg"})
			return err
		}},
		{"UploadMedia empty", "data", func() error { _, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: []byte{}}); return err }},
		{"UploadMedia oversized bytes", "data", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: make([]byte, 1025)})
			return err
		}},
		{"UploadMedia oversized reader", "reader", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{Reader: bytes.NewReader(make([]byte, 1025))})
			return err
		}},
		{"UploadMedia empty reader", "data", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{Reader: bytes.NewReader(nil)})
			return err
		}},
		{"UploadMedia bad MIME", "mime_type", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: jpeg, MIMEType: "jpeg"})
			return err
		}},
		{"UploadMedia bad type", "type", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: jpeg, Type: "gif"})
			return err
		}},
		{"UploadMedia MIME not fitting type", "mime_type", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: jpeg, MIMEType: "image/jpeg", Type: wauser.MediaSticker})
			return err
		}},
		{"UploadMedia sniffed type not fitting", "type", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: []byte("%PDF-1.7\n"), Type: wauser.MediaVideo})
			return err
		}},
		{"UploadMedia bad file name", "file_name", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: jpeg, FileName: "../etc/passwd"})
			return err
		}},
		{"UploadMedia bad URL", "url", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{URL: "file:///etc/passwd"})
			return err
		}},
		{"UploadMedia private URL", "url", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{URL: srv.URL + "/a.jpg"})
			return err
		}},
		{"UploadMedia localhost URL", "url", func() error {
			_, err := c.UploadMedia(ctx, wauser.UploadMediaRequest{URL: strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/a.jpg"})
			return err
		}},
		{"GetMedia empty id", "id", func() error { _, err := c.GetMedia(ctx, ""); return err }},
	} {
		err := tc.call()
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, tc.name)
		var ae *wauser.ArgumentError
		require.ErrorAs(t, err, &ae, tc.name)
		require.Equal(t, tc.field, ae.Field, "%s: %v", tc.name, err)
	}

	// With private URLs allowed, a URL's own failures are bad input too.
	h2 := pairedMock(t, testdb.SQLite(t), wauser.WithMediaLimit(1024), wauser.WithHTTPClient(srv.Client()), wauser.WithPrivateMediaURLs())
	for _, u := range []string{srv.URL + "/big.bin", srv.URL + "/missing"} {
		_, err := h2.c.UploadMedia(ctx, wauser.UploadMediaRequest{URL: u})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, u)
	}
}

// TestMockErrorMapping: errors from whatsmeow come back as wauser
// sentinels, and errors.Is still finds the whatsmeow cause.
func TestMockErrorMapping(t *testing.T) {
	t.Parallel()
	h := pairedMock(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	for _, tc := range []struct {
		cause, want error
	}{
		{fmt.Errorf("failed to send usync query: %w", whatsmeow.ErrNotConnected), wauser.ErrNotConnected},
		{whatsmeow.ErrIQDisconnected, wauser.ErrNotConnected},
		{whatsmeow.ErrNotLoggedIn, wauser.ErrNotLoggedIn},
		{fmt.Errorf("%w: %w", whatsmeow.ErrGroupNotFound, whatsmeow.ErrIQNotFound), wauser.ErrNotFound},
		{fmt.Errorf("%w: %w", whatsmeow.ErrNotInGroup, whatsmeow.ErrIQForbidden), wauser.ErrForbidden},
		{whatsmeow.ErrIQNotAuthorized, wauser.ErrForbidden},
		{whatsmeow.ErrIQRateOverLimit, wauser.ErrRateLimited},
		{whatsmeow.ErrIQBadRequest, wauser.ErrInvalidArgument},
	} {
		h.m.EXPECT().GetGroupInfo(gomock.Any(), groupID).Return(nil, tc.cause)
		_, err := h.c.GetGroup(ctx, groupID.String())
		require.ErrorIs(t, err, tc.want, "%v", tc.cause)
		require.ErrorIs(t, err, tc.cause, "the whatsmeow cause is kept")
		require.True(t, errors.Is(err, tc.cause) && errors.Is(err, tc.want))
	}
	// A newsletter's GraphQL error carries its status code.
	h.m.EXPECT().FollowNewsletter(gomock.Any(), channel).Return(fmt.Errorf("graphql error: %w", types.GraphQLErrors{{
		Message: "Not found", Extensions: types.GraphQLErrorExtensions{ErrorCode: 404},
	}}))
	err := h.c.FollowNewsletter(ctx, channel.String())
	require.ErrorIs(t, err, wauser.ErrNotFound)
	var gql types.GraphQLError
	require.ErrorAs(t, err, &gql)
	// Upload errors are mapped the same way and store nothing.
	h.m.EXPECT().Upload(gomock.Any(), jpeg, whatsmeow.MediaImage).Return(whatsmeow.UploadResponse{}, fmt.Errorf("failed to refresh media connections: %w", whatsmeow.ErrNotConnected))
	_, err = h.c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: jpeg})
	require.ErrorIs(t, err, wauser.ErrNotConnected)
	require.ErrorIs(t, err, whatsmeow.ErrNotConnected)
	n, err := h.c.Store().DB().NewSelect().Model((*store.Media)(nil)).Count(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestOperationsNeedALoggedInAccount: without a connection, operations fail
// with ErrNotConnected before calling WhatsApp.
func TestOperationsNeedALoggedInAccount(t *testing.T) {
	t.Parallel()
	h := pairedMock(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	h.loggedIn.Store(false)
	_, err := h.c.ListGroups(ctx)
	require.ErrorIs(t, err, wauser.ErrNotConnected)
	err = h.c.SendChatPresence(ctx, gAlice.String(), wauser.PresenceTyping)
	require.ErrorIs(t, err, wauser.ErrNotConnected)
	_, err = h.c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: jpeg})
	require.ErrorIs(t, err, wauser.ErrNotConnected)
}

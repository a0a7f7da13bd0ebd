package wauser_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waMmsRetry"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"go.mau.fi/whatsmeow/util/gcmutil"
	"go.mau.fi/whatsmeow/util/hkdfutil"
	"go.uber.org/mock/gomock"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// serverTS is the time the mocked WhatsApp gives sent messages.
var serverTS = epoch.Add(5 * time.Second)

// msgEq matches a *waE2E.Message by proto.Equal.
func msgEq(want *waE2E.Message) gomock.Matcher { return msgMatcher{want} }

type msgMatcher struct{ want *waE2E.Message }

func (m msgMatcher) Matches(x any) bool {
	got, ok := x.(*waE2E.Message)
	return ok && proto.Equal(got, m.want)
}

func (m msgMatcher) String() string { return fmt.Sprintf("is the message %v", m.want) }

// genID matches the SendRequestExtra of a send under an id whatsmeow
// made (the caller's id, key, is only the record's client id, never sent),
// and remembers it as the wire id of key: a retry of key must go under the
// same one.
func (h *mockHarness) genID(key string) gomock.Matcher { return genIDMatcher{h, key} }

type genIDMatcher struct {
	h   *mockHarness
	key string
}

func (m genIDMatcher) Matches(x any) bool {
	extra, ok := x.(whatsmeow.SendRequestExtra)
	if !ok || extra.ID == m.key || !strings.HasPrefix(extra.ID, whatsmeow.WebMessageIDPrefix) || len(extra.ID) != 22 {
		return false
	}
	m.h.mu.Lock()
	defer m.h.mu.Unlock()
	if m.h.wireIDs == nil {
		m.h.wireIDs = map[string]string{}
	}
	if prev, ok := m.h.wireIDs[m.key]; ok {
		return prev == extra.ID
	}
	m.h.wireIDs[m.key] = extra.ID
	return true
}

func (m genIDMatcher) String() string {
	return fmt.Sprintf("is sent under a whatsmeow-made id (for the caller's %q)", m.key)
}

// wire returns the id the message the caller sent as key went under.
func (h *mockHarness) wire(key string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.wireIDs[key]
}

// answer answers a send like WhatsApp: with the id it went under and the
// server's time.
func answer(_ context.Context, _ types.JID, _ *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	return sent(extra[0].ID), nil
}

// sent answers a send under id like WhatsApp.
func sent(id string) whatsmeow.SendResponse {
	return whatsmeow.SendResponse{ID: id, Timestamp: serverTS, Sender: selfPN}
}

// incoming stores a message someone sent, as whatsmeow delivers it.
func (h *mockHarness) incoming(t *testing.T, chat, sender types.JID, id string, at time.Time, msg *waE2E.Message) wauser.Message {
	t.Helper()
	require.True(t, h.emit(watest.Message(chat, sender, id, at, msg)))
	return h.message(t, id)
}

// message returns the stored message with WhatsApp id id.
func (h *mockHarness) message(t *testing.T, id string) wauser.Message {
	t.Helper()
	p, err := h.c.SyncPage(ctxTimeout(t), 0, wauser.MaxSyncLimit)
	require.NoError(t, err)
	for _, m := range p.Messages {
		if (m.WAMessageID == id || m.ClientID == id) && m.MergedInto == "" {
			return m
		}
	}
	t.Fatalf("no stored message %s", id)
	return wauser.Message{}
}

func text(s string) *waE2E.Message { return &waE2E.Message{Conversation: proto.String(s)} }

// TestMockSendOperations asserts, for each send operation, the exact
// whatsmeow call with the proto fields that matter, and the stored record.
func TestMockSendOperations(t *testing.T) {
	t.Parallel()
	upload := uploadResponse(png)
	mediaFields := func(t *testing.T, url, path string, key, encSum, sum []byte, length uint64, mime string) {
		t.Helper()
		require.Equal(t, upload.URL, url)
		require.Equal(t, upload.DirectPath, path)
		require.Equal(t, upload.MediaKey, key)
		require.Equal(t, upload.FileEncSHA256, encSum)
		require.Equal(t, upload.FileSHA256, sum)
		require.Equal(t, upload.FileLength, length)
		require.Equal(t, "image/png", mime)
	}
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context, t *testing.T, h *mockHarness)
	}{
		{"text", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(text("hello")), h.genID("T1")).DoAndReturn(answer)
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: "+15551230001", Text: "hello", ID: "T1"})
			require.NoError(t, err)
			require.Equal(t, h.wire("T1"), m.WAMessageID, "sent under a whatsmeow-made id")
			require.Equal(t, "T1", m.ClientID, "the caller's id is kept")
			require.Equal(t, "sent", m.Status)
			require.Equal(t, serverTS, m.SentAt, "the server's timestamp")
			require.Equal(t, gAlice.String(), m.ChatJID)
			require.Equal(t, selfPN.String(), m.SenderJID)
			require.Equal(t, *m, h.message(t, "T1"), "stored as returned")
		}},
		{"image by media id", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().Upload(gomock.Any(), png, whatsmeow.MediaImage).Return(upload, nil)
			media, err := h.c.UploadMedia(ctx, wauser.UploadMediaRequest{Data: png})
			require.NoError(t, err)
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, gomock.Any(), h.genID("I1")).DoAndReturn(
				func(_ context.Context, _ types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
					img := msg.GetImageMessage()
					mediaFields(t, img.GetURL(), img.GetDirectPath(), img.GetMediaKey(), img.GetFileEncSHA256(), img.GetFileSHA256(), img.GetFileLength(), img.GetMimetype())
					require.Equal(t, "look", img.GetCaption())
					require.Equal(t, epoch.Unix(), img.GetMediaKeyTimestamp())
					return sent(extra[0].ID), nil
				})
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "I1", Image: &wauser.MediaMessage{ID: media.ID, Caption: "look"}})
			require.NoError(t, err)
			require.Equal(t, "image", m.ContentType)
			require.Equal(t, "look", m.Body)
			sum := sha256.Sum256(png)
			require.Equal(t, &wauser.MessageMedia{MimeType: "image/png", Size: uint64(len(png)), SHA256: hex.EncodeToString(sum[:]), Caption: "look"}, m.Media)
		}},
		{"document from bytes", func(ctx context.Context, t *testing.T, h *mockHarness) {
			pdf := []byte("%PDF-1.7\n1 0 obj\n")
			gomock.InOrder(
				h.m.EXPECT().Upload(gomock.Any(), pdf, whatsmeow.MediaDocument).Return(uploadResponse(pdf), nil),
				h.m.EXPECT().SendMessage(gomock.Any(), gAlice, gomock.Any(), h.genID("D1")).DoAndReturn(
					func(_ context.Context, _ types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
						require.Nil(t, msg.GetDocumentMessage(), "a captioned document is wrapped, as official clients send it")
						doc := msg.GetDocumentWithCaptionMessage().GetMessage().GetDocumentMessage()
						require.Equal(t, "report.pdf", doc.GetFileName())
						require.Equal(t, "application/pdf", doc.GetMimetype())
						require.Equal(t, uint64(len(pdf)), doc.GetFileLength())
						require.Equal(t, uploadResponse(pdf).MediaKey, doc.GetMediaKey())
						require.Equal(t, uploadResponse(pdf).DirectPath, doc.GetDirectPath())
						require.Equal(t, "Monthly report", doc.GetCaption())
						return sent(extra[0].ID), nil
					}),
			)
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "D1", Type: wauser.MessageDocument,
				Document: &wauser.MediaMessage{Data: pdf, FileName: "report.pdf", Caption: "Monthly report"}})
			require.NoError(t, err)
			require.Equal(t, "document", m.ContentType)
			require.Equal(t, "report.pdf", m.Media.FileName)
		}},
		{"image from a URL", func(ctx context.Context, t *testing.T, _ *mockHarness) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/octet-stream")
				_, _ = w.Write(png)
			}))
			defer srv.Close()
			h := pairedMock(t, testdb.SQLite(t), wauser.WithPrivateMediaURLs(), wauser.WithHTTPClient(srv.Client()))
			gomock.InOrder(
				h.m.EXPECT().Upload(gomock.Any(), png, whatsmeow.MediaImage).Return(upload, nil),
				h.m.EXPECT().SendMessage(gomock.Any(), gAlice, gomock.Any(), h.genID("U1")).DoAndReturn(
					func(_ context.Context, _ types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
						img := msg.GetImageMessage()
						mediaFields(t, img.GetURL(), img.GetDirectPath(), img.GetMediaKey(), img.GetFileEncSHA256(), img.GetFileSHA256(), img.GetFileLength(), img.GetMimetype())
						return sent(extra[0].ID), nil
					}),
			)
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "U1", Image: &wauser.MediaMessage{URL: srv.URL + "/cat.png"}})
			require.NoError(t, err)
			require.Equal(t, "image/png", m.Media.MimeType, "sniffed")
		}},
		{"voice note, video and sticker", func(ctx context.Context, t *testing.T, h *mockHarness) {
			ogg := []byte("OggS\x00\x02voice")
			webp := []byte("RIFF\x10\x00\x00\x00WEBPVP8 ")
			mp4 := []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
			h.m.EXPECT().Upload(gomock.Any(), ogg, whatsmeow.MediaAudio).Return(uploadResponse(ogg), nil)
			h.m.EXPECT().Upload(gomock.Any(), webp, whatsmeow.MediaImage).Return(uploadResponse(webp), nil)
			h.m.EXPECT().Upload(gomock.Any(), mp4, whatsmeow.MediaVideo).Return(uploadResponse(mp4), nil)
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, gomock.Any(), h.genID("A1")).DoAndReturn(
				func(_ context.Context, _ types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
					a := msg.GetAudioMessage()
					require.True(t, a.GetPTT(), "a voice note")
					require.Equal(t, "audio/ogg; codecs=opus", a.GetMimetype())
					require.Equal(t, uploadResponse(ogg).FileSHA256, a.GetFileSHA256())
					return sent(extra[0].ID), nil
				})
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, gomock.Any(), h.genID("S1")).DoAndReturn(
				func(_ context.Context, _ types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
					require.Equal(t, "image/webp", msg.GetStickerMessage().GetMimetype())
					require.Equal(t, uploadResponse(webp).FileEncSHA256, msg.GetStickerMessage().GetFileEncSHA256())
					return sent(extra[0].ID), nil
				})
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, gomock.Any(), h.genID("V1")).DoAndReturn(
				func(_ context.Context, _ types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
					require.Equal(t, "video/mp4", msg.GetVideoMessage().GetMimetype())
					require.Equal(t, "clip", msg.GetVideoMessage().GetCaption())
					return sent(extra[0].ID), nil
				})
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "A1",
				Audio: &wauser.MediaMessage{Data: ogg, MIMEType: "audio/ogg; codecs=opus", Voice: true}})
			require.NoError(t, err)
			require.Equal(t, "voice", m.ContentType)
			m, err = h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "S1", Sticker: &wauser.MediaMessage{Data: webp}})
			require.NoError(t, err)
			require.Equal(t, "sticker", m.ContentType)
			m, err = h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "V1", Video: &wauser.MediaMessage{Data: mp4, Caption: "clip"}})
			require.NoError(t, err)
			require.Equal(t, "video", m.ContentType)
		}},
		{"reply with mentions in a group", func(ctx context.Context, t *testing.T, h *mockHarness) {
			q := h.incoming(t, groupID, gBob, "Q1", epoch.Add(-time.Minute), text("question?"))
			want := &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
				Text: proto.String("@15551230001 see @987654321098765"),
				ContextInfo: &waE2E.ContextInfo{
					StanzaID:      proto.String("Q1"),
					Participant:   proto.String(gBob.String()),
					QuotedMessage: text("question?"),
					MentionedJID:  []string{gCarol.String(), gAlice.String()},
				},
			}}
			h.m.EXPECT().SendMessage(gomock.Any(), groupID, msgEq(want), h.genID("R1")).DoAndReturn(answer)
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: groupID.String(), ID: "R1", Text: "@15551230001 see @987654321098765",
				Context: &wauser.MessageContext{MessageID: string(q.MessageID), Mentions: []string{gCarol.String()}}})
			require.NoError(t, err)
			require.Equal(t, "Q1", m.ReplyToWAID)
			require.Equal(t, []string{gCarol.String(), gAlice.String()}, m.Mentions)
		}},
		{"reply to an own message by WhatsApp id", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(text("first")), h.genID("O1")).DoAndReturn(answer)
			_, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "O1", Text: "first"})
			require.NoError(t, err)
			want := &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("second"), ContextInfo: &waE2E.ContextInfo{
				StanzaID: proto.String(h.wire("O1")), Participant: proto.String(selfPN.String()), QuotedMessage: text("first"),
			}}}
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(want), h.genID("O2")).DoAndReturn(answer)
			_, err = h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "O2", Text: "second", Context: &wauser.MessageContext{MessageID: "O1"}})
			require.NoError(t, err)
			// A WhatsApp id that is not stored: in a direct chat, the peer's.
			want = &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("third"), ContextInfo: &waE2E.ContextInfo{
				StanzaID: proto.String("UNSEEN"), Participant: proto.String(gAlice.String()),
			}}}
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(want), h.genID("O3")).DoAndReturn(answer)
			_, err = h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "O3", Text: "third", Context: &wauser.MessageContext{MessageID: "UNSEEN"}})
			require.NoError(t, err)
		}},
		{"link preview", func(ctx context.Context, t *testing.T, h *mockHarness) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write([]byte(`<html><head><title>Plain</title><meta property="og:title" content="Big &amp; Bold"><meta name="description" content="All about it"></head></html>`))
			}))
			defer srv.Close()
			h2 := pairedMock(t, testdb.SQLite(t), wauser.WithPrivateMediaURLs(), wauser.WithHTTPClient(srv.Client()))
			link := srv.URL + "/post"
			want := &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
				Text: proto.String("read " + link + "."), MatchedText: proto.String(link),
				Title: proto.String("Big & Bold"), Description: proto.String("All about it"),
				PreviewType: waE2E.ExtendedTextMessage_NONE.Enum(),
			}}
			h2.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(want), h2.genID("L1")).DoAndReturn(answer)
			_, err := h2.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "L1", Text: "read " + link + ".", PreviewURL: true})
			require.NoError(t, err)
		}},
		{"location, contacts, invite", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(&waE2E.Message{LocationMessage: &waE2E.LocationMessage{
				DegreesLatitude: proto.Float64(37.7749), DegreesLongitude: proto.Float64(-122.4194),
				Name: proto.String("San Francisco"), Address: proto.String("San Francisco, CA"),
			}}), h.genID("LOC1")).DoAndReturn(answer)
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "LOC1", Location: &wauser.Location{
				Latitude: 37.7749, Longitude: -122.4194, Name: "San Francisco", Address: "San Francisco, CA"}})
			require.NoError(t, err)
			require.Equal(t, "location", m.ContentType)

			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(&waE2E.Message{ContactMessage: &waE2E.ContactMessage{
				DisplayName: proto.String("Bob, Jr."),
				Vcard:       proto.String("BEGIN:VCARD\nVERSION:3.0\nFN:Bob\\, Jr.\nTEL;type=CELL;waid=15551230002:+15551230002\nEND:VCARD"),
			}}), h.genID("C1")).DoAndReturn(answer)
			m, err = h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "C1", Contacts: []wauser.ContactCard{{Name: "Bob, Jr.", Phones: []string{"+1 555 123 0002"}}}})
			require.NoError(t, err)
			require.Equal(t, "contact", m.ContentType)

			exp := epoch.Add(72 * time.Hour)
			h.m.EXPECT().SendMessage(gomock.Any(), gBob, msgEq(&waE2E.Message{GroupInviteMessage: &waE2E.GroupInviteMessage{
				GroupJID: proto.String(groupID.String()), InviteCode: proto.String("AbC123"), InviteExpiration: proto.Int64(exp.Unix()),
				GroupName: proto.String("Team"), Caption: proto.String("join us"),
			}}), h.genID("INV1")).DoAndReturn(answer)
			_, err = h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gBob.String(), ID: "INV1", Invite: &wauser.GroupInvite{
				Group: groupID.String(), Code: "AbC123", GroupName: "Team", Caption: "join us"}})
			require.NoError(t, err)
		}},
		{"interactive with text fallback", func(ctx context.Context, t *testing.T, h *mockHarness) {
			want := &waE2E.Message{ButtonsMessage: &waE2E.ButtonsMessage{
				ContentText: proto.String("Confirm?\n\n1. Yes\n2. No"), FooterText: proto.String("Shop"),
				HeaderType: waE2E.ButtonsMessage_TEXT.Enum(), Header: &waE2E.ButtonsMessage_Text{Text: "Order 7"},
				Buttons: []*waE2E.ButtonsMessage_Button{
					{ButtonID: proto.String("y"), ButtonText: &waE2E.ButtonsMessage_Button_ButtonText{DisplayText: proto.String("Yes")}, Type: waE2E.ButtonsMessage_Button_RESPONSE.Enum()},
					{ButtonID: proto.String("n"), ButtonText: &waE2E.ButtonsMessage_Button_ButtonText{DisplayText: proto.String("No")}, Type: waE2E.ButtonsMessage_Button_RESPONSE.Enum()},
				},
			}}
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(want), h.genID("B1")).DoAndReturn(answer)
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "B1", Interactive: &wauser.Interactive{
				Type: "button", Header: "Order 7", Body: "Confirm?", Footer: "Shop",
				Buttons: []wauser.InteractiveButton{{ID: "y", Title: "Yes"}, {ID: "n", Title: "No"}}}})
			require.NoError(t, err)
			require.Equal(t, "Confirm?\n\n1. Yes\n2. No", m.Body, "the text fallback is what is stored")

			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, gomock.Any(), h.genID("LS1")).DoAndReturn(
				func(_ context.Context, _ types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
					l := msg.GetListMessage()
					require.Equal(t, "Menu", l.GetButtonText())
					require.Equal(t, "Pick\n\nMains\n1. Soup (hot)", l.GetDescription())
					require.Equal(t, "s", l.GetSections()[0].GetRows()[0].GetRowID())
					return sent(extra[0].ID), nil
				})
			_, err = h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "LS1", Interactive: &wauser.Interactive{
				Type: "list", Body: "Pick", Button: "Menu",
				Sections: []wauser.InteractiveSection{{Title: "Mains", Rows: []wauser.InteractiveRow{{ID: "s", Title: "Soup", Description: "hot"}}}}}})
			require.NoError(t, err)
		}},
		{"poll", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().SendMessage(gomock.Any(), groupID, gomock.Any(), h.genID("P1")).DoAndReturn(
				func(_ context.Context, _ types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
					p := msg.GetPollCreationMessage()
					require.Equal(t, "Lunch?", p.GetName())
					require.Equal(t, "Sushi", p.GetOptions()[1].GetOptionName())
					require.Equal(t, uint32(1), p.GetSelectableOptionsCount())
					require.Len(t, msg.GetMessageContextInfo().GetMessageSecret(), 32, "whatsmeow's builder adds the vote secret")
					return sent(extra[0].ID), nil
				})
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: groupID.String(), ID: "P1", Poll: &wauser.Poll{Question: "Lunch?", Options: []string{"Pizza", "Sushi"}, SelectableCount: 1}})
			require.NoError(t, err)
			require.Equal(t, "poll", m.ContentType)
		}},
		{"reaction and unreaction", func(ctx context.Context, t *testing.T, h *mockHarness) {
			q := h.incoming(t, groupID, gBob, "G1", epoch.Add(-time.Minute), text("lunch?"))
			react := func(emoji string, at time.Time) *waE2E.Message {
				key := &waCommon.MessageKey{RemoteJID: proto.String(groupID.String()), FromMe: proto.Bool(false), ID: proto.String("G1"), Participant: proto.String(gBob.String())}
				return &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Key: key, Text: proto.String(emoji), SenderTimestampMS: proto.Int64(at.UnixMilli())}}
			}
			gomock.InOrder(
				h.m.EXPECT().SendMessage(gomock.Any(), groupID, msgEq(react("🍕", epoch))).Return(sent("X1"), nil),
				h.m.EXPECT().SendMessage(gomock.Any(), groupID, msgEq(react("", epoch.Add(time.Second)))).Return(sent("X2"), nil),
			)
			m, err := h.c.SendReaction(ctx, "", string(q.MessageID), "🍕")
			require.NoError(t, err)
			require.Equal(t, map[string]string{selfPN.String(): "🍕"}, m.Reactions)
			h.clock.Advance(time.Second)
			// By WhatsApp id, naming the author.
			m, err = h.c.SendMessage(ctx, wauser.SendMessageRequest{To: groupID.String(), Reaction: &wauser.Reaction{MessageID: "G1"},
				Context: &wauser.MessageContext{Participant: gBob.String()}})
			require.NoError(t, err)
			require.Empty(t, m.Reactions, "an empty emoji removes the reaction")
		}},
		{"revoke own and as admin", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().SendMessage(gomock.Any(), groupID, msgEq(text("oops")), h.genID("M1")).DoAndReturn(answer)
			own, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: groupID.String(), ID: "M1", Text: "oops"})
			require.NoError(t, err)
			other := h.incoming(t, groupID, gBob, "M2", epoch, text("spam"))
			revoke := func(key *waCommon.MessageKey) *waE2E.Message {
				return &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_REVOKE.Enum(), Key: key}}
			}
			gomock.InOrder(
				h.m.EXPECT().SendMessage(gomock.Any(), groupID, msgEq(revoke(&waCommon.MessageKey{
					RemoteJID: proto.String(groupID.String()), FromMe: proto.Bool(true), ID: proto.String(h.wire("M1"))}))).Return(sent("Y1"), nil),
				h.m.EXPECT().SendMessage(gomock.Any(), groupID, msgEq(revoke(&waCommon.MessageKey{
					RemoteJID: proto.String(groupID.String()), FromMe: proto.Bool(false), ID: proto.String("M2"), Participant: proto.String(gBob.String())}))).Return(sent("Y2"), nil),
			)
			m, err := h.c.RevokeMessage(ctx, "", string(own.MessageID))
			require.NoError(t, err)
			require.Equal(t, "deleted", m.Status)
			require.Equal(t, serverTS, m.DeletedAt)
			m, err = h.c.RevokeMessage(ctx, groupID.String(), string(other.MessageID))
			require.NoError(t, err)
			require.Equal(t, "deleted", m.Status, "an admin deletes someone else's message")
			require.Empty(t, h.message(t, "M2").Body)
		}},
		{"edit", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(text("helo")), h.genID("E1")).DoAndReturn(answer)
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), ID: "E1", Text: "helo"})
			require.NoError(t, err)
			want := &waE2E.Message{EditedMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
				Type:          waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(),
				Key:           &waCommon.MessageKey{RemoteJID: proto.String(gAlice.String()), FromMe: proto.Bool(true), ID: proto.String(h.wire("E1"))},
				EditedMessage: text("hello"),
				TimestampMS:   proto.Int64(epoch.UnixMilli()),
			}}}}
			h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(want)).Return(sent("E2"), nil)
			m, err = h.c.EditMessage(ctx, gAlice.String(), string(m.MessageID), "hello")
			require.NoError(t, err)
			require.Equal(t, "hello", m.Body)
			require.Equal(t, serverTS, m.EditedAt)
		}},
		{"mark read and played", func(ctx context.Context, t *testing.T, h *mockHarness) {
			a := h.incoming(t, groupID, gBob, "R1", epoch, text("one"))
			b := h.incoming(t, groupID, gAlice, "R2", epoch, text("two"))
			h.incoming(t, groupID, gBob, "R3", epoch, text("three"))
			require.Equal(t, 3, unread(t, h.c, groupID))
			gomock.InOrder(
				h.m.EXPECT().MarkRead(gomock.Any(), []types.MessageID{"R1", "R3"}, epoch, groupID, gBob).Return(nil),
				h.m.EXPECT().MarkRead(gomock.Any(), []types.MessageID{"R2"}, epoch, groupID, gAlice).Return(nil),
				h.m.EXPECT().MarkRead(gomock.Any(), []types.MessageID{"R2"}, epoch, groupID, gAlice, types.ReceiptTypePlayed).Return(nil),
			)
			require.NoError(t, h.c.MarkRead(ctx, wauser.MarkReadRequest{Chat: groupID.String(), MessageIDs: []string{string(a.MessageID), "R2", "R3"}}))
			require.Equal(t, "read", h.message(t, "R1").Status)
			require.Equal(t, "read", h.message(t, "R3").Status)
			require.Zero(t, unread(t, h.c, groupID), "the unread count is reset")
			_, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{Type: wauser.MessageStatus, Status: wauser.StatusPlayed,
				Context: &wauser.MessageContext{MessageID: string(b.MessageID)}})
			require.NoError(t, err)
			require.Equal(t, "played", h.message(t, "R2").Status)
		}},
		{"typing and recording", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SendChatPresence(gomock.Any(), gAlice, types.ChatPresenceComposing, types.ChatPresenceMediaText).Return(nil),
				h.m.EXPECT().SendChatPresence(gomock.Any(), groupID, types.ChatPresenceComposing, types.ChatPresenceMediaAudio).Return(nil),
			)
			m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), Status: wauser.StatusTyping})
			require.NoError(t, err)
			require.Nil(t, m, "a status stores no message")
			_, err = h.c.SendMessage(ctx, wauser.SendMessageRequest{To: groupID.String(), Type: wauser.MessageStatus, Status: wauser.StatusRecording})
			require.NoError(t, err)
		}},
		{"history request", func(ctx context.Context, t *testing.T, h *mockHarness) {
			at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
			require.True(t, h.emit(watest.FromMe(watest.Text(gAlice, selfPN, "OLDEST", at, "hi"))))
			h.incoming(t, gAlice, gAlice, "NEWER", at.Add(time.Hour), text("yo"))
			want := &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
				Type: waE2E.ProtocolMessage_PEER_DATA_OPERATION_REQUEST_MESSAGE.Enum(),
				PeerDataOperationRequestMessage: &waE2E.PeerDataOperationRequestMessage{
					PeerDataOperationRequestType: waE2E.PeerDataOperationRequestType_HISTORY_SYNC_ON_DEMAND.Enum(),
					HistorySyncOnDemandRequest: &waE2E.PeerDataOperationRequestMessage_HistorySyncOnDemandRequest{
						ChatJID: proto.String(gAlice.String()), OldestMsgID: proto.String("OLDEST"), OldestMsgFromMe: proto.Bool(true),
						OnDemandMsgCount:     proto.Int32(40),
						OldestMsgTimestampMS: proto.Int64(at.Unix()), // seconds, despite the name
					},
				},
			}}
			h.m.EXPECT().SendPeerMessage(gomock.Any(), selfPN, msgEq(want)).Return(sent("H1"), nil)
			req, err := h.c.RequestHistory(ctx, 40, "+15551230001")
			require.NoError(t, err)
			require.Equal(t, &wauser.HistoryRequest{Count: 40, Chats: []wauser.HistoryAnchor{{
				ConversationID: h.message(t, "OLDEST").ConversationID, ChatJID: gAlice.String(), OldestMessageID: "OLDEST", OldestAt: at,
			}}}, req)
		}},
		{"download with media retry", func(ctx context.Context, t *testing.T, h *mockHarness) {
			img := &waE2E.ImageMessage{URL: proto.String(upload.URL), DirectPath: proto.String(upload.DirectPath), MediaKey: upload.MediaKey,
				FileEncSHA256: upload.FileEncSHA256, FileSHA256: upload.FileSHA256, FileLength: proto.Uint64(upload.FileLength), Mimetype: proto.String("image/png")}
			m := h.incoming(t, groupID, gBob, "IMG1", epoch, &waE2E.Message{ImageMessage: img})
			newPath := "/v/t62.7118-24/2.enc?ccb=11-4"
			retried := proto.CloneOf(img)
			retried.URL, retried.DirectPath = nil, proto.String(newPath)
			info := &types.MessageInfo{MessageSource: types.MessageSource{Chat: groupID, Sender: gBob, IsGroup: true}, ID: "IMG1"}
			gomock.InOrder(
				h.m.EXPECT().Download(gomock.Any(), msgPartEq(img)).Return(nil, whatsmeow.ErrMediaDownloadFailedWith410),
				h.m.EXPECT().SendMediaRetryReceipt(gomock.Any(), info, upload.MediaKey).DoAndReturn(func(context.Context, *types.MessageInfo, []byte) error {
					go h.emit(mediaRetryAnswer(t, "IMG1", upload.MediaKey, newPath))
					return nil
				}),
				h.m.EXPECT().Download(gomock.Any(), msgPartEq(retried)).Return(png, nil),
				h.m.EXPECT().Download(gomock.Any(), msgPartEq(retried)).Return(png, nil),
			)
			got, err := h.c.DownloadMedia(ctx, m.MessageID)
			require.NoError(t, err)
			require.Equal(t, &wauser.MediaFile{Data: png, MIMEType: "image/png"}, got)
			_, err = h.c.DownloadMedia(ctx, m.MessageID)
			require.NoError(t, err, "the new location was stored")
		}},
		{"archive and clear name the last message", func(ctx context.Context, t *testing.T, h *mockHarness) {
			last := epoch.Add(-time.Minute)
			h.incoming(t, gAlice, gAlice, "L1", last.Add(-time.Hour), text("older"))
			h.incoming(t, gAlice, gAlice, "L2", last, text("latest"))
			key := &waCommon.MessageKey{RemoteJID: proto.String(gAlice.String()), FromMe: proto.Bool(false), ID: proto.String("L2")}
			gomock.InOrder(
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildArchive(gAlice, true, last, key), epoch))).Return(nil),
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildArchive(gAlice, false, last, key), epoch))).Return(nil),
			)
			require.NoError(t, h.c.ArchiveChat(ctx, "+15551230001"))
			require.NoError(t, h.c.UnarchiveChat(ctx, gAlice.String()))
			h.m.EXPECT().SendAppState(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, p appstate.PatchInfo) error {
				require.Equal(t, last.Unix(), p.Mutations[0].Value.GetClearChatAction().GetMessageRange().GetLastMessageTimestamp())
				return nil
			})
			require.NoError(t, h.c.ClearChat(ctx, gAlice.String(), false))
		}},
		{"profile picture", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().GetProfilePictureInfo(gomock.Any(), gAlice, &whatsmeow.GetProfilePictureParams{Preview: true}).
				Return(&types.ProfilePictureInfo{URL: "https://pps.whatsapp.net/a", ID: "99", Type: "preview"}, nil)
			pic, err := h.c.GetProfilePicture(ctx, "+15551230001", true)
			require.NoError(t, err)
			require.Equal(t, &wauser.ProfilePicture{URL: "https://pps.whatsapp.net/a", ID: "99", Type: "preview"}, pic)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(ctxTimeout(t), t, pairedMock(t, testdb.SQLite(t)))
		})
	}
}

// unread returns the unread count of chat's conversation.
func unread(t *testing.T, c *wauser.Client, chat types.JID) int {
	t.Helper()
	p, err := c.SyncPage(ctxTimeout(t), 0, wauser.MaxSyncLimit)
	require.NoError(t, err)
	for _, cv := range p.Conversations {
		if cv.ChatJID == chat.String() {
			return cv.UnreadCount
		}
	}
	t.Fatalf("no conversation %s", chat)
	return 0
}

// msgPartEq matches a part of a message (an ImageMessage...) by
// proto.Equal.
func msgPartEq(want proto.Message) gomock.Matcher { return partMatcher{want} }

type partMatcher struct{ want proto.Message }

func (m partMatcher) Matches(x any) bool {
	got, ok := x.(proto.Message)
	return ok && proto.Equal(got, m.want)
}

func (m partMatcher) String() string { return fmt.Sprintf("is %v", m.want) }

// mediaRetryAnswer is the phone's encrypted answer to a media retry: the
// file is at newPath now.
func mediaRetryAnswer(t *testing.T, id string, mediaKey []byte, newPath string) *events.MediaRetry {
	plain, err := proto.Marshal(&waMmsRetry.MediaRetryNotification{StanzaID: proto.String(id), DirectPath: proto.String(newPath),
		Result: waMmsRetry.MediaRetryNotification_SUCCESS.Enum()})
	require.NoError(t, err)
	iv := make([]byte, 12)
	ct, err := gcmutil.Encrypt(hkdfutil.SHA256(mediaKey, nil, []byte("WhatsApp Media Retry Notification"), 32), iv, plain, []byte(id))
	require.NoError(t, err)
	return &events.MediaRetry{MessageID: id, Ciphertext: ct, IV: iv}
}

// TestMockSendBadInputsMakeNoCall gives every send operation bad input:
// each fails with ErrInvalidArgument naming the field, and the mock sees no
// WhatsApp call (it has no expectations, so any call fails the test).
func TestMockSendBadInputsMakeNoCall(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(png) }))
	t.Cleanup(srv.Close)
	h := pairedMock(t, testdb.SQLite(t), wauser.WithMediaLimit(1024), wauser.WithHTTPClient(srv.Client()))
	ctx := ctxTimeout(t)
	c := h.c
	_, err := c.CreateTemplate(ctx, wauser.TemplateRequest{Name: "greet", Language: "en", Components: []wauser.TemplateComponent{{Type: "body", Text: "Hi {{1}} and {{2}}"}}})
	require.NoError(t, err)
	h.incoming(t, groupID, gBob, "G1", epoch, text("hi"))
	other := h.incoming(t, gAlice, gAlice, "A1", epoch, text("theirs"))
	own := h.storeOwn(t, gAlice, "OWN1", &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Caption: proto.String("pic")}})
	send := func(r wauser.SendMessageRequest) func() error {
		return func() error { _, err := c.SendMessage(ctx, r); return err }
	}
	to := gAlice.String()
	tpl := func(params ...string) *wauser.TemplateMessage {
		tm := &wauser.TemplateMessage{Name: "greet", Language: "en", Components: []wauser.TemplateParams{{Type: "body"}}}
		for _, p := range params {
			tm.Components[0].Parameters = append(tm.Components[0].Parameters, wauser.TemplateParameter{Type: "text", Text: p})
		}
		return tm
	}
	for _, tc := range []struct {
		name  string
		field string
		call  func() error
	}{
		{"bad recipient", "to", send(wauser.SendMessageRequest{To: "0123", Text: "x"})},
		{"device recipient", "to", send(wauser.SendMessageRequest{To: "15551230001:2@s.whatsapp.net", Text: "x"})},
		{"no recipient", "to", send(wauser.SendMessageRequest{Text: "x"})},
		{"group as individual", "recipient_type", send(wauser.SendMessageRequest{To: groupID.String(), RecipientType: wauser.RecipientIndividual, Text: "x"})},
		{"empty text", "text", send(wauser.SendMessageRequest{To: to, Type: wauser.MessageText})},
		{"blank text", "text", send(wauser.SendMessageRequest{To: to, Text: "  \n"})},
		{"no content", "type", send(wauser.SendMessageRequest{To: to})},
		{"two contents", "image", send(wauser.SendMessageRequest{To: to, Text: "x", Image: &wauser.MediaMessage{ID: "media_x"}})},
		{"type mismatch", "type", send(wauser.SendMessageRequest{To: to, Type: wauser.MessageImage, Text: "x"})},
		{"unknown type", "type", send(wauser.SendMessageRequest{To: to, Type: "gif", Text: "x"})},
		{"bad id", "id", send(wauser.SendMessageRequest{To: to, Text: "x", ID: "has space"})},
		{"participants", "participants", send(wauser.SendMessageRequest{To: groupID.String(), Text: "x", Participants: []string{to}})},
		{"unknown media id", "image.id", send(wauser.SendMessageRequest{To: to, Image: &wauser.MediaMessage{ID: "media_nothere"}})},
		{"oversized media", "image.data", send(wauser.SendMessageRequest{To: to, Image: &wauser.MediaMessage{Data: make([]byte, 1025)}})},
		{"two media sources", "document", send(wauser.SendMessageRequest{To: to, Document: &wauser.MediaMessage{Data: png, URL: "https://example.com/a"}})},
		{"media URL on a private address", "image.url", send(wauser.SendMessageRequest{To: to, Image: &wauser.MediaMessage{URL: srv.URL + "/a.png"}})},
		{"media URL not http", "video.url", send(wauser.SendMessageRequest{To: to, Video: &wauser.MediaMessage{URL: "file:///etc/passwd"}})},
		{"media MIME not fitting", "image.mime_type", send(wauser.SendMessageRequest{To: to, Image: &wauser.MediaMessage{Data: png, MIMEType: "application/pdf"}})},
		{"voice note that is not audio", "image.voice", send(wauser.SendMessageRequest{To: to, Image: &wauser.MediaMessage{Data: png, Voice: true}})},
		{"sticker caption", "sticker.caption", send(wauser.SendMessageRequest{To: to, Sticker: &wauser.MediaMessage{Data: png, Caption: "x"}})},
		{"media to a channel", "to", send(wauser.SendMessageRequest{To: channel.String(), Image: &wauser.MediaMessage{Data: png}})},
		{"bad latitude", "location.latitude", send(wauser.SendMessageRequest{To: to, Location: &wauser.Location{Latitude: 91}})},
		{"bad longitude", "location.longitude", send(wauser.SendMessageRequest{To: to, Location: &wauser.Location{Longitude: -181}})},
		{"no contacts", "contacts", send(wauser.SendMessageRequest{To: to, Contacts: []wauser.ContactCard{}})},
		{"contact without phone", "contacts[0].phones", send(wauser.SendMessageRequest{To: to, Contacts: []wauser.ContactCard{{Name: "B"}}})},
		{"contact bad phone", "contacts[0].phones[0]", send(wauser.SendMessageRequest{To: to, Contacts: []wauser.ContactCard{{Name: "B", Phones: []string{"abc"}}}})},
		{"contact bad vcard", "contacts[0].vcard", send(wauser.SendMessageRequest{To: to, Contacts: []wauser.ContactCard{{Name: "B", VCard: "hello"}}})},
		{"poll one option", "poll.options", send(wauser.SendMessageRequest{To: to, Poll: &wauser.Poll{Question: "Q", Options: []string{"a"}}})},
		{"poll repeated option", "poll.options[1]", send(wauser.SendMessageRequest{To: to, Poll: &wauser.Poll{Question: "Q", Options: []string{"a", "a"}}})},
		{"poll count", "poll.selectable_count", send(wauser.SendMessageRequest{To: to, Poll: &wauser.Poll{Question: "Q", Options: []string{"a", "b"}, SelectableCount: 3}})},
		{"poll no question", "poll.question", send(wauser.SendMessageRequest{To: to, Poll: &wauser.Poll{Options: []string{"a", "b"}}})},
		{"reaction no target", "reaction.message_id", send(wauser.SendMessageRequest{To: to, Reaction: &wauser.Reaction{Emoji: "x"}})},
		{"reaction unknown msg id", "reaction.message_id", send(wauser.SendMessageRequest{To: to, Reaction: &wauser.Reaction{MessageID: "msg_nothere", Emoji: "x"}})},
		{"reaction bad emoji", "reaction.emoji", send(wauser.SendMessageRequest{To: to, Reaction: &wauser.Reaction{MessageID: "A1", Emoji: "two words"}})},
		{"reaction in another chat", "reaction.message_id", send(wauser.SendMessageRequest{To: gBob.String(), Reaction: &wauser.Reaction{MessageID: string(other.MessageID), Emoji: "x"}})},
		{"reaction group author unknown", "context.participant", send(wauser.SendMessageRequest{To: groupID.String(), Reaction: &wauser.Reaction{MessageID: "NOTSTORED", Emoji: "x"}})},
		{"reply group author unknown", "context.participant", send(wauser.SendMessageRequest{To: groupID.String(), Text: "x", Context: &wauser.MessageContext{MessageID: "NOTSTORED"}})},
		{"reply bad id", "context.message_id", send(wauser.SendMessageRequest{To: to, Text: "x", Context: &wauser.MessageContext{MessageID: "bad id!"}})},
		{"bad mention", "context.mentions[0]", send(wauser.SendMessageRequest{To: to, Text: "x", Context: &wauser.MessageContext{Mentions: []string{groupID.String()}}})},
		{"invite bad group", "invite.group", send(wauser.SendMessageRequest{To: to, Invite: &wauser.GroupInvite{Group: to, Code: "x"}})},
		{"invite no code", "invite.code", send(wauser.SendMessageRequest{To: to, Invite: &wauser.GroupInvite{Group: groupID.String()}})},
		{"interactive bad type", "interactive.type", send(wauser.SendMessageRequest{To: to, Interactive: &wauser.Interactive{Type: "carousel", Body: "b"}})},
		{"interactive no buttons", "interactive.buttons", send(wauser.SendMessageRequest{To: to, Interactive: &wauser.Interactive{Type: "button", Body: "b"}})},
		{"interactive list without button", "interactive.button", send(wauser.SendMessageRequest{To: to, Interactive: &wauser.Interactive{Type: "list", Body: "b",
			Sections: []wauser.InteractiveSection{{Rows: []wauser.InteractiveRow{{ID: "1", Title: "t"}}}}}})},
		{"unknown template", "template.name", send(wauser.SendMessageRequest{To: to, Template: &wauser.TemplateMessage{Name: "nope", Language: "en"}})},
		{"template other language", "template.name", send(wauser.SendMessageRequest{To: to, Template: &wauser.TemplateMessage{Name: "greet", Language: "de"}})},
		{"template missing parameter", "template.components", send(wauser.SendMessageRequest{To: to, Template: tpl("Ann")})},
		{"template surplus parameter", "template.components", send(wauser.SendMessageRequest{To: to, Template: tpl("Ann", "Bo", "Cy")})},
		{"template empty parameter", "template.components[0].parameters[1]", send(wauser.SendMessageRequest{To: to, Template: tpl("Ann", "")})},
		{"template bad language", "template.language", send(wauser.SendMessageRequest{To: to, Template: &wauser.TemplateMessage{Name: "greet", Language: "english"}})},
		{"status unknown", "status", send(wauser.SendMessageRequest{To: to, Status: "online"})},
		{"status read without message", "context.message_id", send(wauser.SendMessageRequest{To: to, Status: wauser.StatusRead})},
		{"status read of own message", "context.message_id", send(wauser.SendMessageRequest{Status: wauser.StatusRead, Context: &wauser.MessageContext{MessageID: string(own.MessageID)}})},
		{"status typing to a channel", "to", send(wauser.SendMessageRequest{To: channel.String(), Status: wauser.StatusTyping})},
		{"SendText empty", "text", func() error { _, err := c.SendText(ctx, to, ""); return err }},
		{"SendText bad recipient", "to", func() error { _, err := c.SendText(ctx, "alice", "x"); return err }},
		{"SendReaction no message", "reaction.message_id", func() error { _, err := c.SendReaction(ctx, to, "", "x"); return err }},
		{"EditMessage empty text", "text", func() error { _, err := c.EditMessage(ctx, "", string(own.MessageID), ""); return err }},
		{"EditMessage other's", "message", func() error { _, err := c.EditMessage(ctx, "", string(other.MessageID), "x"); return err }},
		{"EditMessage not text", "message", func() error { _, err := c.EditMessage(ctx, "", string(own.MessageID), "x"); return err }},
		{"EditMessage no chat for WhatsApp id", "chat", func() error { _, err := c.EditMessage(ctx, "", "A1", "x"); return err }},
		{"RevokeMessage other's in a direct chat", "message", func() error { _, err := c.RevokeMessage(ctx, "", string(other.MessageID)); return err }},
		{"RevokeMessage bad chat", "chat", func() error { _, err := c.RevokeMessage(ctx, "x@y", "A1"); return err }},
		{"RevokeMessage empty", "message", func() error { _, err := c.RevokeMessage(ctx, to, ""); return err }},
		{"MarkRead none", "message_ids", func() error { return c.MarkRead(ctx, wauser.MarkReadRequest{Chat: to}) }},
		{"MarkRead too many", "message_ids", func() error {
			return c.MarkRead(ctx, wauser.MarkReadRequest{Chat: to, MessageIDs: make([]string, 101)})
		}},
		{"MarkRead own", "message_ids[0]", func() error {
			return c.MarkRead(ctx, wauser.MarkReadRequest{MessageIDs: []string{string(own.MessageID)}})
		}},
		{"MarkRead group without sender", "sender", func() error {
			return c.MarkRead(ctx, wauser.MarkReadRequest{Chat: groupID.String(), MessageIDs: []string{"NOTSTORED"}})
		}},
		{"MarkRead bad chat", "chat", func() error {
			return c.MarkRead(ctx, wauser.MarkReadRequest{Chat: channel.String(), MessageIDs: []string{"A1"}})
		}},
		{"RequestHistory count 0", "count", func() error { _, err := c.RequestHistory(ctx, 0, ""); return err }},
		{"RequestHistory count 101", "count", func() error { _, err := c.RequestHistory(ctx, 101, ""); return err }},
		{"RequestHistory bad chat", "chat", func() error { _, err := c.RequestHistory(ctx, 10, "status@broadcast"); return err }},
		{"DownloadMedia bad id", "message_id", func() error { _, err := c.DownloadMedia(ctx, "x y"); return err }},
		{"GetProfilePicture bad", "who", func() error { _, err := c.GetProfilePicture(ctx, channel.String(), false); return err }},
		{"UpdateContact nothing", "request", func() error { _, err := c.UpdateContact(ctx, to, wauser.UpdateContactRequest{}); return err }},
		{"UpdateContact long tag", "tags[0]", func() error {
			tags := []string{string(make([]byte, 65))}
			_, err := c.UpdateContact(ctx, to, wauser.UpdateContactRequest{Tags: &tags})
			return err
		}},
		{"CreateTemplate bad name", "name", func() error {
			_, err := c.CreateTemplate(ctx, wauser.TemplateRequest{Name: "Bad Name", Language: "en"})
			return err
		}},
		{"CreateTemplate no body", "components", func() error {
			_, err := c.CreateTemplate(ctx, wauser.TemplateRequest{Name: "t", Language: "en", Components: []wauser.TemplateComponent{{Type: "header", Text: "h"}}})
			return err
		}},
		{"CreateTemplate placeholder gap", "components[0].text", func() error {
			_, err := c.CreateTemplate(ctx, wauser.TemplateRequest{Name: "t", Language: "en", Components: []wauser.TemplateComponent{{Type: "body", Text: "{{1}} {{3}}"}}})
			return err
		}},
		{"CreateTemplate bad component", "components[0].type", func() error {
			_, err := c.CreateTemplate(ctx, wauser.TemplateRequest{Name: "t", Language: "en", Components: []wauser.TemplateComponent{{Type: "buttons", Text: "x"}}})
			return err
		}},
	} {
		err := tc.call()
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, tc.name)
		var ae *wauser.ArgumentError
		require.ErrorAs(t, err, &ae, tc.name)
		require.Equal(t, tc.field, ae.Field, "%s: %v", tc.name, err)
	}
	quota, err := c.GetMessageQuota(ctx)
	require.NoError(t, err)
	require.Zero(t, quota.Sent, "nothing was counted")
}

// storeOwn stores a message the account sent from its phone.
func (h *mockHarness) storeOwn(t *testing.T, chat types.JID, id string, msg *waE2E.Message) wauser.Message {
	t.Helper()
	require.True(t, h.emit(watest.FromMe(watest.Message(chat, selfPN, id, epoch, msg))))
	return h.message(t, id)
}

// TestMockSendErrors: whatsmeow's errors come back as sentinels that keep
// the cause; the message is stored failed with the reason, and sending it
// again under its id retries it.
func TestMockSendErrors(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := pairedMock(t, db)
		ctx := ctxTimeout(t)
		for i, tc := range []struct {
			cause, want error
		}{
			{fmt.Errorf("failed to get device list: failed to send usync query: %w", whatsmeow.ErrNotConnected), wauser.ErrNotConnected},
			{whatsmeow.ErrMessageTimedOut, wauser.ErrNotConnected},
			{whatsmeow.ErrNotLoggedIn, wauser.ErrNotLoggedIn},
			{fmt.Errorf("failed to get group members: %w: %w", whatsmeow.ErrGroupNotFound, whatsmeow.ErrIQNotFound), wauser.ErrNotFound},
			{fmt.Errorf("failed to get group members: %w: %w", whatsmeow.ErrNotInGroup, whatsmeow.ErrIQForbidden), wauser.ErrForbidden},
			{fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 429), wauser.ErrRateLimited},
			{fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 403), wauser.ErrForbidden},
			{whatsmeow.ErrRecipientADJID, wauser.ErrInvalidArgument},
		} {
			id := fmt.Sprintf("F%d", i)
			h.m.EXPECT().SendMessage(gomock.Any(), groupID, msgEq(text("x")), h.genID(id)).Return(whatsmeow.SendResponse{}, tc.cause)
			_, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: groupID.String(), Text: "x", ID: id})
			require.ErrorIs(t, err, tc.want, "%v", tc.cause)
			require.ErrorIs(t, err, tc.cause, "the whatsmeow cause is kept")
			m := h.message(t, id)
			require.Equal(t, "failed", m.Status)
			require.Equal(t, tc.cause.Error(), m.Error, "the reason is stored")
		}
		// Sent again under its id: retried, and now sent.
		h.m.EXPECT().SendMessage(gomock.Any(), groupID, msgEq(text("x")), h.genID("F0")).DoAndReturn(answer)
		m, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: groupID.String(), Text: "x", ID: "F0"})
		require.NoError(t, err)
		require.Equal(t, "sent", m.Status)
		require.Empty(t, m.Error)
		quota, err := h.c.GetMessageQuota(ctx)
		require.NoError(t, err)
		require.Equal(t, 8, quota.Sent, "a retry is not counted again")

		// Other operations map errors the same way.
		h.m.EXPECT().MarkRead(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return(fmt.Errorf("%w", whatsmeow.ErrNotConnected))
		h.incoming(t, gAlice, gAlice, "IN1", epoch, text("hi"))
		err = h.c.MarkRead(ctx, wauser.MarkReadRequest{Chat: gAlice.String(), MessageIDs: []string{"IN1"}})
		require.ErrorIs(t, err, wauser.ErrNotConnected)
		require.Equal(t, "received", h.message(t, "IN1").Status, "nothing stored when WhatsApp failed")
		h.m.EXPECT().SendPeerMessage(gomock.Any(), selfPN, gomock.Any()).Return(whatsmeow.SendResponse{}, whatsmeow.ErrIQRateOverLimit)
		_, err = h.c.RequestHistory(ctx, 10, gAlice.String())
		require.ErrorIs(t, err, wauser.ErrRateLimited)
		require.ErrorIs(t, err, whatsmeow.ErrIQRateOverLimit)
		h.m.EXPECT().GetProfilePictureInfo(gomock.Any(), gAlice, gomock.Any()).Return(nil, whatsmeow.ErrProfilePictureUnauthorized)
		_, err = h.c.GetProfilePicture(ctx, gAlice.String(), false)
		require.ErrorIs(t, err, wauser.ErrForbidden)
	})
}

// TestMockIdempotentSend: the same id twice, one WhatsApp call.
func TestMockIdempotentSend(t *testing.T) {
	t.Parallel()
	h := pairedMock(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(text("once")), h.genID("ONCE1")).DoAndReturn(answer).Times(1)
	first, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: gAlice.String(), Text: "once", ID: "ONCE1"})
	require.NoError(t, err)
	second, err := h.c.SendMessage(ctx, wauser.SendMessageRequest{To: "+15551230001", Text: "once", ID: "ONCE1"})
	require.NoError(t, err)
	require.Equal(t, first, second)
}

// TestMockLIDMigratedDirectSend: once the account uses LIDs, whatsmeow
// sends a direct message to the peer's LID as the account's LID. The
// message then keeps the LID chat, and a reaction to it names the chat so.
func TestMockLIDMigratedDirectSend(t *testing.T) {
	t.Parallel()
	h := pairedMock(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	aliceLID := types.NewJID("200000000000009", types.HiddenUserServer)
	selfLID := types.NewJID("100000000000001", types.HiddenUserServer)
	// Alice writes by phone number, with her LID alongside: the mapping.
	in := watest.Text(gAlice, gAlice, "IN1", epoch, "hi")
	in.Info.SenderAlt = aliceLID
	require.True(t, h.emit(in))

	h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(text("hello")), gomock.Any()).DoAndReturn(
		func(_ context.Context, _ types.JID, _ *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
			return whatsmeow.SendResponse{ID: extra[0].ID, Timestamp: serverTS, Sender: selfLID}, nil
		})
	own, err := h.c.SendText(ctx, gAlice.String(), "hello")
	require.NoError(t, err)
	require.Equal(t, gAlice.String(), own.ChatJID, "the record stays under the phone number")

	want := &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{
		Key:  &waCommon.MessageKey{RemoteJID: proto.String(aliceLID.String()), FromMe: proto.Bool(true), ID: proto.String(own.WAMessageID)},
		Text: proto.String("👍"), SenderTimestampMS: proto.Int64(epoch.UnixMilli()),
	}}
	h.m.EXPECT().SendMessage(gomock.Any(), gAlice, msgEq(want)).Return(sent("X"), nil)
	_, err = h.c.SendReaction(ctx, "", string(own.MessageID), "👍")
	require.NoError(t, err)
}

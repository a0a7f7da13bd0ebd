package watest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"
)

// Upload is a file uploaded through the Fake, with the answer it got.
type Upload struct {
	Data     []byte
	Type     whatsmeow.MediaType
	Response whatsmeow.UploadResponse
}

// SentPresence is a chat presence the account sent.
type SentPresence struct {
	Chat  types.JID
	State types.ChatPresence
	Media types.ChatPresenceMedia
}

// Uploads returns the files uploaded through this connection, in order.
func (c *Conn) Uploads() []Upload {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.uploads)
}

// Presences returns the chat presences sent through this connection, in
// order.
func (c *Conn) Presences() []SentPresence {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.presences)
}

// AppStatePatches returns the app state patches sent through this
// connection, in order.
func (c *Conn) AppStatePatches() []appstate.PatchInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.patches)
}

// Upload keeps the file and answers like WhatsApp's media servers: a URL
// and direct path, a fresh media key, and the SHA-256 of the file. The
// encrypted-file hash is made up (the Fake does not encrypt).
func (c *Conn) Upload(_ context.Context, plaintext []byte, appInfo whatsmeow.MediaType) (whatsmeow.UploadResponse, error) {
	if err := c.online("Upload"); err != nil {
		return whatsmeow.UploadResponse{}, err
	}
	resp := c.fake.putMedia(plaintext, appInfo)
	c.mu.Lock()
	c.uploads = append(c.uploads, Upload{Data: slices.Clone(plaintext), Type: appInfo, Response: resp})
	c.mu.Unlock()
	return resp, nil
}

// putMedia keeps a file on the Fake's media servers, where Download finds
// it, and returns the upload's answer.
func (f *Fake) putMedia(plaintext []byte, appInfo whatsmeow.MediaType) whatsmeow.UploadResponse {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.next()
	key := sha256.Sum256(fmt.Appendf(nil, "watest media key %d", n))
	sum := sha256.Sum256(plaintext)
	enc := sha256.Sum256(append(key[:], plaintext...))
	path := fmt.Sprintf("/v/t62.7118-24/%d_watest.enc?ccb=11-4&oh=01_watest&oe=%08X", n, n)
	f.media[path] = &mediaFile{data: slices.Clone(plaintext), key: key[:], typ: appInfo}
	return whatsmeow.UploadResponse{
		URL:           "https://mmg.whatsapp.net" + path + "&mms3=true",
		DirectPath:    path,
		MediaKey:      key[:],
		FileEncSHA256: enc[:],
		FileSHA256:    sum[:],
		FileLength:    uint64(len(plaintext)),
	}
}

// SendChatPresence records the presence (see Presences).
func (c *Conn) SendChatPresence(_ context.Context, jid types.JID, state types.ChatPresence, media types.ChatPresenceMedia) error {
	if err := c.online("SendChatPresence"); err != nil {
		return err
	}
	c.mu.Lock()
	c.presences = append(c.presences, SentPresence{Chat: jid, State: state, Media: media})
	c.mu.Unlock()
	return nil
}

// IsOnWhatsApp answers from the registered numbers (Fake.Register and the
// paired accounts). Like WhatsApp, it finds only numbers given with a
// leading "+".
func (c *Conn) IsOnWhatsApp(_ context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error) {
	if err := c.online("IsOnWhatsApp"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]types.IsOnWhatsAppResponse, 0, len(phones))
	for _, p := range phones {
		jid := types.NewJID(digits(p), types.DefaultUserServer)
		out = append(out, types.IsOnWhatsAppResponse{
			Query: p,
			JID:   jid,
			IsIn:  strings.HasPrefix(p, "+") && f.isRegistered(jid),
		})
	}
	return out, nil
}

// checkPatch refuses mutations whose index or collection does not follow
// the current protocol.
func checkPatch(patch appstate.PatchInfo) error {
	for _, m := range patch.Mutations {
		if len(m.Index) == 0 {
			continue
		}
		var ok bool
		switch m.Index[0] {
		case appstate.IndexDeleteChat:
			ok = patch.Type == appstate.WAPatchRegularHigh && len(m.Index) == 3 && (m.Index[2] == "0" || m.Index[2] == "1")
		case appstate.IndexClearChat:
			ok = patch.Type == appstate.WAPatchRegularHigh && len(m.Index) == 4 && (m.Index[2] == "0" || m.Index[2] == "1") && m.Index[3] == "0"
		default:
			ok = true
		}
		if !ok {
			return fmt.Errorf("%w (%s): <error code=\"400\" text=\"bad-request\"/> (watest: index %q is not the current protocol's)",
				whatsmeow.ErrAppStateUpdate, patch.Type, m.Index)
		}
	}
	return nil
}

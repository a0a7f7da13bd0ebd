package rest

import (
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/wauser/wauser"
)

// The sync dialect's message writes (whatsapp-use.openapi.yaml): send,
// react, edit, delete, read and conversation read, each answered 202 with
// the record of the command, which has run by then; and the download of a
// message's file.

// sendRequest is the specification's SendMessageRequest: a text to a
// conversation or to a contact.
type sendRequest struct {
	ConversationID wauser.ConversationID `json:"conversation_id,omitempty"`
	// ContactID is a contact's person id (or a phone number).
	ContactID string `json:"contact_id,omitempty"`
	Text      string `json:"text"`
}

// messageActionRequest is the specification's MessageActionRequest: a
// message (message_id, or its WhatsApp id as wa_message_id or
// target_wa_id) in a chat (conversation_id, to or contact_id: needed only
// for WhatsApp ids), its author in groups (sender), and for reactions the
// emoji.
type messageActionRequest struct {
	ConversationID wauser.ConversationID `json:"conversation_id,omitempty"`
	// To is the chat as a phone number or JID.
	To        string `json:"to,omitempty"`
	ContactID string `json:"contact_id,omitempty"`
	// MessageID is a stored message's id (msg_…) or a WhatsApp id.
	MessageID   string `json:"message_id"`
	WAMessageID string `json:"wa_message_id,omitempty"`
	TargetWAID  string `json:"target_wa_id,omitempty"`
	// Sender is the author of a WhatsApp id that is not stored, in groups
	// (react only; edit acts on the account's own messages, delete on
	// stored ones or the account's own).
	Sender string `json:"sender,omitempty"`
	// Emoji is the reaction; empty removes the account's reaction.
	Emoji string `json:"emoji,omitempty"`
}

// editRequest is the specification's EditMessageRequest.
type editRequest struct {
	messageActionRequest
	Text string `json:"text"`
}

// markReadRequest is the specification's MarkReadRequest.
type markReadRequest struct {
	ConversationID wauser.ConversationID `json:"conversation_id,omitempty"`
	To             string                `json:"to,omitempty"`
	ContactID      string                `json:"contact_id,omitempty"`
	// Sender is the author of WhatsApp ids that are not stored, in groups.
	Sender string `json:"sender,omitempty"`
	// MessageIDs are stored ids (msg_…) or WhatsApp ids, 1 to 100.
	MessageIDs []string `json:"message_ids"`
}

// chatOf returns the chat a request names by conversation_id, to (a phone
// number or JID) or contact_id (a person id or phone number), at most one
// of them; "" when none is given.
func (x *call) chatOf(conversation wauser.ConversationID, to, contact string) (string, error) {
	given := 0
	for _, s := range []string{string(conversation), to, contact} {
		if s != "" {
			given++
		}
	}
	switch {
	case given > 1:
		return "", badRequest("invalid_argument", "name the chat once: give one of conversation_id, to and contact_id")
	case conversation != "":
		conv, err := x.c.GetConversation(x.ctx, conversation)
		if err != nil {
			return "", err
		}
		return conv.ChatJID, nil
	case contact != "":
		ct, err := x.c.GetContact(x.ctx, contact)
		if err != nil {
			return "", err
		}
		if ct.PhoneJID != "" {
			return ct.PhoneJID, nil
		}
		return ct.LIDJID, nil
	case to != "":
		jid, err := wauser.ParseRecipient(to, "")
		if err != nil {
			return "", err
		}
		return jid.String(), nil
	}
	return "", nil
}

// action returns the chat (or "") and the message an action names.
func (x *call) action(in *messageActionRequest) (chat, message string, err error) {
	if chat, err = x.chatOf(in.ConversationID, in.To, in.ContactID); err != nil {
		return "", "", err
	}
	message, err = x.target(in)
	return chat, message, err
}

// target returns the message an action names: message_id, wa_message_id
// and target_wa_id may all be given when they name the same message (a
// stored id and its WhatsApp id, or the same WhatsApp id).
func (x *call) target(in *messageActionRequest) (string, error) {
	var ids []string
	for _, id := range []string{in.MessageID, in.WAMessageID, in.TargetWAID} {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return "", badRequest("invalid_argument", "message_id is required")
	case len(ids) == 1:
		return ids[0], nil
	case len(ids) == 2 && strings.HasPrefix(in.MessageID, "msg_"):
		m, err := x.c.GetMessage(x.ctx, wauser.MessageID(in.MessageID))
		if err != nil {
			return "", err
		}
		if m.WAMessageID == ids[1] {
			return in.MessageID, nil
		}
	}
	return "", badRequest("invalid_argument", "message_id, wa_message_id and target_wa_id name different messages")
}

// messageResult is the result of a command on one message.
type messageResult struct {
	MessageID wauser.MessageID `json:"message_id"`
	Message   *wauser.Message  `json:"message"`
}

func syncSendMessage() operation {
	return doBody(func(x *call, in *sendRequest) (*commandAccepted, error) {
		if in.ConversationID == "" && in.ContactID == "" {
			return nil, badRequest("invalid_argument", "give the conversation_id or the contact_id to send to")
		}
		chat, err := x.chatOf(in.ConversationID, "", in.ContactID)
		if err != nil {
			return nil, err
		}
		m, err := x.c.SendMessage(x.ctx, wauser.SendMessageRequest{To: chat, Type: wauser.MessageText, Text: in.Text})
		if err != nil {
			return nil, err
		}
		return x.accepted(x.c, "send_message", in, messageResult{MessageID: m.MessageID, Message: m})
	})
}

func syncReact() operation {
	return doBody(func(x *call, in *messageActionRequest) (*commandAccepted, error) {
		chat, target, err := x.action(in)
		if err != nil {
			return nil, err
		}
		req := wauser.SendMessageRequest{To: chat, Type: wauser.MessageReaction, Reaction: &wauser.Reaction{MessageID: target, Emoji: in.Emoji}}
		if in.Sender != "" {
			req.Context = &wauser.MessageContext{Participant: in.Sender}
		}
		m, err := x.c.SendMessage(x.ctx, req)
		if err != nil {
			return nil, err
		}
		return x.accepted(x.c, "react_to_message", in, messageResult{MessageID: m.MessageID, Message: m})
	})
}

func syncEdit() operation {
	return doBody(func(x *call, in *editRequest) (*commandAccepted, error) {
		chat, target, err := x.action(&in.messageActionRequest)
		if err != nil {
			return nil, err
		}
		m, err := x.c.EditMessage(x.ctx, chat, target, in.Text)
		if err != nil {
			return nil, err
		}
		return x.accepted(x.c, "edit_message", in, messageResult{MessageID: m.MessageID, Message: m})
	})
}

func syncDelete() operation {
	return doBody(func(x *call, in *messageActionRequest) (*commandAccepted, error) {
		chat, target, err := x.action(in)
		if err != nil {
			return nil, err
		}
		m, err := x.c.RevokeMessage(x.ctx, chat, target)
		if err != nil {
			return nil, err
		}
		return x.accepted(x.c, "delete_message", in, messageResult{MessageID: m.MessageID, Message: m})
	})
}

// readResult is the result of a read command: the chat and the messages
// marked read.
type readResult struct {
	ChatJID    string   `json:"chat_jid"`
	MessageIDs []string `json:"message_ids"`
}

func syncMarkRead() operation {
	return doBody(func(x *call, in *markReadRequest) (*commandAccepted, error) {
		chat, err := x.chatOf(in.ConversationID, in.To, in.ContactID)
		if err != nil {
			return nil, err
		}
		if err := x.c.MarkRead(x.ctx, wauser.MarkReadRequest{Chat: chat, MessageIDs: in.MessageIDs, Sender: in.Sender}); err != nil {
			return nil, err
		}
		return x.accepted(x.c, "mark_messages_read", in, readResult{ChatJID: chat, MessageIDs: in.MessageIDs})
	})
}

// maxUnreadMarked is how many of a conversation's newest messages
// POST /v1/whatsapp/conversations/{conversation_id}/read looks at when no
// message_ids are given (Client.MarkRead's limit).
const maxUnreadMarked = 100

// syncMarkConversationRead marks messages of the conversation of the path
// read: the message_ids given, or without them (beyond the
// specification) its incoming messages not yet read among the newest 100.
func syncMarkConversationRead() operation {
	return doOptionalBody(func(x *call, in *markReadRequest) (*commandAccepted, error) {
		id := wauser.ConversationID(x.r.PathValue("conversation_id"))
		switch {
		case in.ConversationID != "" && in.ConversationID != id:
			return nil, badRequest("invalid_argument", "conversation_id %q is not the conversation of the path, %q", in.ConversationID, id)
		case in.To != "" || in.ContactID != "":
			return nil, badRequest("invalid_argument", "the conversation is the path's: leave to and contact_id out")
		}
		conv, err := x.c.GetConversation(x.ctx, id)
		if err != nil {
			return nil, err
		}
		ids := in.MessageIDs
		if len(ids) == 0 {
			list, err := x.c.ListMessages(x.ctx, wauser.ListMessagesOptions{ConversationID: conv.ConversationID, Limit: maxUnreadMarked})
			if err != nil {
				return nil, err
			}
			ids = []string{}
			for _, m := range list.Messages {
				if !m.IsFromMe && m.Status == "received" {
					ids = append(ids, string(m.MessageID))
				}
			}
		}
		if len(ids) > 0 {
			if err := x.c.MarkRead(x.ctx, wauser.MarkReadRequest{Chat: conv.ChatJID, MessageIDs: ids, Sender: in.Sender}); err != nil {
				return nil, err
			}
		}
		payload := *in
		payload.ConversationID = conv.ConversationID
		return x.accepted(x.c, "mark_conversation_read", payload, readResult{ChatJID: conv.ChatJID, MessageIDs: ids})
	})
}

// octetStream is the media type of a file of unknown type.
const octetStream = "application/octet-stream"

// syncDownloadMedia answers the file of a message (Client.DownloadMedia):
// its bytes with its media type, as an attachment. A client that accepts
// application/octet-stream but not the file's type (as one generated from
// the specification, which names only that) gets it as
// application/octet-stream.
func syncDownloadMedia() operation {
	op := doRaw(func(x *call) error {
		f, err := x.c.DownloadMedia(x.ctx, wauser.MessageID(x.r.PathValue("message_id")))
		if err != nil {
			return err
		}
		ct := f.MIMEType
		if _, _, err := mime.ParseMediaType(ct); err != nil {
			ct = octetStream
		}
		// The specification's only type is application/octet-stream: that
		// is the answer unless the Accept header asks for the file's own
		// type (or any type) and not for octet-stream first.
		if accept := x.r.Header.Get("Accept"); strings.TrimSpace(accept) == "" || (!accepts(accept, ct) && accepts(accept, octetStream)) {
			ct = octetStream
		}
		writeFile(x, f, ct)
		return nil
	})
	op.outDoc = func(*docGen) map[string]any {
		return map[string]any{"*/*": map[string]any{"schema": &schema{Type: "string", Format: "binary",
			Description: "The file: as application/octet-stream without an Accept header, or when Accept asks for that and not the file's type; with its own media type otherwise."}}}
	}
	return op
}

// writeFile answers a file as an attachment of type ct ("" for its own
// type, or application/octet-stream when that is not a media type).
func writeFile(x *call, f *wauser.MediaFile, ct string) {
	if ct == "" {
		ct = f.MIMEType
		if _, _, err := mime.ParseMediaType(ct); err != nil {
			ct = octetStream
		}
	}
	disposition := "attachment"
	if f.FileName != "" {
		if d := mime.FormatMediaType("attachment", map[string]string{"filename": f.FileName}); d != "" {
			disposition = d
		}
	}
	hdr := x.w.Header()
	hdr.Set("Content-Type", ct)
	hdr.Set("Content-Length", strconv.Itoa(len(f.Data)))
	hdr.Set("Content-Disposition", disposition)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "sandbox")
	hdr.Set("Cache-Control", "no-store")
	x.w.WriteHeader(http.StatusOK)
	_, _ = x.w.Write(f.Data)
}

// accepts reports whether an Accept header admits media type mt; no
// header admits every type.
func accepts(accept, mt string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	base, _, _ := strings.Cut(mt, ";")
	base = strings.ToLower(strings.TrimSpace(base))
	typ, _, _ := strings.Cut(base, "/")
	for r := range strings.SplitSeq(accept, ",") {
		rng, params, err := mime.ParseMediaType(strings.TrimSpace(r))
		if err != nil {
			continue
		}
		if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q <= 0 {
			continue
		}
		if rng == "*/*" || rng == base || rng == typ+"/*" {
			return true
		}
	}
	return false
}

package mcp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/wauser/wauser"
)

// What the descriptions say a tool does to WhatsApp.
const (
	readsOnly = " Reads the local store only: it sends nothing to WhatsApp and nobody is notified. Needs whatsapp:read."
	sends     = " Needs whatsapp:write, and the chat must be one the agent may write to."
)

// ErrForbidden is the error of a tool the agent's grant does not allow: a
// sending tool without whatsapp:write, a read tool without whatsapp:read,
// or a write to a chat outside Options.WritableChats.
var ErrForbidden = errors.New("mcp: not allowed")

func (g grant) need(write bool) error {
	switch {
	case write && !g.write:
		return fmt.Errorf("%w: this tool acts on WhatsApp and needs the whatsapp:write scope, which this agent does not have", ErrForbidden)
	case !write && !g.read:
		return fmt.Errorf("%w: this tool needs the whatsapp:read scope, which this agent does not have", ErrForbidden)
	}
	return nil
}

type listConversationsIn struct {
	Kind   string `json:"kind,omitempty" jsonschema:"only conversations of this kind: direct, group, newsletter, broadcast or status"`
	Limit  int    `json:"limit,omitempty" jsonschema:"at most this many (default 50, at most 500)"`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

type searchConversationsIn struct {
	Query string `json:"query" jsonschema:"text to look for in the chat's name, its JID or phone number, or the name of the person it is with"`
	Limit int    `json:"limit,omitempty" jsonschema:"at most this many (default 20)"`
}

type listMessagesIn struct {
	ConversationID string `json:"conversation_id" jsonschema:"the conversation (conv_…)"`
	Limit          int    `json:"limit,omitempty" jsonschema:"at most this many (default 50, at most 500)"`
	Cursor         string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page, for older messages"`
}

type searchMessagesIn struct {
	Query          string   `json:"query" jsonschema:"words to find (all must occur); \"quoted phrases\" and word* prefixes work"`
	ConversationID string   `json:"conversation_id,omitempty" jsonschema:"only in this conversation (conv_…)"`
	SenderID       string   `json:"sender_id,omitempty" jsonschema:"only messages this person (person_…) sent"`
	FromMe         bool     `json:"from_me,omitempty" jsonschema:"only messages the account sent"`
	ContentTypes   []string `json:"content_types,omitempty" jsonschema:"only these content types (text, image, video, audio, voice, document, sticker, location, contact, poll, system)"`
	Since          string   `json:"since,omitempty" jsonschema:"only messages sent at or after this time (RFC 3339)"`
	Until          string   `json:"until,omitempty" jsonschema:"only messages sent before this time (RFC 3339)"`
	Limit          int      `json:"limit,omitempty" jsonschema:"at most this many (default 20, at most 100)"`
	Cursor         string   `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page of the same search"`
}

type getContactIn struct {
	Who string `json:"who" jsonschema:"a person id (person_…), a phone number, or a JID"`
}

type sendTextIn struct {
	To      string `json:"to" jsonschema:"the chat: a phone number, a JID (…@s.whatsapp.net, …@lid, …@g.us) or a conversation id (conv_…)"`
	Text    string `json:"text" jsonschema:"the message"`
	ReplyTo string `json:"reply_to,omitempty" jsonschema:"a message (msg_…) of the chat to reply to"`
}

type sendMediaIn struct {
	To       string `json:"to" jsonschema:"the chat: a phone number, a JID or a conversation id (conv_…)"`
	Kind     string `json:"kind" jsonschema:"image, video, audio or document"`
	URL      string `json:"url,omitempty" jsonschema:"fetch the file from this public http(s) URL"`
	Data     string `json:"data,omitempty" jsonschema:"or: the file itself, base64"`
	MIMEType string `json:"mime_type,omitempty" jsonschema:"the file's type; empty means detected"`
	FileName string `json:"file_name,omitempty" jsonschema:"the name shown for a document"`
	Caption  string `json:"caption,omitempty" jsonschema:"text shown with an image, video or document"`
	Voice    bool   `json:"voice,omitempty" jsonschema:"send audio (Ogg Opus) as a voice note"`
}

type reactIn struct {
	MessageID string `json:"message_id" jsonschema:"the message (msg_…) to react to"`
	Emoji     string `json:"emoji" jsonschema:"one emoji; empty removes the account's reaction"`
}

type markReadIn struct {
	MessageIDs []string `json:"message_ids" jsonschema:"messages (msg_…) of one chat to mark read"`
}

type messageIn struct {
	MessageID string `json:"message_id" jsonschema:"the message (msg_…)"`
}

type requestHistoryIn struct {
	ConversationID string `json:"conversation_id,omitempty" jsonschema:"the conversation (conv_…) whose older messages to ask for; empty for the 50 most recent chats"`
	Count          int    `json:"count" jsonschema:"how many older messages to ask for per chat, 1 to 100"`
}

// tool adds a tool whose handler runs with the server's grant.
func tool[In any](sv *served, t *sdk.Tool, write bool, fn func(ctx context.Context, g grant, in In) (any, error)) {
	t.Annotations = &sdk.ToolAnnotations{ReadOnlyHint: !write, OpenWorldHint: &write}
	if write {
		f := false
		t.Annotations.DestructiveHint = &f
	}
	sdk.AddTool(sv.srv, t, func(ctx context.Context, _ *sdk.CallToolRequest, in In) (*sdk.CallToolResult, any, error) {
		if err := sv.grant.need(write); err != nil {
			return nil, nil, err
		}
		out, err := fn(ctx, sv.grant, in)
		if err != nil {
			return nil, nil, err
		}
		if r, ok := out.(*sdk.CallToolResult); ok {
			return r, nil, nil
		}
		return nil, out, nil
	})
}

func (s *Server) addTools(sv *served) {
	tool(sv, &sdk.Tool{Name: "list_conversations", Description: "Lists the account's WhatsApp conversations (chats with people, groups, channels), most recently active first, paged." + readsOnly},
		false, func(ctx context.Context, g grant, in listConversationsIn) (any, error) {
			return g.c.ListConversations(ctx, wauser.ListConversationsOptions{Kind: wauser.ConversationKind(in.Kind), Limit: in.Limit, Cursor: in.Cursor})
		})
	tool(sv, &sdk.Tool{Name: "search_conversations", Description: "Finds conversations by the chat's name (a group's subject), its JID or phone number, or the name of the person it is with." + readsOnly},
		false, s.searchConversations)
	tool(sv, &sdk.Tool{Name: "list_messages", Description: "Reads a conversation's messages, newest first, paged (next_cursor gives older ones). Deleted messages appear as tombstones without text." + readsOnly},
		false, func(ctx context.Context, g grant, in listMessagesIn) (any, error) {
			return g.c.ListMessages(ctx, wauser.ListMessagesOptions{ConversationID: wauser.ConversationID(in.ConversationID), Limit: in.Limit, Cursor: in.Cursor})
		})
	tool(sv, &sdk.Tool{Name: "search_messages", Description: "Full-text search of the stored messages (text and captions), best matches first, with optional filters (conversation, sender, content type, time range). Deleted messages are never found." + readsOnly},
		false, func(ctx context.Context, g grant, in searchMessagesIn) (any, error) {
			o := wauser.SearchMessagesOptions{Query: in.Query, ConversationID: wauser.ConversationID(in.ConversationID), SenderID: wauser.PersonID(in.SenderID),
				FromMe: in.FromMe, ContentTypes: in.ContentTypes, Limit: in.Limit, Cursor: in.Cursor}
			var err error
			if o.Since, err = parseTime("since", in.Since); err != nil {
				return nil, err
			}
			if o.Until, err = parseTime("until", in.Until); err != nil {
				return nil, err
			}
			return g.c.SearchMessages(ctx, o)
		})
	tool(sv, &sdk.Tool{Name: "get_contact", Description: "Gets a contact: names, phone number, JIDs." + readsOnly},
		false, func(ctx context.Context, g grant, in getContactIn) (any, error) {
			return g.c.GetContact(ctx, in.Who)
		})
	tool(sv, &sdk.Tool{Name: "download_media", Description: "Downloads the file of an image, video, audio, voice note, document or sticker message and returns it as an embedded resource. " +
		"When WhatsApp's servers no longer have the file it asks the account's own phone to upload it again (nobody else is notified). Needs whatsapp:read."},
		false, s.downloadMedia)

	tool(sv, &sdk.Tool{Name: "send_text", Description: "Sends a text message on WhatsApp in the account's name: the recipient sees it at once and it cannot be unsent silently." + sends},
		true, func(ctx context.Context, g grant, in sendTextIn) (any, error) {
			to, err := s.writableTarget(ctx, g, in.To)
			if err != nil {
				return nil, err
			}
			req := wauser.SendMessageRequest{To: to, Type: wauser.MessageText, Text: in.Text}
			if in.ReplyTo != "" {
				req.Context = &wauser.MessageContext{MessageID: in.ReplyTo}
			}
			return g.c.SendMessage(ctx, req)
		})
	tool(sv, &sdk.Tool{Name: "send_media", Description: "Sends an image, video, audio file, voice note or document on WhatsApp in the account's name, from a public URL or from base64 data: the recipient sees it at once." + sends},
		true, s.sendMedia)
	tool(sv, &sdk.Tool{Name: "react", Description: "Reacts to a message with an emoji on WhatsApp in the account's name (or removes the reaction): the chat's members see it." + sends},
		true, func(ctx context.Context, g grant, in reactIn) (any, error) {
			if _, err := s.writableMessage(ctx, g, in.MessageID); err != nil {
				return nil, err
			}
			return g.c.SendReaction(ctx, "", in.MessageID, in.Emoji)
		})
	tool(sv, &sdk.Tool{Name: "mark_read", Description: "Marks messages read on WhatsApp: the senders see blue ticks (when the account shares read receipts)." + sends},
		true, func(ctx context.Context, g grant, in markReadIn) (any, error) {
			if len(in.MessageIDs) == 0 {
				return nil, errors.New("give at least one message id")
			}
			for _, id := range in.MessageIDs {
				if _, err := s.writableMessage(ctx, g, id); err != nil {
					return nil, err
				}
			}
			if err := g.c.MarkRead(ctx, wauser.MarkReadRequest{MessageIDs: in.MessageIDs}); err != nil {
				return nil, err
			}
			return map[string]any{"marked_read": in.MessageIDs}, nil
		})
	tool(sv, &sdk.Tool{Name: "request_history", Description: "Asks the account's own phone for older messages of a chat (or of the 50 most recent chats); they arrive later, while the phone is online, and become readable with list_messages. " +
		"Nobody else is notified, but WhatsApp rate-limits these requests. Needs whatsapp:write."},
		true, func(ctx context.Context, g grant, in requestHistoryIn) (any, error) {
			chat := ""
			if in.ConversationID != "" {
				conv, err := g.c.GetConversation(ctx, wauser.ConversationID(in.ConversationID))
				if err != nil {
					return nil, err
				}
				chat = conv.ChatJID
			}
			return g.c.RequestHistory(ctx, in.Count, chat)
		})
}

func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: not an RFC 3339 time: %q", field, v)
	}
	return t, nil
}

// searchConversations matches the query against conversations and the
// people of direct ones, over the most recent 5,000 conversations.
func (s *Server) searchConversations(ctx context.Context, g grant, in searchConversationsIn) (any, error) {
	q := strings.ToLower(strings.TrimSpace(in.Query))
	if q == "" {
		return nil, errors.New("query: give some text to look for")
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 20
	}
	people := map[wauser.PersonID]bool{}
	for cur, n := "", 0; n < 10; n++ {
		page, err := g.c.ListContacts(ctx, wauser.ListContactsOptions{Cursor: cur, Limit: wauser.MaxListLimit})
		if err != nil {
			return nil, err
		}
		for _, ct := range page.Contacts {
			if containsAny(q, ct.DisplayName, ct.FirstName, ct.LastName, ct.WhatsAppPushName, ct.PhoneE164, ct.PhoneJID, ct.LIDJID) {
				people[ct.PersonID] = true
			}
		}
		if cur = page.NextCursor; cur == "" {
			break
		}
	}
	out := []wauser.Conversation{}
	for cur, n := "", 0; n < 10 && len(out) < limit; n++ {
		page, err := g.c.ListConversations(ctx, wauser.ListConversationsOptions{Cursor: cur, Limit: wauser.MaxListLimit})
		if err != nil {
			return nil, err
		}
		for _, c := range page.Conversations {
			if len(out) < limit && (people[c.DirectPersonID] || containsAny(q, c.Subject, c.Topic, c.ChatJID)) {
				out = append(out, c)
			}
		}
		if cur = page.NextCursor; cur == "" {
			break
		}
	}
	return map[string]any{"conversations": out}, nil
}

func containsAny(q string, fields ...string) bool {
	for _, f := range fields {
		if f != "" && strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

func (s *Server) downloadMedia(ctx context.Context, g grant, in messageIn) (any, error) {
	f, err := g.c.DownloadMedia(ctx, wauser.MessageID(in.MessageID))
	if err != nil {
		return nil, err
	}
	if len(f.Data) > s.opts.MaxMediaBytes {
		return nil, fmt.Errorf("the file has %d bytes, more than this server returns (%d)", len(f.Data), s.opts.MaxMediaBytes)
	}
	return &sdk.CallToolResult{Content: []sdk.Content{
		&sdk.EmbeddedResource{Resource: &sdk.ResourceContents{URI: mediaURI(in.MessageID), MIMEType: f.MIMEType, Blob: f.Data}},
	}}, nil
}

func (s *Server) sendMedia(ctx context.Context, g grant, in sendMediaIn) (any, error) {
	to, err := s.writableTarget(ctx, g, in.To)
	if err != nil {
		return nil, err
	}
	m := &wauser.MediaMessage{URL: in.URL, MIMEType: in.MIMEType, FileName: in.FileName, Caption: in.Caption, Voice: in.Voice}
	switch {
	case in.URL != "" && in.Data != "":
		return nil, errors.New("give url or data, not both")
	case in.Data != "":
		if base64.StdEncoding.DecodedLen(len(in.Data)) > s.opts.MaxMediaBytes {
			return nil, fmt.Errorf("data: larger than %d bytes", s.opts.MaxMediaBytes)
		}
		if m.Data, err = base64.StdEncoding.DecodeString(in.Data); err != nil {
			return nil, errors.New("data: not base64")
		}
	case in.URL == "":
		return nil, errors.New("give url or data")
	}
	req := wauser.SendMessageRequest{To: to}
	switch in.Kind {
	case "image":
		req.Type, req.Image = wauser.MessageImage, m
	case "video":
		req.Type, req.Video = wauser.MessageVideo, m
	case "audio":
		req.Type, req.Audio = wauser.MessageAudio, m
	case "document":
		req.Type, req.Document = wauser.MessageDocument, m
	default:
		return nil, fmt.Errorf("kind: %q; give image, video, audio or document", in.Kind)
	}
	return g.c.SendMessage(ctx, req)
}

// writableTarget resolves the chat a sending tool names and checks that
// the agent may write to it. It returns the recipient to send to.
func (s *Server) writableTarget(ctx context.Context, g grant, to string) (string, error) {
	to = strings.TrimSpace(to)
	if to == "" {
		return "", errors.New("to: name the chat")
	}
	chat, convID := to, ""
	if strings.HasPrefix(to, "conv_") {
		conv, err := g.c.GetConversation(ctx, wauser.ConversationID(to))
		if err != nil {
			return "", err
		}
		chat, convID = conv.ChatJID, string(conv.ConversationID)
	} else {
		jid, err := wauser.ParseRecipient(to, "")
		if err != nil {
			return "", err
		}
		chat = jid.String()
	}
	if err := s.checkWritable(ctx, g, chat, convID); err != nil {
		return "", err
	}
	return chat, nil
}

// writableMessage checks that the agent may write to the chat of a stored
// message.
func (s *Server) writableMessage(ctx context.Context, g grant, id string) (*wauser.Message, error) {
	m, err := g.c.GetMessage(ctx, wauser.MessageID(id))
	if err != nil {
		return nil, err
	}
	return m, s.checkWritable(ctx, g, m.ChatJID, string(m.ConversationID))
}

func (s *Server) checkWritable(ctx context.Context, g grant, chat, convID string) error {
	if len(s.writable) == 0 {
		return nil
	}
	for _, w := range s.writable {
		w = strings.TrimSpace(w)
		if strings.HasPrefix(w, "conv_") {
			conv, err := g.c.GetConversation(ctx, wauser.ConversationID(w))
			if err == nil && (string(conv.ConversationID) == convID || conv.ChatJID == chat) {
				return nil
			}
			continue
		}
		if jid, err := wauser.ParseRecipient(w, ""); err == nil && jid.String() == chat {
			return nil
		}
	}
	return fmt.Errorf("%w: this agent may not write to %s (it may write only to the chats it was given)", ErrForbidden, chat)
}

func conversationURI(id string) string { return "whatsapp://conversations/" + id }
func mediaURI(id string) string        { return "whatsapp://messages/" + id + "/media" }

// addResources serves conversations (their latest messages) and message
// files as resources.
func (s *Server) addResources(sv *served) {
	sv.srv.AddResourceTemplate(&sdk.ResourceTemplate{
		Name: "conversation", URITemplate: "whatsapp://conversations/{conversation_id}", MIMEType: "application/json",
		Description: "A WhatsApp conversation and its 50 latest messages, newest first, from the local store. Subscribe to hear when its messages change.",
	}, func(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
		if err := sv.grant.need(false); err != nil {
			return nil, err
		}
		id, ok := strings.CutPrefix(req.Params.URI, "whatsapp://conversations/")
		if !ok || id == "" || strings.Contains(id, "/") {
			return nil, sdk.ResourceNotFoundError(req.Params.URI)
		}
		conv, err := sv.grant.c.GetConversation(ctx, wauser.ConversationID(id))
		if errors.Is(err, wauser.ErrNotFound) || errors.Is(err, wauser.ErrInvalidArgument) {
			return nil, sdk.ResourceNotFoundError(req.Params.URI)
		}
		if err != nil {
			return nil, err
		}
		msgs, err := sv.grant.c.ListMessages(ctx, wauser.ListMessagesOptions{ConversationID: conv.ConversationID})
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(map[string]any{"conversation": conv, "messages": msgs.Messages})
		if err != nil {
			return nil, err
		}
		return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: req.Params.URI, MIMEType: "application/json", Text: string(b)}}}, nil
	})
	sv.srv.AddResourceTemplate(&sdk.ResourceTemplate{
		Name: "message media", URITemplate: "whatsapp://messages/{message_id}/media",
		Description: "The file of a media message, downloaded from WhatsApp (see download_media).",
	}, func(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
		if err := sv.grant.need(false); err != nil {
			return nil, err
		}
		rest, _ := strings.CutPrefix(req.Params.URI, "whatsapp://messages/")
		id, ok := strings.CutSuffix(rest, "/media")
		if !ok || id == "" || strings.Contains(id, "/") {
			return nil, sdk.ResourceNotFoundError(req.Params.URI)
		}
		f, err := sv.grant.c.DownloadMedia(ctx, wauser.MessageID(id))
		if errors.Is(err, wauser.ErrNotFound) || errors.Is(err, wauser.ErrInvalidArgument) {
			return nil, sdk.ResourceNotFoundError(req.Params.URI)
		}
		if err != nil {
			return nil, err
		}
		if len(f.Data) > s.opts.MaxMediaBytes {
			return nil, fmt.Errorf("the file has %d bytes, more than this server returns (%d)", len(f.Data), s.opts.MaxMediaBytes)
		}
		return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: req.Params.URI, MIMEType: f.MIMEType, Blob: f.Data}}}, nil
	})
}

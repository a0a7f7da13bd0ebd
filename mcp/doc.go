// Package mcp serves a wauser account to AI agents as a Model Context
// Protocol server, built on the official Go SDK
// (github.com/modelcontextprotocol/go-sdk). An assistant connected to it
// reads the account's conversations, messages and contacts from the store,
// searches them, and, when allowed, sends on WhatsApp in the account's name.
//
//	srv, err := mcp.NewServer(c, mcp.Options{
//		Scopes:        []wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite},
//		WritableChats: []string{"+15551234567"},
//	})
//	err = srv.Run(ctx, &sdkmcp.StdioTransport{})          // a desktop assistant
//	http.Handle("/mcp", srv.Handler())                      // remote agents, behind API keys
//
// # Tools
//
// Read tools (they read the local store and send nothing to WhatsApp;
// whatsapp:read):
//
//   - list_conversations: conversations, most recently active first, paged;
//   - search_conversations: by a chat's name, JID or phone number, or the
//     name of the person it is with;
//   - list_messages: a conversation's messages, newest first, paged;
//   - search_messages: full-text search ([wauser.Client.SearchMessages]),
//     best first, with filters;
//   - get_contact: a contact by person id, phone number or JID;
//   - download_media: a media message's file, as an embedded resource
//     (when WhatsApp's servers dropped it, the account's own phone is asked
//     to upload it again).
//
// Tools that act on WhatsApp (whatsapp:write, and only to the chats of
// Options.WritableChats when set): send_text (optionally as a reply),
// send_media (image, video, audio or voice note, document; from a public
// URL or base64 data), react, mark_read, and request_history (asks the
// account's phone for older messages). Every tool's description says what
// it does to WhatsApp, and the server's instructions tell the agent to send
// only when its user asked. Results are the JSON of the Client's own types
// (wauser.Message, wauser.Conversation, ...), as structured content and as
// text. A refused call is a tool error whose text says why (ErrForbidden).
//
// # Resources
//
// whatsapp://conversations/{conversation_id} is a conversation with its 50
// latest messages (JSON). A client that subscribes to it gets a
// notifications/resources/updated whenever a message of the conversation
// arrives, is sent, edited, deleted or reacted to, from the moment the
// server takes the subscription: the resources/subscribe answer, or, with
// the protocol's 2026-07-28 version (subscriptions/listen), its
// notifications/subscriptions/acknowledged. The Go SDK's
// ClientSession.Subscribe returns before that acknowledgement: to miss
// nothing, wait for it (a receiving middleware sees it), then read the
// resource.
// whatsapp://messages/{message_id}/media is a media message's file.
//
// # Who may do what
//
// Over Run and Connect (stdio, in-process) the agent holds Options.Scopes:
// read only unless wauser.ScopeWrite is given. Over HTTP, Handler
// authenticates wauser's API keys as the REST API does (Authorization:
// Bearer, or X-Api-Key) and the key's scopes decide: a key without
// whatsapp:write cannot call a sending tool, one without whatsapp:read
// cannot read. The key picks the account (its only one, or the
// X-WhatsApp-Use-Connection-Id header), and a session stays bound to the
// key and account that opened it. Options.WritableChats applies to every
// transport.
package mcp

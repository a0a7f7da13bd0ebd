package rest

import (
	"net/http"
	"strings"
	"sync"

	"github.com/wauser/wauser"
)

// multiSessionDialect is the multi-session server's API: the envelope of
// its history route ({status, code, message, data} and {status, code,
// message, error}), over its whole route set (see multiSessionRoutes).
type multiSessionDialect struct{ historyDialect }

func (multiSessionDialect) name() string { return string(DialectMultiSession) }

// ok answers no data as an empty object, as the server documents every
// data it does not detail.
func (d multiSessionDialect) ok(x *call, out any) any {
	if _, ok := out.(noData); ok {
		out = struct{}{}
	}
	return historyOK{Status: true, Code: x.route.status, Message: x.route.message, Data: out}
}

func (d multiSessionDialect) okSchema(rt *route, data *schema) *schema {
	if data != nil && data.Type == "null" {
		data = &schema{Type: "object"}
	}
	return d.historyDialect.okSchema(rt, data)
}

// multiSessionPrefixes are the first path segments of the multi-session
// server's routes: answers outside any route (404, 405) under them take its
// error shape.
var multiSessionPrefixes = []string{
	"/admin", "/devices", "/users", "/chats", "/messages", "/groups", "/presence", "/app-state",
	"/webhooks", "/polls", "/newsletters", "/status", "/calls", "/business", "/bots", "/docs/swagger",
}

// multiSessionPath reports whether path belongs to the multi-session server.
func multiSessionPath(path string) bool {
	for _, p := range multiSessionPrefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// refusedOperation is an operation of the multi-session server that wauser
// does not serve, with the reason its answer (501, in the server's error
// shape) gives.
type refusedOperation struct {
	method, path string
	auth         authMode
	reason       string
}

// Reasons of refusal, shared by several operations.
const (
	refusedDocs     = "wauser describes its API as OpenAPI 3.1 at GET /openapi.json, and renders it at GET /docs when the host turns that on"
	refusedHost     = "the host program embedding wauser controls this, not an API client"
	refusedAppState = "wauser keeps the account's app state itself; use the chat operations (archive, pin, mute, mark-read) instead"
)

// multiSessionRefused lists the operations of the multi-session server
// that wauser refuses, with their reasons; the package documentation has
// the same list.
var multiSessionRefused = []refusedOperation{
	{"GET", "/docs/swagger.json", authNone, refusedDocs},
	{"GET", "/docs/swagger.yaml", authNone, refusedDocs},
	{"GET", "/docs/*", authNone, refusedDocs},
	{"GET", "/admin/whatsapp/version", authAdminSecret, refusedHost + ": the WhatsApp Web version is the one of the whatsmeow wauser is built with"},
	{"POST", "/admin/whatsapp/version/refresh", authAdminSecret, refusedHost + ": the WhatsApp Web version is the one of the whatsmeow wauser is built with"},
	{"POST", "/devices/token", authNone, "the token is an API key of the device that does not expire: there is no device secret to trade for another; revoke a leaked one and create another device or key"},
	{"GET", "/devices/me/proxy", authKey, refusedHost + ": the proxy WhatsApp is reached through"},
	{"POST", "/devices/me/proxy", authKey, refusedHost + ": the proxy WhatsApp is reached through"},
	{"POST", "/devices/me/push-notifications", authKey, "a linked device gets its events over its own connection and webhooks, not through mobile push notifications"},
	{"GET", "/devices/me/server-push-config", authKey, "a linked device gets its events over its own connection and webhooks, not through mobile push notifications"},
	{"POST", "/devices/me/server-push-config", authKey, "a linked device gets its events over its own connection and webhooks, not through mobile push notifications"},
	{"POST", "/devices/me/force-active-receipts", authKey, refusedHost + ": wauser sends delivery receipts as WhatsApp's apps do"},
	{"POST", "/devices/me/passive", authKey, refusedHost + ": wauser keeps the connection active so that events arrive"},
	{"POST", "/messages/media/retry-receipt", authKey, "wauser asks the phone to upload expired media again by itself when the media is downloaded"},
	{"GET", "/app-state/{name}", authKey, refusedAppState},
	{"POST", "/app-state", authKey, refusedAppState},
	{"POST", "/app-state/mark-clean", authKey, refusedAppState},
}

// errRefused answers a refused operation.
func errRefused(reason string) error {
	return &apiError{status: http.StatusNotImplemented, code: "not_implemented", message: reason}
}

// multiSessionRoutes is the multi-session server's route set: every
// operation of its API, served or refused.
func (h *handler) multiSessionRoutes() []*route {
	var devices sync.Mutex // serialises POST /devices, so that a quota holds
	d := multiSessionDialect{}
	bearer := func(method, path string, scope wauser.Scope, id, summary, message string, op operation) *route {
		return &route{method: method, path: path, dialect: d, scope: scope, account: accountFromKey,
			id: id, summary: summary, message: message, errors: waErrors, op: op}
	}
	r, w, hooks := wauser.ScopeRead, wauser.ScopeWrite, wauser.ScopeWebhooks
	routes := []*route{
		{method: "GET", path: "/", pattern: "/{$}", dialect: d, auth: authNone, id: "msServerStatus",
			summary: "Server status", message: "WhatsApp API Multi-Device is running", op: msServerStatus(h)},
		{method: "GET", path: "/admin/stats", dialect: d, auth: authAdminSecret, id: "msAdminStats",
			summary: "Counts of API keys, devices and webhooks", message: "Statistics retrieved", op: msAdminStats()},
		{method: "GET", path: "/admin/health", dialect: d, auth: authAdminSecret, id: "msAdminHealth",
			summary: "System health", message: "System health retrieved", op: msAdminHealth(h)},
		{method: "GET", path: "/admin/devices", dialect: d, auth: authAdminSecret, id: "msAdminDevices",
			summary: "List all devices", message: "Devices retrieved", op: msAdminDevices()},
		{method: "GET", path: "/admin/devices/status", dialect: d, auth: authAdminSecret, id: "msAdminDeviceStatuses",
			summary: "Statuses of all devices", message: "Device statuses retrieved", op: msAdminDeviceStatuses()},
		{method: "POST", path: "/admin/devices/reconnect", dialect: d, auth: authAdminSecret, id: "msAdminReconnect",
			summary: "Reconnect every paired device", message: "Reconnect started", op: msAdminReconnect()},
		{method: "GET", path: "/admin/webhooks/stats", dialect: d, auth: authAdminSecret, id: "msAdminWebhookStats",
			summary: "Webhooks and their deliveries of the last 24 hours", message: "Webhook statistics retrieved successfully", op: msAdminWebhookStats()},
		{method: "GET", path: "/admin/api-keys", dialect: d, auth: authAdminSecret, id: "msListAPIKeys",
			summary: "API keys that create devices (not the devices' tokens)", message: "API keys retrieved", op: msListAPIKeys(h)},
		{method: "POST", path: "/admin/api-keys", dialect: d, auth: authAdminSecret, id: "msCreateAPIKey", status: http.StatusCreated,
			summary: "Create an API key that creates up to max_devices devices and reaches only those; the key is shown once",
			message: "API key created successfully", op: msCreateAPIKey(h)},
		{method: "GET", path: "/admin/api-keys/{id}", dialect: d, auth: authAdminSecret, id: "msGetAPIKey",
			summary: "An API key (by its number or id)", message: "API key details retrieved", errors: []int{http.StatusNotFound}, op: msGetAPIKey(h)},
		{method: "PATCH", path: "/admin/api-keys/{id}", dialect: d, auth: authAdminSecret, id: "msUpdateAPIKey",
			summary: "Change an API key's customer, quota; is_active false revokes it for good", message: "API key updated successfully",
			errors: []int{http.StatusNotFound}, op: msUpdateAPIKey(h)},
		{method: "DELETE", path: "/admin/api-keys/{id}", dialect: d, auth: authAdminSecret, id: "msDeleteAPIKey",
			summary: "Revoke an API key and its devices' tokens, then delete every device it created; when one cannot be deleted, the error names it and the same request finishes the job",
			message: "API key deleted successfully", errors: []int{http.StatusNotFound, http.StatusConflict}, op: msDeleteAPIKey(&devices)},
		{method: "GET", path: "/admin/api-keys/{id}/devices", dialect: d, auth: authAdminSecret, id: "msAPIKeyDevices",
			summary: "Devices an API key created", message: "Devices retrieved successfully", errors: []int{http.StatusNotFound}, op: msAPIKeyDevices()},
		{method: "GET", path: "/admin/api-keys/{id}/devices/status", dialect: d, auth: authAdminSecret, id: "msAPIKeyDeviceStatuses",
			summary: "Statuses of the devices an API key created", message: "Device statuses retrieved successfully",
			errors: []int{http.StatusNotFound}, op: msAPIKeyDeviceStatuses()},
		{method: "DELETE", path: "/admin/devices/{device_id}", dialect: d, auth: authAdminSecret, id: "msAdminDeleteDevice",
			summary: "Delete a device: log it out and remove everything stored for it", message: "Device deleted successfully",
			errors: []int{http.StatusNotFound, http.StatusConflict}, op: msAdminDeleteDevice()},
		{method: "POST", path: "/devices", dialect: d, scope: wauser.ScopeAdmin, id: "msCreateDevice", status: http.StatusCreated,
			summary: "Create a device (an account) and its token; X-API-Key must be a key of POST /admin/api-keys, or one with the admin scope that reaches every account",
			message: "Device created successfully", op: msCreateDevice(h, &devices)},
		bearer("GET", "/devices/me", r, "msGetDevice", "The device of the token", "Device info retrieved successfully", msGetDevice()),
		bearer("GET", "/devices/me/status", r, "msDeviceStatus", "Connection status", "Status retrieved", msDeviceStatus()),
		bearer("POST", "/devices/me/login", w, "msLoginQR", "Pair by QR code", "QR code generated successfully", msLoginQR(h)),
		bearer("POST", "/devices/me/login-code", w, "msLoginCode", "Pair by phone number code", "Pairing code generated successfully", msLoginCode()),
		bearer("POST", "/devices/me/reconnect", w, "msReconnect", "Reconnect", "Device reconnected", msReconnect()),
		bearer("DELETE", "/devices/me/session", wauser.ScopeAdmin, "msLogout", "Log out (unlink the device)", "Device logged out", msLogout()),
		bearer("GET", "/devices/me/contacts/{phone}/registered", r, "msRegistered", "Whether a number is on WhatsApp", "Registration checked", msRegistered()),

		bearer("GET", "/users/{user_jid}", r, "msUserInfo", "What WhatsApp tells about a person", "User info retrieved", msUserInfo()),
		{method: "GET", path: "/users/contact-qr/{code}", dialect: d, scope: r, account: accountFromKey,
			id: "msResolveContactQR", summary: "The person a contact QR link leads to", message: "Contact QR resolved", errors: waErrors, op: msResolveContactQR()},
		{method: "GET", path: "/users/{user_jid}/profile-picture", dialect: d, scope: r, account: accountFromKey,
			id: "msProfilePicture", summary: "Profile picture", message: "Profile picture retrieved", errors: waErrors, op: msProfilePicture()},
		{method: "GET", path: "/users/{jid}/devices", dialect: d, scope: r, account: accountFromKey,
			id: "msUserDevices", summary: "A person's devices", message: "Devices retrieved", errors: waErrors, op: msUserDevices()},
		bearer("POST", "/users/{user_jid}/block", w, "msBlock", "Block a person", "User blocked", msBlock(true)),
		bearer("DELETE", "/users/{user_jid}/block", w, "msUnblock", "Unblock a person", "User unblocked", msBlock(false)),
		bearer("GET", "/users/me/privacy", r, "msGetPrivacy", "Privacy settings", "Privacy settings retrieved", msGetPrivacy()),
		bearer("PATCH", "/users/me/privacy", w, "msSetPrivacy", "Change a privacy setting", "Privacy setting updated", msSetPrivacy()),
		bearer("GET", "/users/me/status-privacy", r, "msStatusPrivacy", "Who sees status updates", "Status privacy retrieved", msStatusPrivacy()),
		bearer("POST", "/users/me/status", w, "msSetAbout", "Set the about text", "Status updated", msSetAbout()),
		bearer("GET", "/users/me/contacts", r, "msContacts", "Contacts", "Contacts retrieved", msContacts()),
		bearer("POST", "/users/me/contacts/sync", r, "msContactsSync", "Which numbers are on WhatsApp", "Contacts synced", msContactsSync()),
		bearer("GET", "/users/me/blocklist", r, "msBlocklist", "Blocked people", "Blocklist retrieved", msGetBlocklist()),
		bearer("GET", "/users/me/contact-qr", w, "msContactQR", "The account's contact QR link", "Contact QR link retrieved", msContactQR()),
		bearer("PATCH", "/users/me/disappearing-timer", w, "msDefaultTimer", "Default disappearing timer of new chats", "Default disappearing timer set", msDefaultTimer()),

		bearer("POST", "/chats/{chat_jid}/messages", w, "msSendText", "Send a text", "Message sent successfully", msSendText()),
		bearer("GET", "/chats/{chat_jid}/messages", r, "msChatMessages", "Messages of a chat, newest first", "Messages retrieved successfully", msChatMessages()),
		bearer("POST", "/chats/{chat_jid}/locations", w, "msSendLocation", "Send a location", "Location sent successfully", msSendLocation()),
		bearer("POST", "/chats/{chat_jid}/contacts", w, "msSendContact", "Send a contact", "Contact sent successfully", msSendContact()),
		bearer("POST", "/chats/{chat_jid}/polls", w, "msSendPoll", "Send a poll", "Poll created successfully", msSendPoll()),
		bearer("POST", "/chats/{chat_jid}/archive", w, "msArchive", "Archive or unarchive a chat", "Chat updated", msArchive()),
		bearer("POST", "/chats/{chat_jid}/pin", w, "msPin", "Pin or unpin a chat", "Chat updated", msPin()),
		bearer("POST", "/chats/{chat_jid}/mute", w, "msMute", "Mute or unmute a chat", "Chat updated", msMute()),
		bearer("POST", "/chats/{chat_jid}/mark-read", w, "msMarkChatRead", "Mark a chat read or unread", "Chat updated", msMarkChatRead()),
		bearer("DELETE", "/chats/{chat_jid}", w, "msDeleteChat", "Delete a chat", "Chat deleted", msDeleteChat()),
		bearer("POST", "/chats/{chat_jid}/presence", w, "msChatPresence", "Show typing or recording", "Presence sent", msChatPresence()),
		bearer("PATCH", "/chats/{chat_jid}/disappearing-timer", w, "msChatTimer", "Disappearing timer of a chat", "Disappearing timer set", msChatTimer()),
		bearer("POST", "/messages/{message_id}/read", w, "msReadMessage", "Mark a message read", "Message marked as read", msReadMessage()),
		bearer("POST", "/messages/{message_id}/reaction", w, "msReact", "React to a message", "Reaction sent", msReact()),
		bearer("PATCH", "/messages/{message_id}", w, "msEdit", "Edit a message", "Message edited", msEdit()),
		bearer("DELETE", "/messages/{message_id}", w, "msRevoke", "Delete a message for everyone (beyond the spec: ?chat_jid= names the chat of a WhatsApp id)", "Message deleted", msRevoke()),
		bearer("POST", "/messages/{message_id}/reply", w, "msReply", "Reply to a message", "Reply sent successfully", msReply()),
		bearer("POST", "/messages/{message_id}/forward", w, "msForward", "Forward a stored message", "Message forwarded", msForward()),
		bearer("POST", "/polls/{poll_id}/vote", w, "msVote", "Vote in a poll", "Vote sent", msVote()),
		bearer("DELETE", "/polls/{poll_id}", w, "msDeletePoll", "Delete a poll for everyone", "Poll deleted", msDeletePoll()),

		bearer("GET", "/groups", r, "msGroups", "Groups with their members", "Groups retrieved", msGroups()),
		bearer("POST", "/groups", w, "msCreateGroup", "Create a group", "Group created", msCreateGroup()),
		bearer("GET", "/groups/{group_jid}", r, "msGroup", "A group", "Group info retrieved", msGroup()),
		bearer("POST", "/groups/{group_jid}/leave", w, "msLeaveGroup", "Leave a group", "Left group", msLeaveGroup()),
		bearer("PATCH", "/groups/{group_jid}/name", w, "msGroupName", "Rename a group", "Group name updated", msGroupName()),
		bearer("PATCH", "/groups/{group_jid}/description", w, "msGroupDescription", "Set a group's description", "Group description updated", msGroupDescription("description")),
		bearer("PATCH", "/groups/{group_jid}/topic", w, "msGroupTopic", "Set a group's topic (its description)", "Group topic updated", msGroupDescription("topic")),
		{method: "GET", path: "/groups/invite/{invite_code}", dialect: d, scope: r, account: accountFromKey,
			id: "msGroupInviteInfo", summary: "The group an invite link leads to", message: "Group info retrieved", errors: waErrors, op: msGroupInviteInfo()},
		{method: "GET", path: "/groups/{group_jid}/invite-link", dialect: d, scope: w, account: accountFromKey,
			id: "msInviteLink", summary: "A group's invite link", message: "Invite link retrieved", errors: waErrors,
			query: []param{{name: "reset", typ: "boolean", description: "Revoke the old link and make a new one"}}, op: msInviteLink()},
		{method: "GET", path: "/groups/{group_jid}/participant-requests", dialect: d, scope: r, account: accountFromKey,
			id: "msJoinRequests", summary: "Requests to join a group", message: "Join requests retrieved", errors: waErrors, op: msJoinRequests()},
		{method: "GET", path: "/groups/{community_jid}/linked-participants", dialect: d, scope: r, account: accountFromKey,
			id: "msCommunityMembers", summary: "Members of a community's groups", message: "Community members retrieved", errors: waErrors, op: msCommunityMembers()},
		{method: "GET", path: "/groups/{community_jid}/subgroups", dialect: d, scope: r, account: accountFromKey,
			id: "msSubgroups", summary: "Groups of a community", message: "Subgroups retrieved", errors: waErrors, op: msSubgroups()},
		bearer("PATCH", "/groups/{group_jid}/settings", w, "msGroupSettings", "Announce and locked settings", "Group settings updated", msGroupSettings()),
		bearer("POST", "/groups/{group_jid}/participants", w, "msAddParticipants", "Add members", "Participants added", msMembers("participants", (*wauser.Client).AddGroupMembers)),
		bearer("DELETE", "/groups/{group_jid}/participants", w, "msRemoveParticipants", "Remove members", "Participants removed", msMembers("participants", (*wauser.Client).RemoveGroupMembers)),
		bearer("POST", "/groups/{group_jid}/admins", w, "msPromote", "Promote members to admins", "Participants promoted", msMembers("users", (*wauser.Client).PromoteGroupAdmins)),
		bearer("DELETE", "/groups/{group_jid}/admins", w, "msDemote", "Demote admins", "Participants demoted", msMembers("users", (*wauser.Client).DemoteGroupAdmins)),
		bearer("POST", "/groups/{group_jid}/requests/approve", w, "msApprove", "Approve join requests", "Join requests approved", msMembers("users", (*wauser.Client).ApproveGroupJoinRequests)),
		bearer("POST", "/groups/{group_jid}/requests/reject", w, "msReject", "Reject join requests", "Join requests rejected", msMembers("users", (*wauser.Client).RejectGroupJoinRequests)),
		bearer("POST", "/groups/{group_jid}/join-approval", w, "msJoinApproval", "Whether joining needs approval", "Join approval mode set", msJoinApproval()),
		bearer("POST", "/groups/{group_jid}/join-invite", w, "msJoinInvite", "Join a group by its invite code", "Joined group", msJoinInvite()),
		bearer("PATCH", "/groups/{group_jid}/member-add-mode", w, "msMemberAddMode", "Who may add members", "Member add mode set", msMemberAddMode()),
		bearer("POST", "/groups/{parent_group_jid}/link/{group_jid}", w, "msLinkGroup", "Link a group to a community", "Group linked", msLinkGroup(true)),
		bearer("DELETE", "/groups/{parent_group_jid}/link/{group_jid}", w, "msUnlinkGroup", "Unlink a group from a community (the path of the multi-session server's /groups/{parent_jid}/link/{child_jid}, named alike)", "Group unlinked", msLinkGroup(false)),

		bearer("POST", "/presence/status", w, "msPresence", "Show the account online or offline", "Presence updated", msPresence()),
		bearer("POST", "/presence/subscribe", w, "msSubscribePresence", "Receive a person's presence", "Subscribed to presence", msSubscribePresence()),

		bearer("GET", "/webhooks", hooks, "msListWebhooks", "Webhooks of the device", "Webhooks retrieved successfully", msListWebhooks()),
		{method: "POST", path: "/webhooks", dialect: d, scope: hooks, account: accountFromKey, status: http.StatusCreated,
			id: "msCreateWebhook", summary: "Create a webhook", message: "Webhook created successfully", errors: waErrors, op: msCreateWebhook()},
		bearer("GET", "/webhooks/{webhook_id}", hooks, "msGetWebhook", "A webhook", "Webhook retrieved successfully", msGetWebhook()),
		bearer("PATCH", "/webhooks/{webhook_id}", hooks, "msUpdateWebhook", "Change a webhook", "Webhook updated successfully", msUpdateWebhook()),
		bearer("DELETE", "/webhooks/{webhook_id}", hooks, "msDeleteWebhook", "Delete a webhook", "Webhook deleted successfully", msDeleteWebhook()),
		bearer("GET", "/webhooks/{webhook_id}/logs", hooks, "msWebhookLogs", "A webhook's deliveries, newest first", "Webhook logs retrieved", msWebhookLogs()),
		bearer("POST", "/webhooks/{webhook_id}/test", hooks, "msTestWebhook", "Send a test event", "Test webhook sent", msTestWebhook()),

		bearer("GET", "/newsletters", r, "msNewsletters", "Followed channels", "Newsletters retrieved", msNewsletters()),
		bearer("POST", "/newsletters", w, "msCreateNewsletter", "Create a channel", "Newsletter created", msCreateNewsletter()),
		bearer("GET", "/newsletters/{jid}", r, "msNewsletter", "A channel", "Newsletter retrieved", msGetNewsletter()),
		{method: "GET", path: "/newsletters/invite/{code}", dialect: d, scope: r, account: accountFromKey,
			id: "msNewsletterInvite", summary: "The channel an invite leads to", message: "Newsletter retrieved", errors: waErrors, op: msNewsletterInvite()},
		{method: "GET", path: "/newsletters/{jid}/messages", dialect: d, scope: r, account: accountFromKey,
			id: "msNewsletterMessages", summary: "Posts of a channel", message: "Newsletter messages retrieved", errors: waErrors,
			query: []param{{name: "count", typ: "integer", description: "Posts: 1 to 100, default 50"},
				{name: "before", typ: "integer", description: "Posts before this server id"}}, op: msNewsletterMessages()},
		bearer("POST", "/newsletters/{jid}/follow", w, "msFollow", "Follow a channel", "Newsletter followed", msFollow(true)),
		bearer("DELETE", "/newsletters/{jid}/follow", w, "msUnfollow", "Unfollow a channel", "Newsletter unfollowed", msFollow(false)),
		bearer("POST", "/newsletters/{jid}/messages", w, "msNewsletterSend", "Post a text to a channel", "Newsletter message sent", msNewsletterSend()),
		bearer("POST", "/newsletters/{jid}/reaction", w, "msNewsletterReact", "React to a channel post", "Reaction sent", msNewsletterReact()),
		bearer("POST", "/newsletters/{jid}/mute", w, "msNewsletterMute", "Mute or unmute a channel", "Newsletter mute updated", msNewsletterMute()),
		bearer("POST", "/newsletters/{jid}/viewed", w, "msNewsletterViewed", "Mark channel posts viewed", "Messages marked as viewed", msNewsletterViewed()),

		media(bearer("POST", "/chats/{chat_jid}/images", w, "msSendImage", "Send an image", "Image sent successfully", msSendFile("image"))),
		media(bearer("POST", "/chats/{chat_jid}/documents", w, "msSendDocument", "Send a document", "Document sent successfully", msSendFile("document"))),
		media(bearer("POST", "/chats/{chat_jid}/videos", w, "msSendVideo", "Send a video", "Video sent successfully", msSendFile("video"))),
		media(bearer("POST", "/chats/{chat_jid}/audio", w, "msSendAudio", "Send audio or a voice note", "Audio sent successfully", msSendFile("audio"))),
		media(bearer("POST", "/chats/{chat_jid}/stickers", w, "msSendSticker", "Send a sticker", "Sticker sent successfully", msSendFile("sticker"))),
		media(bearer("POST", "/newsletters/{jid}/images", w, "msNewsletterImage", "Post an image to a channel", "Newsletter image sent", msNewsletterFile("image"))),
		media(bearer("POST", "/newsletters/{jid}/videos", w, "msNewsletterVideo", "Post a video to a channel", "Newsletter video sent", msNewsletterFile("video"))),
		media(bearer("POST", "/newsletters/{jid}/documents", w, "msNewsletterDocument", "Post a document to a channel", "Newsletter document sent", msNewsletterFile("document"))),
		media(bearer("POST", "/newsletters/{jid}/photo", w, "msNewsletterPhoto", "Set a channel's picture (a JPEG)", "Newsletter photo updated", msNewsletterPhoto())),
		media(bearer("POST", "/users/me/profile-photo", w, "msProfilePhoto", "Set the account's picture (a JPEG)", "Profile photo updated", msProfilePhoto())),
		media(bearer("POST", "/groups/{group_jid}/photo", w, "msGroupPhoto", "Set a group's picture (a JPEG)", "Group photo updated", msGroupPhoto())),
		media(bearer("POST", "/status", w, "msPostStatus", "Post a status update: text, or a file", "Status posted", msPostStatus())),
		bearer("DELETE", "/status/{status_id}", w, "msDeleteStatus", "Delete a status update", "Status deleted", msDeleteStatus()),
		bearer("POST", "/calls/reject", w, "msRejectCall", "Reject an incoming call", "Call rejected", msRejectCall()),
		bearer("GET", "/bots", r, "msBots", "WhatsApp's AI bots", "Bot list retrieved successfully", msBots(false)),
		bearer("GET", "/bots/profiles", r, "msBotProfiles", "WhatsApp's AI bots with their profiles", "Bot profiles retrieved successfully", msBots(true)),
		bearer("POST", "/newsletters/{jid}/live", r, "msNewsletterLive", "Receive a channel's live updates for a while", "Subscribed to live updates", msNewsletterLive()),
		{method: "GET", path: "/newsletters/{jid}/updates", dialect: d, scope: r, account: accountFromKey,
			id: "msNewsletterUpdates", summary: "Posts of a channel whose view or reaction counts changed", message: "Message updates retrieved", errors: waErrors,
			query: []param{{name: "count", typ: "integer", description: "Posts: 1 to 100, default 100"},
				{name: "since", typ: "integer", description: "Changes at or after this Unix time, in seconds"}}, op: msNewsletterUpdates()},
		bearer("POST", "/newsletters/tos/accept", w, "msAcceptTOS", "Accept a terms of service notice (channels: notice_id 20601218, stage 5)", "TOS accepted", msAcceptTOS()),
		{method: "GET", path: "/polls/{poll_id}/results", dialect: d, scope: r, account: accountFromKey,
			id: "msPollResults", summary: "A stored poll's results (beyond the server: ?chat_jid= names the chat of a WhatsApp id)", message: "Poll results retrieved", errors: waErrors,
			query: []param{{name: "chat_jid", description: "The chat of a poll given by its WhatsApp id"}}, op: msPollResults()},
		{method: "GET", path: "/status", dialect: d, scope: r, account: accountFromKey,
			id: "msStatusUpdates", summary: "Stored status updates, newest first", message: "Status updates are delivered via webhook events", errors: waErrors,
			query: []param{{name: "limit", typ: "integer", description: "Status updates: 1 to 500, default 50"}}, op: msStatusUpdates()},
		bearer("GET", "/status/{status_id}", r, "msUserStatus", "A person's about text and stored status updates (the path of the multi-session server's /status/{user_jid}, named alike)", "User status retrieved", msUserStatusOf()),
		bearer("GET", "/business/{jid}/profile", r, "msBusinessProfile", "A business's profile", "Business profile retrieved", msBusinessProfile()),
		bearer("GET", "/business/link/{code}", r, "msBusinessLink", "Resolve a business message link", "Business link resolved", msBusinessLink()),
	}
	for _, ref := range multiSessionRefused {
		rt := &route{method: ref.method, path: ref.path, dialect: d, auth: ref.auth, id: refusedID(ref), refused: ref.reason,
			summary: "Not served by wauser: " + ref.reason, errors: []int{http.StatusNotImplemented}, op: refused(ref.reason)}
		if ref.path == "/docs/*" {
			rt.pattern = "/docs/{file}" // not /docs itself, which is the API reference when Options.Docs is on
		}
		if ref.auth == authKey {
			rt.account = accountFromKey
		}
		routes = append(routes, rt)
	}
	return routes
}

// media marks a route whose body is a file (Options.MaxMediaBytes).
func media(rt *route) *route {
	rt.media = true
	return rt
}

// refused is the operation of a refused route.
func refused(reason string) operation {
	return do(func(*call) (noData, error) { return noData{}, errRefused(reason) })
}

// refusedID is the operationId of a refused route.
func refusedID(ref refusedOperation) string {
	var b strings.Builder
	b.WriteString("msRefused")
	b.WriteString(capitalize(strings.ToLower(ref.method)))
	for seg := range strings.SplitSeq(ref.path, "/") {
		seg = strings.Trim(seg, "{}*")
		for part := range strings.FieldsFuncSeq(seg, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			b.WriteString(capitalize(part))
		}
	}
	if strings.HasSuffix(ref.path, "*") {
		b.WriteString("Any")
	}
	return b.String()
}

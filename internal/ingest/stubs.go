package ingest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
)

// History carries the notices a person sees in a chat (group created,
// participants added, the disappearing-messages timer changed, a security
// code changed, a missed call, ...) as WebMessageInfo "stubs" without a
// message. They are stored as system messages: the body a sentence built
// from the stub alone (so that it reads the same whenever it is stored),
// the extra data its structured form: stub_type (WhatsApp's name in lower
// case), actor, participants and WhatsApp's raw parameters. A REVOKE stub is
// a message deleted for everyone: a tombstone. Stubs of WhatsApp's own
// bookkeeping, which no chat shows, are not stored.

// stubRender builds a stub's body from the actor's name, the participants'
// names and the raw parameters.
type stubRender func(actor string, people []string, params []string) string

func param(params []string, i int) string {
	if i < len(params) {
		return params[i]
	}
	return ""
}

func onOff(params []string, on, off string) string {
	if p := param(params, 0); p == "on" || p == "true" || p == "1" {
		return on
	}
	return off
}

// stubBody returns the renderer of a stub a chat shows, nil for others.
func stubBody(st waWeb.WebMessageInfo_StubType) stubRender {
	switch st {
	case waWeb.WebMessageInfo_GROUP_CREATE:
		return func(a string, _ []string, p []string) string {
			return fmt.Sprintf("%s created group %q", a, param(p, 0))
		}
	case waWeb.WebMessageInfo_COMMUNITY_CREATE:
		return func(a string, _ []string, p []string) string {
			return fmt.Sprintf("%s created community %q", a, param(p, 0))
		}
	case waWeb.WebMessageInfo_GROUP_CHANGE_SUBJECT:
		return func(a string, _ []string, p []string) string {
			return fmt.Sprintf("%s changed the group name to %q", a, param(p, 0))
		}
	case waWeb.WebMessageInfo_GROUP_CHANGE_ICON:
		return func(a string, _, _ []string) string { return a + " changed this group's icon" }
	case waWeb.WebMessageInfo_GROUP_CHANGE_INVITE_LINK:
		return func(a string, _, _ []string) string { return a + " reset this group's invite link" }
	case waWeb.WebMessageInfo_GROUP_CHANGE_DESCRIPTION:
		return func(a string, _, _ []string) string { return a + " changed the group description" }
	case waWeb.WebMessageInfo_GROUP_CHANGE_RESTRICT:
		return func(a string, _, p []string) string {
			return a + onOff(p, " allowed only admins to edit this group's info", " allowed all participants to edit this group's info")
		}
	case waWeb.WebMessageInfo_GROUP_CHANGE_ANNOUNCE:
		return func(a string, _, p []string) string {
			return a + onOff(p, " allowed only admins to send messages to this group", " allowed all participants to send messages to this group")
		}
	case waWeb.WebMessageInfo_GROUP_MEMBERSHIP_JOIN_APPROVAL_MODE:
		return func(a string, _, p []string) string {
			return a + onOff(p, " turned on admin approval to join this group", " turned off admin approval to join this group")
		}
	case waWeb.WebMessageInfo_GROUP_MEMBER_ADD_MODE:
		return func(a string, _, _ []string) string { return a + " changed who can add members to this group" }
	case waWeb.WebMessageInfo_GROUP_PARTICIPANT_ADD:
		return func(a string, people, _ []string) string { return a + " added " + list(people) }
	case waWeb.WebMessageInfo_GROUP_PARTICIPANT_REMOVE:
		return func(a string, people, _ []string) string {
			return a + " removed " + list(people)
		}
	case waWeb.WebMessageInfo_GROUP_PARTICIPANT_PROMOTE:
		return func(a string, people, _ []string) string {
			return a + " made " + list(people) + " an admin"
		}
	case waWeb.WebMessageInfo_GROUP_PARTICIPANT_DEMOTE:
		return func(a string, people, _ []string) string {
			return a + " dismissed " + list(people) + " as admin"
		}
	case waWeb.WebMessageInfo_GROUP_PARTICIPANT_INVITE:
		return func(a string, people, _ []string) string {
			return orActor(people, a) + " joined using this group's invite link"
		}
	case waWeb.WebMessageInfo_GROUP_PARTICIPANT_ACCEPT:
		return func(a string, people, _ []string) string { return orActor(people, a) + " joined" }
	case waWeb.WebMessageInfo_GROUP_PARTICIPANT_ADD_REQUEST_JOIN:
		return func(a string, people, _ []string) string { return orActor(people, a) + " joined" }
	case waWeb.WebMessageInfo_GROUP_PARTICIPANT_LINKED_GROUP_JOIN:
		return func(a string, people, _ []string) string { return orActor(people, a) + " joined" }
	case waWeb.WebMessageInfo_GROUP_PARTICIPANT_LEAVE:
		return func(a string, people, _ []string) string { return orActor(people, a) + " left" }
	case waWeb.WebMessageInfo_GROUP_PARTICIPANT_CHANGE_NUMBER:
		return func(a string, _, _ []string) string {
			return a + " changed their phone number to a new number"
		}
	case waWeb.WebMessageInfo_INDIVIDUAL_CHANGE_NUMBER:
		return func(a string, _, _ []string) string { return a + " changed their phone number" }
	case waWeb.WebMessageInfo_GROUP_DELETE:
		return func(a string, _, _ []string) string { return a + " deleted this group" }
	case waWeb.WebMessageInfo_BROADCAST_CREATE:
		return func(a string, _, _ []string) string { return a + " created a broadcast list" }
	case waWeb.WebMessageInfo_BROADCAST_ADD:
		return func(a string, people, _ []string) string { return a + " added " + list(people) }
	case waWeb.WebMessageInfo_BROADCAST_REMOVE:
		return func(a string, people, _ []string) string { return a + " removed " + list(people) }
	case waWeb.WebMessageInfo_E2E_IDENTITY_CHANGED:
		return func(a string, people, _ []string) string {
			return orActor(people, a) + "'s security code changed"
		}
	case waWeb.WebMessageInfo_E2E_ENCRYPTED:
		return func(string, []string, []string) string { return "Messages and calls are end-to-end encrypted" }
	case waWeb.WebMessageInfo_E2E_ENCRYPTED_NOW:
		return func(string, []string, []string) string { return "Messages and calls are end-to-end encrypted" }
	case waWeb.WebMessageInfo_CALL_MISSED_VOICE:
		return func(string, []string, []string) string { return "Missed voice call" }
	case waWeb.WebMessageInfo_CALL_MISSED_VIDEO:
		return func(string, []string, []string) string { return "Missed video call" }
	case waWeb.WebMessageInfo_CALL_MISSED_GROUP_VOICE:
		return func(string, []string, []string) string {
			return "Missed group voice call"
		}
	case waWeb.WebMessageInfo_CALL_MISSED_GROUP_VIDEO:
		return func(string, []string, []string) string {
			return "Missed group video call"
		}
	case waWeb.WebMessageInfo_CHANGE_EPHEMERAL_SETTING:
		return ephemeralNotice
	case waWeb.WebMessageInfo_DISAPPEARING_MODE:
		return ephemeralNotice
	case waWeb.WebMessageInfo_BLOCK_CONTACT:
		return func(_ string, _, p []string) string {
			return onOff(p, "You blocked this contact", "You unblocked this contact")
		}
	case waWeb.WebMessageInfo_PINNED_MESSAGE_IN_CHAT:
		return func(a string, _, _ []string) string { return a + " pinned a message" }
	case waWeb.WebMessageInfo_BIZ_NAME_CHANGE:
		return func(string, []string, []string) string { return "This business account changed its name" }
	}
	return nil
}

func ephemeralNotice(a string, _ []string, p []string) string {
	secs, err := strconv.Atoi(param(p, 0))
	if err != nil || secs <= 0 {
		return a + " turned off disappearing messages"
	}
	return a + " turned on disappearing messages: new messages disappear " + span(time.Duration(secs)*time.Second) + " after they are sent"
}

// span names a disappearing-messages timer as WhatsApp does (24 hours, 7
// days, 90 days).
func span(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0 && d >= 48*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	}
	return d.String()
}

// list joins names as a sentence does.
func list(names []string) string {
	switch len(names) {
	case 0:
		return "someone"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func orActor(people []string, actor string) string {
	if len(people) == 0 {
		return actor
	}
	return list(people)
}

// stubJIDName names a JID in a stub's body: the account is "You", a phone
// number its international form, a LID its JID.
func (t *Tx) stubJIDName(j types.JID) string {
	switch {
	case t.isOwn(j):
		return "You"
	case j.Server == types.DefaultUserServer || j.Server == types.LegacyUserServer:
		return "+" + j.User
	case j.IsEmpty():
		return "Someone"
	}
	return j.ToNonAD().String()
}

// stubContent returns the system message of a history stub, or nil for a
// stub no chat shows. info is the parsed stub (sender and chat resolved).
func (t *Tx) stubContent(info *types.MessageInfo, wm *waWeb.WebMessageInfo) *Content {
	st := wm.GetMessageStubType()
	render := stubBody(st)
	if render == nil {
		return nil
	}
	actor, actorJID := "", ""
	switch {
	case info.IsFromMe:
		actor, actorJID = "You", userJID(t.acc.Own).String()
	case wm.GetPushName() != "":
		actor, actorJID = wm.GetPushName(), info.Sender.ToNonAD().String()
	default:
		actor, actorJID = t.stubJIDName(info.Sender), info.Sender.ToNonAD().String()
	}
	params := wm.GetMessageStubParameters()
	var people, peopleJIDs []string
	for _, p := range params {
		if j, err := types.ParseJID(p); err == nil && isUser(j) && strings.Contains(p, "@") {
			people, peopleJIDs = append(people, t.stubJIDName(j)), append(peopleJIDs, userJID(j).String())
		}
	}
	if peopleJIDs == nil {
		peopleJIDs = []string{}
	}
	if params == nil {
		params = []string{}
	}
	return &Content{Type: TypeSystem, Body: render(actor, people, params), Mentions: []string{}, Extra: map[string]any{
		"stub_type": strings.ToLower(st.String()), "actor": actorJID, "participants": peopleJIDs, "parameters": params,
	}}
}

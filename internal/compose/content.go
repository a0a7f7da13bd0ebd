package compose

import (
	"fmt"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/wa"
)

// Card is a contact card to send: VCard as given, or one made from Name
// and Phones (phone numbers as digits, already checked).
type Card struct {
	Name   string
	Phones []string
	VCard  string
}

// Interactive is a buttons ("button") or list ("list") message.
type Interactive struct {
	Type     string
	Header   string
	Body     string
	Footer   string
	Buttons  []Button
	Button   string // the label of the button that opens a list
	Sections []Section
}

// Button is a reply button.
type Button struct{ ID, Title string }

// Section is a section of a list.
type Section struct {
	Title string
	Rows  []Row
}

// Row is one choice of a list.
type Row struct{ ID, Title, Description string }

// Location is a location to send.
type Location struct {
	Latitude, Longitude float64
	Name, Address, URL  string
}

// Invite is a group invite to send: the group, its invite code, when the
// code expires, the group's name and a caption.
type Invite struct {
	Group      types.JID
	Code       string
	Expiration time.Time
	Name       string
	Caption    string
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return proto.String(s)
}

// TextMessage is a text: a plain Conversation, or an ExtendedTextMessage
// when it replies, mentions, previews a link or disappears (Conversation
// has no ContextInfo).
func TextMessage(text string, ci *waE2E.ContextInfo, preview bool) *waE2E.Message {
	if ci == nil && !preview {
		return &waE2E.Message{Conversation: proto.String(text)}
	}
	return &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(text), ContextInfo: ci}}
}

// LocationMessage is a location.
func LocationMessage(l Location, ci *waE2E.ContextInfo) *waE2E.Message {
	return &waE2E.Message{LocationMessage: &waE2E.LocationMessage{
		DegreesLatitude: proto.Float64(l.Latitude), DegreesLongitude: proto.Float64(l.Longitude),
		Name: optString(l.Name), Address: optString(l.Address), URL: optString(l.URL), ContextInfo: ci,
	}}
}

// ContactsMessage is one contact card, or an array of several.
func ContactsMessage(cards []Card, ci *waE2E.ContextInfo) *waE2E.Message {
	msgs := make([]*waE2E.ContactMessage, 0, len(cards))
	for _, cc := range cards {
		vcard := cc.VCard
		if vcard == "" {
			vcard = makeVCard(cc.Name, cc.Phones)
		}
		msgs = append(msgs, &waE2E.ContactMessage{DisplayName: proto.String(cc.Name), Vcard: proto.String(vcard)})
	}
	if len(msgs) == 1 {
		msgs[0].ContextInfo = ci
		return &waE2E.Message{ContactMessage: msgs[0]}
	}
	name := fmt.Sprintf("%d contacts", len(msgs))
	return &waE2E.Message{ContactsArrayMessage: &waE2E.ContactsArrayMessage{DisplayName: proto.String(name), Contacts: msgs, ContextInfo: ci}}
}

// makeVCard writes a vCard 3.0 with a name and phone numbers; waid lets
// WhatsApp link each number to its account.
func makeVCard(name string, phones []string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCARD\nVERSION:3.0\n")
	fmt.Fprintf(&b, "FN:%s\n", vcardEscape(name))
	for _, digits := range phones {
		fmt.Fprintf(&b, "TEL;type=CELL;waid=%s:+%s\n", digits, digits)
	}
	b.WriteString("END:VCARD")
	return b.String()
}

func vcardEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`).Replace(s)
}

// InteractiveMessage is a buttons or list message whose text also lists the
// choices, numbered, for the many clients that do not show the buttons.
func InteractiveMessage(in *Interactive, ci *waE2E.ContextInfo) *waE2E.Message {
	var b strings.Builder
	b.WriteString(in.Body)
	if in.Type == "button" {
		b.WriteString("\n")
		buttons := make([]*waE2E.ButtonsMessage_Button, 0, len(in.Buttons))
		for i, bt := range in.Buttons {
			fmt.Fprintf(&b, "\n%d. %s", i+1, bt.Title)
			buttons = append(buttons, &waE2E.ButtonsMessage_Button{
				ButtonID:   proto.String(bt.ID),
				ButtonText: &waE2E.ButtonsMessage_Button_ButtonText{DisplayText: proto.String(bt.Title)},
				Type:       waE2E.ButtonsMessage_Button_RESPONSE.Enum(),
			})
		}
		bm := &waE2E.ButtonsMessage{
			ContentText: proto.String(b.String()), FooterText: optString(in.Footer), Buttons: buttons, ContextInfo: ci,
			HeaderType: waE2E.ButtonsMessage_EMPTY.Enum(),
		}
		if in.Header != "" {
			bm.HeaderType = waE2E.ButtonsMessage_TEXT.Enum()
			bm.Header = &waE2E.ButtonsMessage_Text{Text: in.Header}
		}
		return &waE2E.Message{ButtonsMessage: bm}
	}
	sections := make([]*waE2E.ListMessage_Section, 0, len(in.Sections))
	n := 0
	for _, sec := range in.Sections {
		rows := make([]*waE2E.ListMessage_Row, 0, len(sec.Rows))
		if sec.Title != "" {
			fmt.Fprintf(&b, "\n\n%s", sec.Title)
		} else {
			b.WriteString("\n")
		}
		for _, r := range sec.Rows {
			n++
			fmt.Fprintf(&b, "\n%d. %s", n, r.Title)
			if r.Description != "" {
				fmt.Fprintf(&b, " (%s)", r.Description)
			}
			rows = append(rows, &waE2E.ListMessage_Row{Title: proto.String(r.Title), Description: optString(r.Description), RowID: proto.String(r.ID)})
		}
		sections = append(sections, &waE2E.ListMessage_Section{Title: optString(sec.Title), Rows: rows})
	}
	return &waE2E.Message{ListMessage: &waE2E.ListMessage{
		Title: optString(in.Header), Description: proto.String(b.String()), ButtonText: proto.String(in.Button),
		ListType: waE2E.ListMessage_SINGLE_SELECT.Enum(), Sections: sections, FooterText: optString(in.Footer), ContextInfo: ci,
	}}
}

// PollMessage is the creation message of a poll, with a fresh secret from
// the device's store.
func PollMessage(local wa.Local, question string, options []string, selectable int, ci *waE2E.ContextInfo) *waE2E.Message {
	msg := local.BuildPollCreation(question, options, selectable)
	msg.PollCreationMessage.ContextInfo = ci
	return msg
}

// InviteMessage is an invite to a group.
func InviteMessage(in Invite, ci *waE2E.ContextInfo) *waE2E.Message {
	return &waE2E.Message{GroupInviteMessage: &waE2E.GroupInviteMessage{
		GroupJID: proto.String(in.Group.String()), InviteCode: proto.String(in.Code), InviteExpiration: proto.Int64(in.Expiration.Unix()),
		GroupName: optString(in.Name), Caption: optString(in.Caption), ContextInfo: ci,
	}}
}

package ingest

import (
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/store"
)

// star records WhatsApp's star app state on the message it names: the
// account starred or unstarred it (on its phone, or through StarMessage,
// whose patch WhatsApp echoes). A message that is not stored is left
// alone: the flag has nothing to live on, and a history sync brings the
// message without it.
func (t *Tx) star(evt *events.Star) error {
	conv, err := t.chatSetting(evt.ChatJID)
	if err != nil || conv == nil || evt.Action == nil {
		return err
	}
	fromMe := evt.IsFromMe
	person := ""
	switch {
	case fromMe:
	case isUser(evt.SenderJID):
		p, err := t.Person(evt.SenderJID, types.EmptyJID)
		if err != nil {
			return err
		}
		person = p.PersonID
	case conv.Kind == KindDirect:
		person = conv.DirectPersonID
	}
	m, err := t.findMessage(conv, evt.MessageID, &fromMe, person)
	if err != nil || m == nil {
		return err
	}
	t.Star(m, evt.Action.GetStarred())
	return nil
}

// Star sets whether the account has m starred.
func (t *Tx) Star(m *store.Message, starred bool) {
	m.Starred = starred
	t.emit(event.MessageStarred, event.KindMessage, m.MessageID, map[string]any{"starred": starred})
}

// SetEphemeral records the disappearing-messages timer (seconds, 0 off)
// the account set in conv at at.
func (t *Tx) SetEphemeral(conv *store.Conversation, seconds int, at time.Time) {
	setInt(&conv.FieldTimes, fieldEphemeral, ms(at), &conv.EphemeralSecs, seconds)
	t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
}

package ingest

import (
	"slices"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/store"
)

// WhatsApp labels (a Business app feature) become contact tags: the name of
// every label on a direct chat is a tag of the person. Labels and their
// chats are kept in their own tables, so that renaming or deleting a label
// finds the contacts to change, and a label put on a chat before its name
// is known still shows up once it is.

// labelEdit applies a label's creation, rename or deletion.
func (t *Tx) labelEdit(evt *events.LabelEdit) error {
	if evt.LabelID == "" || evt.Action == nil {
		return nil
	}
	old, err := store.GetLabel(t.ctx, t.db, t.acc.ID, evt.LabelID)
	if err != nil {
		return err
	}
	l := &store.Label{AccountID: t.acc.ID, LabelID: evt.LabelID, Name: evt.Action.GetName(),
		Color: int(evt.Action.GetColor()), Deleted: evt.Action.GetDeleted(), UpdatedAt: t.now}
	if old != nil && old.Name == l.Name && old.Color == l.Color && old.Deleted == l.Deleted {
		return nil
	}
	if err := store.UpsertLabel(t.ctx, t.db, l); err != nil {
		return err
	}
	var oldName string
	if old != nil && !old.Deleted {
		oldName = old.Name
	}
	newName := l.Name
	if l.Deleted {
		newName = ""
	}
	if oldName == newName {
		return nil
	}
	chats, err := store.LabelChats(t.ctx, t.db, t.acc.ID, evt.LabelID)
	if err != nil {
		return err
	}
	for _, chat := range chats {
		c, err := t.labeledPerson(chat)
		if err != nil {
			return err
		}
		if c == nil {
			continue // a group: groups have no tags
		}
		tags := slices.DeleteFunc(slices.Clone(c.Tags), func(s string) bool { return s == oldName })
		if newName != "" {
			tags = append(tags, newName)
		}
		t.SetContactTags(c, tags)
	}
	return nil
}

// labelChat applies a label put on or taken off a chat.
func (t *Tx) labelChat(evt *events.LabelAssociationChat) error {
	if evt.LabelID == "" || evt.Action == nil || ChatKind(evt.JID) == "" {
		return nil
	}
	chat := evt.JID.ToNonAD().String()
	labeled := evt.Action.GetLabeled()
	if err := store.SetLabelChat(t.ctx, t.db, t.acc.ID, evt.LabelID, chat, labeled); err != nil {
		return err
	}
	l, err := store.GetLabel(t.ctx, t.db, t.acc.ID, evt.LabelID)
	if err != nil || l == nil || l.Deleted || l.Name == "" {
		return err
	}
	c, err := t.labeledPerson(chat)
	if err != nil || c == nil {
		return err
	}
	tags := slices.Clone(c.Tags)
	if labeled {
		tags = append(tags, l.Name)
	} else {
		tags = slices.DeleteFunc(tags, func(s string) bool { return s == l.Name })
	}
	t.SetContactTags(c, tags)
	return nil
}

// labeledPerson returns the contact of a labeled direct chat, or nil for
// other chats.
func (t *Tx) labeledPerson(chat string) (*store.Contact, error) {
	j, err := types.ParseJID(chat)
	if err != nil || !isUser(j) || t.isOwn(j) {
		return nil, nil
	}
	return t.Person(j, types.EmptyJID)
}

package ingest

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/store"
)

// One person is one contact row holding both their phone-number JID and
// their LID; one direct chat is one conversation whatever form addressed
// it. When a mapping between the forms is learned, rows made under the
// other form are merged into the older row, references are re-pointed, and
// every row involved gets a new seq, so the change feed shows the merge
// (the merged-away row names the survivor in MergedInto).

// forms splits a user JID and its optional alternate form into the phone
// number and LID forms, completing them from whatsmeow's LID map.
func (t *Tx) forms(jid, alt types.JID) (pn, lid types.JID) {
	for _, j := range []types.JID{jid, alt} {
		if !isUser(j) {
			continue
		}
		j = userJID(j)
		switch j.Server {
		case types.DefaultUserServer:
			if pn.IsEmpty() {
				pn = j
			}
		case types.HiddenUserServer:
			if lid.IsEmpty() {
				lid = j
			}
		}
	}
	switch {
	case pn.IsEmpty() && !lid.IsEmpty():
		if user := t.lidMapping(lid.User, false); user != "" {
			pn = types.NewJID(user, types.DefaultUserServer)
		}
	case lid.IsEmpty() && !pn.IsEmpty():
		if user := t.lidMapping(pn.User, true); user != "" {
			lid = types.NewJID(user, types.HiddenUserServer)
		}
	}
	return pn, lid
}

// lidMapping reads whatsmeow's LID map through the transaction (never a
// second connection: an in-memory SQLite store has only one). Lookups are
// remembered for the transaction; a failed lookup counts as unknown.
func (t *Tx) lidMapping(user string, fromPN bool) string {
	key := lidKey{user: user, fromPN: fromPN}
	if v, ok := t.lidCache[key]; ok {
		return v
	}
	v, err := store.LIDMapping(t.ctx, t.db, user, fromPN)
	if err != nil {
		t.in.opts.Logger.Debug("ingest: lid map lookup", "account", t.acc.ID, "error", err)
	}
	t.lidCache[key] = v
	return v
}

// prefetchChats loads, in a few queries, everything Chat and Person will
// look up for these chats (contacts by JID and by deterministic id, LID map
// entries, conversations), and records what is absent, so that a history
// batch of many new chats does not query per chat.
func (t *Tx) prefetchChats(chats []types.JID, alts []types.JID) error {
	var pns, lids, users, convIDs []string
	seen := map[string]bool{}
	add := func(j types.JID) {
		if !isUser(j) {
			return
		}
		j = userJID(j)
		k := j.String()
		if seen[k] {
			return
		}
		seen[k] = true
		if _, ok := t.persons[k]; ok {
			return
		}
		users = append(users, k)
		if j.Server == types.HiddenUserServer {
			lids = append(lids, j.User)
		} else {
			pns = append(pns, j.User)
		}
	}
	for i, c := range chats {
		switch ChatKind(c) {
		case KindDirect:
			add(c)
			if i < len(alts) {
				add(alts[i])
			}
		case "":
		default:
			convIDs = append(convIDs, conversationID(t.acc.ID, c.ToNonAD().String()))
		}
	}
	if len(users) == 0 && len(convIDs) == 0 {
		return nil
	}
	// The LID map, both directions.
	if len(pns)+len(lids) > 0 {
		pairs, err := store.LIDMappings(t.ctx, t.db, pns, lids)
		if err != nil {
			return err
		}
		for _, u := range pns {
			t.lidCache[lidKey{user: u, fromPN: true}] = pairs.LIDOf[u]
			if l := pairs.LIDOf[u]; l != "" {
				users = append(users, types.NewJID(l, types.HiddenUserServer).String())
			}
		}
		for _, u := range lids {
			t.lidCache[lidKey{user: u}] = pairs.PNOf[u]
			if p := pairs.PNOf[u]; p != "" {
				users = append(users, types.NewJID(p, types.DefaultUserServer).String())
			}
		}
	}
	// Contacts by JID and by the ids a new contact would get.
	if len(users) > 0 {
		ids := make([]string, 0, len(users))
		for _, u := range users {
			ids = append(ids, personID(t.acc.ID, u))
		}
		rows, err := store.ContactRowsByJIDOrID(t.ctx, t.db, t.acc.ID, users, ids)
		if err != nil {
			return err
		}
		byJID := map[string]string{}
		for _, c := range rows {
			c = t.trackContact(c, false)
			if c.MergedInto != "" {
				continue
			}
			for _, j := range []string{c.PhoneJID, c.LIDJID} {
				if j != "" {
					byJID[j] = c.PersonID
				}
			}
		}
		for _, u := range users {
			if _, ok := t.persons[u]; !ok {
				t.persons[u] = byJID[u] // "" marks absent
			}
		}
		for _, id := range ids {
			if t.contacts[id] == nil {
				t.absent[rowKey{event.KindContact, id}] = true
			}
		}
		// Direct conversations of the people found, and the ids new ones get.
		var people []string
		for _, id := range byJID {
			people = append(people, id)
		}
		for _, id := range ids {
			convIDs = append(convIDs, directConversationID(t.acc.ID, id))
		}
		for _, id := range people {
			convIDs = append(convIDs, directConversationID(t.acc.ID, id))
		}
		if len(people) > 0 {
			convs, err := store.DirectConversations(t.ctx, t.db, t.acc.ID, people...)
			if err != nil {
				return err
			}
			has := map[string]bool{}
			for _, c := range convs {
				c = t.trackConversation(c, false)
				t.convKeys[directKey(c.DirectPersonID)] = c.ConversationID
				has[c.DirectPersonID] = true
			}
			for _, id := range people {
				if _, known := t.convKeys[directKey(id)]; !has[id] && !known {
					// None stored; one this transaction made (or, in a
					// pipelined history, the batch being written) stays.
					t.convKeys[directKey(id)] = ""
				}
			}
		}
		for _, id := range ids {
			if _, ok := t.convKeys[directKey(id)]; !ok && t.contacts[id] == nil {
				t.convKeys[directKey(id)] = "" // a person not stored has no conversation
			}
		}
	}
	if len(convIDs) > 0 {
		convs, err := store.ConversationRows(t.ctx, t.db, t.acc.ID, convIDs...)
		if err != nil {
			return err
		}
		for _, c := range convs {
			t.trackConversation(c, false)
		}
		for _, id := range convIDs {
			if t.convs[id] == nil {
				t.absent[rowKey{event.KindConversation, id}] = true
			}
		}
	}
	return nil
}

// isOwn reports whether j is the account itself.
func (t *Tx) isOwn(j types.JID) bool {
	j = userJID(j)
	return (!t.acc.Own.IsEmpty() && j == userJID(t.acc.Own)) || (!t.acc.OwnLID.IsEmpty() && j == userJID(t.acc.OwnLID))
}

// personByJID finds the unmerged contact addressed by j (nil if none).
func (t *Tx) personByJID(j types.JID) (*store.Contact, error) {
	if j.IsEmpty() {
		return nil, nil
	}
	key := j.String()
	if id, ok := t.persons[key]; ok {
		if id == "" {
			return nil, nil // known absent (prefetched)
		}
		return t.liveContact(id)
	}
	if id, ok := t.as.person[key]; ok {
		if c, err := t.liveContact(id); err != nil || c != nil {
			return c, err
		}
	}
	lid := j.Server == types.HiddenUserServer
	for _, r := range t.contacts {
		if r.cur.MergedInto == "" && ((!lid && r.cur.PhoneJID == key) || (lid && r.cur.LIDJID == key)) {
			return r.cur, nil
		}
	}
	byJID := store.ContactByPhoneJID
	if lid {
		byJID = store.ContactByLIDJID
	}
	rows, err := byJID(t.ctx, t.db, t.acc.ID, key)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	c := t.trackContact(rows[0], false)
	t.persons[key] = c.PersonID
	return c, nil
}

// liveContact loads contact id, following merges to the survivor.
func (t *Tx) liveContact(id string) (*store.Contact, error) {
	for range 8 {
		c, err := t.contactByID(id)
		if err != nil || c == nil || c.MergedInto == "" {
			return c, err
		}
		id = c.MergedInto
	}
	return nil, skipf("contact %s: merge chain too long", id)
}

// Person returns the contact of a user JID, with its alternate form when
// known (SenderAlt, RecipientAlt, PnJID/LidJID, ...). It creates the
// contact, completes its JIDs, and merges the contacts made under either
// form into the person's canonical row as needed.
//
// A person's id is derived from their phone-number JID when it is known,
// else from their LID (canonicalPerson), so the id does not depend on which
// form WhatsApp used first. When a mapping makes a person's phone number
// known, or shows that two contacts are one person, everything stored under
// the other ids is re-keyed to the canonical ones (see mergePersons).
func (t *Tx) Person(jid, alt types.JID) (*store.Contact, error) {
	pn, lid := t.forms(jid, alt)
	if pn.IsEmpty() && lid.IsEmpty() {
		return nil, skipf("%s is not a user JID", jid)
	}
	byPN, err := t.personByJID(pn)
	if err != nil {
		return nil, err
	}
	byLID, err := t.personByJID(lid)
	if err != nil {
		return nil, err
	}
	// What the contacts found know completes the pair.
	for _, c := range []*store.Contact{byPN, byLID} {
		if c == nil {
			continue
		}
		if pn.IsEmpty() && c.PhoneJID != "" {
			if j, err := types.ParseJID(c.PhoneJID); err == nil {
				pn = j
				if byPN, err = t.personByJID(pn); err != nil {
					return nil, err
				}
			}
		}
		if lid.IsEmpty() && c.LIDJID != "" {
			if j, err := types.ParseJID(c.LIDJID); err == nil {
				lid = j
				if byLID, err = t.personByJID(lid); err != nil {
					return nil, err
				}
			}
		}
	}
	canon := pn
	if canon.IsEmpty() {
		canon = lid
	}
	id := t.as.personID(t.acc.ID, canon.String())
	// The common case: the person's canonical row, knowing both forms.
	if found := cmp.Or(byPN, byLID); found != nil && found.PersonID == id && (byPN == nil || byLID == nil || byPN == byLID) &&
		(pn.IsEmpty() || found.PhoneJID != "") && (lid.IsEmpty() || found.LIDJID != "") {
		return found, nil
	}
	c, err := t.contactByID(id)
	if err != nil {
		return nil, err
	}
	var old []string // JIDs the person's records may show, other than the canonical ones
	switch {
	case c == nil:
		c = t.trackContact(&store.Contact{AccountID: t.acc.ID, PersonID: id, Tags: []string{}, FieldTimes: map[string]int64{}}, true)
	case c.MergedInto != "":
		// A row merged away under the canonical id (by an earlier version,
		// which kept the oldest row): it is the person's row again.
		c.MergedInto = ""
		t.emit(event.ContactUpdated, event.KindContact, c.PersonID, nil)
	default:
		old = append(old, preferredJID(c))
	}
	if !pn.IsEmpty() && c.PhoneJID == "" {
		c.PhoneJID, c.PhoneE164 = pn.String(), e164(pn)
	}
	if !lid.IsEmpty() && c.LIDJID == "" {
		c.LIDJID = lid.String()
	}
	for _, j := range []string{c.PhoneJID, c.LIDJID} {
		if j != "" {
			t.persons[j] = c.PersonID
		}
	}
	if err := t.syncDirectConversation(c); err != nil {
		return nil, err
	}
	for _, o := range []*store.Contact{byPN, byLID} {
		if o == nil || o.PersonID == c.PersonID || o.MergedInto != "" {
			continue
		}
		old = append(old, o.PhoneJID, o.LIDJID)
		if err := t.mergePersons(c, o); err != nil {
			return nil, err
		}
	}
	if err := t.repoint(c, old); err != nil {
		return nil, err
	}
	return c, nil
}

// preferredJID is the JID to show for a person: the phone number when
// known, else the LID.
func preferredJID(c *store.Contact) string {
	if c.PhoneJID != "" {
		return c.PhoneJID
	}
	return c.LIDJID
}

// mergeContactData folds what gone states into keep, field by field (see
// the merge rules in state.go); fields without statement times are filled
// when keep has none.
func mergeContactData(keep, gone *store.Contact) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&keep.PhoneJID, gone.PhoneJID)
	fill(&keep.PhoneE164, gone.PhoneE164)
	fill(&keep.LIDJID, gone.LIDJID)
	ft := keep.FieldTimes
	ft = mergeField(ft, gone.FieldTimes, fieldName, keep.FirstName+"\x00"+keep.LastName, gone.FirstName+"\x00"+gone.LastName,
		func() { keep.FirstName, keep.LastName = gone.FirstName, gone.LastName })
	ft = mergeField(ft, gone.FieldTimes, fieldPushName, keep.WhatsAppPushName, gone.WhatsAppPushName,
		func() { keep.WhatsAppPushName = gone.WhatsAppPushName })
	ft = mergeField(ft, gone.FieldTimes, fieldBusinessName, keep.BusinessName, gone.BusinessName,
		func() { keep.BusinessName = gone.BusinessName })
	keep.FieldTimes = ft
	fill(&keep.FirstName, gone.FirstName)
	fill(&keep.LastName, gone.LastName)
	fill(&keep.WhatsAppPushName, gone.WhatsAppPushName)
	fill(&keep.BusinessName, gone.BusinessName)
	fill(&keep.Company, gone.Company)
	for _, tag := range gone.Tags {
		if !slices.Contains(keep.Tags, tag) {
			keep.Tags = append(keep.Tags, tag)
		}
	}
	slices.Sort(keep.Tags)
	keep.DisplayName = displayName(keep)
}

// mergePersons folds contact gone into keep, the person's canonical row,
// and re-keys what was stored under gone: its direct conversation becomes
// (or is merged into) keep's, every message in it or sent by gone gets the
// id it would have had under keep (merged with a row already there), and
// group participations point at keep.
func (t *Tx) mergePersons(keep, gone *store.Contact) error {
	t.in.opts.Logger.Debug("ingest: merge contacts", "account", t.acc.ID, "keep", keep.PersonID, "merge", gone.PersonID)
	mergeContactData(keep, gone)
	gone.MergedInto = keep.PersonID
	for _, j := range []string{gone.PhoneJID, gone.LIDJID} {
		if j != "" {
			t.persons[j] = keep.PersonID
		}
	}
	t.emit(event.ContactUpdated, event.KindContact, keep.PersonID, nil)
	t.emit(event.ContactUpdated, event.KindContact, gone.PersonID, nil)

	// Their direct conversations.
	goneConv, err := t.directConversation(gone.PersonID)
	if err != nil {
		return err
	}
	var keepConv *store.Conversation
	if goneConv != nil {
		if keepConv, err = t.canonicalDirect(keep); err != nil {
			return err
		}
		if err := t.mergeConversations(keepConv, goneConv); err != nil {
			return err
		}
	}
	// The messages to re-key: those of gone's direct conversation, and
	// those gone sent anywhere.
	msgs, err := t.messagesSentBy(gone.PersonID)
	if err != nil {
		return err
	}
	if goneConv != nil {
		more, err := t.conversationMessages(goneConv.ConversationID)
		if err != nil {
			return err
		}
		msgs = append(msgs, more...)
	}
	for _, m := range msgs {
		if m.MergedInto != "" {
			continue
		}
		convID, chatJID := m.ConversationID, m.ChatJID
		if goneConv != nil && convID == goneConv.ConversationID {
			convID, chatJID = keepConv.ConversationID, keepConv.ChatJID
		}
		sender := m.SenderPersonID
		if sender == gone.PersonID {
			sender = keep.PersonID
		}
		if err := t.moveMessage(m, convID, chatJID, sender); err != nil {
			return err
		}
	}
	// Group participations, stored or (new participants; in a pipelined
	// history, the batch being written) only tracked.
	groups, err := store.GroupsWithParticipant(t.ctx, t.db, t.acc.ID, gone.PersonID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		t.trackConversation(g, false)
	}
	for _, r := range t.convs {
		if slices.ContainsFunc(r.cur.Participants, func(p *store.Participant) bool { return p.PersonID == gone.PersonID }) {
			for _, p := range r.cur.Participants {
				if p.PersonID == gone.PersonID {
					p.PersonID = keep.PersonID
				}
			}
			r.cur.Participants = dedupParticipants(r.cur.Participants)
		}
	}
	delete(t.as.conv, directKey(gone.PersonID))
	t.convKeys[directKey(gone.PersonID)] = ""
	t.retireContact(gone)
	return nil
}

// repoint shows the person's preferred JID wherever their records name
// them by one of old (JIDs they were known by): the sender JID of their
// messages, the keys of their reactions and poll votes, their participant
// JID in groups, and the address of their direct conversation and its
// messages.
func (t *Tx) repoint(c *store.Contact, old []string) error {
	want := preferredJID(c)
	old = slices.DeleteFunc(slices.Clone(old), func(j string) bool { return j == "" || j == want })
	slices.Sort(old)
	old = slices.Compact(old)
	if len(old) == 0 {
		return nil
	}
	groups, err := store.GroupsWithParticipant(t.ctx, t.db, t.acc.ID, c.PersonID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		t.trackConversation(g, false)
	}
	convs, err := t.conversationsOf(c.PersonID)
	if err != nil {
		return err
	}
	if len(convs) > 0 {
		// Messages that name them: sent by them, or with their reaction or vote.
		rows, err := store.MessagesNaming(t.ctx, t.db, t.acc.ID, convs, c.PersonID, old)
		if err != nil {
			return err
		}
		for _, m := range rows {
			t.trackMessage(m, false)
		}
	}
	direct, err := t.directConversation(c.PersonID)
	if err != nil {
		return err
	}
	for _, id := range slices.Clone(t.msgOrder) {
		m := t.msgs[id].cur
		if m.MergedInto != "" {
			continue
		}
		if m.SenderPersonID == c.PersonID && !m.IsFromMe {
			m.SenderJID = want
		}
		if direct != nil && m.ConversationID == direct.ConversationID {
			m.ChatJID = direct.ChatJID
		}
		for _, j := range old {
			if ms, ok := m.ReactionTimes[j]; ok {
				emoji := m.Reactions[j]
				delete(m.Reactions, j)
				delete(m.ReactionTimes, j)
				setReaction(m, want, emoji, ms)
			}
			renameVoter(m, j, want)
		}
	}
	for _, r := range t.convs {
		for _, p := range r.cur.Participants {
			if p.PersonID == c.PersonID {
				p.ParticipantJID = want
			}
		}
	}
	return nil
}

// conversationsOf returns the ids of the conversations a person is in: their
// direct conversation and their groups, stored or tracked.
func (t *Tx) conversationsOf(personID string) ([]string, error) {
	convs, err := store.ConversationIDsOfPerson(t.ctx, t.db, t.acc.ID, personID)
	if err != nil {
		return nil, err
	}
	// Conversations tracked here may not be stored as they are yet (new
	// participants; in a pipelined history, the batch being written).
	for id, r := range t.convs {
		if r.cur.DirectPersonID == personID || slices.ContainsFunc(r.cur.Participants, func(p *store.Participant) bool { return p.PersonID == personID }) {
			convs = append(convs, id)
		}
	}
	slices.Sort(convs)
	return slices.Compact(convs), nil
}

// messagesSentBy loads the messages the person sent, stored or tracked. A
// person writes in their direct conversation and in the groups they are in,
// so the lookup goes through those conversations' index rather than an
// index on the sender, which would cost every stored message an index
// entry for a lookup that is rare (a phone number learned, two contacts
// merged).
func (t *Tx) messagesSentBy(personID string) ([]*store.Message, error) {
	convs, err := t.conversationsOf(personID)
	if err != nil {
		return nil, err
	}
	if len(convs) > 0 {
		rows, err := store.MessageRowsBySender(t.ctx, t.db, t.acc.ID, convs, personID)
		if err != nil {
			return nil, err
		}
		for _, m := range rows {
			t.trackMessage(m, false)
		}
	}
	var out []*store.Message
	for _, id := range t.msgOrder {
		if m := t.msgs[id].cur; m.SenderPersonID == personID && !m.IsFromMe {
			out = append(out, m)
		}
	}
	return out, nil
}

// conversationMessages loads the unmerged messages of a conversation,
// stored or tracked.
func (t *Tx) conversationMessages(convID string) ([]*store.Message, error) {
	rows, err := store.ConversationMessages(t.ctx, t.db, t.acc.ID, convID)
	if err != nil {
		return nil, err
	}
	for _, m := range rows {
		t.trackMessage(m, false)
	}
	var out []*store.Message
	for _, id := range t.msgOrder {
		if m := t.msgs[id].cur; m.ConversationID == convID && m.MergedInto == "" {
			out = append(out, m)
		}
	}
	return out, nil
}

// moveMessage gives message m the conversation and sender it has after a
// merge, and so the id it would have had if they had been known when it
// arrived. A row already under that id (the same WhatsApp message, stored
// under the other form) absorbs m; otherwise m is copied to the new id.
// Either way m is retired in favour of that row.
func (t *Tx) moveMessage(m *store.Message, convID, chatJID, sender string) error {
	key := sender
	if m.IsFromMe {
		key = "me"
	}
	id := messageID(t.acc.ID, convID, key, m.WAMessageID)
	if id == m.MessageID {
		if m.ConversationID != convID || m.ChatJID != chatJID || (!m.IsFromMe && m.SenderPersonID != sender) {
			old := m.ConversationID
			m.ConversationID, m.ChatJID = convID, chatJID
			if !m.IsFromMe {
				m.SenderPersonID = sender
			}
			t.reindex(m, old)
		}
		return nil
	}
	target, err := t.messageRowByID(id, convID, m.WAMessageID)
	if err != nil {
		return err
	}
	if target == nil {
		n := m.Clone()
		n.MessageID, n.ConversationID, n.ChatJID, n.MergedInto, n.Seq = id, convID, chatJID, "", 0
		if !n.IsFromMe {
			n.SenderPersonID = sender
		}
		t.trackMessage(n, true)
	} else {
		if target.MergedInto != "" {
			target.MergedInto = "" // merged away by an earlier version: the canonical row again
		}
		mergeMessages(target, m)
	}
	t.retireMessage(m, id)
	return nil
}

// messageRowByID returns the row with id, merged or not, tracked or stored
// (nil when none). convID and waID are the conversation and WhatsApp id
// such a row has: when all rows of those are loaded, none is read.
func (t *Tx) messageRowByID(id, convID, waID string) (*store.Message, error) {
	if r := t.msgs[id]; r != nil {
		return r.cur, nil
	}
	if t.fetchedWA[waKey{convID, waID}] {
		return nil, nil
	}
	rows, err := store.MessageRow(t.ctx, t.db, t.acc.ID, id)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return t.trackMessage(rows[0], false), nil
}

// retireMessage marks m merged into id; a row made in this transaction,
// never written, is dropped instead.
func (t *Tx) retireMessage(m *store.Message, into string) {
	r := t.msgs[m.MessageID]
	if r != nil && r.isNew {
		t.untrackMessage(m)
		return
	}
	m.MergedInto = into
}

// retireContact drops a contact merged away in this transaction, never
// written.
func (t *Tx) retireContact(c *store.Contact) {
	if r := t.contacts[c.PersonID]; r != nil && r.isNew {
		delete(t.contacts, c.PersonID)
		t.contactOrder = slices.DeleteFunc(t.contactOrder, func(id string) bool { return id == c.PersonID })
	}
}

// retireConversation drops a conversation merged away in this
// transaction, never written.
func (t *Tx) retireConversation(c *store.Conversation) {
	if r := t.convs[c.ConversationID]; r != nil && r.isNew {
		delete(t.convs, c.ConversationID)
		t.convOrder = slices.DeleteFunc(t.convOrder, func(id string) bool { return id == c.ConversationID })
	}
}

// directConversation finds the person's unmerged direct conversation.
func (t *Tx) directConversation(personID string) (*store.Conversation, error) {
	key := directKey(personID)
	if id, ok := t.convKeys[key]; ok {
		if id == "" {
			return nil, nil // known not to exist
		}
		if c, err := t.conversationByID(id); err != nil || (c != nil && c.MergedInto == "" && c.DirectPersonID == personID) {
			return c, err
		}
	}
	if id, ok := t.as.conv[key]; ok {
		if id == "" {
			return nil, nil
		}
		if c, err := t.conversationByID(id); err != nil || (c != nil && c.MergedInto == "" && c.DirectPersonID == personID) {
			return c, err
		}
	}
	for _, id := range t.convOrder {
		r := t.convs[id]
		if r.cur.MergedInto == "" && r.cur.Kind == KindDirect && r.cur.DirectPersonID == personID {
			t.convKeys[key] = r.cur.ConversationID
			return r.cur, nil
		}
	}
	rows, err := store.DirectConversations(t.ctx, t.db, t.acc.ID, personID)
	if err != nil {
		return nil, err
	}
	for _, c := range rows {
		if r := t.convs[c.ConversationID]; r != nil && (r.cur.MergedInto != "" || r.cur.DirectPersonID != personID) {
			continue // changed in this transaction
		}
		c = t.trackConversation(c, false)
		t.convKeys[key] = c.ConversationID
		return c, nil
	}
	t.convKeys[key] = "" // remember the absence (group members without a direct chat)
	return nil, nil
}

// canonicalDirect returns the person's direct conversation under its
// canonical id (derived from the person's id), creating it, or taking back
// a row merged away under that id, when needed. A direct conversation of
// the person under another id is merged into it.
func (t *Tx) canonicalDirect(p *store.Contact) (*store.Conversation, error) {
	id := t.as.directID(t.acc.ID, p.PersonID)
	cur, err := t.directConversation(p.PersonID)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.ConversationID == id {
		return cur, nil
	}
	conv, err := t.conversationByID(id)
	if err != nil {
		return nil, err
	}
	switch {
	case conv == nil:
		conv = t.trackConversation(&store.Conversation{
			AccountID: t.acc.ID, ConversationID: id, Kind: KindDirect, DirectPersonID: p.PersonID,
			Participants: []*store.Participant{}, FieldTimes: map[string]int64{},
		}, true)
	case conv.MergedInto != "" || conv.DirectPersonID != p.PersonID:
		conv.MergedInto, conv.DirectPersonID = "", p.PersonID
		t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
	}
	t.convKeys[directKey(p.PersonID)] = conv.ConversationID
	if chat, alt := directJIDs(p); conv.ChatJID != chat || conv.AltJID != alt {
		conv.ChatJID, conv.AltJID = chat, alt
		t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
	}
	if cur != nil {
		// A direct conversation under another id (made by an earlier
		// version): re-key its messages too.
		if err := t.mergeConversations(conv, cur); err != nil {
			return nil, err
		}
		msgs, err := t.conversationMessages(cur.ConversationID)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if err := t.moveMessage(m, conv.ConversationID, conv.ChatJID, m.SenderPersonID); err != nil {
				return nil, err
			}
		}
	}
	return conv, nil
}

// mergeConversations folds the state of conversation gone into keep (see
// the merge rules in state.go) and marks gone merged. Its messages are
// moved by the caller.
func (t *Tx) mergeConversations(keep, gone *store.Conversation) error {
	mergeConversationState(keep, gone)
	gone.MergedInto = keep.ConversationID
	gone.UnreadCount = 0
	t.emit(event.ConversationUpdated, event.KindConversation, keep.ConversationID, nil)
	t.emit(event.ConversationUpdated, event.KindConversation, gone.ConversationID, nil)
	t.retireConversation(gone)
	return nil
}

// mergeConversationState folds what gone states into keep.
func mergeConversationState(keep, gone *store.Conversation) {
	ft := keep.FieldTimes
	ft = mergeField(ft, gone.FieldTimes, fieldArchived, b2i(keep.IsArchived), b2i(gone.IsArchived), func() { keep.IsArchived = gone.IsArchived })
	ft = mergeField(ft, gone.FieldTimes, fieldPinned, b2i(keep.IsPinned), b2i(gone.IsPinned), func() { keep.IsPinned = gone.IsPinned })
	ft = mergeField(ft, gone.FieldTimes, fieldMuted, unixNano(keep.MutedUntil), unixNano(gone.MutedUntil), func() { keep.MutedUntil = gone.MutedUntil })
	ft = mergeField(ft, gone.FieldTimes, fieldUnread, keep.UnreadCount, gone.UnreadCount, func() { keep.UnreadCount = gone.UnreadCount })
	ft = mergeField(ft, gone.FieldTimes, fieldEphemeral, keep.EphemeralSecs, gone.EphemeralSecs, func() { keep.EphemeralSecs = gone.EphemeralSecs })
	ft = mergeField(ft, gone.FieldTimes, fieldSubject, keep.Subject, gone.Subject, func() { keep.Subject = gone.Subject })
	ft = mergeField(ft, gone.FieldTimes, fieldTopic, keep.Topic, gone.Topic, func() { keep.Topic = gone.Topic })
	keep.FieldTimes = ft
	// Rows from before statement times were kept: a set value wins.
	if _, ok := keep.FieldTimes[fieldArchived]; !ok {
		keep.IsArchived = keep.IsArchived || gone.IsArchived
	}
	if _, ok := keep.FieldTimes[fieldPinned]; !ok {
		keep.IsPinned = keep.IsPinned || gone.IsPinned
	}
	if _, ok := keep.FieldTimes[fieldMuted]; !ok && gone.MutedUntil.After(keep.MutedUntil) {
		keep.MutedUntil = gone.MutedUntil
	}
	if _, ok := keep.FieldTimes[fieldUnread]; !ok {
		keep.UnreadCount = max(keep.UnreadCount, gone.UnreadCount)
	}
	if gone.LastMessageAt.After(keep.LastMessageAt) {
		keep.LastMessageAt = gone.LastMessageAt
	}
	if gone.DeletedAt.After(keep.DeletedAt) {
		keep.DeletedAt = gone.DeletedAt
	}
	if !keep.DeletedAt.IsZero() && keep.LastMessageAt.After(keep.DeletedAt) {
		keep.DeletedAt = time.Time{} // a message came after the deletion
	}
}

// mergeMessages folds message gone into keep: two rows of one WhatsApp
// message, stored under two forms of its chat or sender. The result is the
// same whichever row is which.
func mergeMessages(keep, gone *store.Message) {
	// The latest edit, of either row.
	editBody, editedAt := keep.Body, keep.EditedAt
	if gone.EditedAt.After(editedAt) || (gone.EditedAt.Equal(editedAt) && !editedAt.IsZero() && gone.Body > editBody) {
		editBody, editedAt = gone.Body, gone.EditedAt
	}
	switch {
	case keep.ContentType == TypeUnknown && gone.ContentType != TypeUnknown:
		keep.ContentType, keep.Body, keep.Media, keep.MediaKeys, keep.Extra = gone.ContentType, gone.Body, gone.Media, gone.MediaKeys, gone.Extra
		keep.ReplyToWAID, keep.Mentions = gone.ReplyToWAID, slices.Clone(gone.Mentions)
	case keep.ContentType == gone.ContentType && keep.Extra == "" && gone.Extra != "":
		keep.Extra = gone.Extra
	}
	if keep.MediaKeys == "" {
		keep.MediaKeys = gone.MediaKeys
	}
	if !editedAt.IsZero() {
		keep.Body, keep.EditedAt = editBody, editedAt
	}
	keep.SentAt = earliest(keep.SentAt, gone.SentAt)
	keep.ReceivedAt = earliest(keep.ReceivedAt, gone.ReceivedAt)
	if keep.SenderPushName == "" || (gone.SenderPushName != "" && gone.SenderPushName > keep.SenderPushName) {
		keep.SenderPushName = gone.SenderPushName
	}
	for who, at := range gone.ReactionTimes {
		setReaction(keep, who, gone.Reactions[who], at)
	}
	mergeVotes(keep, gone)
	if statusRank(gone.Status) > statusRank(keep.Status) {
		keep.Status = gone.Status
	}
	if keep.Error == "" {
		keep.Error = gone.Error
	}
	if keep.WireChatJID == "" {
		keep.WireChatJID, keep.WireSenderJID = gone.WireChatJID, gone.WireSenderJID
	}
	if keep.ClientID == "" {
		keep.ClientID = gone.ClientID
	}
	if !gone.DeletedAt.IsZero() {
		tombstone(keep, earliest(keep.DeletedAt, gone.DeletedAt))
	}
}

// earliest returns the earlier of two times, ignoring zero ones.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// syncDirectConversation keeps the person's direct conversation addressed
// by the preferred JID, with the other form as alt_jid.
func (t *Tx) syncDirectConversation(c *store.Contact) error {
	conv, err := t.directConversation(c.PersonID)
	if err != nil || conv == nil {
		return err
	}
	chat, alt := directJIDs(c)
	if conv.ChatJID != chat || conv.AltJID != alt {
		conv.ChatJID, conv.AltJID = chat, alt
		t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
	}
	return nil
}

// directJIDs returns the chat JID of a person's direct conversation (the
// preferred JID) and its other form.
func directJIDs(c *store.Contact) (chat, alt string) {
	chat = preferredJID(c)
	if c.PhoneJID != "" {
		alt = c.LIDJID
	}
	return chat, alt
}

// Chat returns the conversation of a chat JID, creating it when needed. For
// direct chats alt is the other form of the peer (RecipientAlt/SenderAlt),
// and the peer's contact is returned too.
func (t *Tx) Chat(chat, alt types.JID) (*store.Conversation, *store.Contact, error) {
	kind := ChatKind(chat)
	switch kind {
	case "":
		return nil, nil, skipf("%s is not a chat JID", chat)
	case KindDirect:
		p, err := t.Person(chat, alt)
		if err != nil {
			return nil, nil, err
		}
		conv, err := t.canonicalDirect(p)
		if err != nil {
			return nil, nil, err
		}
		return conv, p, nil
	}
	jid := chat.ToNonAD().String()
	key := chatKey(jid)
	if id, ok := t.convKeys[key]; ok {
		c, err := t.conversationByID(id)
		return c, nil, err
	}
	if id, ok := t.as.conv[key]; ok {
		if c, err := t.conversationByID(id); err != nil || c != nil {
			return c, nil, err
		}
	}
	id := conversationID(t.acc.ID, jid)
	c, err := t.conversationByID(id)
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		c = t.trackConversation(&store.Conversation{
			AccountID: t.acc.ID, ConversationID: id, ChatJID: jid, Kind: kind, Participants: []*store.Participant{},
			FieldTimes: map[string]int64{},
		}, true)
	}
	t.convKeys[key] = c.ConversationID
	return c, nil, nil
}

// displayName picks the name to show for a contact: the address book's,
// then the verified business name, then the WhatsApp push name.
func displayName(c *store.Contact) string {
	full := strings.TrimSpace(strings.TrimSpace(c.FirstName + " " + c.LastName))
	for _, n := range []string{full, c.BusinessName, c.WhatsAppPushName} {
		if n != "" {
			return n
		}
	}
	return ""
}

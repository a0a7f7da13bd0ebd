package ingest

import (
	"fmt"

	"github.com/uptrace/bun"
	"slices"
	"strings"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/store"
)

// One person is one contact row holding both their phone-number JID and
// their LID; one direct chat is one conversation whatever form addressed
// it. When a mapping between the forms is learned, rows made under the
// other form are merged into the older row, references are re-pointed, and
// every row involved gets a new seq, so the change feed shows the merge
// (the merged-away row carries merged_into).

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
	key := "lid:" + user
	if fromPN {
		key = "pn:" + user
	}
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
			t.lidCache["pn:"+u] = pairs.LIDOf[u]
			if l := pairs.LIDOf[u]; l != "" {
				users = append(users, types.NewJID(l, types.HiddenUserServer).String())
			}
		}
		for _, u := range lids {
			t.lidCache["lid:"+u] = pairs.PNOf[u]
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
		rows, err := store.ContactsWhere(t.ctx, t.db, t.acc.ID,
			"phone_jid IN (?) OR lid_jid IN (?) OR person_id IN (?)", bun.In(users), bun.In(users), bun.In(ids))
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
				t.absent["contact:"+id] = true
			}
		}
		// Direct conversations of the people found, and the ids new ones get.
		var people []string
		for _, id := range byJID {
			people = append(people, id)
		}
		for _, id := range ids {
			convIDs = append(convIDs, conversationID(t.acc.ID, "direct:"+id))
		}
		for _, id := range people {
			convIDs = append(convIDs, conversationID(t.acc.ID, "direct:"+id))
		}
		if len(people) > 0 {
			convs, err := store.ConversationsWhere(t.ctx, t.db, t.acc.ID,
				"merged_into = '' AND kind = ? AND direct_person_id IN (?)", KindDirect, bun.In(people))
			if err != nil {
				return err
			}
			has := map[string]bool{}
			for _, c := range convs {
				c = t.trackConversation(c, false)
				t.convKeys["direct:"+c.DirectPersonID] = c.ConversationID
				has[c.DirectPersonID] = true
			}
			for _, id := range people {
				if _, known := t.convKeys["direct:"+id]; !has[id] && !known {
					// None stored; one this transaction made (or, in a
					// pipelined history, the batch being written) stays.
					t.convKeys["direct:"+id] = ""
				}
			}
		}
		for _, id := range ids {
			if _, ok := t.convKeys["direct:"+id]; !ok && t.contacts[id] == nil {
				t.convKeys["direct:"+id] = "" // a person not stored has no conversation
			}
		}
	}
	if len(convIDs) > 0 {
		convs, err := store.ConversationsWhere(t.ctx, t.db, t.acc.ID, "conversation_id IN (?)", bun.In(convIDs))
		if err != nil {
			return err
		}
		for _, c := range convs {
			t.trackConversation(c, false)
		}
		for _, id := range convIDs {
			if t.convs[id] == nil {
				t.absent["conv:"+id] = true
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
	col := "phone_jid"
	if j.Server == types.HiddenUserServer {
		col = "lid_jid"
	}
	for _, r := range t.contacts {
		if r.cur.MergedInto == "" && ((col == "phone_jid" && r.cur.PhoneJID == key) || (col == "lid_jid" && r.cur.LIDJID == key)) {
			return r.cur, nil
		}
	}
	rows, err := store.ContactsWhere(t.ctx, t.db, t.acc.ID, "merged_into = '' AND "+col+" = ?", key)
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
	return nil, fmt.Errorf("contact %s: merge chain too long", id)
}

// Person returns the contact of a user JID, with its alternate form when
// known (SenderAlt, RecipientAlt, PnJID/LidJID, ...). It creates the
// contact, completes its JIDs, or merges two contacts as needed.
func (t *Tx) Person(jid, alt types.JID) (*store.Contact, error) {
	pn, lid := t.forms(jid, alt)
	if pn.IsEmpty() && lid.IsEmpty() {
		return nil, fmt.Errorf("%s is not a user JID", jid)
	}
	byPN, err := t.personByJID(pn)
	if err != nil {
		return nil, err
	}
	byLID, err := t.personByJID(lid)
	if err != nil {
		return nil, err
	}
	var c *store.Contact
	switch {
	case byPN == nil && byLID == nil:
		first := pn
		if first.IsEmpty() {
			first = lid
		}
		id := personID(t.acc.ID, first.String())
		if existing, err := t.liveContact(id); err != nil {
			return nil, err
		} else if existing != nil {
			c = existing // a row merged away under this id: attach to its survivor
		} else {
			c = t.trackContact(&store.Contact{AccountID: t.acc.ID, PersonID: id, Tags: []string{}}, true)
		}
	case byPN == nil:
		c = byLID
	case byLID == nil || byPN.PersonID == byLID.PersonID:
		c = byPN
	default:
		if c, err = t.mergePersons(byPN, byLID); err != nil {
			return nil, err
		}
	}
	preferred, oldLID := preferredJID(c), c.LIDJID
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
	if preferred != preferredJID(c) || oldLID != c.LIDJID {
		if preferred != "" {
			// The phone number became known: show it on their messages too.
			if err := t.refreshSenderJIDs(c); err != nil {
				return nil, err
			}
		}
		if err := t.syncDirectConversation(c); err != nil {
			return nil, err
		}
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

// mergePersons merges two contacts of one person into the older one and
// re-points every reference to the other.
func (t *Tx) mergePersons(a, b *store.Contact) (*store.Contact, error) {
	// The older row survives; on a tie, the one found by phone number (a).
	keep, gone := a, b
	if b.CreatedAt.Before(a.CreatedAt) {
		keep, gone = b, a
	}
	t.in.opts.Logger.Debug("ingest: merge contacts", "account", t.acc.ID, "keep", keep.PersonID, "merge", gone.PersonID)
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&keep.PhoneJID, gone.PhoneJID)
	fill(&keep.PhoneE164, gone.PhoneE164)
	fill(&keep.LIDJID, gone.LIDJID)
	fill(&keep.FirstName, gone.FirstName)
	fill(&keep.LastName, gone.LastName)
	fill(&keep.Company, gone.Company)
	fill(&keep.WhatsAppPushName, gone.WhatsAppPushName)
	fill(&keep.BusinessName, gone.BusinessName)
	fill(&keep.DisplayName, gone.DisplayName)
	for _, tag := range gone.Tags {
		if !slices.Contains(keep.Tags, tag) {
			keep.Tags = append(keep.Tags, tag)
		}
	}
	gone.MergedInto = keep.PersonID
	for _, j := range []string{gone.PhoneJID, gone.LIDJID} {
		if j != "" {
			t.persons[j] = keep.PersonID
		}
	}
	t.emit("contact.updated", "contact", keep.PersonID, nil)
	t.emit("contact.updated", "contact", gone.PersonID, nil)

	// Messages the merged person sent now come from the survivor, and all
	// show its preferred JID.
	sent, err := t.messagesSentBy(gone.PersonID, "")
	if err != nil {
		return nil, err
	}
	for _, m := range sent {
		t.trackMessage(m, false)
	}
	for _, r := range t.msgs {
		if r.cur.SenderPersonID == gone.PersonID {
			r.cur.SenderPersonID = keep.PersonID
		}
	}
	if err := t.refreshSenderJIDs(keep); err != nil {
		return nil, err
	}
	// Group participations.
	groups, err := store.ConversationsWhere(t.ctx, t.db, t.acc.ID,
		"conversation_id IN (SELECT conversation_id FROM wauser_participants WHERE account_id = ? AND person_id = ?)", t.acc.ID, gone.PersonID)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		t.trackConversation(g, false)
	}
	// Those, and groups of this transaction (or, in a pipelined history, of
	// the batch being written) whose participants are not stored yet.
	for _, r := range t.convs {
		for _, p := range r.cur.Participants {
			if p.PersonID == gone.PersonID {
				p.PersonID = keep.PersonID
			}
		}
	}
	// Their direct conversations.
	goneConv, err := t.directConversation(gone.PersonID)
	if err != nil {
		return nil, err
	}
	keepConv, err := t.directConversation(keep.PersonID)
	if err != nil {
		return nil, err
	}
	switch {
	case goneConv == nil:
	case keepConv == nil:
		goneConv.DirectPersonID = keep.PersonID
		t.convKeys["direct:"+keep.PersonID] = goneConv.ConversationID
	default:
		if err := t.mergeConversations(keepConv, goneConv); err != nil {
			return nil, err
		}
	}
	delete(t.as.conv, "direct:"+gone.PersonID)
	return keep, nil
}

// refreshSenderJIDs sets sender_jid of the person's messages to its
// preferred JID.
func (t *Tx) refreshSenderJIDs(c *store.Contact) error {
	want := preferredJID(c)
	rows, err := t.messagesSentBy(c.PersonID, want)
	if err != nil {
		return err
	}
	for _, m := range rows {
		t.trackMessage(m, false)
	}
	for _, r := range t.msgs {
		if r.cur.SenderPersonID == c.PersonID {
			r.cur.SenderJID = want
		}
	}
	return nil
}

// messagesSentBy loads the stored messages the person sent (with a
// sender_jid other than notJID, when given). A person writes in their direct
// conversation and in the groups they are in, so the lookup goes through
// those conversations' index rather than an index on the sender, which
// would cost every stored message an index entry for a lookup that is rare
// (a phone number learned, two contacts merged).
func (t *Tx) messagesSentBy(personID, notJID string) ([]*store.Message, error) {
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
	if len(convs) == 0 {
		return nil, nil
	}
	where := "conversation_id IN (?) AND sender_person_id = ?"
	args := []any{bun.In(convs), personID}
	if notJID != "" {
		where += " AND sender_jid <> ?"
		args = append(args, notJID)
	}
	return store.MessagesWhere(t.ctx, t.db, t.acc.ID, where, args...)
}

// directConversation finds the person's unmerged direct conversation.
func (t *Tx) directConversation(personID string) (*store.Conversation, error) {
	key := "direct:" + personID
	if id, ok := t.convKeys[key]; ok {
		if id == "" {
			return nil, nil // known not to exist
		}
		return t.conversationByID(id)
	}
	if id, ok := t.as.conv[key]; ok {
		if id == "" {
			return nil, nil
		}
		if c, err := t.conversationByID(id); err != nil || (c != nil && c.MergedInto == "" && c.DirectPersonID == personID) {
			return c, err
		}
	}
	for _, r := range t.convs {
		if r.cur.MergedInto == "" && r.cur.Kind == KindDirect && r.cur.DirectPersonID == personID {
			return r.cur, nil
		}
	}
	rows, err := store.ConversationsWhere(t.ctx, t.db, t.acc.ID, "merged_into = '' AND kind = ? AND direct_person_id = ?", KindDirect, personID)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		t.convKeys[key] = "" // remember the absence (group members without a direct chat)
		return nil, nil
	}
	c := t.trackConversation(rows[0], false)
	t.convKeys[key] = c.ConversationID
	return c, nil
}

// mergeConversations folds gone into keep: its messages move over (a
// message present in both is merged into one).
func (t *Tx) mergeConversations(keep, gone *store.Conversation) error {
	gone.MergedInto = keep.ConversationID
	keep.IsArchived = keep.IsArchived || gone.IsArchived
	keep.IsPinned = keep.IsPinned || gone.IsPinned
	keep.UnreadCount += gone.UnreadCount
	if gone.LastMessageAt.After(keep.LastMessageAt) {
		keep.LastMessageAt = gone.LastMessageAt
	}
	if gone.MutedUntil.After(keep.MutedUntil) {
		keep.MutedUntil = gone.MutedUntil
	}
	gone.UnreadCount = 0
	t.emit("conversation.updated", "conversation", keep.ConversationID, nil)
	t.emit("conversation.updated", "conversation", gone.ConversationID, nil)

	moved, err := store.MessagesWhere(t.ctx, t.db, t.acc.ID, "conversation_id = ? AND merged_into = ''", gone.ConversationID)
	if err != nil {
		return err
	}
	for _, m := range moved {
		t.trackMessage(m, false)
	}
	for _, id := range slices.Clone(t.msgOrder) {
		m := t.msgs[id].cur
		if m.ConversationID != gone.ConversationID || m.MergedInto != "" {
			continue
		}
		old := m.ConversationID
		m.ConversationID, m.ChatJID = keep.ConversationID, keep.ChatJID
		t.reindex(m, old)
		// The same WhatsApp message may already be stored under the other form.
		if twin := t.sameMessage(keep.ConversationID, m); twin != nil {
			mergeMessages(twin, m)
		}
	}
	return nil
}

// sameMessage finds another unmerged message of conversation conv that is
// the same WhatsApp message as m.
func (t *Tx) sameMessage(conv string, m *store.Message) *store.Message {
	for _, id := range t.byWAID[conv+"\x00"+m.WAMessageID] {
		o := t.msgs[id].cur
		if o != m && o.MergedInto == "" && o.IsFromMe == m.IsFromMe && o.SenderPersonID == m.SenderPersonID {
			return o
		}
	}
	return nil
}

// mergeMessages folds message gone into keep (the older row survives).
func mergeMessages(keep, gone *store.Message) {
	if gone.CreatedAt.Before(keep.CreatedAt) {
		// Keep the identity of the older row, the data of both.
		keep, gone = gone, keep
	}
	if keep.ContentType == TypeUnknown && gone.ContentType != TypeUnknown {
		keep.ContentType, keep.Body, keep.Media, keep.MediaKeys, keep.Extra = gone.ContentType, gone.Body, gone.Media, gone.MediaKeys, gone.Extra
	}
	if gone.EditedAt.After(keep.EditedAt) {
		keep.Body, keep.EditedAt = gone.Body, gone.EditedAt
	}
	if !gone.DeletedAt.IsZero() && keep.DeletedAt.IsZero() {
		tombstone(keep, gone.DeletedAt)
	}
	for who, ms := range gone.ReactionTimes {
		setReaction(keep, who, gone.Reactions[who], ms)
	}
	if statusRank(gone.Status) > statusRank(keep.Status) {
		keep.Status = gone.Status
	}
	if keep.WireChatJID == "" {
		keep.WireChatJID, keep.WireSenderJID = gone.WireChatJID, gone.WireSenderJID
	}
	if keep.ClientID == "" {
		keep.ClientID = gone.ClientID
	}
	gone.MergedInto = keep.MessageID
}

// syncDirectConversation keeps the person's direct conversation addressed
// by the preferred JID, with the other form as alt_jid.
func (t *Tx) syncDirectConversation(c *store.Contact) error {
	conv, err := t.directConversation(c.PersonID)
	if err != nil || conv == nil {
		return err
	}
	chat, alt := preferredJID(c), ""
	if c.PhoneJID != "" {
		alt = c.LIDJID
	}
	if conv.ChatJID != chat || conv.AltJID != alt {
		conv.ChatJID, conv.AltJID = chat, alt
		t.emit("conversation.updated", "conversation", conv.ConversationID, nil)
	}
	return nil
}

// Chat returns the conversation of a chat JID, creating it when needed. For
// direct chats alt is the other form of the peer (RecipientAlt/SenderAlt),
// and the peer's contact is returned too.
func (t *Tx) Chat(chat, alt types.JID) (*store.Conversation, *store.Contact, error) {
	kind := ChatKind(chat)
	switch kind {
	case "":
		return nil, nil, fmt.Errorf("%s is not a chat JID", chat)
	case KindDirect:
		p, err := t.Person(chat, alt)
		if err != nil {
			return nil, nil, err
		}
		conv, err := t.directConversation(p.PersonID)
		if err != nil {
			return nil, nil, err
		}
		if conv == nil {
			id := conversationID(t.acc.ID, "direct:"+p.PersonID)
			if conv, err = t.conversationByID(id); err != nil {
				return nil, nil, err
			}
			if conv == nil {
				conv = t.trackConversation(&store.Conversation{
					AccountID: t.acc.ID, ConversationID: id, Kind: KindDirect, DirectPersonID: p.PersonID,
					Participants: []*store.Participant{},
				}, true)
			}
			t.convKeys["direct:"+p.PersonID] = conv.ConversationID
			if err := t.syncDirectConversation(p); err != nil {
				return nil, nil, err
			}
		}
		return conv, p, nil
	}
	key := chat.ToNonAD().String()
	if id, ok := t.convKeys[key]; ok {
		c, err := t.conversationByID(id)
		return c, nil, err
	}
	if id, ok := t.as.conv[key]; ok {
		if c, err := t.conversationByID(id); err != nil || c != nil {
			return c, nil, err
		}
	}
	id := conversationID(t.acc.ID, key)
	c, err := t.conversationByID(id)
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		c = t.trackConversation(&store.Conversation{
			AccountID: t.acc.ID, ConversationID: id, ChatJID: key, Kind: kind, Participants: []*store.Participant{},
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

package wauser_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// The identity property: the records an account ends with are a function
// of the set of events WhatsApp delivered, not of their order or of
// redelivery. A generator makes realistic initial histories (people by
// phone number and by LID, one chat under both forms, mappings in the last
// chunk, groups listing one person twice or by both forms, stubs, edits,
// revokes, reactions, receipts, push names, chat state) and live events
// addressed by the other form; they are delivered in order, with chunks
// and live events shuffled, and with random redeliveries, and the final
// records must be identical.

// histPerson is a person of a generated history.
type histPerson struct {
	pn, lid types.JID
	// form says how the history addresses their chat: by phone number
	// only, by LID only, or under both forms (two conversation records).
	form    string
	mapped  bool   // the last chunk maps their LID to their phone number
	inPnJID bool   // their LID conversation record names their phone number
	name    string // push name
}

// histScenario is what the generator made.
type histScenario struct {
	people []*histPerson
	chunks []*waHistorySync.HistorySync
	// mapChunk is the chunk with the mappings.
	mapChunk int
	live     []any
	// What the final records must show.
	messages int               // distinct WhatsApp messages stored
	edited   map[string]string // wa id -> body after a live edit
	revoked  map[string]bool   // wa ids revoked (live or in history)
	reacted  map[string]string // wa id -> reactor JID (phone form) of a live reaction
	read     map[string]bool   // own wa ids a live receipt marked read
}

type histGen struct {
	r   *rand.Rand
	sc  *histScenario
	sec int
}

func (g *histGen) tick() time.Time { g.sec += 7; return at(g.sec) }

func (g *histGen) pick(n int) int { return g.r.IntN(n) }

func (g *histGen) chance(p float64) bool { return g.r.Float64() < p }

// content returns a realistic message: text, image, document, voice note,
// or a reply to quoted.
func (g *histGen) content(id string, quoted string) *waE2E.Message {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(g.r.UintN(256))
	}
	switch g.pick(6) {
	case 0:
		return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			Caption: proto.String("photo " + id), Mimetype: proto.String("image/jpeg"), FileLength: proto.Uint64(12345),
			Width: proto.Uint32(640), Height: proto.Uint32(480), MediaKey: key, DirectPath: proto.String("/v/t62/" + id),
			FileSHA256: key, FileEncSHA256: key,
		}}
	case 1:
		return &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
			FileName: proto.String(id + ".pdf"), Mimetype: proto.String("application/pdf"), FileLength: proto.Uint64(999),
			MediaKey: key, DirectPath: proto.String("/v/t62/" + id), FileSHA256: key, FileEncSHA256: key,
		}}
	case 2:
		return &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
			PTT: proto.Bool(true), Mimetype: proto.String("audio/ogg; codecs=opus"), Seconds: proto.Uint32(7),
			MediaKey: key, DirectPath: proto.String("/v/t62/" + id), FileSHA256: key, FileEncSHA256: key,
		}}
	case 3:
		if quoted != "" {
			return &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
				Text:        proto.String("reply " + id),
				ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String(quoted), QuotedMessage: &waE2E.Message{Conversation: proto.String("q")}},
			}}
		}
	}
	return &waE2E.Message{Conversation: proto.String("text " + id)}
}

// histMsg is one generated history message of a chat.
type histMsg struct {
	wm     *waWeb.WebMessageInfo
	id     string
	fromMe bool
	sender *histPerson // nil for the account's own
}

func (g *histGen) webMessage(chat types.JID, id string, fromMe bool, sender types.JID, quoted string) *waWeb.WebMessageInfo {
	wm := &waWeb.WebMessageInfo{
		Key:              watest.Key(chat, id, fromMe, types.EmptyJID),
		Message:          g.content(id, quoted),
		MessageTimestamp: proto.Uint64(uint64(g.tick().Unix())),
	}
	if !sender.IsEmpty() {
		wm.Participant = proto.String(sender.String())
	}
	if fromMe {
		wm.Status = []waWeb.WebMessageInfo_Status{waWeb.WebMessageInfo_SERVER_ACK, waWeb.WebMessageInfo_DELIVERY_ACK, waWeb.WebMessageInfo_READ}[g.pick(3)].Enum()
	}
	return wm
}

// form returns one of a person's JIDs, by phone number or LID at random.
func (g *histGen) form(p *histPerson) types.JID {
	if g.chance(0.5) {
		return p.pn
	}
	return p.lid
}

// state gives a conversation record random chat state, stated or not.
func (g *histGen) state(hc *waHistorySync.Conversation, last time.Time) {
	hc.ConversationTimestamp = proto.Uint64(uint64(last.Unix()))
	hc.LastMsgTimestamp = proto.Uint64(uint64(last.Unix()))
	if g.chance(0.4) {
		hc.Archived = proto.Bool(g.chance(0.5))
	}
	if g.chance(0.3) {
		hc.Pinned = proto.Uint32(uint32(g.pick(2)))
	}
	if g.chance(0.5) {
		hc.UnreadCount = proto.Uint32(uint32(g.pick(4)))
	}
	if g.chance(0.3) {
		hc.MuteEndTime = proto.Uint64(uint64(at(90000 + g.pick(1000)).Unix()))
	}
}

// directChat generates the messages of a person's direct chat under one
// form; some may repeat messages of the chat's other form (dup).
func (g *histGen) directChat(p *histPerson, chat types.JID, n int, dup []histMsg) (*waHistorySync.Conversation, []histMsg) {
	var msgs []histMsg
	var wms []*waWeb.WebMessageInfo
	for _, d := range dup {
		// The same WhatsApp message, as the other form's record holds it.
		wm := proto.Clone(d.wm).(*waWeb.WebMessageInfo)
		wm.Key.RemoteJID = proto.String(chat.String())
		wms = append(wms, wm)
	}
	quoted := ""
	for j := range n {
		id := fmt.Sprintf("3EB0%s%sM%02d", p.pn.User[len(p.pn.User)-3:], chat.Server[:1], j)
		fromMe := g.chance(0.35)
		wm := g.webMessage(chat, id, fromMe, types.EmptyJID, quoted)
		hm := histMsg{wm: wm, id: id, fromMe: fromMe}
		if !fromMe {
			hm.sender = p
		}
		quoted = id
		// Reactions attached in history: by the account, or by the peer.
		if g.chance(0.2) {
			rk := watest.Key(chat, id+"R", g.chance(0.5), types.EmptyJID)
			wm.Reactions = []*waWeb.Reaction{{Key: rk, Text: proto.String([]string{"👍", "❤️", "😂"}[g.pick(3)]),
				SenderTimestampMS: proto.Int64(g.tick().UnixMilli())}}
		}
		switch {
		case j > 0 && g.chance(0.08):
			// Revoked: history holds a REVOKE stub under the message's key.
			wm.Message, wm.Reactions, wm.Status = nil, nil, nil
			wm.MessageStubType = waWeb.WebMessageInfo_REVOKE.Enum()
			g.sc.revoked[id] = true
		case j > 1 && g.chance(0.1) && !msgs[len(msgs)-1].fromMe && !fromMe && msgs[len(msgs)-1].wm.Message.GetConversation() != "":
			// An edit in history of the sender's previous text message.
			target := msgs[len(msgs)-1]
			edit := &waWeb.WebMessageInfo{
				Key: watest.Key(chat, id+"E", false, types.EmptyJID), MessageTimestamp: proto.Uint64(uint64(g.tick().Unix())),
				Message: &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
					Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), Key: watest.Key(chat, target.id, false, types.EmptyJID),
					EditedMessage: &waE2E.Message{Conversation: proto.String("edited in history " + target.id)},
				}},
			}
			wms = append(wms, edit)
		}
		wms = append(wms, wm)
		msgs = append(msgs, hm)
	}
	hc := watest.HistoryConversation(chat, wms...)
	g.state(hc, at(g.sec))
	if chat.Server == types.HiddenUserServer && p.inPnJID {
		hc.PnJID = proto.String(p.pn.String())
	}
	if g.chance(0.5) {
		hc.DisplayName = proto.String(p.name + " (phone)")
	}
	return hc, msgs
}

// group generates a group chat whose participant list names people by
// either form, some twice, and whose senders use either form.
func (g *histGen) group(n int, members []*histPerson) (*waHistorySync.Conversation, []histMsg) {
	chat := types.NewJID(fmt.Sprintf("1203630000000%05d", g.pick(100000)), types.GroupServer)
	hc := &waHistorySync.Conversation{ID: proto.String(chat.String()), Name: proto.String("Group " + chat.User[len(chat.User)-4:])}
	own := []types.JID{phone.JID, phone.LID}[g.pick(2)]
	hc.Participant = append(hc.Participant, &waHistorySync.GroupParticipant{UserJID: proto.String(own.String()), Rank: waHistorySync.GroupParticipant_SUPERADMIN.Enum()})
	for _, m := range members {
		hc.Participant = append(hc.Participant, &waHistorySync.GroupParticipant{UserJID: proto.String(g.form(m).String())})
		if g.chance(0.3) {
			// Listed again: the other form, or the same one twice.
			hc.Participant = append(hc.Participant, &waHistorySync.GroupParticipant{UserJID: proto.String(g.form(m).String()),
				Rank: waHistorySync.GroupParticipant_ADMIN.Enum()})
		}
	}
	g.r.Shuffle(len(hc.Participant), func(i, j int) { hc.Participant[i], hc.Participant[j] = hc.Participant[j], hc.Participant[i] })
	// The group's creation and an addition, as the chat shows them.
	creator := members[0]
	created := &waWeb.WebMessageInfo{Key: watest.Key(chat, "STUB"+chat.User[len(chat.User)-5:]+"C", false, types.EmptyJID),
		Participant: proto.String(creator.pn.String()), MessageTimestamp: proto.Uint64(uint64(g.tick().Unix())),
		MessageStubType: waWeb.WebMessageInfo_GROUP_CREATE.Enum(), MessageStubParameters: []string{hc.GetName()}}
	added := &waWeb.WebMessageInfo{Key: watest.Key(chat, "STUB"+chat.User[len(chat.User)-5:]+"A", false, types.EmptyJID),
		Participant: proto.String(creator.pn.String()), MessageTimestamp: proto.Uint64(uint64(g.tick().Unix())),
		MessageStubType: waWeb.WebMessageInfo_GROUP_PARTICIPANT_ADD.Enum(), MessageStubParameters: []string{members[len(members)-1].pn.String()}}
	wms := []*waWeb.WebMessageInfo{created, added}
	g.sc.messages += 2
	var msgs []histMsg
	for j := range n {
		id := fmt.Sprintf("3EB0G%s%02d", chat.User[len(chat.User)-5:], j)
		fromMe := g.chance(0.25)
		var sender *histPerson
		senderJID := types.EmptyJID
		if !fromMe {
			sender = members[g.pick(len(members))]
			senderJID = g.form(sender)
		}
		wm := g.webMessage(chat, id, fromMe, senderJID, "")
		if !fromMe {
			wm.Key.Participant = proto.String(senderJID.String())
		}
		wms = append(wms, wm)
		msgs = append(msgs, histMsg{wm: wm, id: id, fromMe: fromMe, sender: sender})
	}
	hc.Messages = watest.HistoryConversation(chat, wms...).Messages
	g.state(hc, at(g.sec))
	return hc, msgs
}

// newHistScenario generates a history of people and groups in chunks,
// and live events.
func newHistScenario(seed uint64) *histScenario {
	g := &histGen{r: rand.New(rand.NewPCG(seed, seed^0x5eed)), sec: 100}
	g.sc = &histScenario{edited: map[string]string{}, revoked: map[string]bool{}, reacted: map[string]string{}, read: map[string]bool{}}
	forms := []string{"pn", "lid", "both", "lid-unmapped", "both"}
	var convs []*waHistorySync.Conversation
	type dm struct {
		p    *histPerson
		msgs []histMsg
	}
	var dms []dm
	for i := range 8 {
		p := &histPerson{
			pn:   types.NewJID(fmt.Sprintf("1555001%04d", i), types.DefaultUserServer),
			lid:  types.NewJID(fmt.Sprintf("2000000001%05d", i), types.HiddenUserServer),
			form: forms[i%len(forms)], name: fmt.Sprintf("Person %d", i),
		}
		p.mapped = p.form == "lid" || p.form == "both"
		p.inPnJID = p.form == "lid" && g.chance(0.5)
		g.sc.people = append(g.sc.people, p)
		var all []histMsg
		switch p.form {
		case "pn":
			hc, msgs := g.directChat(p, p.pn, 6+g.pick(6), nil)
			convs, all = append(convs, hc), msgs
		case "lid", "lid-unmapped":
			hc, msgs := g.directChat(p, p.lid, 6+g.pick(6), nil)
			convs, all = append(convs, hc), msgs
		case "both":
			hc1, msgs1 := g.directChat(p, p.pn, 4+g.pick(4), nil)
			// The LID record repeats two of the phone-number record's messages.
			hc2, msgs2 := g.directChat(p, p.lid, 4+g.pick(4), msgs1[:2])
			convs, all = append(convs, hc1, hc2), append(msgs1, msgs2...)
		}
		g.sc.messages += len(all)
		dms = append(dms, dm{p, all})
	}
	var groupMsgs []histMsg
	for range 2 {
		members := slices.Clone(g.sc.people)
		g.r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		hc, msgs := g.group(8+g.pick(6), members[:4])
		convs = append(convs, hc)
		groupMsgs = append(groupMsgs, msgs...)
		g.sc.messages += len(msgs)
	}
	// A conversation record may come in two chunks, each with part of its
	// messages and the same settings.
	var parts []*waHistorySync.Conversation
	for _, hc := range convs {
		if len(hc.Messages) > 6 && g.chance(0.4) {
			half := len(hc.Messages) / 2
			a, b := proto.Clone(hc).(*waHistorySync.Conversation), proto.Clone(hc).(*waHistorySync.Conversation)
			a.Messages, b.Messages = a.Messages[:half], b.Messages[half:]
			parts = append(parts, a, b)
			continue
		}
		parts = append(parts, hc)
	}
	g.r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	const nChunks = 4
	for i := range nChunks {
		data := watest.History(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, uint32(25*(i+1))).Data
		data.ChunkOrder = proto.Uint32(uint32(i + 1))
		g.sc.chunks = append(g.sc.chunks, data)
	}
	for i, hc := range parts {
		c := g.sc.chunks[i%nChunks]
		c.Conversations = append(c.Conversations, hc)
	}
	// Push names, by either form, in some chunk; the mappings in the last.
	for _, p := range g.sc.people {
		c := g.sc.chunks[g.pick(nChunks)]
		c.Pushnames = append(c.Pushnames, &waHistorySync.Pushname{ID: proto.String(g.form(p).String()), Pushname: proto.String(p.name)})
	}
	g.sc.mapChunk = nChunks - 1
	last := g.sc.chunks[g.sc.mapChunk]
	for _, p := range g.sc.people {
		if p.mapped {
			last.PhoneNumberToLidMappings = append(last.PhoneNumberToLidMappings,
				&waHistorySync.PhoneNumberToLIDMapping{PnJID: proto.String(p.pn.String()), LidJID: proto.String(p.lid.String())})
		}
	}
	// Live events addressed by the other form than the history used.
	g.sec = 50000
	for _, d := range dms {
		if !d.p.mapped {
			continue
		}
		var incoming, mine []histMsg
		for _, m := range d.msgs {
			if g.sc.revoked[m.id] {
				continue
			}
			if m.fromMe {
				mine = append(mine, m)
			} else if m.wm.GetMessage().GetConversation() != "" || m.wm.GetMessage().GetExtendedTextMessage() != nil {
				incoming = append(incoming, m)
			}
		}
		other := func(m histMsg) (types.JID, types.JID) {
			// The form the history did not use for this message's chat.
			if m.wm.GetKey().GetRemoteJID() == d.p.pn.String() {
				return d.p.lid, d.p.pn
			}
			return d.p.pn, d.p.lid
		}
		if len(incoming) > 0 {
			m := incoming[g.pick(len(incoming))]
			chat, alt := other(m)
			body := "edited live " + m.id
			evt := watest.Edit(chat, chat, m.id+"LE", g.tick(), watest.Key(chat, m.id, false, types.EmptyJID), body)
			if g.chance(0.5) {
				evt.Info.SenderAlt = alt
			}
			g.sc.live = append(g.sc.live, evt)
			g.sc.edited[m.id] = body
		}
		if len(incoming) > 1 {
			m := incoming[0]
			if _, edited := g.sc.edited[m.id]; !edited {
				chat, alt := other(m)
				evt := watest.Revoke(chat, chat, m.id+"LR", g.tick(), watest.Key(chat, m.id, false, types.EmptyJID))
				if g.chance(0.5) {
					evt.Info.SenderAlt = alt
				}
				g.sc.live = append(g.sc.live, evt)
				g.sc.revoked[m.id] = true
			}
		}
		if len(mine) > 0 {
			m := mine[g.pick(len(mine))]
			chat, alt := other(m)
			evt := watest.Reaction(chat, chat, m.id+"LX", g.tick(), watest.Key(chat, m.id, true, types.EmptyJID), "🎉")
			evt.Info.SenderAlt = alt
			g.sc.live = append(g.sc.live, evt)
			g.sc.reacted[m.id] = d.p.pn.String()
			// The peer read it; WhatsApp names the other form beside.
			rc := watest.Receipt(chat, chat, types.ReceiptTypeRead, g.tick(), false, m.id)
			rc.SenderAlt = alt
			g.sc.live = append(g.sc.live, rc)
			g.sc.read[m.id] = true
		}
	}
	// In a group, a reaction by a member under the form the message did not
	// use.
	for _, m := range groupMsgs {
		if m.sender == nil || !m.sender.mapped {
			continue
		}
		form := m.sender.lid
		if m.wm.GetKey().GetParticipant() == m.sender.lid.String() {
			form = m.sender.pn
		}
		chat, _ := types.ParseJID(m.wm.GetKey().GetRemoteJID())
		target := &waCommon.MessageKey{RemoteJID: proto.String(chat.String()), FromMe: proto.Bool(false), ID: proto.String(m.id),
			Participant: m.wm.GetKey().Participant}
		evt := watest.Reaction(chat, form, m.id+"GX", g.tick(), target, "🔥")
		g.sc.live = append(g.sc.live, evt)
		g.sc.reacted[m.id] = m.sender.pn.String()
		break
	}
	return g.sc
}

// histStep is one delivery: a chunk (by index) or a live event.
type histStep struct {
	chunk int // -1 for a live event
	live  any
}

// deliveries returns the scenario's deliveries in order, shuffled,
// shuffled with the mappings first, or shuffled with random redeliveries.
func (sc *histScenario) deliveries(order string, r *rand.Rand) []histStep {
	var steps []histStep
	for i := range sc.chunks {
		steps = append(steps, histStep{chunk: i})
	}
	for _, e := range sc.live {
		steps = append(steps, histStep{chunk: -1, live: e})
	}
	if order == "in order" {
		return steps
	}
	r.Shuffle(len(steps), func(i, j int) { steps[i], steps[j] = steps[j], steps[i] })
	if order == "mappings first" {
		// The chunk with the mappings first: every later record is applied
		// to the merged rows directly.
		i := slices.IndexFunc(steps, func(s histStep) bool { return s.chunk == sc.mapChunk })
		steps[0], steps[i] = steps[i], steps[0]
		return steps
	}
	if order == "shuffled" {
		return steps
	}
	out := slices.Clone(steps)
	for range len(steps) / 2 {
		s := steps[r.IntN(len(steps))]
		at := r.IntN(len(out) + 1)
		out = slices.Insert(out, at, s)
	}
	return out
}

// deliver runs the steps against a freshly paired account and returns it.
func (sc *histScenario) deliver(t *testing.T, db *testdb.DB, steps []histStep) *wauser.Client {
	t.Helper()
	_, bot, conn := paired(t, db)
	for _, s := range steps {
		var evt any = s.live
		if s.chunk >= 0 {
			// The phone uploads the chunk and announces it; the Client stores
			// the blob's mappings in whatsmeow's LID map, then its records.
			// (A copy: ingestion must not depend on the blob staying as it was.)
			emitHistory(t, bot, conn, watest.HistoryData(proto.Clone(sc.chunks[s.chunk]).(*waHistorySync.HistorySync)))
			continue
		} else if m, ok := evt.(*events.Message); ok {
			c := *m
			evt = &c
		}
		require.True(t, conn.Emit(evt), "delivering %T", evt)
	}
	return bot
}

// liveRecords is the account's unmerged records, as the feed shows them,
// seqs aside, keyed by id.
type liveRecords struct {
	convs    map[wauser.ConversationID]wauser.Conversation
	contacts map[wauser.PersonID]wauser.Contact
	msgs     map[wauser.MessageID]wauser.Message
	all      *wauser.SyncPage
}

func readLive(t *testing.T, c *wauser.Client) *liveRecords {
	t.Helper()
	p, err := c.SyncPage(ctxTimeout(t), 0, wauser.MaxSyncLimit)
	require.NoError(t, err)
	require.False(t, p.HasMore, "the scenario fits in one page")
	lr := &liveRecords{convs: map[wauser.ConversationID]wauser.Conversation{}, contacts: map[wauser.PersonID]wauser.Contact{},
		msgs: map[wauser.MessageID]wauser.Message{}, all: p}
	for _, r := range p.Conversations {
		if r.MergedInto == "" {
			r.Seq = 0
			lr.convs[r.ConversationID] = r
		}
	}
	for _, r := range p.Contacts {
		if r.MergedInto == "" {
			r.Seq = 0
			lr.contacts[r.PersonID] = r
		}
	}
	for _, r := range p.Messages {
		if r.MergedInto == "" {
			r.Seq = 0
			lr.msgs[r.MessageID] = r
		}
	}
	return lr
}

// canonical renders the records for comparison.
func (lr *liveRecords) canonical(t *testing.T) string {
	t.Helper()
	var lines []string
	add := func(kind string, id string, v any) {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		lines = append(lines, kind+" "+id+" "+string(b))
	}
	for id, r := range lr.convs {
		add("conversation", string(id), r)
	}
	for id, r := range lr.contacts {
		add("contact", string(id), r)
	}
	for id, r := range lr.msgs {
		add("message", string(id), r)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// checkRecords checks what must hold of one final store, whatever the
// order of delivery.
func (sc *histScenario) checkRecords(t *testing.T, c *wauser.Client, lr *liveRecords) {
	t.Helper()
	own := phone.JID.String()
	// One message per WhatsApp message.
	seen := map[string]wauser.MessageID{}
	for id, m := range lr.msgs {
		k := m.ChatJID + " " + m.SenderJID + " " + m.WAMessageID
		require.NotContains(t, seen, k, "message %s stored twice (%s, %s)", k, seen[k], id)
		seen[k] = id
	}
	require.Len(t, lr.msgs, sc.messages, "every WhatsApp message once")
	// Nothing points at a merged-away record.
	preferred := map[string]bool{own: true}
	for _, ct := range lr.contacts {
		pj := ct.PhoneJID
		if pj == "" {
			pj = ct.LIDJID
		}
		preferred[pj] = true
	}
	for _, cv := range lr.convs {
		if cv.Kind == wauser.KindDirect {
			require.Contains(t, lr.contacts, cv.DirectPersonID, "conversation %s's person", cv.ConversationID)
			require.True(t, preferred[cv.ChatJID], "direct chat %s is addressed by its person's preferred JID", cv.ChatJID)
		}
		pjs := map[string]bool{}
		for _, p := range cv.Participants {
			require.False(t, pjs[string(p.PersonID)+p.ParticipantJID], "participant listed twice")
			pjs[string(p.PersonID)+p.ParticipantJID] = true
			if p.PersonID != "" {
				require.Contains(t, lr.contacts, p.PersonID, "participant %s of %s", p.ParticipantJID, cv.ChatJID)
				require.True(t, preferred[p.ParticipantJID], "participant %s shown by the preferred JID", p.ParticipantJID)
			} else {
				require.Equal(t, own, p.ParticipantJID, "the account, once")
			}
		}
	}
	for _, m := range lr.msgs {
		require.Contains(t, lr.convs, m.ConversationID, "message %s's conversation", m.WAMessageID)
		require.Equal(t, lr.convs[m.ConversationID].ChatJID, m.ChatJID, "message %s's chat JID", m.WAMessageID)
		require.True(t, preferred[m.SenderJID], "message %s sender %s is a live person's preferred JID", m.WAMessageID, m.SenderJID)
		for who := range m.Reactions {
			require.True(t, preferred[who], "reaction on %s keyed by %s", m.WAMessageID, who)
		}
	}
	// One contact and one direct chat per person; mapped ones hold both forms.
	byWAID := map[string]wauser.Message{}
	for _, m := range lr.msgs {
		byWAID[m.WAMessageID] = m
	}
	for _, p := range sc.people {
		var found []wauser.Contact
		for _, ct := range lr.contacts {
			if ct.PhoneJID == p.pn.String() || ct.LIDJID == p.lid.String() {
				found = append(found, ct)
			}
		}
		switch {
		case p.mapped:
			require.Len(t, found, 1, "%s is one contact", p.pn)
			require.Equal(t, p.pn.String(), found[0].PhoneJID)
			require.Equal(t, p.lid.String(), found[0].LIDJID)
			require.Equal(t, p.name, found[0].WhatsAppPushName)
		default:
			// Not mapped: each form WhatsApp used is one contact.
			byPN, byLID := 0, 0
			for _, ct := range found {
				if ct.PhoneJID == p.pn.String() {
					byPN++
				}
				if ct.LIDJID == p.lid.String() {
					byLID++
				}
			}
			require.LessOrEqual(t, byPN, 1, "%s is one contact", p.pn)
			require.LessOrEqual(t, byLID, 1, "%s is one contact", p.lid)
		}
	}
	for id, body := range sc.edited {
		require.Equal(t, body, byWAID[id].Body, "live edit of %s by the other form", id)
	}
	for id := range sc.revoked {
		require.Equal(t, "deleted", byWAID[id].Status, "%s revoked", id)
		require.False(t, byWAID[id].DeletedAt.IsZero())
		require.Empty(t, byWAID[id].Body)
	}
	for id, who := range sc.reacted {
		require.Contains(t, byWAID[id].Reactions, who, "live reaction on %s by the other form", id)
	}
	for id := range sc.read {
		if !sc.revoked[id] {
			require.Equal(t, "read", byWAID[id].Status, "receipt of %s by the other form", id)
		}
	}
	// A walk of the feed from 0 shows each record once.
	var cursor wauser.Cursor
	ids := map[string]bool{}
	for {
		p, err := c.SyncPage(ctxTimeout(t), cursor, 37)
		require.NoError(t, err)
		for _, r := range p.Conversations {
			require.False(t, ids[string(r.ConversationID)], "%s twice in the feed", r.ConversationID)
			ids[string(r.ConversationID)] = true
		}
		for _, r := range p.Contacts {
			require.False(t, ids[string(r.PersonID)], "%s twice in the feed", r.PersonID)
			ids[string(r.PersonID)] = true
		}
		for _, r := range p.Messages {
			require.False(t, ids[string(r.MessageID)], "%s twice in the feed", r.MessageID)
			ids[string(r.MessageID)] = true
		}
		cursor = p.Cursor
		if !p.HasMore {
			break
		}
	}
	require.Len(t, ids, len(lr.all.Conversations)+len(lr.all.Contacts)+len(lr.all.Messages))
}

// TestHistoryIdentityProperty: whatever the order of delivery, and with
// redeliveries, the same history and live events end as the same records.
func TestHistoryIdentityProperty(t *testing.T) {
	t.Parallel()
	seeds := []uint64{1, 2, 3, 4, 5}
	if s := os.Getenv("WAUSER_PROPERTY_SEEDS"); s != "" {
		seeds = nil
		for _, f := range strings.Fields(s) {
			n, err := strconv.ParseUint(f, 10, 64)
			require.NoError(t, err)
			seeds = append(seeds, n)
		}
	}
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		// A fresh database for each delivery (db itself is one of them).
		spare := []*testdb.DB{db}
		fresh := func() *testdb.DB {
			if len(spare) > 0 {
				d := spare[0]
				spare = spare[1:]
				return d
			}
			if db.Dialect == "sqlite" {
				return testdb.SQLite(t)
			}
			return testdb.Postgres(t)
		}
		for _, seed := range seeds {
			t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
				sc := newHistScenario(seed)
				r := rand.New(rand.NewPCG(seed, 7))
				var want string
				for i, order := range []string{"in order", "shuffled", "mappings first", "redelivered"} {
					bot := sc.deliver(t, fresh(), sc.deliveries(order, r))
					lr := readLive(t, bot)
					sc.checkRecords(t, bot, lr)
					got := lr.canonical(t)
					if i == 0 {
						want = got
						continue
					}
					requireSameLines(t, want, got, "%s: the same records as in order", order)
				}
			})
		}
	})
}

// requireSameLines fails with the lines that differ between want and got.
func requireSameLines(t *testing.T, want, got string, msg string, args ...any) {
	t.Helper()
	if want == got {
		return
	}
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var diff []string
	for _, l := range w {
		if !slices.Contains(g, l) {
			diff = append(diff, "- "+l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			diff = append(diff, "+ "+l)
		}
	}
	t.Fatalf("%s:\n%s", fmt.Sprintf(msg, args...), strings.Join(diff, "\n"))
}

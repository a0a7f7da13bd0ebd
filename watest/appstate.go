package watest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// appStateEntry is WhatsApp's latest value of one app state index of an
// account.
type appStateEntry struct {
	index []string
	value *waSyncAction.SyncActionValue
	ts    time.Time
}

// appStateOf is an account's app state on WhatsApp's side: per collection,
// the latest value of each index. It lives in the Fake, not in a Conn: a
// restarted Client's new connection finds it.
type appStateOf map[appstate.WAPatchName]map[string]*appStateEntry

// keepAppState records patch as the account's app state and returns the
// time of its mutations.
func (c *Conn) keepAppState(patch appstate.PatchInfo) time.Time {
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := patch.Timestamp
	if ts.IsZero() {
		ts = f.now()
	}
	if f.appState == nil {
		f.appState = map[string]appStateOf{}
	}
	st := f.appState[c.account]
	if st == nil {
		st = appStateOf{}
		f.appState[c.account] = st
	}
	coll := st[patch.Type]
	if coll == nil {
		coll = map[string]*appStateEntry{}
		st[patch.Type] = coll
	}
	for _, m := range patch.Mutations {
		if len(m.Index) == 0 || m.Value == nil {
			continue
		}
		coll[strings.Join(m.Index, "\x00")] = &appStateEntry{index: m.Index, value: proto.CloneOf(m.Value), ts: ts}
	}
	return ts
}

// applyAppState applies the mutations of patch to the device store and
// emits their events, as whatsmeow does for a patch it receives.
func (c *Conn) applyAppState(ctx context.Context, patch appstate.PatchInfo, ts time.Time) error {
	for _, m := range patch.Mutations {
		if len(m.Index) == 0 || m.Value == nil {
			continue
		}
		evt, err := c.appStateEvent(ctx, m.Index, m.Value, ts, false)
		if err != nil {
			return err
		}
		if evt != nil {
			c.Emit(evt)
		}
	}
	return nil
}

// SendAppState records the patch (see AppStatePatches), keeps it as the
// account's app state on WhatsApp (see FetchAppState) and, as whatsmeow
// does once WhatsApp accepted it, updates the device's chat settings and
// emits the events of its mutations. Like WhatsApp, it refuses clear-chat
// and delete-chat mutations that are not in the form of the current
// protocol (collection regular_high; index [clearChat, jid, "0"|"1", "0"]
// and [deleteChat, jid, "0"|"1"]), with whatsmeow's ErrAppStateUpdate (the
// error code, 400, is plausible, not verified against WhatsApp).
func (c *Conn) SendAppState(ctx context.Context, patch appstate.PatchInfo) error {
	if err := c.online("SendAppState"); err != nil {
		return err
	}
	if err := checkPatch(patch); err != nil {
		return err
	}
	c.mu.Lock()
	c.patches = append(c.patches, patch)
	c.mu.Unlock()
	return c.applyAppState(ctx, patch, c.keepAppState(patch))
}

// PhoneAppState plays the account's phone changing its app state
// (archiving, pinning or muting a chat, marking it read, labelling it...;
// build patches with whatsmeow's appstate.Build* functions): WhatsApp keeps
// the mutations, and the account gets their events as whatsmeow dispatches
// them. A full resync of the collection (FetchAppState with fullSync)
// delivers them again.
func (c *Conn) PhoneAppState(patch appstate.PatchInfo) error {
	return c.applyAppState(context.Background(), patch, c.keepAppState(patch))
}

// FetchAppState plays an app state sync. The account's Conns get every
// patch as it is made, so an incremental sync brings nothing new; a full
// sync (fullSync) delivers the collection's whole state again, as
// whatsmeow does with EmitAppStateEventsOnFullSync: one event per index
// (FromFullSync set), then *events.AppStateSyncComplete.
func (c *Conn) FetchAppState(ctx context.Context, name appstate.WAPatchName, fullSync, _ bool) error {
	if err := c.online("FetchAppState"); err != nil {
		return err
	}
	if !fullSync {
		return nil
	}
	f := c.fake
	f.mu.Lock()
	var entries []*appStateEntry
	for _, e := range f.appState[c.account][name] {
		entries = append(entries, e)
	}
	f.mu.Unlock()
	sort.Slice(entries, func(i, j int) bool {
		return strings.Join(entries[i].index, "\x00") < strings.Join(entries[j].index, "\x00")
	})
	for _, e := range entries {
		evt, err := c.appStateEvent(ctx, e.index, e.value, e.ts, true)
		if err != nil {
			return fmt.Errorf("failed to decode app state %s patches: %w", name, err)
		}
		if evt != nil {
			c.Emit(evt)
		}
	}
	c.Emit(&events.AppStateSyncComplete{Name: name})
	return nil
}

// appStateEvent applies one app state mutation to the device store and
// returns the event whatsmeow dispatches for it, if any (whatsmeow's
// dispatchAppState).
func (c *Conn) appStateEvent(ctx context.Context, index []string, v *waSyncAction.SyncActionValue, ts time.Time, fullSync bool) (any, error) {
	dev := c.dev
	var jid types.JID
	if len(index) > 1 {
		jid, _ = types.ParseJID(index[1])
	}
	var err error
	var evt any
	switch index[0] {
	case appstate.IndexMute:
		act := v.GetMuteAction()
		var until time.Time
		if act.GetMuted() {
			if act.GetMuteEndTimestamp() < 0 {
				until = store.MutedForever
			} else {
				until = time.UnixMilli(act.GetMuteEndTimestamp())
			}
		}
		err = dev.ChatSettings.PutMutedUntil(ctx, jid, until)
		evt = &events.Mute{JID: jid, Timestamp: ts, Action: act, FromFullSync: fullSync}
	case appstate.IndexPin:
		err = dev.ChatSettings.PutPinned(ctx, jid, v.GetPinAction().GetPinned())
		evt = &events.Pin{JID: jid, Timestamp: ts, Action: v.GetPinAction(), FromFullSync: fullSync}
	case appstate.IndexArchive:
		err = dev.ChatSettings.PutArchived(ctx, jid, v.GetArchiveChatAction().GetArchived())
		evt = &events.Archive{JID: jid, Timestamp: ts, Action: v.GetArchiveChatAction(), FromFullSync: fullSync}
	case appstate.IndexContact:
		act := v.GetContactAction()
		err = dev.Contacts.PutContactName(ctx, jid, act.GetFirstName(), act.GetFullName())
		evt = &events.Contact{JID: jid, Timestamp: ts, Action: act, FromFullSync: fullSync}
	case appstate.IndexClearChat:
		evt = &events.ClearChat{JID: jid, Timestamp: ts, Action: v.GetClearChatAction(), FromFullSync: fullSync}
	case appstate.IndexDeleteChat:
		evt = &events.DeleteChat{JID: jid, Timestamp: ts, Action: v.GetDeleteChatAction(), FromFullSync: fullSync}
	case appstate.IndexStar, appstate.IndexDeleteMessageForMe:
		if len(index) < 5 {
			return nil, nil
		}
		var sender types.JID
		if index[4] != "0" {
			sender, _ = types.ParseJID(index[4])
		}
		if index[0] == appstate.IndexStar {
			evt = &events.Star{ChatJID: jid, SenderJID: sender, MessageID: index[2], Timestamp: ts,
				Action: v.GetStarAction(), IsFromMe: index[3] == "1", FromFullSync: fullSync}
		} else {
			evt = &events.DeleteForMe{ChatJID: jid, SenderJID: sender, MessageID: index[2], Timestamp: ts,
				Action: v.GetDeleteMessageForMeAction(), IsFromMe: index[3] == "1", FromFullSync: fullSync}
		}
	case appstate.IndexMarkChatAsRead:
		evt = &events.MarkChatAsRead{JID: jid, Timestamp: ts, Action: v.GetMarkChatAsReadAction(), FromFullSync: fullSync}
	case appstate.IndexSettingPushName:
		// whatsmeow keeps the name on the device before dispatching.
		c.setPushName(v.GetPushNameSetting().GetName())
		if dev.ID != nil {
			err = dev.Save(ctx)
		}
		evt = &events.PushNameSetting{Timestamp: ts, Action: v.GetPushNameSetting(), FromFullSync: fullSync}
	case appstate.IndexSettingUnarchiveChats:
		evt = &events.UnarchiveChatsSetting{Timestamp: ts, Action: v.GetUnarchiveChatsSetting(), FromFullSync: fullSync}
	case appstate.IndexUserStatusMute:
		evt = &events.UserStatusMute{JID: jid, Timestamp: ts, Action: v.GetUserStatusMuteAction(), FromFullSync: fullSync}
	case appstate.IndexLabelEdit:
		if len(index) < 2 {
			return nil, nil
		}
		evt = &events.LabelEdit{Timestamp: ts, LabelID: index[1], Action: v.GetLabelEditAction(), FromFullSync: fullSync}
	case appstate.IndexLabelAssociationChat:
		if len(index) < 3 {
			return nil, nil
		}
		chat, _ := types.ParseJID(index[2])
		evt = &events.LabelAssociationChat{JID: chat, Timestamp: ts, LabelID: index[1], Action: v.GetLabelAssociationAction(), FromFullSync: fullSync}
	case appstate.IndexLabelAssociationMessage:
		if len(index) < 6 {
			return nil, nil
		}
		chat, _ := types.ParseJID(index[2])
		evt = &events.LabelAssociationMessage{JID: chat, Timestamp: ts, LabelID: index[1], MessageID: index[3],
			Action: v.GetLabelAssociationAction(), FromFullSync: fullSync}
	}
	if err != nil {
		return nil, fmt.Errorf("watest: apply %s: %w", index[0], err)
	}
	return evt, nil
}

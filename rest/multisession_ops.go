package rest

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
)

// The operations of the multi-session server's API (multiSessionRoutes).
// Each calls the exported Client; the data shapes are the server's.

// msSent is the data of a sent message.
type msSent struct {
	MessageID string `json:"message_id"` // the WhatsApp id
	// ID, beyond the multi-session server, is the stored message's id
	// ("msg_…"), accepted wherever a message id is.
	ID        string `json:"id"`
	Status    string `json:"status"`
	Timestamp int64  `json:"timestamp"`
}

func msSentOf(m *wauser.Message) *msSent {
	out := &msSent{MessageID: m.WAMessageID, ID: string(m.MessageID), Status: m.Status}
	if !m.SentAt.IsZero() {
		out.Timestamp = m.SentAt.Unix()
	}
	return out
}

func msServerStatus(h *handler) operation {
	type status struct {
		Version string `json:"version"`
		Uptime  string `json:"uptime"`
	}
	start := h.clock.Now()
	return do(func(x *call) (*status, error) {
		return &status{Version: "wauser", Uptime: x.now.Sub(start).Truncate(time.Second).String()}, nil
	})
}

// msStats answers GET /admin/stats.
type msStats struct {
	TotalAPIKeys        int `json:"total_api_keys"`
	ActiveAPIKeys       int `json:"active_api_keys"`
	TotalDevices        int `json:"total_devices"`
	ConnectedDevices    int `json:"connected_devices"`
	DisconnectedDevices int `json:"disconnected_devices"`
	PendingDevices      int `json:"pending_devices"`
	LoggedOutDevices    int `json:"logged_out_devices"`
}

func msAdminStats() operation {
	return do(func(x *call) (*msStats, error) {
		keys, err := x.root.ListAPIKeys(x.ctx)
		if err != nil {
			return nil, err
		}
		accounts, err := x.root.ListAccounts(x.ctx)
		if err != nil {
			return nil, err
		}
		out := &msStats{TotalAPIKeys: len(keys), TotalDevices: len(accounts)}
		for _, k := range keys {
			if k.RevokedAt.IsZero() {
				out.ActiveAPIKeys++
			}
		}
		for _, a := range accounts {
			switch msDBStatus(a.State) {
			case "active":
				out.ConnectedDevices++
			case "pending":
				out.PendingDevices++
			case "logged_out":
				out.LoggedOutDevices++
			default:
				out.DisconnectedDevices++
			}
		}
		return out, nil
	})
}

// msDBStatus is the multi-session server's device status of a state:
// pending, active, disconnected or logged_out.
func msDBStatus(s wauser.AccountState) string {
	switch s {
	case wauser.StateUnpaired, wauser.StatePairing:
		return "pending"
	case wauser.StateConnected:
		return "active"
	case wauser.StateLoggedOut:
		return "logged_out"
	default:
		return "disconnected"
	}
}

func msAdminHealth(h *handler) operation {
	type health struct {
		Status        string `json:"status"`
		Database      string `json:"database"`
		TotalDevices  int    `json:"total_devices"`
		Goroutines    int    `json:"goroutines"`
		Uptime        string `json:"uptime"`
		UptimeSeconds int64  `json:"uptime_seconds"`
		GoVersion     string `json:"go_version"`
	}
	start := h.clock.Now()
	return do(func(x *call) (*health, error) {
		out := &health{Status: "healthy", Database: "connected", Goroutines: runtime.NumGoroutine(), GoVersion: runtime.Version()}
		accounts, err := x.root.ListAccounts(x.ctx)
		if err != nil {
			out.Status, out.Database = "unhealthy", "unavailable"
		}
		out.TotalDevices = len(accounts)
		up := x.now.Sub(start).Truncate(time.Second)
		out.Uptime, out.UptimeSeconds = up.String(), int64(up/time.Second)
		return out, nil
	})
}

// msDevice is a device (an account) as the multi-session server lists it.
type msDevice struct {
	DeviceID     string `json:"device_id"`
	DeviceName   string `json:"device_name"`
	WhatsmeowJID string `json:"whatsmeow_jid"`
	Status       string `json:"status"`
	CreatedAt    string `json:"created_at"`
	LastActive   string `json:"last_active,omitempty"`
}

func msDeviceOf(a *wauser.Account) msDevice {
	d := msDevice{DeviceID: string(a.ID), DeviceName: string(a.ID), Status: string(a.State), CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339)}
	if !a.JID.IsEmpty() {
		d.WhatsmeowJID = a.JID.ToNonAD().String()
	}
	if !a.ConnectedAt.IsZero() {
		d.LastActive = a.ConnectedAt.UTC().Format(time.RFC3339)
	}
	return d
}

func msAdminDevices() operation {
	return do(func(x *call) ([]msDevice, error) {
		accounts, err := x.root.ListAccounts(x.ctx)
		if err != nil {
			return nil, err
		}
		out := make([]msDevice, 0, len(accounts))
		for _, a := range accounts {
			out = append(out, msDeviceOf(a))
		}
		return out, nil
	})
}

// msDeviceState is a device's connection status.
type msDeviceState struct {
	DeviceID     string `json:"device_id,omitempty"`
	DBStatus     string `json:"db_status"`
	ClientLoaded bool   `json:"client_loaded"`
	Connected    bool   `json:"connected"`
	IsConnected  bool   `json:"is_connected"`
	IsLoggedIn   bool   `json:"is_logged_in"`
	Error        string `json:"error,omitempty"`
}

func msDeviceStateOf(st *wauser.Status) msDeviceState {
	return msDeviceState{DBStatus: msDBStatus(st.State), ClientLoaded: st.State != wauser.StateUnpaired && !st.HeldElsewhere,
		Connected: st.Connected, IsConnected: st.Connected, IsLoggedIn: st.Paired && st.State != wauser.StateLoggedOut, Error: st.LastError}
}

func msAdminDeviceStatuses() operation {
	return do(func(x *call) ([]msDeviceState, error) {
		accounts, err := x.root.ListAccounts(x.ctx)
		if err != nil {
			return nil, err
		}
		out := make([]msDeviceState, 0, len(accounts))
		for _, a := range accounts {
			st, err := x.root.WithAccount(a.ID).Status(x.ctx)
			if err != nil {
				return nil, err
			}
			s := msDeviceStateOf(st)
			s.DeviceID = string(a.ID)
			out = append(out, s)
		}
		return out, nil
	})
}

// msReconnected answers POST /admin/devices/reconnect.
type msReconnected struct {
	Total  int      `json:"total"`
	Failed []string `json:"failed"`
}

func msAdminReconnect() operation {
	return do(func(x *call) (*msReconnected, error) {
		accounts, err := x.root.ListAccounts(x.ctx)
		if err != nil {
			return nil, err
		}
		out := &msReconnected{Failed: []string{}}
		for _, a := range accounts {
			if a.JID.IsEmpty() || a.State == wauser.StateLoggedOut {
				continue // never paired, or unlinked: nothing to reconnect
			}
			out.Total++
			if err := x.root.WithAccount(a.ID).Refresh(x.ctx, false); err != nil {
				out.Failed = append(out.Failed, string(a.ID))
			}
		}
		return out, nil
	})
}

// msCreateDeviceRequest is the body of POST /devices.
type msCreateDeviceRequest struct {
	DeviceName string `json:"device_name"`
}

// msCreatedDevice answers POST /devices.
type msCreatedDevice struct {
	DeviceID   string `json:"device_id"`
	DeviceName string `json:"device_name"`
	// Token is an API key bound to the device, with every scope: send it as
	// "Authorization: Bearer <token>". It is shown only here.
	Token   string `json:"token"`
	Message string `json:"message"`
}

// msCreateDevice creates an account and its token. The caller's key must
// carry the admin scope and either reach every account (it could act on
// the new account anyway) or have a device quota of its own (a key of POST
// /admin/api-keys: the account joins the accounts it reaches). It may
// create up to its quota (its own, or Options.MaxDevicesPerKey) devices
// whose tokens are not revoked; each token records the key that created
// it.
func msCreateDevice(h *handler, mu *sync.Mutex) operation {
	return doOptionalBody(func(x *call, in *msCreateDeviceRequest) (*msCreatedDevice, error) {
		if !x.key.AllAccounts && x.key.MaxDevices == 0 {
			return nil, forbidden("only an API key of POST /admin/api-keys, or one that reaches every account, may create devices")
		}
		if len(in.DeviceName) > 100 {
			return nil, badRequest("invalid_argument", "device_name is longer than 100 characters")
		}
		mu.Lock()
		defer mu.Unlock()
		tokens, err := liveTokens(x, x.key.ID)
		if err != nil {
			return nil, err
		}
		if quota := h.quota(x.key); len(tokens) >= quota {
			return nil, badRequest("device_limit", "device limit reached for this API key (%d)", quota)
		}
		acc, err := x.root.CreateAccount(x.ctx, wauser.CreateAccountRequest{})
		if err != nil {
			return nil, err
		}
		if !x.key.AllAccounts {
			if _, err := x.root.UpdateAPIKey(x.ctx, x.key.ID, wauser.UpdateAPIKeyRequest{AddAccounts: []wauser.AccountID{acc.ID}}); err != nil {
				return nil, err
			}
		}
		dn := in.DeviceName
		if dn == "" {
			dn = string(acc.ID)
		}
		tok, err := x.root.CreateAPIKey(x.ctx, wauser.CreateAPIKeyRequest{Name: dn, Scopes: wauser.AllScopes(),
			Accounts: []wauser.AccountID{acc.ID}, CreatedBy: x.key.ID})
		if err != nil {
			return nil, err
		}
		return &msCreatedDevice{DeviceID: string(acc.ID), DeviceName: dn, Token: tok.Key,
			Message: "Device created successfully. Save the token: it is shown only once."}, nil
	})
}

func msGetDevice() operation {
	return do(func(x *call) (*msDevice, error) {
		a, err := x.c.GetAccount(x.ctx)
		if err != nil {
			return nil, err
		}
		d := msDeviceOf(a)
		return &d, nil
	})
}

func msDeviceStatus() operation {
	return do(func(x *call) (*msDeviceState, error) {
		st, err := x.c.Status(x.ctx)
		if err != nil {
			return nil, err
		}
		s := msDeviceStateOf(st)
		return &s, nil
	})
}

// msQR answers POST /devices/me/login.
type msQR struct {
	// QRCode is the QR code's payload, to render as a QR code.
	QRCode  string `json:"qr_code"`
	Timeout int    `json:"timeout"` // seconds until the code is replaced
}

// msLoginQR starts pairing by QR code. The server's output=html (a page
// showing the code) is not offered: the code's payload comes as JSON.
func msLoginQR(h *handler) operation {
	return operation{out: typeOf[*msQR](), inOptional: true, inDoc: formDoc("output"), fn: func(x *call) (any, error) {
		if err := x.r.ParseForm(); err != nil {
			return nil, badRequest("invalid_body", "the form cannot be read: %v", err)
		}
		switch x.r.Form.Get("output") {
		case "", "json":
		case "html":
			return nil, badRequest("invalid_argument", "output html is not offered: render qr_code of the JSON answer")
		default:
			return nil, badRequest("invalid_argument", "output must be json")
		}
		p, err := x.c.PairQR(x.ctx)
		if err != nil {
			return nil, err
		}
		out := &msQR{QRCode: p.QR}
		if !p.ExpiresAt.IsZero() {
			out.Timeout = max(int(p.ExpiresAt.Sub(h.clock.Now())/time.Second), 0)
		}
		return out, nil
	}}
}

// formDoc describes an urlencoded form of string fields.
func formDoc(fields ...string) func(g *docGen) map[string]any {
	return func(*docGen) map[string]any {
		props := map[string]*schema{}
		for _, f := range fields {
			props[f] = &schema{Type: "string"}
		}
		return map[string]any{"application/x-www-form-urlencoded": map[string]any{"schema": &schema{Type: "object", Properties: props}}}
	}
}

func msLoginCode() operation {
	type request struct {
		Phone string `json:"phone"`
	}
	type code struct {
		PairCode string `json:"pair_code"`
		Timeout  int    `json:"timeout"` // seconds the code stays valid
	}
	return doBody(func(x *call, in *request) (*code, error) {
		p, err := x.c.PairPhone(x.ctx, in.Phone)
		if err != nil {
			return nil, err
		}
		out := &code{PairCode: p.Code}
		if !p.ExpiresAt.IsZero() {
			out.Timeout = max(int(p.ExpiresAt.Sub(x.now)/time.Second), 0)
		}
		return out, nil
	})
}

func msReconnect() operation {
	return do(func(x *call) (noData, error) { return noData{}, x.c.Refresh(x.ctx, false) })
}

func msLogout() operation {
	return do(func(x *call) (noData, error) { return noData{}, x.c.Logout(x.ctx) })
}

// msRegistration is whether a number is on WhatsApp.
type msRegistration struct {
	Phone        string `json:"phone"`
	IsRegistered bool   `json:"is_registered"`
	JID          string `json:"jid,omitempty"`
}

func msRegistrationOf(c wauser.ContactCheck) msRegistration {
	r := msRegistration{Phone: c.Input, IsRegistered: c.OnWhatsApp}
	if !c.JID.IsEmpty() {
		r.JID = c.JID.String()
	}
	return r
}

func msRegistered() operation {
	return do(func(x *call) (*msRegistration, error) {
		checks, err := x.c.CheckContacts(x.ctx, []string{x.r.PathValue("phone")})
		if err != nil {
			return nil, err
		}
		if len(checks) == 0 {
			return nil, &apiError{status: http.StatusNotFound, code: "not_found", message: "WhatsApp did not answer for this number"}
		}
		r := msRegistrationOf(checks[0])
		return &r, nil
	})
}

// msUser is a person as the multi-session server shows one.
type msUser struct {
	JID          string   `json:"jid"`
	LID          string   `json:"lid,omitempty"`
	Status       string   `json:"status"` // the about text
	PictureID    string   `json:"picture_id,omitempty"`
	BusinessName string   `json:"business_name,omitempty"`
	Devices      []string `json:"devices"`
}

func (x *call) userInfo(who string) (*msUser, error) {
	infos, err := x.c.GetUserInfo(x.ctx, []string{who})
	if err != nil {
		return nil, err
	}
	if len(infos) == 0 {
		return nil, &apiError{status: http.StatusNotFound, code: "not_found", message: "WhatsApp knows no such user"}
	}
	u := infos[0]
	out := &msUser{JID: u.JID.String(), Status: u.About, PictureID: u.PictureID, BusinessName: u.BusinessName, Devices: jids(u.Devices)}
	if !u.LID.IsEmpty() {
		out.LID = u.LID.String()
	}
	return out, nil
}

func jids(list []types.JID) []string {
	out := make([]string, 0, len(list))
	for _, j := range list {
		out = append(out, j.String())
	}
	return out
}

func msUserInfo() operation {
	return do(func(x *call) (*msUser, error) { return x.userInfo(x.r.PathValue("user_jid")) })
}

// msDevices lists a person's devices.
type msDevices struct {
	JID     string   `json:"jid"`
	Devices []string `json:"devices"`
}

func msUserDevices() operation {
	return do(func(x *call) (*msDevices, error) {
		u, err := x.userInfo(x.r.PathValue("jid"))
		if err != nil {
			return nil, err
		}
		return &msDevices{JID: u.JID, Devices: u.Devices}, nil
	})
}

func msProfilePicture() operation {
	return do(func(x *call) (*wauser.ProfilePicture, error) {
		return x.c.GetProfilePicture(x.ctx, x.r.PathValue("user_jid"), x.r.URL.Query().Get("preview") == "true")
	})
}

// msBlocklist is the account's blocklist after a change.
type msBlocklist struct {
	Blocklist []string `json:"blocklist"`
}

func msBlock(block bool) operation {
	return do(func(x *call) (*msBlocklist, error) {
		var (
			list []types.JID
			err  error
		)
		if block {
			list, err = x.c.BlockContact(x.ctx, x.r.PathValue("user_jid"))
		} else {
			list, err = x.c.UnblockContact(x.ctx, x.r.PathValue("user_jid"))
		}
		if err != nil {
			return nil, err
		}
		return &msBlocklist{Blocklist: jids(list)}, nil
	})
}

func msGetBlocklist() operation {
	return do(func(x *call) (*msBlocklist, error) {
		list, err := x.c.ListBlocked(x.ctx)
		if err != nil {
			return nil, err
		}
		return &msBlocklist{Blocklist: jids(list)}, nil
	})
}

// msPrivacy is the account's privacy settings, by the multi-session
// server's names.
type msPrivacy struct {
	LastSeen       string `json:"last_seen"`
	ProfilePicture string `json:"profile_picture"`
	Status         string `json:"status"`
	ReadReceipts   string `json:"read_receipts"`
	Groups         string `json:"groups"`
	Online         string `json:"online"`
	CallAdd        string `json:"call_add"`
}

func msPrivacyOf(p *wauser.PrivacySettings) *msPrivacy {
	return &msPrivacy{LastSeen: p.LastSeen, ProfilePicture: p.Profile, Status: p.Status, ReadReceipts: p.ReadReceipts,
		Groups: p.GroupAdd, Online: p.Online, CallAdd: p.CallAdd}
}

// msPrivacyNames maps the server's setting names to WhatsApp's.
var msPrivacyNames = map[string]wauser.PrivacySetting{
	"last_seen": wauser.PrivacyLastSeen, "profile_picture": wauser.PrivacyProfile, "status": wauser.PrivacyStatus,
	"read_receipts": wauser.PrivacyReadReceipts, "groups": wauser.PrivacyGroupAdd, "online": wauser.PrivacyOnline,
	"call_add": wauser.PrivacyCallAdd,
}

func msGetPrivacy() operation {
	return do(func(x *call) (*msPrivacy, error) {
		p, err := x.c.GetPrivacySettings(x.ctx)
		if err != nil {
			return nil, err
		}
		return msPrivacyOf(p), nil
	})
}

func msSetPrivacy() operation {
	type request struct {
		Setting string `json:"setting"`
		Value   string `json:"value"`
	}
	return doBody(func(x *call, in *request) (*msPrivacy, error) {
		setting, ok := msPrivacyNames[in.Setting]
		if !ok {
			return nil, badRequest("invalid_argument", "setting must be one of last_seen, profile_picture, status, read_receipts, groups, online, call_add; got %q", in.Setting)
		}
		p, err := x.c.SetPrivacySetting(x.ctx, setting, in.Value)
		if err != nil {
			return nil, err
		}
		return msPrivacyOf(p), nil
	})
}

// msStatusPrivacies is who may see the account's status updates.
type msStatusPrivacies struct {
	Settings []wauser.StatusPrivacy `json:"settings"`
}

func msStatusPrivacy() operation {
	return do(func(x *call) (*msStatusPrivacies, error) {
		list, err := x.c.StatusPrivacy(x.ctx)
		if err != nil {
			return nil, err
		}
		return &msStatusPrivacies{Settings: list}, nil
	})
}

func msSetAbout() operation {
	type request struct {
		Status string `json:"status"`
	}
	return doBody(func(x *call, in *request) (noData, error) { return noData{}, x.c.SetAbout(x.ctx, in.Status) })
}

// msContact is a contact as the multi-session server lists one.
type msContact struct {
	JID      string `json:"jid"`
	Name     string `json:"name"`
	PushName string `json:"push_name"`
	Phone    string `json:"phone,omitempty"`
}

// msContacts lists every contact (all pages).
func msContacts() operation {
	return do(func(x *call) ([]msContact, error) {
		out := []msContact{}
		cursor := ""
		for {
			page, err := x.c.ListContacts(x.ctx, wauser.ListContactsOptions{Cursor: cursor, Limit: wauser.MaxListLimit})
			if err != nil {
				return nil, err
			}
			for _, ct := range page.Contacts {
				jid := ct.PhoneJID
				if jid == "" {
					jid = ct.LIDJID
				}
				out = append(out, msContact{JID: jid, Name: ct.DisplayName, PushName: ct.WhatsAppPushName, Phone: ct.PhoneE164})
			}
			if page.NextCursor == "" {
				return out, nil
			}
			cursor = page.NextCursor
		}
	})
}

func msContactsSync() operation {
	type request struct {
		Phones []string `json:"phones"`
	}
	type result struct {
		Contacts []msRegistration `json:"contacts"`
	}
	return doBody(func(x *call, in *request) (*result, error) {
		checks, err := x.c.CheckContacts(x.ctx, in.Phones)
		if err != nil {
			return nil, err
		}
		out := &result{Contacts: make([]msRegistration, 0, len(checks))}
		for _, c := range checks {
			out.Contacts = append(out.Contacts, msRegistrationOf(c))
		}
		return out, nil
	})
}

// msLink is a link the account made.
type msLink struct {
	Link string `json:"link"`
}

func msContactQR() operation {
	return do(func(x *call) (*msLink, error) {
		revoke, err := queryBool(x.r, "revoke")
		if err != nil {
			return nil, err
		}
		link, err := x.c.GetContactQRLink(x.ctx, revoke)
		if err != nil {
			return nil, err
		}
		return &msLink{Link: link}, nil
	})
}

func msResolveContactQR() operation {
	return do(func(x *call) (*wauser.ContactLink, error) {
		return x.c.ResolveContactQRLink(x.ctx, x.r.PathValue("code"))
	})
}

// msTimer reads the server's disappearing timer: off, 24h, 7d, 90d, or
// seconds.
func msTimer(s string) (time.Duration, error) {
	switch s {
	case "off", "0":
		return 0, nil
	case "24h", "1d":
		return 24 * time.Hour, nil
	case "7d":
		return 7 * 24 * time.Hour, nil
	case "90d":
		return 90 * 24 * time.Hour, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, badRequest("invalid_argument", "timer must be off, 24h, 7d, 90d or a number of seconds; got %q", s)
	}
	return time.Duration(n) * time.Second, nil
}

type msTimerRequest struct {
	Timer string `json:"timer"`
}

func msDefaultTimer() operation {
	return doBody(func(x *call, in *msTimerRequest) (noData, error) {
		d, err := msTimer(in.Timer)
		if err != nil {
			return noData{}, err
		}
		return noData{}, x.c.SetDefaultDisappearingTimer(x.ctx, d)
	})
}

func msChatTimer() operation {
	return doBody(func(x *call, in *msTimerRequest) (noData, error) {
		d, err := msTimer(in.Timer)
		if err != nil {
			return noData{}, err
		}
		return noData{}, x.c.SetDisappearingTimer(x.ctx, x.r.PathValue("chat_jid"), d)
	})
}

// msSend sends req to the path's chat.
func (x *call) msSend(req wauser.SendMessageRequest) (*msSent, error) {
	req.To = x.r.PathValue("chat_jid")
	m, err := x.c.SendMessage(x.ctx, req)
	if err != nil {
		return nil, err
	}
	return msSentOf(m), nil
}

// msTextRequest is a text, with the server's switches for simulating a
// person typing: wauser paces sends itself (wauser.WithSendPacing), so
// they are read and have no other effect.
type msTextRequest struct {
	Text               string `json:"text"`
	ReplyToMessageID   string `json:"reply_to_message_id"`
	TypingSimulation   *bool  `json:"typing_simulation"`
	PresenceSimulation *bool  `json:"presence_simulation"`
}

func msSendText() operation {
	return doBody(func(x *call, in *msTextRequest) (*msSent, error) {
		req := wauser.SendMessageRequest{Text: in.Text}
		if in.ReplyToMessageID != "" {
			req.Context = &wauser.MessageContext{MessageID: in.ReplyToMessageID}
		}
		return x.msSend(req)
	})
}

func msSendLocation() operation {
	type request struct {
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
		Name      string   `json:"name"`
		Address   string   `json:"address"`
	}
	return doBody(func(x *call, in *request) (*msSent, error) {
		if in.Latitude == nil || in.Longitude == nil {
			return nil, badRequest("invalid_argument", "latitude and longitude are required")
		}
		return x.msSend(wauser.SendMessageRequest{Location: &wauser.Location{Latitude: *in.Latitude, Longitude: *in.Longitude, Name: in.Name, Address: in.Address}})
	})
}

func msSendContact() operation {
	type request struct {
		Name  string `json:"name"`
		Phone string `json:"phone"`
	}
	return doBody(func(x *call, in *request) (*msSent, error) {
		if in.Name == "" || in.Phone == "" {
			return nil, badRequest("invalid_argument", "name and phone are required")
		}
		return x.msSend(wauser.SendMessageRequest{Contacts: []wauser.ContactCard{{Name: in.Name, Phones: []string{in.Phone}}}})
	})
}

// msPollSent answers POST /chats/{chat_jid}/polls.
type msPollSent struct {
	msSent
	Question string   `json:"question"`
	Options  []string `json:"options"`
}

func msSendPoll() operation {
	type request struct {
		Question    string   `json:"question"`
		Options     []string `json:"options"`
		MultiAnswer bool     `json:"multi_answer"`
	}
	return doBody(func(x *call, in *request) (*msPollSent, error) {
		poll := &wauser.Poll{Question: in.Question, Options: in.Options, SelectableCount: 1}
		if in.MultiAnswer {
			poll.SelectableCount = 0 // any number
		}
		sent, err := x.msSend(wauser.SendMessageRequest{Poll: poll})
		if err != nil {
			return nil, err
		}
		return &msPollSent{msSent: *sent, Question: in.Question, Options: in.Options}, nil
	})
}

// msMessage is a message as the multi-session server lists one.
type msMessage struct {
	MessageID string `json:"message_id"`
	ID        string `json:"id"`
	From      string `json:"from"`
	Text      string `json:"text"`
	Type      string `json:"type"`
	Timestamp int64  `json:"timestamp"`
	IsFromMe  bool   `json:"is_from_me"`
}

// msChatMessages lists a chat's messages, newest first: limit (1 to 500,
// default 50) and before (a message id: the ones sent before it).
func msChatMessages() operation {
	return do(func(x *call) ([]msMessage, error) {
		q := x.r.URL.Query()
		limit, err := listLimit(q, 50)
		if err != nil {
			return nil, err
		}
		if q.Get("after") != "" {
			return nil, badRequest("invalid_argument", "after is not offered: page back with before")
		}
		conv, err := x.conversationOf(x.r.PathValue("chat_jid"))
		if err != nil {
			return nil, err
		}
		list, err := x.c.ListMessages(x.ctx, wauser.ListMessagesOptions{ConversationID: conv,
			BeforeMessageID: wauser.MessageID(q.Get("before")), Limit: limit})
		if err != nil {
			return nil, err
		}
		out := make([]msMessage, 0, len(list.Messages))
		for _, m := range list.Messages {
			from := m.SenderJID
			if m.IsFromMe {
				from = "me"
			}
			mm := msMessage{MessageID: m.WAMessageID, ID: string(m.MessageID), From: from, Text: m.Body, Type: m.ContentType, IsFromMe: m.IsFromMe}
			if !m.SentAt.IsZero() {
				mm.Timestamp = m.SentAt.Unix()
			}
			out = append(out, mm)
		}
		return out, nil
	})
}

// conversationOf finds the stored conversation of a chat JID or phone
// number: a person's through their contact, a group's among the
// conversations.
func (x *call) conversationOf(chat string) (wauser.ConversationID, error) {
	if !strings.HasSuffix(chat, "@"+types.GroupServer) && !strings.HasSuffix(chat, "@"+types.NewsletterServer) {
		ct, err := x.c.GetContact(x.ctx, chat)
		if err != nil {
			return "", err
		}
		cursor := ""
		for {
			page, err := x.c.ListConversations(x.ctx, wauser.ListConversationsOptions{Kind: wauser.KindDirect, Cursor: cursor, Limit: wauser.MaxListLimit})
			if err != nil {
				return "", err
			}
			for _, c := range page.Conversations {
				if c.DirectPersonID == ct.PersonID {
					return c.ConversationID, nil
				}
			}
			if page.NextCursor == "" {
				return "", &apiError{status: http.StatusNotFound, code: "not_found", message: "no stored chat with " + chat}
			}
			cursor = page.NextCursor
		}
	}
	cursor := ""
	for {
		page, err := x.c.ListConversations(x.ctx, wauser.ListConversationsOptions{Cursor: cursor, Limit: wauser.MaxListLimit})
		if err != nil {
			return "", err
		}
		for _, c := range page.Conversations {
			if c.ChatJID == chat {
				return c.ConversationID, nil
			}
		}
		if page.NextCursor == "" {
			return "", &apiError{status: http.StatusNotFound, code: "not_found", message: "no stored chat " + chat}
		}
		cursor = page.NextCursor
	}
}

// msToggle runs on or off with the path's chat.
func msToggle[In any](get func(*In) *bool, on, off func(c *wauser.Client, ctx context.Context, chat string) error) operation {
	return doOptionalBody(func(x *call, in *In) (noData, error) {
		chat := x.r.PathValue("chat_jid")
		if v := get(in); v != nil && !*v {
			return noData{}, off(x.c, x.ctx, chat)
		}
		return noData{}, on(x.c, x.ctx, chat)
	})
}

func msArchive() operation {
	type request struct {
		Archive *bool `json:"archive"`
	}
	return msToggle(func(in *request) *bool { return in.Archive }, (*wauser.Client).ArchiveChat, (*wauser.Client).UnarchiveChat)
}

func msPin() operation {
	type request struct {
		Pin *bool `json:"pin"`
	}
	return msToggle(func(in *request) *bool { return in.Pin }, (*wauser.Client).PinChat, (*wauser.Client).UnpinChat)
}

func msMute() operation {
	type request struct {
		Muted    *bool `json:"muted"`
		Duration int64 `json:"duration"` // seconds; 0 until unmuted
	}
	return doOptionalBody(func(x *call, in *request) (noData, error) {
		chat := x.r.PathValue("chat_jid")
		if in.Muted != nil && !*in.Muted {
			return noData{}, x.c.UnmuteChat(x.ctx, chat)
		}
		if in.Duration < 0 {
			return noData{}, badRequest("invalid_argument", "duration must not be negative")
		}
		return noData{}, x.c.MuteChat(x.ctx, chat, time.Duration(in.Duration)*time.Second)
	})
}

// maxUnreadMarkedMS is how many of a chat's newest messages mark-read looks
// at for unread ones.
const maxUnreadMarkedMS = 100

func msMarkChatRead() operation {
	type request struct {
		Read          *bool `json:"read"`
		LastMessageTS int64 `json:"last_message_ts"`
	}
	return doOptionalBody(func(x *call, in *request) (noData, error) {
		chat := x.r.PathValue("chat_jid")
		if in.Read != nil && !*in.Read {
			return noData{}, x.c.MarkChatUnread(x.ctx, chat)
		}
		conv, err := x.conversationOf(chat)
		if err != nil {
			return noData{}, err
		}
		c, err := x.c.GetConversation(x.ctx, conv)
		if err != nil {
			return noData{}, err
		}
		list, err := x.c.ListMessages(x.ctx, wauser.ListMessagesOptions{ConversationID: conv, Limit: maxUnreadMarkedMS})
		if err != nil {
			return noData{}, err
		}
		ids := []string{}
		for _, m := range list.Messages {
			if !m.IsFromMe && m.Status == "received" && (in.LastMessageTS == 0 || m.SentAt.Unix() <= in.LastMessageTS) {
				ids = append(ids, string(m.MessageID))
			}
		}
		if len(ids) == 0 {
			return noData{}, nil
		}
		return noData{}, x.c.MarkRead(x.ctx, wauser.MarkReadRequest{Chat: c.ChatJID, MessageIDs: ids})
	})
}

func msDeleteChat() operation {
	type request struct {
		DeleteMedia bool `json:"delete_media"`
	}
	return doOptionalBody(func(x *call, in *request) (noData, error) {
		return noData{}, x.c.DeleteChat(x.ctx, x.r.PathValue("chat_jid"), in.DeleteMedia)
	})
}

func msChatPresence() operation {
	type request struct {
		PresenceType string `json:"presence_type"` // composing, recording or paused
		MediaType    string `json:"media_type"`    // audio: recording
	}
	return doBody(func(x *call, in *request) (noData, error) {
		var p wauser.ChatPresence
		switch {
		case in.PresenceType == "paused":
			p = wauser.PresencePaused
		case in.PresenceType == "recording", in.PresenceType == "composing" && in.MediaType == "audio":
			p = wauser.PresenceRecording
		case in.PresenceType == "composing" || in.PresenceType == "typing":
			p = wauser.PresenceTyping
		default:
			return noData{}, badRequest("invalid_argument", "presence_type must be composing, recording or paused; got %q", in.PresenceType)
		}
		return noData{}, x.c.SendChatPresence(x.ctx, x.r.PathValue("chat_jid"), p)
	})
}

func msReadMessage() operation {
	type request struct {
		SenderJID string `json:"sender_jid"`
		ChatJID   string `json:"chat_jid"`
	}
	return doOptionalBody(func(x *call, in *request) (noData, error) {
		return noData{}, x.c.MarkRead(x.ctx, wauser.MarkReadRequest{Chat: in.ChatJID, MessageIDs: []string{x.r.PathValue("message_id")}, Sender: in.SenderJID})
	})
}

func msReact() operation {
	type request struct {
		Emoji   string `json:"emoji"`
		ChatJID string `json:"chat_jid"`
	}
	return doBody(func(x *call, in *request) (*msSent, error) {
		m, err := x.c.SendReaction(x.ctx, in.ChatJID, x.r.PathValue("message_id"), in.Emoji)
		if err != nil {
			return nil, err
		}
		return msSentOf(m), nil
	})
}

func msEdit() operation {
	type request struct {
		Text    string `json:"text"`
		ChatJID string `json:"chat_jid"`
	}
	return doBody(func(x *call, in *request) (*msSent, error) {
		m, err := x.c.EditMessage(x.ctx, in.ChatJID, x.r.PathValue("message_id"), in.Text)
		if err != nil {
			return nil, err
		}
		return msSentOf(m), nil
	})
}

func msRevoke() operation {
	return do(func(x *call) (*msSent, error) {
		m, err := x.c.RevokeMessage(x.ctx, x.r.URL.Query().Get("chat_jid"), x.r.PathValue("message_id"))
		if err != nil {
			return nil, err
		}
		return msSentOf(m), nil
	})
}

func msReply() operation {
	type request struct {
		ChatJID            string `json:"chat_jid"`
		Text               string `json:"text"`
		TypingSimulation   *bool  `json:"typing_simulation"`
		PresenceSimulation *bool  `json:"presence_simulation"`
	}
	return doBody(func(x *call, in *request) (*msSent, error) {
		if in.ChatJID == "" {
			return nil, badRequest("invalid_argument", "chat_jid is required")
		}
		m, err := x.c.SendMessage(x.ctx, wauser.SendMessageRequest{To: in.ChatJID, Text: in.Text,
			Context: &wauser.MessageContext{MessageID: x.r.PathValue("message_id")}})
		if err != nil {
			return nil, err
		}
		return msSentOf(m), nil
	})
}

func msForward() operation {
	type request struct {
		ToChatJID string `json:"to_chat_jid"`
	}
	return doBody(func(x *call, in *request) (*msSent, error) {
		m, err := x.c.ForwardMessage(x.ctx, x.r.PathValue("message_id"), in.ToChatJID)
		if err != nil {
			return nil, err
		}
		return msSentOf(m), nil
	})
}

func msVote() operation {
	type request struct {
		ChatJID string   `json:"chat_jid"`
		Options []string `json:"options"`
	}
	return doBody(func(x *call, in *request) (*msSent, error) {
		m, err := x.c.VotePoll(x.ctx, in.ChatJID, x.r.PathValue("poll_id"), in.Options)
		if err != nil {
			return nil, err
		}
		return msSentOf(m), nil
	})
}

func msDeletePoll() operation {
	type request struct {
		ChatJID string `json:"chat_jid"`
	}
	return doBody(func(x *call, in *request) (*msSent, error) {
		m, err := x.c.RevokeMessage(x.ctx, in.ChatJID, x.r.PathValue("poll_id"))
		if err != nil {
			return nil, err
		}
		return msSentOf(m), nil
	})
}

// msGroupInfo is a group with its members.
type msGroupInfo struct {
	JID              string          `json:"jid"`
	Name             string          `json:"name"`
	Topic            string          `json:"topic"`
	Owner            string          `json:"owner,omitempty"`
	CreatedAt        int64           `json:"created_at"`
	ParticipantCount int             `json:"participant_count"`
	Participants     []msParticipant `json:"participants"`
	Announce         bool            `json:"announce"`
	Locked           bool            `json:"locked"`
	IsCommunity      bool            `json:"is_community"`
}

type msParticipant struct {
	JID          string `json:"jid"`
	IsAdmin      bool   `json:"is_admin"`
	IsSuperAdmin bool   `json:"is_super_admin"`
}

func msGroupInfoOf(g *wauser.Group) *msGroupInfo {
	out := &msGroupInfo{JID: g.ID.String(), Name: g.Name, Topic: g.Topic, ParticipantCount: len(g.Participants),
		Participants: make([]msParticipant, 0, len(g.Participants)), Announce: g.Announce, Locked: g.Locked, IsCommunity: g.IsCommunity}
	if !g.Owner.IsEmpty() {
		out.Owner = g.Owner.String()
	}
	if !g.Created.IsZero() {
		out.CreatedAt = g.Created.Unix()
	}
	for _, p := range g.Participants {
		out.Participants = append(out.Participants, msParticipant{JID: p.JID.String(),
			IsAdmin: p.Role == wauser.RoleAdmin || p.Role == wauser.RoleSuperAdmin, IsSuperAdmin: p.Role == wauser.RoleSuperAdmin})
	}
	return out
}

func msGroups() operation {
	return do(func(x *call) ([]msGroupInfo, error) {
		groups, err := x.c.ListGroups(x.ctx)
		if err != nil {
			return nil, err
		}
		out := make([]msGroupInfo, 0, len(groups))
		for _, g := range groups {
			out = append(out, *msGroupInfoOf(g))
		}
		return out, nil
	})
}

func msCreateGroup() operation {
	type request struct {
		Name         string   `json:"name"`
		Participants []string `json:"participants"`
	}
	return doBody(func(x *call, in *request) (*msGroupInfo, error) {
		g, err := x.c.CreateGroup(x.ctx, wauser.CreateGroupRequest{Name: in.Name, Members: in.Participants})
		if err != nil {
			return nil, err
		}
		return msGroupInfoOf(g), nil
	})
}

func msGroup() operation {
	return do(func(x *call) (*msGroupInfo, error) {
		g, err := x.c.GetGroup(x.ctx, x.r.PathValue("group_jid"))
		if err != nil {
			return nil, err
		}
		return msGroupInfoOf(g), nil
	})
}

func msLeaveGroup() operation {
	return do(func(x *call) (noData, error) { return noData{}, x.c.LeaveGroup(x.ctx, x.r.PathValue("group_jid")) })
}

func msGroupName() operation {
	type request struct {
		Name string `json:"name"`
	}
	return doBody(func(x *call, in *request) (noData, error) {
		return noData{}, x.c.SetGroupName(x.ctx, x.r.PathValue("group_jid"), in.Name)
	})
}

// msGroupDescription sets a group's description, read from the body's
// field (description, or topic).
func msGroupDescription(field string) operation {
	type request struct {
		Description *string `json:"description"`
		Topic       *string `json:"topic"`
	}
	return doBody(func(x *call, in *request) (noData, error) {
		v := in.Description
		if field == "topic" {
			v = in.Topic
		}
		if v == nil {
			return noData{}, badRequest("invalid_argument", "%s is required", field)
		}
		return noData{}, x.c.SetGroupDescription(x.ctx, x.r.PathValue("group_jid"), *v)
	})
}

func msGroupInviteInfo() operation {
	return do(func(x *call) (*wauser.GroupInviteInfo, error) {
		return x.c.GetGroupInviteInfo(x.ctx, x.r.PathValue("invite_code"))
	})
}

func msInviteLink() operation {
	return do(func(x *call) (*msLink, error) {
		reset, err := queryBool(x.r, "reset")
		if err != nil {
			return nil, err
		}
		link, err := x.c.GetGroupInviteLink(x.ctx, x.r.PathValue("group_jid"), reset)
		if err != nil {
			return nil, err
		}
		return &msLink{Link: link}, nil
	})
}

// msJoinRequestList is a group's join requests.
type msJoinRequestList struct {
	Requests []wauser.GroupJoinRequest `json:"requests"`
}

func msJoinRequests() operation {
	return do(func(x *call) (*msJoinRequestList, error) {
		list, err := x.c.ListGroupJoinRequests(x.ctx, x.r.PathValue("group_jid"))
		if err != nil {
			return nil, err
		}
		return &msJoinRequestList{Requests: list}, nil
	})
}

// msParticipantList is people of a group or community.
type msParticipantList struct {
	Participants []string `json:"participants"`
}

func msCommunityMembers() operation {
	return do(func(x *call) (*msParticipantList, error) {
		list, err := x.c.ListCommunityParticipants(x.ctx, x.r.PathValue("community_jid"))
		if err != nil {
			return nil, err
		}
		return &msParticipantList{Participants: jids(list)}, nil
	})
}

// msSubgroupList is a community's groups.
type msSubgroupList struct {
	Subgroups []wauser.Subgroup `json:"subgroups"`
}

func msSubgroups() operation {
	return do(func(x *call) (*msSubgroupList, error) {
		list, err := x.c.ListSubgroups(x.ctx, x.r.PathValue("community_jid"))
		if err != nil {
			return nil, err
		}
		return &msSubgroupList{Subgroups: list}, nil
	})
}

func msGroupSettings() operation {
	type request struct {
		Announce *bool `json:"announce"`
		Locked   *bool `json:"locked"`
	}
	return doBody(func(x *call, in *request) (noData, error) {
		group := x.r.PathValue("group_jid")
		if in.Announce == nil && in.Locked == nil {
			return noData{}, badRequest("invalid_argument", "give announce, locked or both")
		}
		if in.Announce != nil {
			if err := x.c.SetGroupAnnounce(x.ctx, group, *in.Announce); err != nil {
				return noData{}, err
			}
		}
		if in.Locked != nil {
			return noData{}, x.c.SetGroupLocked(x.ctx, group, *in.Locked)
		}
		return noData{}, nil
	})
}

// msMembers changes members of the path's group, listed in the body's
// field (participants or users).
func msMembers(field string, change func(*wauser.Client, context.Context, string, []string) ([]wauser.GroupParticipant, error)) operation {
	type request struct {
		Participants []string `json:"participants"`
		Users        []string `json:"users"`
	}
	type result struct {
		// Participants are the results, one per member: error is
		// WhatsApp's code for one it refused (403 not allowed, 404 not on
		// WhatsApp, 409 already there).
		Participants []wauser.GroupParticipant `json:"participants"`
	}
	return doBody(func(x *call, in *request) (*result, error) {
		members := in.Participants
		if field == "users" {
			members = in.Users
		}
		if len(members) == 0 {
			return nil, badRequest("invalid_argument", "%s must list at least one member", field)
		}
		list, err := change(x.c, x.ctx, x.r.PathValue("group_jid"), members)
		if err != nil {
			return nil, err
		}
		return &result{Participants: list}, nil
	})
}

func msJoinApproval() operation {
	type request struct {
		Mode *bool `json:"mode"`
	}
	return doBody(func(x *call, in *request) (noData, error) {
		if in.Mode == nil {
			return noData{}, badRequest("invalid_argument", "mode (true or false) is required")
		}
		return noData{}, x.c.SetGroupJoinApproval(x.ctx, x.r.PathValue("group_jid"), *in.Mode)
	})
}

func msJoinInvite() operation {
	type request struct {
		InviteCode string `json:"invite_code"`
	}
	type joined struct {
		GroupJID string `json:"group_jid"`
	}
	return doBody(func(x *call, in *request) (*joined, error) {
		if in.InviteCode == "" {
			return nil, badRequest("invalid_argument", "invite_code is required")
		}
		jid, err := x.c.JoinGroupWithLink(x.ctx, in.InviteCode)
		if err != nil {
			return nil, err
		}
		return &joined{GroupJID: jid.String()}, nil
	})
}

func msMemberAddMode() operation {
	type request struct {
		Mode string `json:"mode"` // admin_add or all_member_add
	}
	return doBody(func(x *call, in *request) (noData, error) {
		return noData{}, x.c.SetGroupMemberAddMode(x.ctx, x.r.PathValue("group_jid"), wauser.GroupMemberAddMode(in.Mode))
	})
}

func msLinkGroup(link bool) operation {
	return do(func(x *call) (noData, error) {
		if link {
			return noData{}, x.c.LinkGroup(x.ctx, x.r.PathValue("parent_group_jid"), x.r.PathValue("group_jid"))
		}
		return noData{}, x.c.UnlinkGroup(x.ctx, x.r.PathValue("parent_group_jid"), x.r.PathValue("group_jid"))
	})
}

func msPresence() operation {
	type request struct {
		Status string `json:"status"` // available or unavailable
	}
	return doBody(func(x *call, in *request) (noData, error) {
		return noData{}, x.c.SetPresence(x.ctx, wauser.Presence(in.Status))
	})
}

func msSubscribePresence() operation {
	type request struct {
		JID string `json:"jid"`
	}
	return doBody(func(x *call, in *request) (noData, error) { return noData{}, x.c.SubscribePresence(x.ctx, in.JID) })
}

// msWebhook is a webhook as the multi-session server shows one. Its id is
// a number, as the server's are: derived from the webhook's id
// (webhook_id), and accepted in paths as either.
type msWebhook struct {
	ID        int64    `json:"id"`
	WebhookID string   `json:"webhook_id"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Active    bool     `json:"active"`
	CreatedAt string   `json:"created_at"`
	// Secret signs the deliveries; shown only when the webhook is created.
	Secret string `json:"secret,omitempty"`
}

// msWebhookNumber is the number standing for a webhook id: 53 bits of its
// FNV-1a hash, exact in JSON numbers.
func msWebhookNumber(id wauser.WebhookID) int64 {
	f := fnv.New64a()
	_, _ = f.Write([]byte(id))
	return int64(f.Sum64() & (1<<53 - 1))
}

func msWebhookOf(wh *wauser.Webhook) *msWebhook {
	events := wh.EventTypes
	if events == nil {
		events = []string{}
	}
	return &msWebhook{ID: msWebhookNumber(wh.ID), WebhookID: string(wh.ID), URL: wh.URL, Events: events, Active: wh.Enabled,
		CreatedAt: wh.CreatedAt.UTC().Format(time.RFC3339), Secret: wh.Secret}
}

// webhookOf finds the path's webhook among the account's, by its number or
// its id.
func (x *call) webhookOf() (*wauser.Webhook, error) {
	ref := x.r.PathValue("webhook_id")
	list, err := x.c.ListWebhooks(x.ctx)
	if err != nil {
		return nil, err
	}
	for _, wh := range list {
		if string(wh.ID) == ref || strconv.FormatInt(msWebhookNumber(wh.ID), 10) == ref {
			return wh, nil
		}
	}
	return nil, &apiError{status: http.StatusNotFound, code: "not_found", message: "no such webhook: " + ref}
}

func msListWebhooks() operation {
	return do(func(x *call) ([]*msWebhook, error) {
		list, err := x.c.ListWebhooks(x.ctx)
		if err != nil {
			return nil, err
		}
		out := make([]*msWebhook, 0, len(list))
		for _, wh := range list {
			out = append(out, msWebhookOf(wh))
		}
		return out, nil
	})
}

// msWebhookRequest is the body of POST /webhooks. The signing secret is
// always made by wauser (and returned once): a chosen secret is refused
// rather than silently replaced.
type msWebhookRequest struct {
	URL    string   `json:"url"`
	Secret string   `json:"secret"`
	Events []string `json:"events"`
}

func msCreateWebhook() operation {
	return doBody(func(x *call, in *msWebhookRequest) (*msWebhook, error) {
		if in.Secret != "" {
			return nil, badRequest("invalid_argument", "secret cannot be chosen: wauser makes it and returns it once, in this answer's secret")
		}
		wh, err := x.c.CreateWebhook(x.ctx, wauser.WebhookRequest{URL: in.URL, EventTypes: in.Events, Format: wauser.WebhookFormatMultiSession})
		if err != nil {
			return nil, err
		}
		return msWebhookOf(wh), nil
	})
}

func msGetWebhook() operation {
	return do(func(x *call) (*msWebhook, error) {
		wh, err := x.webhookOf()
		if err != nil {
			return nil, err
		}
		return msWebhookOf(wh), nil
	})
}

func msUpdateWebhook() operation {
	type request struct {
		URL    *string   `json:"url"`
		Events *[]string `json:"events"`
		Active *bool     `json:"active"`
	}
	return doBody(func(x *call, in *request) (*msWebhook, error) {
		wh, err := x.webhookOf()
		if err != nil {
			return nil, err
		}
		req := wauser.WebhookRequest{URL: wh.URL, Headers: wh.Headers, EventTypes: wh.EventTypes, ChatIDs: wh.ChatIDs,
			ChatTypes: wh.ChatTypes, Mentions: wh.Mentions, MessageTypes: wh.MessageTypes, SettingsTypes: wh.SettingsTypes,
			Disabled: !wh.Enabled, Format: wh.Format, Description: wh.Description, AllAccounts: wh.AllAccounts}
		if in.URL != nil {
			req.URL = *in.URL
		}
		if in.Events != nil {
			req.EventTypes = *in.Events
		}
		if in.Active != nil {
			req.Disabled = !*in.Active
		}
		updated, err := x.c.UpdateWebhook(x.ctx, wh.ID, req)
		if err != nil {
			return nil, err
		}
		return msWebhookOf(updated), nil
	})
}

func msDeleteWebhook() operation {
	return do(func(x *call) (noData, error) {
		wh, err := x.webhookOf()
		if err != nil {
			return noData{}, err
		}
		return noData{}, x.c.DeleteWebhook(x.ctx, wh.ID)
	})
}

// msWebhookLog is a delivery of a webhook.
type msWebhookLog struct {
	ID         string `json:"id"`
	EventType  string `json:"event_type"`
	State      string `json:"state"`
	StatusCode int    `json:"status_code"`
	Attempts   int    `json:"attempts"`
	Error      string `json:"error,omitempty"`
	CreatedAt  string `json:"created_at"`
}

// msWebhookLogOf shows a delivery under the event name its payload
// carries (the server's, for webhooks of POST /webhooks).
func msWebhookLogOf(d *wauser.WebhookDelivery) msWebhookLog {
	typ := string(d.EventType)
	var named struct {
		EventType string `json:"event_type"`
	}
	if json.Unmarshal(d.Payload, &named) == nil && named.EventType != "" {
		typ = named.EventType
	}
	return msWebhookLog{ID: string(d.ID), EventType: typ, State: string(d.State), StatusCode: d.StatusCode,
		Attempts: d.Attempts, Error: d.Error, CreatedAt: d.CreatedAt.UTC().Format(time.RFC3339)}
}

// msWebhookLogList is a webhook's deliveries, newest first.
type msWebhookLogList struct {
	Logs []msWebhookLog `json:"logs"`
}

func msWebhookLogs() operation {
	return do(func(x *call) (*msWebhookLogList, error) {
		wh, err := x.webhookOf()
		if err != nil {
			return nil, err
		}
		list, err := x.c.ListWebhookDeliveries(x.ctx, wh.ID, wauser.ListWebhookDeliveriesOptions{})
		if err != nil {
			return nil, err
		}
		out := &msWebhookLogList{Logs: make([]msWebhookLog, 0, len(list))}
		for _, d := range list {
			out.Logs = append(out.Logs, msWebhookLogOf(d))
		}
		return out, nil
	})
}

func msTestWebhook() operation {
	return do(func(x *call) (*msWebhookLog, error) {
		wh, err := x.webhookOf()
		if err != nil {
			return nil, err
		}
		d, err := x.c.PingWebhook(x.ctx, wh.ID)
		if err != nil {
			return nil, err
		}
		l := msWebhookLogOf(d)
		return &l, nil
	})
}

// msNewsletter is a channel as the multi-session server shows one.
type msNewsletter struct {
	JID             string `json:"jid"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	SubscriberCount int    `json:"subscriber_count"`
	PictureURL      string `json:"picture_url,omitempty"`
	InviteLink      string `json:"invite_link,omitempty"`
	Role            string `json:"role,omitempty"`
	Muted           bool   `json:"muted"`
}

func msNewsletterOf(n *wauser.Newsletter) *msNewsletter {
	return &msNewsletter{JID: n.ID.String(), Name: n.Name, Description: n.Description, SubscriberCount: n.SubscriberCount,
		PictureURL: n.PictureURL, InviteLink: n.InviteLink, Role: n.Role, Muted: n.Muted}
}

func msNewsletters() operation {
	return do(func(x *call) ([]*msNewsletter, error) {
		list, err := x.c.ListNewsletters(x.ctx)
		if err != nil {
			return nil, err
		}
		out := make([]*msNewsletter, 0, len(list))
		for _, n := range list {
			out = append(out, msNewsletterOf(n))
		}
		return out, nil
	})
}

func msCreateNewsletter() operation {
	type request struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	return doBody(func(x *call, in *request) (*msNewsletter, error) {
		n, err := x.c.CreateNewsletter(x.ctx, wauser.CreateNewsletterRequest{Name: in.Name, Description: in.Description})
		if err != nil {
			return nil, err
		}
		return msNewsletterOf(n), nil
	})
}

func msGetNewsletter() operation {
	return do(func(x *call) (*msNewsletter, error) {
		n, err := x.c.GetNewsletter(x.ctx, x.r.PathValue("jid"))
		if err != nil {
			return nil, err
		}
		return msNewsletterOf(n), nil
	})
}

func msNewsletterInvite() operation {
	return do(func(x *call) (*msNewsletter, error) {
		n, err := x.c.GetNewsletterByInvite(x.ctx, x.r.PathValue("code"))
		if err != nil {
			return nil, err
		}
		return msNewsletterOf(n), nil
	})
}

// msPostList is posts of a channel.
type msPostList struct {
	Messages []wauser.NewsletterPost `json:"messages"`
}

func msNewsletterMessages() operation {
	return do(func(x *call) (*msPostList, error) {
		q := x.r.URL.Query()
		count, err := queryInt(q, "count", 50, 1)
		if err != nil {
			return nil, err
		}
		before, err := queryInt(q, "before", 0, 0)
		if err != nil {
			return nil, err
		}
		list, err := x.c.ListNewsletterMessages(x.ctx, x.r.PathValue("jid"), int(min(count, 100)), int(before))
		if err != nil {
			return nil, err
		}
		return &msPostList{Messages: list}, nil
	})
}

func msFollow(follow bool) operation {
	return do(func(x *call) (noData, error) {
		if follow {
			return noData{}, x.c.FollowNewsletter(x.ctx, x.r.PathValue("jid"))
		}
		return noData{}, x.c.UnfollowNewsletter(x.ctx, x.r.PathValue("jid"))
	})
}

func msNewsletterSend() operation {
	type request struct {
		Text string `json:"text"`
	}
	return doBody(func(x *call, in *request) (*wauser.NewsletterPost, error) {
		return x.c.SendNewsletterMessage(x.ctx, wauser.SendNewsletterMessageRequest{Newsletter: x.r.PathValue("jid"), Text: in.Text})
	})
}

func msNewsletterReact() operation {
	type request struct {
		MessageServerID *int   `json:"message_server_id"`
		Emoji           string `json:"emoji"`
	}
	return doBody(func(x *call, in *request) (noData, error) {
		if in.MessageServerID == nil {
			return noData{}, badRequest("invalid_argument", "message_server_id is required")
		}
		return noData{}, x.c.ReactNewsletterMessage(x.ctx, x.r.PathValue("jid"), *in.MessageServerID, in.Emoji)
	})
}

func msNewsletterMute() operation {
	type request struct {
		Mute *bool `json:"mute"`
	}
	return doBody(func(x *call, in *request) (noData, error) {
		if in.Mute == nil {
			return noData{}, badRequest("invalid_argument", "mute (true or false) is required")
		}
		return noData{}, x.c.MuteNewsletter(x.ctx, x.r.PathValue("jid"), *in.Mute)
	})
}

func msNewsletterViewed() operation {
	type request struct {
		MessageServerIDs []int `json:"message_server_ids"`
	}
	return doBody(func(x *call, in *request) (noData, error) {
		return noData{}, x.c.MarkNewsletterViewed(x.ctx, x.r.PathValue("jid"), in.MessageServerIDs)
	})
}

func msDeleteStatus() operation {
	return do(func(x *call) (*msSent, error) {
		m, err := x.c.DeleteStatus(x.ctx, x.r.PathValue("status_id"))
		if err != nil {
			return nil, err
		}
		return msSentOf(m), nil
	})
}

func msRejectCall() operation {
	type request struct {
		CallFrom string `json:"call_from"`
		CallID   string `json:"call_id"`
	}
	return doBody(func(x *call, in *request) (noData, error) {
		if in.CallFrom == "" || in.CallID == "" {
			return noData{}, badRequest("invalid_argument", "call_from and call_id are required")
		}
		return noData{}, x.c.RejectCall(x.ctx, in.CallFrom, in.CallID)
	})
}

func msBusinessProfile() operation {
	return do(func(x *call) (*wauser.BusinessProfile, error) {
		return x.c.GetBusinessProfile(x.ctx, x.r.PathValue("jid"))
	})
}

func msBusinessLink() operation {
	return do(func(x *call) (*wauser.BusinessLink, error) {
		return x.c.ResolveBusinessLink(x.ctx, x.r.PathValue("code"))
	})
}

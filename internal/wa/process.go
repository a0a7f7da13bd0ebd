package wa

import (
	"sync"
	"time"

	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/store"
	"google.golang.org/protobuf/proto"
)

// whatsmeow keeps the client payload it sends when connecting (the WhatsApp
// Web version, the device name and platform shown on the phone) in
// package-level variables of go.mau.fi/whatsmeow/store, shared by every
// client of the process. wauser changes them only through setVersion and
// setDeviceProps, which hold payloadMu for writing, while every connect
// made through the adapter (whatsmeowClient.ConnectContext) reads them
// holding it for reading: a version refresh of one account never races
// with another account connecting. wauser turns whatsmeow's own
// reconnects off (Configure), so no connect bypasses the adapter.
//
// Like warmLibsignal, payloadMu guards third-party state, not ours.
var payloadMu sync.RWMutex

// versionTimeout bounds a fetch of web.whatsapp.com for LatestVersion, as
// mautrix-whatsapp bounds it, so a start-up or a reconnect is not held up
// for long when the site is slow.
const versionTimeout = 10 * time.Second

func currentVersion() store.WAVersionContainer {
	payloadMu.RLock()
	defer payloadMu.RUnlock()
	return store.GetWAVersion()
}

// setVersion makes whatsmeow announce v. The pinned whatsmeow's
// store.SetWAVersion updates only the build hash; the app version sent
// when logging in is a copy made at start-up, updated here as later
// whatsmeow versions do.
func setVersion(v store.WAVersionContainer) {
	if v.IsZero() {
		return
	}
	payloadMu.Lock()
	defer payloadMu.Unlock()
	store.SetWAVersion(v)
	store.BaseClientPayload.UserAgent.AppVersion = v.ProtoAppVersion()
}

// setDeviceProps sets the name and platform a device pairing from now on
// is listed under on the phone.
func setDeviceProps(name string, platform waCompanionReg.DeviceProps_PlatformType) {
	payloadMu.Lock()
	defer payloadMu.Unlock()
	if store.DeviceProps.GetOs() == name && store.DeviceProps.GetPlatformType() == platform {
		return
	}
	store.DeviceProps.Os = proto.String(name)
	store.DeviceProps.PlatformType = platform.Enum()
}

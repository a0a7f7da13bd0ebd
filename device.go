package wauser

import (
	"strings"
	"unicode/utf8"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCompanionReg"
)

// DevicePlatform is the kind of client the account's phone shows a linked
// device as (the icon on its "Linked devices" list).
type DevicePlatform string

// Device platforms.
const (
	PlatformChrome  DevicePlatform = "chrome"
	PlatformFirefox DevicePlatform = "firefox"
	PlatformSafari  DevicePlatform = "safari"
	PlatformEdge    DevicePlatform = "edge"
	PlatformOpera   DevicePlatform = "opera"
	PlatformDesktop DevicePlatform = "desktop" // the WhatsApp desktop app
)

// Defaults of WithDevice: a device linked by wauser is listed on the phone
// as WhatsApp Web in Chrome on Linux, not under whatsmeow's own name.
const (
	DefaultDeviceName     = "Linux"
	DefaultDevicePlatform = PlatformChrome
)

var platforms = map[DevicePlatform]struct {
	props   waCompanionReg.DeviceProps_PlatformType
	pair    whatsmeow.PairClientType
	display string
}{
	PlatformChrome:  {waCompanionReg.DeviceProps_CHROME, whatsmeow.PairClientChrome, "Chrome"},
	PlatformFirefox: {waCompanionReg.DeviceProps_FIREFOX, whatsmeow.PairClientFirefox, "Firefox"},
	PlatformSafari:  {waCompanionReg.DeviceProps_SAFARI, whatsmeow.PairClientSafari, "Safari"},
	PlatformEdge:    {waCompanionReg.DeviceProps_EDGE, whatsmeow.PairClientEdge, "Edge"},
	PlatformOpera:   {waCompanionReg.DeviceProps_OPERA, whatsmeow.PairClientOpera, "Opera"},
	PlatformDesktop: {waCompanionReg.DeviceProps_DESKTOP, whatsmeow.PairClientElectron, "Desktop"},
}

// WithDevice sets how the account's phone lists devices linked from now on
// (it cannot change for a device already linked): name is the operating
// system shown next to the platform's browser, as in "Chrome (Linux)", 1
// to 50 characters; platform is one of the Platform constants. Phone-code
// pairing (PairPhone) shows the same "<Browser> (<name>)". The defaults
// are DefaultDeviceName and DefaultDevicePlatform.
//
// whatsmeow keeps these settings process-wide: Clients of one process that
// pair at the same time with different settings each set theirs before
// connecting, without racing, but a pairing reads whatever was set last.
func WithDevice(name string, platform DevicePlatform) Option {
	return func(c *config) error {
		name = strings.TrimSpace(name)
		switch n := utf8.RuneCountInString(name); {
		case n == 0 || n > 50 || !utf8.ValidString(name) || strings.ContainsAny(name, "()\r\n\t"):
			return invalidArg("device name", "%q: give 1 to 50 characters without parentheses or line breaks", name)
		}
		if _, ok := platforms[platform]; !ok {
			return invalidArg("device platform", "%q is not chrome, firefox, safari, edge, opera or desktop", platform)
		}
		c.deviceName, c.devicePlatform = name, platform
		return nil
	}
}

// pairDisplayName is the name PairPhone shows on the phone: whatsmeow
// requires "Browser (OS)".
func (c *config) pairDisplayName() string {
	return platforms[c.devicePlatform].display + " (" + c.deviceName + ")"
}

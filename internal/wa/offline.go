package wa

import (
	"context"
	"fmt"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
)

// SaveOfflinePairing records dev as paired to id (and lid) without talking to
// WhatsApp, the way whatsmeow saves a device when PairSuccess arrives. The
// account signature is a placeholder of the right shape: such a device can be
// stored, loaded and deleted, but never log in. Fakes (package watest) use it
// to emulate a phone scanning the QR code.
func SaveOfflinePairing(ctx context.Context, dev *store.Device, id, lid types.JID, pushName, platform, businessName string) error {
	if id.IsEmpty() {
		return fmt.Errorf("wa: offline pairing needs a device JID")
	}
	jid := id
	dev.ID = &jid
	dev.LID = lid
	dev.PushName = pushName
	dev.Platform = platform
	dev.BusinessName = businessName
	dev.Account = &waAdv.ADVSignedDeviceIdentity{
		Details:             []byte{},
		AccountSignatureKey: make([]byte, 32),
		AccountSignature:    make([]byte, 64),
		DeviceSignature:     make([]byte, 64),
	}
	if err := dev.Save(ctx); err != nil {
		return fmt.Errorf("wa: save device %s: %w", id, err)
	}
	return nil
}

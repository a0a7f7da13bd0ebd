package wauser_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
)

func TestParseRecipient(t *testing.T) {
	t.Parallel()
	pn := types.NewJID("15551234567", types.DefaultUserServer)
	group := types.NewJID("120363012345678901", types.GroupServer)
	for _, tc := range []struct {
		in   string
		typ  wauser.RecipientType
		want types.JID
	}{
		{"+15551234567", "", pn},
		{"15551234567", "", pn},
		{" +1 (555) 123-4567 ", wauser.RecipientIndividual, pn},
		{"15551234567@s.whatsapp.net", "", pn},
		{"15551234567@c.us", "", pn}, // legacy server
		{"123456789012345@lid", wauser.RecipientIndividual, types.NewJID("123456789012345", types.HiddenUserServer)},
		{"120363012345678901@g.us", "", group},
		{"120363012345678901@g.us", wauser.RecipientGroup, group},
		{"120363012345678901", wauser.RecipientGroup, group},
		{"15551234567-1600000000", wauser.RecipientGroup, types.NewJID("15551234567-1600000000", types.GroupServer)},
		{"15551234567-1600000000@g.us", "", types.NewJID("15551234567-1600000000", types.GroupServer)},
		{"120363098765432109@newsletter", "", types.NewJID("120363098765432109", types.NewsletterServer)},
		{"status@broadcast", "", types.StatusBroadcastJID},
	} {
		got, err := wauser.ParseRecipient(tc.in, tc.typ)
		require.NoError(t, err, "%q as %q", tc.in, tc.typ)
		require.Equal(t, tc.want, got, "%q as %q", tc.in, tc.typ)
	}

	for _, tc := range []struct {
		in    string
		typ   wauser.RecipientType
		field string
	}{
		{"", "", "to"},
		{"   ", "", "to"},
		{"+0123456789", "", "to"},
		{"12345", "", "to"},
		{"+1555abc4567", "", "to"},
		{"15551234567:12@s.whatsapp.net", "", "to"},   // a device
		{"15551234567.0:12@s.whatsapp.net", "", "to"}, // an AD JID
		{"abc@s.whatsapp.net", "", "to"},              // not a number
		{"0123456789@s.whatsapp.net", "", "to"},       // national number
		{"12@lid", "", ""},                            // fine: LIDs have no length rule beyond 1..24
		{"1234567890123456789012345@lid", "", "to"},   // too long
		{"12x@lid", "", "to"},                         // not digits
		{"1-2-3@g.us", "", "to"},                      // two dashes
		{"-1@g.us", "", "to"},                         // empty first part
		{"abc@newsletter", "", "to"},                  // not digits
		{"12345@broadcast", "", "to"},                 // a broadcast list
		{"15551234567@example.com", "", "to"},         // unknown server
		{"15551234567@s.whatsapp.net@g.us", "", "to"}, // two @
		{"@s.whatsapp.net", "", "to"},                 // no user
		{"+15551234567", wauser.RecipientGroup, "to"}, // a phone is no group id
		{"15551234567@s.whatsapp.net", wauser.RecipientGroup, "recipient_type"},
		{"120363012345678901@g.us", wauser.RecipientIndividual, "recipient_type"},
		{"+15551234567", "channel", "recipient_type"},
		{string(make([]byte, 200)), "", "to"},
	} {
		_, err := wauser.ParseRecipient(tc.in, tc.typ)
		if tc.field == "" {
			require.NoError(t, err, "%q", tc.in)
			continue
		}
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "%q as %q", tc.in, tc.typ)
		var ae *wauser.ArgumentError
		require.ErrorAs(t, err, &ae)
		require.Equal(t, tc.field, ae.Field, "%q as %q: %v", tc.in, tc.typ, err)
	}
}

func FuzzParseRecipient(f *testing.F) {
	for _, s := range []string{
		"+15551234567", "15551234567@s.whatsapp.net", "15551234567@c.us", "123456789012345@lid",
		"120363012345678901@g.us", "15551234567-1600000000", "120363098765432109@newsletter",
		"status@broadcast", "1555:1@s.whatsapp.net", "@", "+", "a@b@c", "1.2:3@lid", "",
	} {
		for _, typ := range []string{"", "individual", "group"} {
			f.Add(s, typ)
		}
	}
	servers := map[string]bool{
		types.DefaultUserServer: true, types.HiddenUserServer: true, types.GroupServer: true,
		types.NewsletterServer: true, types.BroadcastServer: true,
	}
	f.Fuzz(func(t *testing.T, s, typ string) {
		jid, err := wauser.ParseRecipient(s, wauser.RecipientType(typ))
		if err != nil {
			var ae *wauser.ArgumentError
			if !errors.As(err, &ae) || (ae.Field != "to" && ae.Field != "recipient_type") {
				t.Fatalf("ParseRecipient(%q, %q): %v is not an ArgumentError for to or recipient_type", s, typ, err)
			}
			return
		}
		if !servers[jid.Server] || jid.User == "" || jid.Device != 0 || jid.RawAgent != 0 {
			t.Fatalf("ParseRecipient(%q, %q) = %#v", s, typ, jid)
		}
		if (typ == "group") != (jid.Server == types.GroupServer) && typ != "" {
			t.Fatalf("ParseRecipient(%q, %q) = %s, of the wrong type", s, typ, jid)
		}
		// The JID's own string form parses back to itself.
		again, err := wauser.ParseRecipient(jid.String(), wauser.RecipientType(typ))
		if err != nil || again != jid {
			t.Fatalf("ParseRecipient(%q) = %v, %v; want %v", jid.String(), again, err, jid)
		}
		if parsed, err := types.ParseJID(jid.String()); err != nil || parsed != jid {
			t.Fatalf("types.ParseJID(%q) = %v, %v", jid.String(), parsed, err)
		}
	})
}

package store

import (
	"time"

	"github.com/uptrace/bun"
)

// Account is a linked WhatsApp device and its settings.
type Account struct {
	bun.BaseModel `bun:"table:wauser_accounts"`

	ID                string    `bun:"id,pk"`
	JID               string    `bun:"jid,notnull"` // device JID ("user:device@s.whatsapp.net"), empty until paired
	LID               string    `bun:"lid,notnull"`
	Phone             string    `bun:"phone,notnull"` // E.164 with "+"
	PushName          string    `bun:"push_name,notnull"`
	BusinessName      string    `bun:"business_name,notnull"`
	Platform          string    `bun:"platform,notnull"`
	State             string    `bun:"state,notnull"`
	LastError         string    `bun:"last_error,notnull"`
	OnlyStatusUpdates bool      `bun:"only_status_updates,notnull"`
	SkippedRecords    int64     `bun:"skipped_records,notnull"` // records WhatsApp sent that could not be stored
	ConnectedAt       time.Time `bun:"connected_at,nullzero"`
	CreatedAt         time.Time `bun:"created_at,notnull"`
	UpdatedAt         time.Time `bun:"updated_at,notnull"`
}

// Counter is a per-account sequence. The "seq" counter numbers every change
// of a conversation, contact or message.
type Counter struct {
	bun.BaseModel `bun:"table:wauser_counters"`

	AccountID string `bun:"account_id,pk"`
	Name      string `bun:"name,pk"`
	Value     int64  `bun:"value,notnull"`
}

// Conversation is a chat: direct, group, newsletter, broadcast or status.
type Conversation struct {
	bun.BaseModel `bun:"table:wauser_conversations"`

	AccountID      string    `bun:"account_id,pk"`
	ConversationID string    `bun:"conversation_id,pk"`
	ChatJID        string    `bun:"chat_jid,notnull"`
	AltJID         string    `bun:"alt_jid,notnull"` // the other addressing form (LID/phone) of a direct chat
	Kind           string    `bun:"kind,notnull"`
	Subject        string    `bun:"subject,notnull"`
	Topic          string    `bun:"topic,notnull"`
	DirectPersonID string    `bun:"direct_person_id,notnull"`
	IsArchived     bool      `bun:"is_archived,notnull"`
	IsPinned       bool      `bun:"is_pinned,notnull"`
	IsAnnounce     bool      `bun:"is_announce,notnull"`
	IsLocked       bool      `bun:"is_locked,notnull"`
	MutedUntil     time.Time `bun:"muted_until,nullzero"`
	UnreadCount    int       `bun:"unread_count,notnull"`
	LastMessageAt  time.Time `bun:"last_message_at,nullzero"`
	MergedInto     string    `bun:"merged_into,notnull"`
	DeletedAt      time.Time `bun:"deleted_at,nullzero"` // the chat was deleted (it reappears with the next message)
	EphemeralSecs  int       `bun:"ephemeral_seconds,notnull"`
	// FieldTimes records, per field, the time (unix ms) of the source that
	// last stated it; see the ingestion's merge rules. Never in API output.
	FieldTimes map[string]int64 `bun:"field_times,notnull,type:text"`
	Seq        int64            `bun:"seq,notnull"`
	CreatedAt  time.Time        `bun:"created_at,notnull"`
	UpdatedAt  time.Time        `bun:"updated_at,notnull"`

	// Participants of a group, loaded and saved separately.
	Participants []*Participant `bun:"-"`
}

// Participant is a member of a group conversation.
type Participant struct {
	bun.BaseModel `bun:"table:wauser_participants"`

	AccountID      string `bun:"account_id,pk"`
	ConversationID string `bun:"conversation_id,pk"`
	ParticipantJID string `bun:"participant_jid,pk"`
	PersonID       string `bun:"person_id,notnull"`
	Role           string `bun:"role,notnull"` // member, admin, superadmin
}

// Contact is one person, whatever addressing (phone JID or LID) WhatsApp used.
type Contact struct {
	bun.BaseModel `bun:"table:wauser_contacts"`

	AccountID        string   `bun:"account_id,pk"`
	PersonID         string   `bun:"person_id,pk"`
	Num              int64    `bun:"num,notnull"` // stable per-account integer id (the Business Server API)
	DisplayName      string   `bun:"display_name,notnull"`
	FirstName        string   `bun:"first_name,notnull"`
	LastName         string   `bun:"last_name,notnull"`
	Company          string   `bun:"company,notnull"`
	WhatsAppPushName string   `bun:"whatsapp_push_name,notnull"`
	BusinessName     string   `bun:"business_name,notnull"`
	PhoneE164        string   `bun:"phone_e164,notnull"`
	PhoneJID         string   `bun:"phone_jid,notnull"`
	LIDJID           string   `bun:"lid_jid,notnull"`
	Tags             []string `bun:"tags,notnull,type:text"`
	MergedInto       string   `bun:"merged_into,notnull"`
	// FieldTimes: as Conversation.FieldTimes.
	FieldTimes map[string]int64 `bun:"field_times,notnull,type:text"`
	Seq        int64            `bun:"seq,notnull"`
	CreatedAt  time.Time        `bun:"created_at,notnull"`
	UpdatedAt  time.Time        `bun:"updated_at,notnull"`
}

// Message is one WhatsApp message, incoming or outgoing.
type Message struct {
	bun.BaseModel `bun:"table:wauser_messages"`

	AccountID      string            `bun:"account_id,pk"`
	MessageID      string            `bun:"message_id,pk"`
	ConversationID string            `bun:"conversation_id,notnull"`
	ChatJID        string            `bun:"chat_jid,notnull"`
	WAMessageID    string            `bun:"wa_message_id,notnull"`
	SenderJID      string            `bun:"sender_jid,notnull"`
	SenderPersonID string            `bun:"sender_person_id,notnull"` // "" for the account's own messages
	SenderPushName string            `bun:"sender_push_name,notnull"`
	Direction      string            `bun:"direction,notnull"`
	IsFromMe       bool              `bun:"is_from_me,notnull"`
	ContentType    string            `bun:"content_type,notnull"`
	Body           string            `bun:"body,notnull"`
	Status         string            `bun:"status,notnull"`
	Error          string            `bun:"error,notnull"`
	ReplyToWAID    string            `bun:"reply_to_wa_id,notnull"`
	Mentions       []string          `bun:"mentions,notnull,type:text"`
	Reactions      map[string]string `bun:"reactions,notnull,type:text"`
	ReactionTimes  map[string]int64  `bun:"reaction_times,notnull,type:text"` // sender -> unix ms of their latest reaction
	Media          string            `bun:"media,notnull"`                    // JSON of the public media metadata, "" when none
	MediaKeys      string            `bun:"media_keys,notnull"`               // JSON of keys and paths for download; never in API output
	Extra          string            `bun:"extra,notnull"`                    // JSON of type-specific data (poll, location, contact card)
	MergedInto     string            `bun:"merged_into,notnull"`
	WireChatJID    string            `bun:"wire_chat_jid,notnull"`   // the chat as WhatsApp addressed the message ("" when unknown)
	WireSenderJID  string            `bun:"wire_sender_jid,notnull"` // its sender as WhatsApp addressed it ("" when unknown)
	ClientID       string            `bun:"client_id,notnull"`       // the id the caller chose when sending, "" otherwise
	Starred        bool              `bun:"starred,notnull"`         // starred by the account (WhatsApp's star app state)
	SentAt         time.Time         `bun:"sent_at,nullzero"`
	ReceivedAt     time.Time         `bun:"received_at,nullzero"`
	EditedAt       time.Time         `bun:"edited_at,nullzero"`
	DeletedAt      time.Time         `bun:"deleted_at,nullzero"`
	Seq            int64             `bun:"seq,notnull"`
	CreatedAt      time.Time         `bun:"created_at,notnull"`
	UpdatedAt      time.Time         `bun:"updated_at,notnull"`
}

// Sender records that a person sent messages in a conversation.
type Sender struct {
	bun.BaseModel `bun:"table:wauser_senders"`

	AccountID      string `bun:"account_id,pk"`
	PersonID       string `bun:"person_id,pk"`
	ConversationID string `bun:"conversation_id,pk"`
}

// APIKey is a REST API key. Only the hash of its secret is stored.
type APIKey struct {
	bun.BaseModel `bun:"table:wauser_api_keys"`

	ID         string    `bun:"id,pk"`
	Name       string    `bun:"name,notnull"`
	Prefix     string    `bun:"prefix,notnull"`
	Hash       string    `bun:"hash,notnull"`
	Scopes     []string  `bun:"scopes,notnull,type:text"`
	Accounts   []string  `bun:"accounts,notnull,type:text"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	LastUsedAt time.Time `bun:"last_used_at,nullzero"`
	RevokedAt  time.Time `bun:"revoked_at,nullzero"`
	// MaxDevices is the key's own device quota (0: the REST handler's
	// default); CreatedBy the key whose device creation made this one.
	MaxDevices int    `bun:"max_devices,notnull"`
	CreatedBy  string `bun:"created_by,notnull"`
	// RateLimitPerHour is the key's own request limit per hour in the
	// REST handler (0: none).
	RateLimitPerHour int    `bun:"rate_limit_per_hour,notnull"`
	ContactEmail     string `bun:"contact_email,notnull"`
	ContactPhone     string `bun:"contact_phone,notnull"`
}

// Webhook is a webhook endpoint registered for an account.
type Webhook struct {
	bun.BaseModel `bun:"table:wauser_webhooks"`

	ID                  string            `bun:"id,pk"`
	AccountID           string            `bun:"account_id,notnull"`
	URL                 string            `bun:"url,notnull"`
	Headers             map[string]string `bun:"headers,notnull,type:text"`
	EventTypes          []string          `bun:"event_types,notnull,type:text"`
	ChatIDs             []string          `bun:"chat_ids,notnull,type:text"`
	ChatTypes           []string          `bun:"chat_types,notnull,type:text"`
	Mentions            []string          `bun:"mentions,notnull,type:text"`
	MessageTypes        []string          `bun:"message_types,notnull,type:text"`
	SettingsTypes       []string          `bun:"settings_types,notnull,type:text"`
	Secret              string            `bun:"secret,notnull"`
	PreviousSecret      string            `bun:"previous_secret,notnull"`
	PreviousSecretUntil time.Time         `bun:"previous_secret_until,nullzero"`
	Enabled             bool              `bun:"enabled,notnull"`
	StartSeq            int64             `bun:"start_seq,notnull"` // receives events with seq > StartSeq
	// Format is the shape of the deliveries: "wauser" or "whatsapp-use".
	Format      string `bun:"format,notnull"`
	Description string `bun:"description,notnull"`
	// AllAccounts: the webhook receives the events of every account (those
	// of other accounts that occurred since CreatedAt), not only those of
	// AccountID, which it belongs to.
	AllAccounts bool      `bun:"all_accounts,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}

// Delivery states. Of the deliveries of one webhook and ordering key, only
// the oldest undelivered one is pending; the later ones are queued behind it.
const (
	DeliveryQueued    = "queued"    // waits for an earlier delivery of the same endpoint and conversation
	DeliveryPending   = "pending"   // due at NextAttemptAt (Attempts failed so far)
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // the endpoint refused it for good (a 4xx other than 408 and 429, or a forbidden address)
	DeliveryDead      = "dead"      // retries gave up after the horizon
)

// WebhookDelivery is one event queued for, or delivered to, one webhook.
type WebhookDelivery struct {
	bun.BaseModel `bun:"table:wauser_webhook_deliveries"`

	ID          string `bun:"id,pk"`
	WebhookID   string `bun:"webhook_id,notnull"`
	AccountID   string `bun:"account_id,notnull"`
	EventID     string `bun:"event_id,notnull"`
	EventType   string `bun:"event_type,notnull"`
	OrderingKey string `bun:"ordering_key,notnull"` // the conversation; "" for account events
	EventSeq    int64  `bun:"event_seq,notnull"`    // orders deliveries of one ordering key
	// Payload is the body sent. Deliveries of the outbox store it once per
	// event and format, in WebhookBody BodyID (the column payload is then
	// ''); the store's reads fill it in.
	Payload       string    `bun:"payload,notnull"`
	BodyID        string    `bun:"body_id,notnull"`
	State         string    `bun:"state,notnull"`
	Attempts      int       `bun:"attempts,notnull"`
	NextAttemptAt time.Time `bun:"next_attempt_at,notnull"`
	LastStatus    int       `bun:"last_status,notnull"`
	LastError     string    `bun:"last_error,notnull"`
	ClaimedUntil  time.Time `bun:"claimed_until,nullzero"` // a worker's lease while it sends
	LastAttemptAt time.Time `bun:"last_attempt_at,nullzero"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
	DeliveredAt   time.Time `bun:"delivered_at,nullzero"`

	// Followers are, on a delivery ClaimDeliveries returned, the next
	// queued deliveries of its endpoint and conversation, in order: the
	// claim on it covers them (no other worker sends them while it holds
	// the queue's head), so a worker may send them after it, one by one,
	// as long as each ends (see ClaimDeliveries).
	Followers []*WebhookDelivery `bun:"-"`
	// Behind says, on a delivery a claim returned, whether its queue had
	// queued deliveries behind it then.
	Behind bool `bun:"behind,scanonly"`
}

// WebhookBody is the body of the deliveries of one event in one format.
type WebhookBody struct {
	bun.BaseModel `bun:"table:wauser_webhook_bodies"`

	ID        string    `bun:"id,pk"`
	Body      string    `bun:"body,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// EventConsumer is the cursor of one outbox consumer over one account's
// events: Seq is the last event it consumed.
type EventConsumer struct {
	bun.BaseModel `bun:"table:wauser_event_consumers"`

	AccountID string `bun:"account_id,pk"`
	Name      string `bun:"name,pk"`
	Seq       int64  `bun:"seq,notnull"`
}

// Event is one entry of the event outbox: written in the same transaction as
// the change it describes, numbered per account by the "event" counter.
type Event struct {
	bun.BaseModel `bun:"table:wauser_events"`

	AccountID      string    `bun:"account_id,pk"`
	Seq            int64     `bun:"seq,pk"`
	ID             string    `bun:"id,notnull"`
	Type           string    `bun:"type,notnull"`
	ConversationID string    `bun:"conversation_id,notnull"`
	ChatJID        string    `bun:"chat_jid,notnull"`
	Data           string    `bun:"data,notnull"` // JSON
	OccurredAt     time.Time `bun:"occurred_at,notnull"`
}

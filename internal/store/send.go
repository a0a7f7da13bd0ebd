package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Template is a named message template of an account (the WhatsSync Chat API):
// Components is the JSON of its header, body and footer texts with {{1}},
// {{2}}... placeholders.
type Template struct {
	bun.BaseModel `bun:"table:wauser_templates"`

	AccountID  string    `bun:"account_id,pk"`
	Name       string    `bun:"name,pk"`
	Language   string    `bun:"language,pk"`
	Components string    `bun:"components,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	UpdatedAt  time.Time `bun:"updated_at,notnull"`
}

// UpsertTemplate stores t, replacing the account's template of the same
// name and language (its CreatedAt is kept).
func UpsertTemplate(ctx context.Context, db bun.IDB, t *Template) error {
	_, err := db.NewInsert().Model(t).
		On("CONFLICT (account_id, name, language) DO UPDATE").
		Set("components = EXCLUDED.components, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: upsert template %q: %w", t.Name, err)
	}
	return nil
}

// GetTemplate returns the account's template name in language, or
// ErrNotFound.
func GetTemplate(ctx context.Context, db bun.IDB, account, name, language string) (*Template, error) {
	t := new(Template)
	err := db.NewSelect().Model(t).Where("account_id = ? AND name = ? AND language = ?", account, name, language).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: get template %q (%s): %w", name, language, notFound(err))
	}
	return t, nil
}

// ListTemplates returns the account's templates ordered by name and
// language.
func ListTemplates(ctx context.Context, db bun.IDB, account string) ([]*Template, error) {
	rows := []*Template{}
	if err := db.NewSelect().Model(&rows).Where("account_id = ?", account).Order("name", "language").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: list templates: %w", err)
	}
	return rows, nil
}

// DeleteTemplate deletes the account's template name in language; with
// language "" every language of it. It returns ErrNotFound when nothing was
// deleted.
func DeleteTemplate(ctx context.Context, db bun.IDB, account, name, language string) error {
	q := db.NewDelete().Model((*Template)(nil)).Where("account_id = ? AND name = ?", account, name)
	if language != "" {
		q = q.Where("language = ?", language)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: delete template %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: delete template %q: %w", name, err)
	} else if n == 0 {
		return fmt.Errorf("store: delete template %q: %w", name, ErrNotFound)
	}
	return nil
}

// SendQuota counts the messages an account sent through the library on one
// UTC day.
type SendQuota struct {
	bun.BaseModel `bun:"table:wauser_send_quota"`

	AccountID string `bun:"account_id,pk"`
	Day       string `bun:"day,pk"` // YYYY-MM-DD (UTC)
	Sent      int64  `bun:"sent,notnull"`
}

// QuotaDay is the key of day at in wauser_send_quota.
func QuotaDay(at time.Time) string { return at.UTC().Format(time.DateOnly) }

// SentOn returns how many messages the account sent on day (see QuotaDay).
func SentOn(ctx context.Context, db bun.IDB, account, day string) (int64, error) {
	var n int64
	err := db.NewSelect().Model((*SendQuota)(nil)).Column("sent").
		Where("account_id = ? AND day = ?", account, day).Scan(ctx, &n)
	if err != nil {
		if err = notFound(err); errors.Is(err, ErrNotFound) {
			return 0, nil
		}
		return 0, fmt.Errorf("store: send quota: %w", err)
	}
	return n, nil
}

// CountSend adds one message to the account's count of day and returns the
// new count. Call it in the transaction that stores the message; on
// PostgreSQL the row stays locked until it ends.
func CountSend(ctx context.Context, tx bun.IDB, account, day string) (int64, error) {
	row := &SendQuota{AccountID: account, Day: day, Sent: 1}
	var n int64
	err := tx.NewInsert().Model(row).
		On("CONFLICT (account_id, day) DO UPDATE").
		Set("sent = ?TableAlias.sent + 1").
		Returning("sent").Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("store: count send: %w", err)
	}
	return n, nil
}

// SentDays returns the account's counts of sent messages of the limit most
// recent days it sent any, newest first.
func SentDays(ctx context.Context, db bun.IDB, account string, limit int) ([]*SendQuota, error) {
	rows := []*SendQuota{}
	err := db.NewSelect().Model(&rows).Where("account_id = ?", account).OrderExpr("day DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: sent days: %w", err)
	}
	return rows, nil
}

// Label is a WhatsApp label of the account (a Business app feature).
type Label struct {
	bun.BaseModel `bun:"table:wauser_labels"`

	AccountID string    `bun:"account_id,pk"`
	LabelID   string    `bun:"label_id,pk"`
	Name      string    `bun:"name,notnull"`
	Color     int       `bun:"color,notnull"`
	Deleted   bool      `bun:"deleted,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// LabelChat says that chat ChatJID carries label LabelID.
type LabelChat struct {
	bun.BaseModel `bun:"table:wauser_label_chats"`

	AccountID string `bun:"account_id,pk"`
	LabelID   string `bun:"label_id,pk"`
	ChatJID   string `bun:"chat_jid,pk"`
}

// GetLabel returns the account's label id, or nil when unknown.
func GetLabel(ctx context.Context, db bun.IDB, account, id string) (*Label, error) {
	l := new(Label)
	err := db.NewSelect().Model(l).Where("account_id = ? AND label_id = ?", account, id).Scan(ctx)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("store: get label: %w", err)
	}
	return l, nil
}

// UpsertLabel stores l.
func UpsertLabel(ctx context.Context, db bun.IDB, l *Label) error {
	_, err := db.NewInsert().Model(l).On("CONFLICT (account_id, label_id) DO UPDATE").
		Set("name = EXCLUDED.name, color = EXCLUDED.color, deleted = EXCLUDED.deleted, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: upsert label: %w", err)
	}
	return nil
}

// SetLabelChat records (labeled) or removes the label on chat.
func SetLabelChat(ctx context.Context, db bun.IDB, account, label, chat string, labeled bool) error {
	var err error
	if labeled {
		_, err = db.NewInsert().Model(&LabelChat{AccountID: account, LabelID: label, ChatJID: chat}).
			On("CONFLICT (account_id, label_id, chat_jid) DO NOTHING").Exec(ctx)
	} else {
		_, err = db.NewDelete().Model((*LabelChat)(nil)).
			Where("account_id = ? AND label_id = ? AND chat_jid = ?", account, label, chat).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("store: label chat: %w", err)
	}
	return nil
}

// LabelChats returns the chats carrying the label.
func LabelChats(ctx context.Context, db bun.IDB, account, label string) ([]string, error) {
	var chats []string
	err := db.NewSelect().Model((*LabelChat)(nil)).Column("chat_jid").
		Where("account_id = ? AND label_id = ?", account, label).Order("chat_jid").Scan(ctx, &chats)
	if err != nil {
		return nil, fmt.Errorf("store: label chats: %w", err)
	}
	return chats, nil
}

// ConversationByJID returns the account's unmerged conversation whose chat
// JID (or, for a direct chat, the other addressing form) is jid, or
// ErrNotFound.
func ConversationByJID(ctx context.Context, db bun.IDB, account, jid string) (*Conversation, error) {
	rows, err := selectConversations(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("merged_into = '' AND (chat_jid = ? OR alt_jid = ?)", jid, jid)
	})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: conversation %s: %w", jid, ErrNotFound)
	}
	return rows[0], nil
}

// LastMessage returns the conversation's newest message WhatsApp knows
// (not pending or failed, not a placeholder), or nil.
func LastMessage(ctx context.Context, db bun.IDB, account, conversationID string) (*Message, error) {
	return edgeMessage(ctx, db, account, conversationID, "DESC")
}

// OldestMessage returns the conversation's oldest message WhatsApp knows,
// or nil.
func OldestMessage(ctx context.Context, db bun.IDB, account, conversationID string) (*Message, error) {
	return edgeMessage(ctx, db, account, conversationID, "ASC")
}

func edgeMessage(ctx context.Context, db bun.IDB, account, conversationID, order string) (*Message, error) {
	rows := []*Message{}
	err := db.NewSelect().Model(&rows).
		Where("account_id = ? AND conversation_id = ? AND merged_into = '' AND sent_at IS NOT NULL", account, conversationID).
		Where("status NOT IN (?)", bun.List([]string{"pending", "failed"})).
		Where("content_type <> 'unknown'").
		OrderExpr("sent_at " + order + ", message_id " + order).Limit(1).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: edge message: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0], nil
}

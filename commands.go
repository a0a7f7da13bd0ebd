package wauser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wauser/wauser/internal/store"
)

// CommandID names a command record.
type CommandID string

// CommandStatus is how a command ended.
type CommandStatus string

// Command statuses.
const (
	CommandCompleted CommandStatus = "completed"
	CommandFailed    CommandStatus = "failed"
)

// CommandRetention is how long RecordCommand keeps command records.
const CommandRetention = 30 * 24 * time.Hour

// Command is the record of a write an API client asked for: what it asked
// (Kind, Payload) and how it ended (Status, Result, Error). The REST sync
// dialect (whatsapp-use.openapi.yaml's CommandRecord) answers its writes
// with one and serves it again by ID.
type Command struct {
	ID   CommandID `json:"id"`
	Kind string    `json:"kind"`
	// Payload is what was asked, a JSON object.
	Payload json.RawMessage `json:"payload"`
	Status  CommandStatus   `json:"status"`
	// Result is what came of it, a JSON object ({} when nothing).
	Result json.RawMessage `json:"result"`
	// Error says why the command failed.
	Error       string    `json:"error,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	ClaimedAt   time.Time `json:"claimed_at,omitzero"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
}

// RecordCommandRequest is the body of RecordCommand.
type RecordCommandRequest struct {
	// Kind names the operation, such as "create_group": 1 to 64 of a-z,
	// 0-9, _ . and -.
	Kind string
	// Payload and Result are JSON objects; empty means {}.
	Payload json.RawMessage
	Result  json.RawMessage
	// Error, when set, records the command as failed.
	Error string
	// StartedAt is when the command began (claimed_at); zero means now.
	// The command is created and completed now.
	StartedAt time.Time
}

// RecordCommand stores the record of a finished command for the account
// and returns it. Records are kept for CommandRetention: each call removes
// the account's older ones. It returns ErrInvalidArgument for a bad kind or
// a payload or result that is not a JSON object, and ErrNotFound when the
// account does not exist.
func (c *Client) RecordCommand(ctx context.Context, req RecordCommandRequest) (*Command, error) {
	if !validCommandKind(req.Kind) {
		return nil, invalidArg("kind", "%q is not 1 to 64 of a-z 0-9 _ . -", req.Kind)
	}
	payload, err := jsonObject("payload", req.Payload)
	if err != nil {
		return nil, err
	}
	result, err := jsonObject("result", req.Result)
	if err != nil {
		return nil, err
	}
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	now := c.core.cfg.clock.Now().UTC()
	started := req.StartedAt.UTC()
	if req.StartedAt.IsZero() || started.After(now) {
		started = now
	}
	row := &store.Command{
		AccountID:   string(account),
		ID:          randomID("cmd_"),
		Kind:        req.Kind,
		Payload:     string(payload),
		Status:      string(CommandCompleted),
		Result:      string(result),
		Error:       req.Error,
		CreatedAt:   started,
		ClaimedAt:   started,
		CompletedAt: now,
	}
	if req.Error != "" {
		row.Status = string(CommandFailed)
	}
	db := c.core.st.DB()
	if err := store.InsertCommand(ctx, db, row); err != nil {
		return nil, commandError(row.ID, err)
	}
	if _, err := store.PruneCommands(ctx, db, string(account), now.Add(-CommandRetention)); err != nil {
		c.core.cfg.logger.Warn("wauser: prune command records", "account", string(account), "error", err)
	}
	return commandFromRow(row), nil
}

// GetCommand returns a command recorded with RecordCommand, or ErrNotFound.
func (c *Client) GetCommand(ctx context.Context, id CommandID) (*Command, error) {
	if !validRecordID(string(id)) {
		return nil, invalidArg("command_id", "%q is not a command id", id)
	}
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	row, err := store.GetCommand(ctx, c.core.st.DB(), string(account), string(id))
	if err != nil {
		return nil, commandError(string(id), err)
	}
	return commandFromRow(row), nil
}

func commandError(id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: command %q", ErrNotFound, id)
	}
	return fmt.Errorf("wauser: command: %w", err)
}

func commandFromRow(r *store.Command) *Command {
	return &Command{
		ID:          CommandID(r.ID),
		Kind:        r.Kind,
		Payload:     json.RawMessage(r.Payload),
		Status:      CommandStatus(r.Status),
		Result:      json.RawMessage(r.Result),
		Error:       r.Error,
		CreatedAt:   r.CreatedAt.UTC(),
		ClaimedAt:   utc(r.ClaimedAt),
		CompletedAt: utc(r.CompletedAt),
	}
}

func validCommandKind(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// jsonObject checks that raw is a JSON object and returns it compacted;
// empty is {}.
func jsonObject(field string, raw json.RawMessage) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("{}"), nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, invalidArg(field, "not a JSON object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, invalidArg(field, "not a JSON object")
	}
	return buf.Bytes(), nil
}

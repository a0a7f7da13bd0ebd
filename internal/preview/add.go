package preview

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/fetch"
)

// Add fetches the page of link (through hc; private addresses only when
// allowPrivate) and adds its title and description to msg, a text message.
// A page that cannot be fetched leaves the message without a preview;
// sending goes on.
func Add(ctx context.Context, hc *http.Client, allowPrivate bool, logger *slog.Logger, msg *waE2E.Message, link string) {
	ext := msg.GetExtendedTextMessage()
	if ext == nil {
		return
	}
	ext.MatchedText = proto.String(link)
	ext.PreviewType = waE2E.ExtendedTextMessage_NONE.Enum()
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	res, err := fetch.Get(ctx, hc, link, fetch.Options{MaxBytes: MaxBytes, AllowPrivate: allowPrivate})
	if err != nil {
		logger.Debug("wauser: link preview", slog.Any("error", err))
		return
	}
	if base, _, _ := strings.Cut(res.ContentType, ";"); !strings.HasPrefix(strings.TrimSpace(base), "text/html") {
		return
	}
	title, desc := Parse(string(res.Data))
	ext.Title, ext.Description = optString(title), optString(desc)
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return proto.String(s)
}

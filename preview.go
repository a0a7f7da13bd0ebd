package wauser

import (
	"context"
	"log/slog"
	"strings"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/fetch"
	"github.com/wauser/wauser/internal/preview"
)

// addPreview fetches the page of p's link and adds its title and
// description to the text message. A page that cannot be fetched leaves
// the message without a preview; sending goes on.
func (c *Client) addPreview(ctx context.Context, p *prepared) {
	ext := p.msg.GetExtendedTextMessage()
	if ext == nil {
		return
	}
	ext.MatchedText = proto.String(p.previewURL)
	ext.PreviewType = waE2E.ExtendedTextMessage_NONE.Enum()
	ctx, cancel := context.WithTimeout(ctx, preview.Timeout)
	defer cancel()
	res, err := fetch.Get(ctx, c.core.cfg.httpClient, p.previewURL, fetch.Options{MaxBytes: preview.MaxBytes, AllowPrivate: c.core.cfg.privateURL})
	if err != nil {
		c.core.cfg.logger.Debug("wauser: link preview", slog.Any("error", err))
		return
	}
	if !strings.HasPrefix(baseMIME(res.ContentType), "text/html") {
		return
	}
	title, desc := preview.Parse(string(res.Data))
	ext.Title, ext.Description = optString(title), optString(desc)
}

package rest

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html"
	"net/http"
	"strings"
	"time"
)

// docsFiles are the API reference page: Swagger UI's built files,
// vendored unmodified from the npm package swagger-ui-dist (see
// docs/README.md), and the page that points it at /openapi.json.
//
//go:embed docs
var docsFiles embed.FS

// SwaggerUIVersion is the version of Swagger UI that GET /docs embeds.
const SwaggerUIVersion = "5.35.0"

// docsCSP allows the page's own scripts, Swagger UI's inline styles and
// data: images, requests to this server only, and no framing.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsRoutes serve GET /docs (Options.Docs): public, like /openapi.json.
func (h *handler) docsRoutes() {
	files := []struct{ path, file, contentType string }{
		{"/docs", "index.html", "text/html; charset=utf-8"},
		{"/docs/init.js", "init.js", "text/javascript; charset=utf-8"},
		{"/docs/docs.css", "docs.css", "text/css; charset=utf-8"},
		{"/docs/swagger-ui-bundle.js", "swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
		{"/docs/swagger-ui.css", "swagger-ui.css", "text/css; charset=utf-8"},
		{"/docs/LICENSE", "LICENSE", "text/plain; charset=utf-8"},
		{"/docs/NOTICE", "NOTICE", "text/plain; charset=utf-8"},
		{"/docs/swagger-ui-bundle.js.LICENSE.txt", "swagger-ui-bundle.js.LICENSE.txt", "text/plain; charset=utf-8"},
	}
	for _, f := range files {
		body, err := docsFiles.ReadFile("docs/" + f.file)
		if err != nil {
			h.log.Error("rest: embedded API reference file missing", "file", f.file, "error", err)
			continue
		}
		if f.file == "index.html" {
			// The page offers one document per dialect that is on (the
			// whole one is slow to render: hundreds of operations).
			attrs := ` data-dialects="` + html.EscapeString(strings.Join(dialectNames(h.dialectsOn()), " ")) + `"`
			if h.opts.Demo != nil {
				attrs += ` data-demo="true"`
			}
			body = bytes.Replace(body, []byte(`<html lang="en">`), []byte(`<html lang="en"`+attrs+`>`), 1)
		}
		sum := sha256.Sum256(body)
		etag := `"` + hex.EncodeToString(sum[:16]) + `"`
		h.mux.HandleFunc("GET "+f.path, func(w http.ResponseWriter, r *http.Request) {
			hdr := w.Header()
			hdr.Set("Content-Type", f.contentType)
			hdr.Set("Content-Security-Policy", docsCSP)
			hdr.Set("X-Content-Type-Options", "nosniff")
			hdr.Set("X-Frame-Options", "DENY")
			hdr.Set("Referrer-Policy", "no-referrer")
			hdr.Set("Cache-Control", "no-cache") // revalidated: 304 while the ETag holds
			hdr.Set("ETag", etag)
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
		})
	}
}

// dialectNames are the names of ds.
func dialectNames(ds []Dialect) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, string(d))
	}
	return out
}

package wauser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wauser/wauser/internal/store"
)

// Template components, in the order a rendered template shows them.
const (
	TemplateHeader = "header"
	TemplateBody   = "body"
	TemplateFooter = "footer"
)

// maxTemplatePlaceholders bounds {{n}} in one component.
const maxTemplatePlaceholders = 100

// Template is a message template of the WhatsSync Chat API: named texts with
// numbered placeholders {{1}}, {{2}}..., registered per account and
// language. WhatsApp approves templates only for the official Business
// API; wauser keeps them itself and renders a template message to plain
// text (header, body and footer, separated by blank lines) before sending
// it.
type Template struct {
	Name       string              `json:"name"`
	Language   string              `json:"language"` // such as "en_US"
	Components []TemplateComponent `json:"components"`
	CreatedAt  time.Time           `json:"created_at"`
	UpdatedAt  time.Time           `json:"updated_at"`
}

// TemplateComponent is one text of a template.
type TemplateComponent struct {
	Type string `json:"type"` // header, body (required) or footer
	// Text has placeholders {{1}}, {{2}}... numbered from 1 without gaps in
	// each component, filled from the parameters of the same component.
	Text string `json:"text"`
}

// TemplateRequest is the body of CreateTemplate.
type TemplateRequest struct {
	// Name: 1 to 512 of a-z, 0-9 and _ (as WhatsApp's template names).
	Name string `json:"name"`
	// Language: a language code such as "en" or "en_US".
	Language   string              `json:"language"`
	Components []TemplateComponent `json:"components"`
}

// TemplateMessage is a template message to send (the WhatsSync Chat API's
// "template"): the template's name and language, and the parameters of
// each of its components that has placeholders.
type TemplateMessage struct {
	Name       string           `json:"name"`
	Language   string           `json:"language"`
	Components []TemplateParams `json:"components,omitempty"`
}

// TemplateParams are the values of one component's placeholders, in
// order: the first fills {{1}}.
type TemplateParams struct {
	Type       string              `json:"type"` // header, body or footer
	Parameters []TemplateParameter `json:"parameters"`
}

// TemplateParameter is one value: a text, or the fallback text of a
// date_time or currency parameter (which the Business API would format
// itself).
type TemplateParameter struct {
	Type     string            `json:"type"` // text, date_time or currency
	Text     string            `json:"text,omitempty"`
	DateTime *TemplateFallback `json:"date_time,omitempty"`
	Currency *TemplateFallback `json:"currency,omitempty"`
}

// TemplateFallback carries the text shown for a date_time or currency
// parameter.
type TemplateFallback struct {
	FallbackValue string `json:"fallback_value"`
}

// CreateTemplate registers a template for the account, replacing the one
// with the same name and language. Malformed names, languages, components
// or placeholders return ErrInvalidArgument.
func (c *Client) CreateTemplate(ctx context.Context, req TemplateRequest) (*Template, error) {
	if err := validTemplateName("name", req.Name); err != nil {
		return nil, err
	}
	if err := validLanguage("language", req.Language); err != nil {
		return nil, err
	}
	comps, err := validComponents(req.Components)
	if err != nil {
		return nil, err
	}
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(comps)
	if err != nil {
		return nil, fmt.Errorf("wauser: create template: %w", err)
	}
	now := c.core.cfg.clock.Now().UTC()
	row := &store.Template{AccountID: string(account), Name: req.Name, Language: req.Language, Components: string(raw), CreatedAt: now, UpdatedAt: now}
	if err := store.UpsertTemplate(ctx, c.core.st.DB(), row); err != nil {
		return nil, fmt.Errorf("wauser: create template: %w", err)
	}
	return c.GetTemplate(ctx, req.Name, req.Language)
}

// GetTemplate returns the account's template name in language, or
// ErrNotFound.
func (c *Client) GetTemplate(ctx context.Context, name, language string) (*Template, error) {
	if err := validTemplateName("name", name); err != nil {
		return nil, err
	}
	if err := validLanguage("language", language); err != nil {
		return nil, err
	}
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	row, err := store.GetTemplate(ctx, c.core.st.DB(), string(account), name, language)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: template %q (%s)", ErrNotFound, name, language)
	} else if err != nil {
		return nil, fmt.Errorf("wauser: get template: %w", err)
	}
	return templateFromRow(row)
}

// ListTemplates returns the account's templates ordered by name and
// language.
func (c *Client) ListTemplates(ctx context.Context) ([]*Template, error) {
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := store.ListTemplates(ctx, c.core.st.DB(), string(account))
	if err != nil {
		return nil, fmt.Errorf("wauser: list templates: %w", err)
	}
	out := make([]*Template, 0, len(rows))
	for _, r := range rows {
		t, err := templateFromRow(r)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// DeleteTemplate deletes the account's template name in language, or with
// language "" in every language. It returns ErrNotFound when there is none.
func (c *Client) DeleteTemplate(ctx context.Context, name, language string) error {
	if err := validTemplateName("name", name); err != nil {
		return err
	}
	if language != "" {
		if err := validLanguage("language", language); err != nil {
			return err
		}
	}
	account, err := c.accountID(ctx)
	if err != nil {
		return err
	}
	err = store.DeleteTemplate(ctx, c.core.st.DB(), string(account), name, language)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: template %q", ErrNotFound, name)
	} else if err != nil {
		return fmt.Errorf("wauser: delete template: %w", err)
	}
	return nil
}

func templateFromRow(r *store.Template) (*Template, error) {
	t := &Template{Name: r.Name, Language: r.Language, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Components), &t.Components); err != nil {
		return nil, fmt.Errorf("wauser: template %q: stored components are corrupt: %w", r.Name, err)
	}
	return t, nil
}

func validTemplateName(field, name string) error {
	if len(name) == 0 || len(name) > 512 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
		return invalidArg(field, "%q: use 1 to 512 of a-z, 0-9 and _", name)
	}
	return nil
}

// validLanguage accepts language codes such as "en", "pt_BR" or "en-US".
func validLanguage(field, lang string) error {
	base, region, hasRegion := strings.Cut(strings.ReplaceAll(lang, "-", "_"), "_")
	alnum := func(s string, letters bool) bool {
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || !letters && r >= '0' && r <= '9') {
				return false
			}
		}
		return true
	}
	if len(base) < 2 || len(base) > 3 || !alnum(base, true) ||
		(hasRegion && (len(region) < 2 || len(region) > 8 || !alnum(region, false))) {
		return invalidArg(field, "%q is not a language code such as en or en_US", lang)
	}
	return nil
}

// validComponents checks a template's components and returns them in
// header, body, footer order.
func validComponents(in []TemplateComponent) ([]TemplateComponent, error) {
	var byType [3]*TemplateComponent
	for i := range in {
		comp := in[i]
		field := fmt.Sprintf("components[%d]", i)
		idx := componentIndex(comp.Type)
		switch {
		case idx < 0:
			return nil, invalidArg(field+".type", "%q is not header, body or footer", comp.Type)
		case byType[idx] != nil:
			return nil, invalidArg(field+".type", "a second %s", comp.Type)
		}
		if err := validText(field+".text", comp.Text, true, maxTextLen); err != nil {
			return nil, err
		}
		n, err := placeholders(comp.Text)
		if err != nil {
			return nil, invalidArg(field+".text", "%v", err)
		}
		for k := 1; k <= len(n); k++ {
			if !n[k] {
				return nil, invalidArg(field+".text", "placeholders must be numbered {{1}}, {{2}}... without gaps; {{%d}} is missing", k)
			}
		}
		byType[idx] = &comp
	}
	if byType[1] == nil {
		return nil, invalidArg("components", "a template needs a body")
	}
	out := []TemplateComponent{}
	for _, comp := range byType {
		if comp != nil {
			out = append(out, *comp)
		}
	}
	return out, nil
}

func componentIndex(typ string) int {
	switch typ {
	case TemplateHeader:
		return 0
	case TemplateBody:
		return 1
	case TemplateFooter:
		return 2
	}
	return -1
}

// placeholders returns the numbers of the {{n}} placeholders of text (as a
// set). Braces that do not form a placeholder are text.
func placeholders(text string) (map[int]bool, error) {
	out := map[int]bool{}
	for _, tok := range scanPlaceholders(text) {
		if tok.n < 1 || tok.n > maxTemplatePlaceholders {
			return nil, fmt.Errorf("placeholder {{%d}}: numbers go from 1 to %d", tok.n, maxTemplatePlaceholders)
		}
		out[tok.n] = true
	}
	return out, nil
}

// placeholder is one {{n}} of a text, at text[start:end].
type placeholder struct{ start, end, n int }

// scanPlaceholders finds the {{n}} of text ({{ 1 }} with spaces too).
func scanPlaceholders(text string) []placeholder {
	var out []placeholder
	for i := 0; i+1 < len(text); i++ {
		if text[i] != '{' || text[i+1] != '{' {
			continue
		}
		end := strings.Index(text[i+2:], "}}")
		if end < 0 {
			break
		}
		inner := strings.TrimSpace(text[i+2 : i+2+end])
		n, err := strconv.Atoi(inner)
		if err != nil || inner == "" || inner[0] == '+' || inner[0] == '-' || len(inner) > 4 {
			continue
		}
		out = append(out, placeholder{start: i, end: i + 2 + end + 2, n: n})
		i += 2 + end + 1
	}
	return out
}

func (t *TemplateMessage) validate() error {
	if err := validTemplateName("template.name", t.Name); err != nil {
		return err
	}
	if err := validLanguage("template.language", t.Language); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, comp := range t.Components {
		field := fmt.Sprintf("template.components[%d]", i)
		if componentIndex(comp.Type) < 0 {
			return invalidArg(field+".type", "%q is not header, body or footer", comp.Type)
		}
		if seen[comp.Type] {
			return invalidArg(field+".type", "a second %s", comp.Type)
		}
		seen[comp.Type] = true
		if len(comp.Parameters) > maxTemplatePlaceholders {
			return invalidArg(field+".parameters", "%d parameters; at most %d", len(comp.Parameters), maxTemplatePlaceholders)
		}
		for j, prm := range comp.Parameters {
			if _, err := prm.value(fmt.Sprintf("%s.parameters[%d]", field, j)); err != nil {
				return err
			}
		}
	}
	return nil
}

// value returns the text a parameter puts in place of its placeholder.
func (p TemplateParameter) value(field string) (string, error) {
	var v string
	switch p.Type {
	case "text", "":
		v = p.Text
	case "date_time":
		if p.DateTime != nil {
			v = p.DateTime.FallbackValue
		}
	case "currency":
		if p.Currency != nil {
			v = p.Currency.FallbackValue
		}
	default:
		return "", invalidArg(field+".type", "%q is not text, date_time or currency", p.Type)
	}
	if err := validText(field, v, true, maxTextLen); err != nil {
		return "", err
	}
	return v, nil
}

// renderTemplate renders a template message of the account to text. An
// unknown template, a missing or surplus parameter returns
// ErrInvalidArgument.
func (c *Client) renderTemplate(ctx context.Context, account AccountID, tm *TemplateMessage) (string, error) {
	row, err := store.GetTemplate(ctx, c.core.st.DB(), string(account), tm.Name, tm.Language)
	if errors.Is(err, store.ErrNotFound) {
		return "", invalidArg("template.name", "no template %q in language %s; register it with CreateTemplate", tm.Name, tm.Language)
	} else if err != nil {
		return "", fmt.Errorf("wauser: send message: %w", err)
	}
	t, err := templateFromRow(row)
	if err != nil {
		return "", err
	}
	return renderTemplate(t, tm)
}

// renderTemplate fills the placeholders of t with the parameters of tm.
func renderTemplate(t *Template, tm *TemplateMessage) (string, error) {
	params := map[string][]string{}
	for i, comp := range tm.Components {
		vals := make([]string, 0, len(comp.Parameters))
		for j, prm := range comp.Parameters {
			v, err := prm.value(fmt.Sprintf("template.components[%d].parameters[%d]", i, j))
			if err != nil {
				return "", err
			}
			vals = append(vals, v)
		}
		params[comp.Type] = vals
	}
	parts := make([]string, 0, len(t.Components))
	for _, comp := range t.Components {
		vals := params[comp.Type]
		delete(params, comp.Type)
		var b strings.Builder
		last, used := 0, 0
		for _, ph := range scanPlaceholders(comp.Text) {
			if ph.n > len(vals) {
				return "", invalidArg("template.components", "the %s of template %q needs parameter {{%d}}; %d given", comp.Type, t.Name, ph.n, len(vals))
			}
			b.WriteString(comp.Text[last:ph.start])
			b.WriteString(vals[ph.n-1])
			last, used = ph.end, max(used, ph.n)
		}
		b.WriteString(comp.Text[last:])
		if used < len(vals) {
			return "", invalidArg("template.components", "%d parameters for the %s of template %q, which has %d placeholders", len(vals), comp.Type, t.Name, used)
		}
		parts = append(parts, b.String())
	}
	for typ := range params {
		return "", invalidArg("template.components", "template %q has no %s", t.Name, typ)
	}
	return strings.Join(parts, "\n\n"), nil
}

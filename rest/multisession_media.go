package rest

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wauser/wauser"
)

// The multi-session server's file uploads: multipart/form-data with the
// file in one part and the other fields as text parts.

// msForm is a multipart form read whole: its text fields and its file.
type msForm struct {
	fields   map[string]string
	file     []byte
	fileName string
	mimeType string
	hasFile  bool
}

// readForm reads the request's multipart form: fileField names the file
// part; text fields not in known are ignored. The body is bounded by
// Options.MaxMediaBytes (the route is a media route).
func (x *call) readForm(fileField string, known ...string) (*msForm, error) {
	mt, params, err := mime.ParseMediaType(x.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
			message: "send the file as multipart/form-data"}
	}
	if params["boundary"] == "" {
		return nil, badRequest("invalid_body", "multipart/form-data without a boundary")
	}
	f := &msForm{fields: map[string]string{}}
	mr := multipart.NewReader(x.r.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, err
			}
			return nil, badRequest("invalid_body", "malformed multipart body")
		}
		name := part.FormName()
		switch {
		case name == fileField:
			if f.hasFile {
				return nil, badRequest("invalid_body", "the form has more than one %s", fileField)
			}
			data, err := io.ReadAll(part)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, err
				}
				return nil, badRequest("invalid_body", "malformed multipart body")
			}
			f.file, f.fileName, f.hasFile = data, part.FileName(), true
			if ct := part.Header.Get("Content-Type"); ct != "" && ct != "application/octet-stream" {
				f.mimeType = ct
			}
		case slices.Contains(known, name):
			v, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err != nil {
				return nil, badRequest("invalid_body", "malformed multipart body")
			}
			if !formText(string(v)) {
				return nil, badRequest("invalid_body", "form field %s holds a control character or is not UTF-8", name)
			}
			f.fields[name] = string(v)
		}
		_ = part.Close()
	}
	return f, nil
}

// formText reports whether a form field's text is UTF-8 without control
// characters but line breaks and tabs.
func formText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	})
}

// requireFile refuses a form without its file.
func (f *msForm) requireFile(field string) error {
	if !f.hasFile || len(f.file) == 0 {
		return badRequest("invalid_argument", "%s is required: send the file as a part of the form", field)
	}
	return nil
}

// bool reads an optional boolean field.
func (f *msForm) bool(name string) (bool, error) {
	v, ok := f.fields[name]
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("invalid_argument", "%s must be true or false", name)
	}
	return b, nil
}

// media is the form's file as a media message.
func (f *msForm) media() *wauser.MediaMessage {
	return &wauser.MediaMessage{Data: f.file, FileName: f.fileName, MIMEType: f.mimeType, Caption: f.fields["caption"]}
}

// formDocOf describes a multipart form: its file field and text fields
// (booleans named in bools).
func formDocOf(fileField string, required bool, fields []string, bools ...string) func(g *docGen) map[string]any {
	return func(*docGen) map[string]any {
		props := map[string]*schema{fileField: {Type: "string", Format: "binary"}}
		for _, name := range fields {
			props[name] = &schema{Type: "string"}
		}
		for _, name := range bools {
			props[name] = &schema{Type: "boolean"}
		}
		s := &schema{Type: "object", Properties: props}
		if required {
			s.Required = []string{fileField}
		}
		return map[string]any{"multipart/form-data": map[string]any{"schema": s}}
	}
}

// msSendFile sends the form's file to the path's chat as kind: image,
// document, video, audio or sticker.
func msSendFile(kind string) operation {
	var fields, bools []string
	switch kind {
	case "image", "video":
		fields, bools = []string{"caption"}, []string{"view_once", "typing_simulation", "presence_simulation"}
	case "document":
		fields, bools = []string{"filename", "caption"}, []string{"typing_simulation", "presence_simulation"}
	case "audio":
		bools = []string{"voice_note", "ptt"}
	}
	return operation{out: typeOf[*msSent](), inDoc: formDocOf("file", true, fields, bools...), fn: func(x *call) (any, error) {
		f, err := x.readForm("file", append(fields, bools...)...)
		if err != nil {
			return nil, err
		}
		if err := f.requireFile("file"); err != nil {
			return nil, err
		}
		for _, b := range bools {
			v, err := f.bool(b)
			if err != nil {
				return nil, err
			}
			if b == "view_once" && v {
				return nil, badRequest("invalid_argument", "view_once is not offered: wauser sends media to be kept")
			}
			if (b == "voice_note" || b == "ptt") && v {
				f.fields["voice"] = "true"
			}
		}
		m := f.media()
		req := wauser.SendMessageRequest{}
		switch kind {
		case "image":
			req.Image = m
		case "video":
			req.Video = m
		case "document":
			if name := f.fields["filename"]; name != "" {
				m.FileName = name
			}
			req.Document = m
		case "audio":
			m.Caption, m.Voice = "", f.fields["voice"] == "true"
			req.Audio = m
		case "sticker":
			m.Caption = ""
			req.Sticker = m
		}
		return x.msSend(req)
	}}
}

// msNewsletterFile posts the form's file to the path's channel.
func msNewsletterFile(kind string) operation {
	fields := []string{"caption"}
	if kind == "document" {
		fields = []string{"filename", "caption"}
	}
	return operation{out: typeOf[*wauser.NewsletterPost](), inDoc: formDocOf("file", true, fields), fn: func(x *call) (any, error) {
		f, err := x.readForm("file", fields...)
		if err != nil {
			return nil, err
		}
		if err := f.requireFile("file"); err != nil {
			return nil, err
		}
		m := f.media()
		req := wauser.SendNewsletterMessageRequest{Newsletter: x.r.PathValue("jid")}
		switch kind {
		case "image":
			req.Image = m
		case "video":
			req.Video = m
		case "document":
			if name := f.fields["filename"]; name != "" {
				m.FileName = name
			}
			req.Document = m
		}
		return x.c.SendNewsletterMessage(x.ctx, req)
	}}
}

// msPicture answers a picture change with WhatsApp's id of the picture.
type msPicture struct {
	PictureID string `json:"picture_id"`
}

// msPhoto sets a picture from the form's file (field): the account's, a
// group's or a channel's.
func msPhoto(field string, set func(x *call, jpeg []byte) (string, error)) operation {
	return operation{out: typeOf[*msPicture](), inDoc: formDocOf(field, true, nil), fn: func(x *call) (any, error) {
		f, err := x.readForm(field)
		if err != nil {
			return nil, err
		}
		if err := f.requireFile(field); err != nil {
			return nil, err
		}
		id, err := set(x, f.file)
		if err != nil {
			return nil, err
		}
		return &msPicture{PictureID: id}, nil
	}}
}

func msProfilePhoto() operation {
	return msPhoto("file", func(x *call, jpeg []byte) (string, error) { return x.c.SetProfilePhoto(x.ctx, jpeg) })
}

func msGroupPhoto() operation {
	return msPhoto("photo", func(x *call, jpeg []byte) (string, error) {
		return x.c.SetGroupPhoto(x.ctx, x.r.PathValue("group_jid"), jpeg)
	})
}

func msNewsletterPhoto() operation {
	return msPhoto("file", func(x *call, jpeg []byte) (string, error) {
		n, err := x.c.UpdateNewsletter(x.ctx, x.r.PathValue("jid"), wauser.UpdateNewsletterRequest{Picture: jpeg})
		if err != nil {
			return "", err
		}
		return n.PictureURL, nil
	})
}

// msStatusPosted answers POST /status.
type msStatusPosted struct {
	StatusID  string `json:"status_id"` // the stored id; DELETE /status/{status_id} takes it
	MessageID string `json:"message_id"`
	Type      string `json:"type"`
	Timestamp int64  `json:"timestamp"`
}

// msPostStatus posts a status update: text, or a file (type image, video or
// audio, default by the file's type) with a caption.
func msPostStatus() operation {
	fields := []string{"text", "caption", "type"}
	return operation{out: typeOf[*msStatusPosted](), inDoc: formDocOf("file", false, fields), fn: func(x *call) (any, error) {
		f, err := x.readForm("file", fields...)
		if err != nil {
			return nil, err
		}
		req := wauser.PostStatusRequest{}
		typ := f.fields["type"]
		switch {
		case f.hasFile && f.fields["text"] != "":
			return nil, badRequest("invalid_argument", "give text or file, not both")
		case !f.hasFile:
			if f.fields["text"] == "" {
				return nil, badRequest("invalid_argument", "text or file is required")
			}
			if typ != "" && typ != "text" {
				return nil, badRequest("invalid_argument", "type %q needs a file", typ)
			}
			req.Text = f.fields["text"]
		default:
			if typ == "" {
				typ = strings.SplitN(f.mimeType, "/", 2)[0]
			}
			m := f.media()
			switch typ {
			case "image":
				req.Image = m
			case "video":
				req.Video = m
			case "audio", "voice":
				m.Caption = ""
				req.Voice = m
			default:
				return nil, badRequest("invalid_argument", "type must be text, image, video or audio; got %q", typ)
			}
		}
		msg, err := x.c.PostStatus(x.ctx, req)
		if err != nil {
			return nil, err
		}
		out := &msStatusPosted{StatusID: string(msg.MessageID), MessageID: msg.WAMessageID, Type: msg.ContentType}
		if !msg.SentAt.IsZero() {
			out.Timestamp = msg.SentAt.Unix()
		}
		return out, nil
	}}
}

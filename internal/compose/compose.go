// Package compose builds the protos of the messages wauser sends, as
// official WhatsApp clients build them: texts, locations, contact cards,
// buttons and lists, media, polls, group invites, the quote of a replied-to
// message and the content of a forwarded one. It also says how WhatsApp
// addresses a stored message (WireTarget) and which proto downloads a
// stored file (Downloadable).
//
// Its inputs are its own types (the root package checks a request and
// converts it), so it cannot depend on the public API; the one error a
// caller can cause here is a *FieldError, which the root package turns
// into its ArgumentError.
package compose

import "fmt"

// Kind is the type of a message built here; its values are the root
// package's MessageType values of the same name.
type Kind string

// Kinds.
const (
	KindText     Kind = "text"
	KindImage    Kind = "image"
	KindVideo    Kind = "video"
	KindAudio    Kind = "audio" // audio files and voice notes
	KindDocument Kind = "document"
	KindSticker  Kind = "sticker"
	KindLocation Kind = "location"
	KindContacts Kind = "contacts"
)

// FieldError is bad input found while building: Field names the request
// field in the caller's terms, Reason what is wrong with it.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason) }

func invalidArg(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

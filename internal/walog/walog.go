// Package walog adapts log/slog to whatsmeow's logger interface.
package walog

import (
	"context"
	"fmt"
	"log/slog"

	waLog "go.mau.fi/whatsmeow/util/log"
)

// New returns a waLog.Logger writing to l; a nil l discards everything.
func New(l *slog.Logger) waLog.Logger {
	if l == nil {
		return waLog.Noop
	}
	return &logger{l: l}
}

type logger struct {
	l      *slog.Logger
	module string
}

func (w *logger) logf(level slog.Level, msg string, args []any) {
	ctx := context.Background()
	if !w.l.Enabled(ctx, level) {
		return
	}
	if w.module != "" {
		w.l.Log(ctx, level, fmt.Sprintf(msg, args...), slog.String("module", w.module))
		return
	}
	w.l.Log(ctx, level, fmt.Sprintf(msg, args...))
}

func (w *logger) Errorf(msg string, args ...any) { w.logf(slog.LevelError, msg, args) }
func (w *logger) Warnf(msg string, args ...any)  { w.logf(slog.LevelWarn, msg, args) }
func (w *logger) Infof(msg string, args ...any)  { w.logf(slog.LevelInfo, msg, args) }
func (w *logger) Debugf(msg string, args ...any) { w.logf(slog.LevelDebug, msg, args) }
func (w *logger) Sub(module string) waLog.Logger {
	if w.module != "" {
		module = w.module + "/" + module
	}
	return &logger{l: w.l, module: module}
}

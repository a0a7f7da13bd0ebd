package histsync

import (
	"errors"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers walked by Scan.
const (
	convID                     = 1 // Conversation.ID
	convMessages               = 2 // Conversation.messages (HistorySyncMsg)
	convTcToken                = 21
	convTcTokenTimestamp       = 22
	convTcTokenSenderTimestamp = 28
	histMsgMessage             = 1  // HistorySyncMsg.message (WebMessageInfo)
	webKey                     = 1  // WebMessageInfo.key (MessageKey)
	webParticipant             = 5  // WebMessageInfo.participant
	webMessageSecret           = 49 // WebMessageInfo.messageSecret
	keyFromMe                  = 2  // MessageKey.fromMe
	keyID                      = 3  // MessageKey.ID
	keyParticipant             = 4  // MessageKey.participant
)

var errWalk = errors.New("broken field")

// fields calls fn for each field of the encoded message b. fn returns
// how many bytes of the value it consumed, or -1 to have it skipped.
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte) int) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errWalk
		}
		b = b[n:]
		n = fn(num, typ, b)
		if n < 0 {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errWalk
		}
		b = b[n:]
	}
	return nil
}

// walkConversation reads a conversation's keys and counts its messages
// without decoding it. The keys hold copies: b is reused.
func walkConversation(b []byte) (*ConversationKeys, int, error) {
	k := &ConversationKeys{}
	msgs := 0
	var inner error
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte) int {
		switch {
		case num == convID && typ == protowire.BytesType:
			s, n := protowire.ConsumeBytes(v)
			k.ID = string(s)
			return n
		case num == convMessages && typ == protowire.BytesType:
			m, n := protowire.ConsumeBytes(v)
			if n >= 0 {
				msgs++
				if err := walkHistoryMsg(m, k); err != nil {
					inner = err
				}
			}
			return n
		case num == convTcToken && typ == protowire.BytesType:
			s, n := protowire.ConsumeBytes(v)
			k.TcToken = slices.Clone(s)
			if k.TcToken == nil {
				k.TcToken = []byte{}
			}
			return n
		case num == convTcTokenTimestamp && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(v)
			k.TcTokenTimestamp = x
			return n
		case num == convTcTokenSenderTimestamp && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(v)
			k.TcTokenSenderTimestamp = x
			return n
		}
		return -1
	})
	if err == nil {
		err = inner
	}
	if err != nil {
		return nil, 0, err
	}
	return k, msgs, nil
}

// walkHistoryMsg adds the secret of one HistorySyncMsg to k, if it has one.
func walkHistoryMsg(b []byte, k *ConversationKeys) error {
	var (
		ms     MessageSecret
		secret bool
		bad    error
	)
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte) int {
		if num != histMsgMessage || typ != protowire.BytesType {
			return -1
		}
		wm, n := protowire.ConsumeBytes(v)
		if n < 0 {
			return n
		}
		// A message field given twice is merged: later fields win.
		if err := fields(wm, func(num protowire.Number, typ protowire.Type, v []byte) int {
			switch {
			case num == webKey && typ == protowire.BytesType:
				key, n := protowire.ConsumeBytes(v)
				if n >= 0 {
					if err := walkKey(key, &ms); err != nil {
						bad = err
					}
				}
				return n
			case num == webParticipant && typ == protowire.BytesType:
				s, n := protowire.ConsumeBytes(v)
				ms.Participant = string(s)
				return n
			case num == webMessageSecret && typ == protowire.BytesType:
				s, n := protowire.ConsumeBytes(v)
				ms.Secret, secret = slices.Clone(s), true
				return n
			}
			return -1
		}); err != nil {
			bad = err
		}
		return n
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return err
	}
	if secret && len(ms.Secret) > 0 {
		k.Secrets = append(k.Secrets, ms)
	}
	return nil
}

func walkKey(b []byte, ms *MessageSecret) error {
	return fields(b, func(num protowire.Number, typ protowire.Type, v []byte) int {
		switch {
		case num == keyFromMe && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(v)
			ms.FromMe = x != 0
			return n
		case num == keyID && typ == protowire.BytesType:
			s, n := protowire.ConsumeBytes(v)
			ms.ID = string(s)
			return n
		case num == keyParticipant && typ == protowire.BytesType:
			s, n := protowire.ConsumeBytes(v)
			ms.KeyParticipant = string(s)
			return n
		}
		return -1
	})
}

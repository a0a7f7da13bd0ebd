package watest

import (
	"encoding/binary"
	"time"

	"github.com/wauser/wauser/internal/mediainfo"
)

// VoiceNote returns d of silence as Ogg Opus audio (mono, 48 kHz, 20 ms
// frames), the format WhatsApp's apps record voice notes in, for tests
// that send or receive one. d is rounded down to whole frames.
func VoiceNote(d time.Duration) []byte {
	const (
		preSkip   = 312
		frame     = 960 // samples of a 20 ms frame at 48 kHz
		perPage   = 50  // one second of frames per page
		serial    = 0x77617573
		bos, eos  = 0x02, 0x04
		silence20 = "\xf8\xff\xfe" // a 20 ms CELT frame of silence
	)
	head := []byte("OpusHead\x01\x01\x00\x00\x80\xbb\x00\x00\x00\x00\x00")
	binary.LittleEndian.PutUint16(head[10:], preSkip)
	out := oggPage(serial, 0, 0, bos, head)
	out = append(out, oggPage(serial, 1, 0, 0, []byte("OpusTags\x06\x00\x00\x00watest\x00\x00\x00\x00"))...)
	frames := int(d / (20 * time.Millisecond))
	granule := int64(preSkip)
	for seq := uint32(2); frames > 0 || seq == 2; seq++ {
		n := min(frames, perPage)
		frames -= n
		packets := make([][]byte, n)
		for i := range packets {
			packets[i] = []byte(silence20)
		}
		granule += int64(n * frame)
		flags := byte(0)
		if frames == 0 {
			flags = eos
		}
		out = append(out, oggPage(serial, seq, granule, flags, packets...)...)
	}
	return out
}

// oggPage builds one Ogg page of stream serial holding packets (each
// shorter than 255 bytes), with its checksum.
func oggPage(serial, seq uint32, granule int64, flags byte, packets ...[]byte) []byte {
	h := make([]byte, 27, 27+len(packets))
	copy(h, "OggS")
	h[5] = flags
	binary.LittleEndian.PutUint64(h[6:], uint64(granule))
	binary.LittleEndian.PutUint32(h[14:], serial)
	binary.LittleEndian.PutUint32(h[18:], seq)
	h[26] = byte(len(packets))
	for _, p := range packets {
		h = append(h, byte(len(p)))
	}
	for _, p := range packets {
		h = append(h, p...)
	}
	binary.LittleEndian.PutUint32(h[22:], mediainfo.PageChecksum(h))
	return h
}

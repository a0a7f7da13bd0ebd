package mediainfo_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/mediainfo"
)

// OggPage builds one Ogg page of stream serial holding packets (each under
// 255*255 bytes), with its checksum.
func oggPage(serial uint32, seq uint32, granule int64, flags byte, packets ...[]byte) []byte {
	var lacing []byte
	var body []byte
	for _, p := range packets {
		n := len(p)
		for n >= 255 {
			lacing = append(lacing, 255)
			n -= 255
		}
		lacing = append(lacing, byte(n))
		body = append(body, p...)
	}
	h := make([]byte, 27)
	copy(h, "OggS")
	h[5] = flags
	binary.LittleEndian.PutUint64(h[6:], uint64(granule))
	binary.LittleEndian.PutUint32(h[14:], serial)
	binary.LittleEndian.PutUint32(h[18:], seq)
	h[26] = byte(len(lacing))
	pg := append(append(h, lacing...), body...)
	binary.LittleEndian.PutUint32(pg[22:], mediainfo.PageChecksum(pg))
	return pg
}

// opusFile is an Ogg Opus stream with preSkip and audio pages ending at
// the given granule positions (48 kHz samples).
func opusFile(preSkip uint16, granules ...int64) []byte {
	head := []byte("OpusHead\x01\x01\x00\x00\x80\xbb\x00\x00\x00\x00\x00")
	binary.LittleEndian.PutUint16(head[10:], preSkip)
	out := oggPage(7, 0, 0, 0x02, head)
	out = append(out, oggPage(7, 1, 0, 0, []byte("OpusTags\x06\x00\x00\x00wauser\x00\x00\x00\x00"))...)
	audio := bytes.Repeat([]byte{0xfc, 0xff, 0xfe}, 100) // not real Opus frames: only the container is read
	for i, g := range granules {
		flags := byte(0)
		if i == len(granules)-1 {
			flags = 0x04
		}
		out = append(out, oggPage(7, uint32(i+2), g, flags, audio, audio)...)
	}
	return out
}

func TestPageChecksum(t *testing.T) {
	t.Parallel()
	// CRC-32 with Ogg's parameters of "123456789" (the check value of the
	// CRC catalogue's CRC-32/CKSUM, whose only difference is a final XOR).
	require.Equal(t, uint32(0x765e7680^0xffffffff), mediainfo.PageChecksum([]byte("123456789")))
}

func TestOggOpus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		data    []byte
		seconds int
		err     bool
	}{
		{"12.5 s after a 312-sample pre-skip", opusFile(312, 48000, 300000, 312+600000), 13, false},
		{"exactly 3 s", opusFile(3840, 3840+48000*3), 3, false},
		{"a page without a packet end at the end", append(opusFile(0, 96000), oggPage(7, 9, -1, 0, []byte{1, 2})...), 2, false},
		{"another stream's page at the end", append(opusFile(0, 96000), oggPage(8, 0, 480000, 0x04, []byte{1})...), 2, false},
		{"trailing garbage with a capture pattern", append(opusFile(0, 144000), []byte("OggS\x00garbage that is no page")...), 3, false},
		{"not ogg", []byte("RIFF....WAVEfmt "), 0, true},
		{"ogg vorbis", oggPage(1, 0, 0, 0x02, []byte("\x01vorbis\x00\x00\x00\x00\x01\x44\xac\x00\x00")), 0, true},
		{"no audio pages", oggPage(7, 0, 0, 0x02, []byte("OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00")), 0, true},
		{"corrupt first page", func() []byte { b := opusFile(0, 96000); b[30] ^= 0xff; return b }(), 0, true},
		{"empty", nil, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := mediainfo.OggOpus(tc.data)
			if tc.err {
				require.ErrorIs(t, err, mediainfo.ErrNotOggOpus)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.seconds, got.Seconds)
		})
	}
}

// picture is a w x h image with a gradient, so that scaling has work to
// do.
func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	return img
}

func encode(t *testing.T, format string, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	require.NoError(t, err)
	return buf.Bytes()
}

func TestImage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format       string
		w, h         int
		thumbW, thmH int
	}{
		{"png", 640, 480, 72, 54},
		{"jpeg", 300, 1200, 18, 72},
		{"gif", 40, 30, 40, 30}, // small images are not enlarged
		{"png", 1000, 1, 72, 1},
	} {
		t.Run(tc.format, func(t *testing.T) {
			t.Parallel()
			info, err := mediainfo.Image(encode(t, tc.format, picture(tc.w, tc.h)))
			require.NoError(t, err)
			require.Equal(t, tc.format, info.Format)
			require.Equal(t, tc.w, info.Width)
			require.Equal(t, tc.h, info.Height)
			thumb, format, err := image.Decode(bytes.NewReader(info.Thumbnail))
			require.NoError(t, err)
			require.Equal(t, "jpeg", format)
			require.Equal(t, image.Rect(0, 0, tc.thumbW, tc.thmH), thumb.Bounds())
		})
	}
	// WebP, lossless and lossy (1x1), decoded with golang.org/x/image/webp.
	for _, webp := range []string{"UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==", "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA"} {
		data, err := base64.StdEncoding.DecodeString(webp)
		require.NoError(t, err)
		info, err := mediainfo.Image(data)
		require.NoError(t, err)
		require.Equal(t, "webp", info.Format)
		require.Equal(t, [2]int{1, 1}, [2]int{info.Width, info.Height})
		require.NotEmpty(t, info.Thumbnail)
	}

	_, err := mediainfo.Image([]byte("%PDF-1.7"))
	require.ErrorIs(t, err, mediainfo.ErrNotImage)

	// A header claiming more pixels than MaxPixels: dimensions, no thumbnail.
	huge := encode(t, "png", picture(1, 1))
	binary.BigEndian.PutUint32(huge[16:], 100000)
	binary.BigEndian.PutUint32(huge[20:], 100000)
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29])) // the IHDR chunk's checksum
	info, err := mediainfo.Image(huge)
	require.NoError(t, err)
	require.Equal(t, 100000, info.Width)
	require.Nil(t, info.Thumbnail)
}

func FuzzOggOpus(f *testing.F) {
	f.Add(opusFile(312, 48000, 96312))
	f.Add(opusFile(0, -1, 96000))
	f.Add([]byte("OggS"))
	f.Add(oggPage(7, 0, 0, 0x02, []byte("OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00")))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := mediainfo.OggOpus(data)
		if err == nil && o.Seconds < 0 {
			t.Fatalf("negative duration %d", o.Seconds)
		}
	})
}

func FuzzImage(f *testing.F) {
	img := picture(90, 10)
	for _, format := range []string{"png", "jpeg", "gif"} {
		var buf bytes.Buffer
		switch format {
		case "png":
			_ = png.Encode(&buf, img)
		case "jpeg":
			_ = jpeg.Encode(&buf, img, nil)
		case "gif":
			_ = gif.Encode(&buf, img, nil)
		}
		f.Add(buf.Bytes())
	}
	webp, _ := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	f.Add(webp)
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := mediainfo.Image(data)
		if err != nil {
			return
		}
		if info.Width <= 0 || info.Height <= 0 {
			t.Fatalf("bad dimensions %dx%d", info.Width, info.Height)
		}
		if info.Thumbnail != nil {
			cfg, format, err := image.DecodeConfig(bytes.NewReader(info.Thumbnail))
			if err != nil || format != "jpeg" || cfg.Width > mediainfo.ThumbnailSize || cfg.Height > mediainfo.ThumbnailSize {
				t.Fatalf("bad thumbnail: %v %s %+v", err, format, cfg)
			}
		}
	})
}

// TestOggOpusBoundedWork: a file made of page headers that fail their
// checksum costs a bounded number of checksums, not one per capture
// pattern.
func TestOggOpusBoundedWork(t *testing.T) {
	t.Parallel()
	pg := oggPage(7, 5, 960, 0, bytes.Repeat([]byte{1}, 255*255))
	pg[len(pg)-1] ^= 1 // wrong checksum
	var data []byte
	data = append(data, opusFile(0)...)
	for range 40 {
		data = append(data, pg[:27+255]...) // headers announcing a full page, overlapping
	}
	data = append(data, bytes.Repeat(append([]byte("OggS\x00\x00"), make([]byte, 21)...), 4000)...)
	_, err := mediainfo.OggOpus(data)
	require.ErrorIs(t, err, mediainfo.ErrNotOggOpus)
}

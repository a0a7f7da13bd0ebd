// Package mediainfo reads what WhatsApp's official clients put in a media
// message and wauser can compute from the file itself, in pure Go: the
// dimensions and a small JPEG thumbnail of an image (JPEG, PNG, GIF or
// WebP), and the duration of Ogg Opus audio (voice notes). Everything here
// reads outside input: it never panics, bounds its work, and reports
// what it cannot read as not known rather than guessing.
package mediainfo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	_ "image/gif" // registers GIF for image.Decode
	"image/jpeg"
	_ "image/png" // registers PNG for image.Decode

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers WebP for image.Decode
)

// ThumbnailSize is the longest side of a thumbnail, in pixels: the size
// official clients and mautrix-whatsapp send inline (JPEGThumbnail).
const ThumbnailSize = 72

// MaxPixels bounds the images Image decodes for a thumbnail: larger ones
// (decompression bombs among them) get their dimensions only.
const MaxPixels = 40_000_000

// ErrNotImage is returned by Image for data that is not an image it reads.
var ErrNotImage = errors.New("mediainfo: not a JPEG, PNG, GIF or WebP image")

// ImageInfo is what Image reads from an image file.
type ImageInfo struct {
	Format        string // "jpeg", "png", "gif" or "webp"
	Width, Height int
	// Thumbnail is a JPEG of at most ThumbnailSize pixels a side; nil when
	// the image is too large to decode (see MaxPixels) or cannot be
	// decoded whole.
	Thumbnail []byte
}

// Image reads the dimensions of an image and makes its thumbnail.
func Image(data []byte) (ImageInfo, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return ImageInfo{}, ErrNotImage
	}
	info := ImageInfo{Format: format, Width: cfg.Width, Height: cfg.Height}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return info, nil
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return info, nil // the header reads, the pixels do not: no thumbnail
	}
	info.Thumbnail = thumbnail(src)
	return info, nil
}

// thumbnail scales img to fit ThumbnailSize, keeping its aspect, and
// encodes it as JPEG (transparent areas on white).
func thumbnail(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > ThumbnailSize || h > ThumbnailSize {
		if w >= h {
			w, h = ThumbnailSize, max(1, h*ThumbnailSize/w)
		} else {
			w, h = max(1, w*ThumbnailSize/h), ThumbnailSize
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 75}); err != nil {
		return nil
	}
	return buf.Bytes()
}

// Opus is what OggOpus reads from an Ogg Opus file.
type Opus struct {
	// Seconds is the playing time, rounded to the nearest second.
	Seconds int
}

// ErrNotOggOpus is returned by OggOpus for data that is not an Ogg stream
// whose first packet is an Opus identification header.
var ErrNotOggOpus = errors.New("mediainfo: not Ogg Opus audio")

const (
	pageHeaderLen = 27
	maxPageLen    = pageHeaderLen + 255 + 255*255
	maxCandidates = 64
	opusRate      = 48000                       // Opus granule positions count samples at 48 kHz (RFC 7845)
	maxGranule    = opusRate * 60 * 60 * 24 * 7 // a week of audio: larger positions are corrupt
)

// OggOpus reads the duration of Ogg Opus audio from the container: the
// granule position of the stream's last page, less the pre-skip of its
// OpusHead header, at 48 kHz (RFC 7845, section 4). It reads the first
// page and searches the last ones; it does not decode audio.
func OggOpus(data []byte) (Opus, error) {
	first, ok := parsePage(data, 0)
	if !ok || !first.bos || first.segLen < 19 {
		return Opus{}, ErrNotOggOpus
	}
	head := data[first.bodyStart:first.bodyEnd]
	if !bytes.HasPrefix(head, []byte("OpusHead")) || len(head) < 19 || head[8] == 0 {
		return Opus{}, ErrNotOggOpus
	}
	preSkip := int64(binary.LittleEndian.Uint16(head[10:12]))
	// The last page of the stream carries the final granule position:
	// search backwards, within the largest size two pages can have, for a
	// capture pattern that starts a page of the same stream on which a
	// packet ends (granule position not -1).
	var last *page
	floor := max(0, len(data)-2*maxPageLen)
	// A few candidates at most: each costs a checksum of up to a page.
	for end, tries := len(data), 0; end > floor && tries < maxCandidates; tries++ {
		i := bytes.LastIndex(data[floor:end], []byte("OggS"))
		if i < 0 {
			break
		}
		i += floor
		if p, ok := parsePage(data, i); ok && p.serial == first.serial && p.granule != -1 {
			last = &p
			break
		}
		end = i + 3 // the next search ends before this capture pattern
	}
	if last == nil || last.granule < preSkip || last.granule > maxGranule {
		return Opus{}, ErrNotOggOpus
	}
	samples := last.granule - preSkip
	return Opus{Seconds: int((samples + opusRate/2) / opusRate)}, nil
}

// page is an Ogg page header.
type page struct {
	bos                bool
	granule            int64
	serial             uint32
	bodyStart, bodyEnd int
	segLen             int // length of the first packet's first segment run
}

// parsePage reads the page at off; ok is false when there is no whole
// page there whose checksum matches.
func parsePage(data []byte, off int) (page, bool) {
	if off < 0 || len(data)-off < pageHeaderLen || string(data[off:off+4]) != "OggS" || data[off+4] != 0 {
		return page{}, false
	}
	h := data[off:]
	nseg := int(h[26])
	if len(h) < pageHeaderLen+nseg {
		return page{}, false
	}
	p := page{
		bos:     h[5]&0x02 != 0,
		granule: int64(binary.LittleEndian.Uint64(h[6:14])),
		serial:  binary.LittleEndian.Uint32(h[14:18]),
	}
	body := 0
	first := true
	for _, l := range h[pageHeaderLen : pageHeaderLen+nseg] {
		body += int(l)
		if first {
			p.segLen += int(l)
			first = l == 255
		}
	}
	p.bodyStart = off + pageHeaderLen + nseg
	p.bodyEnd = p.bodyStart + body
	if p.bodyEnd > len(data) || PageChecksum(data[off:p.bodyEnd]) != binary.LittleEndian.Uint32(h[22:26]) {
		return page{}, false
	}
	return p, true
}

// PageChecksum returns the checksum of an Ogg page: its CRC-32
// (polynomial 0x04c11db7, most significant bit first, initial value 0, no
// final XOR) with the checksum field, bytes 22 to 25, taken as zero.
func PageChecksum(pg []byte) uint32 {
	var crc uint32
	for i, b := range pg {
		if i >= 22 && i < 26 {
			b = 0
		}
		crc ^= uint32(b) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

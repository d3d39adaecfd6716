package httpwire

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/klauspost/compress/zstd"
)

// DefaultAcceptEncoding is what Chromium advertises, and what we decode.
const DefaultAcceptEncoding = "gzip, deflate, br, zstd"

// transportError marks an error that came from the framed body (socket or
// Framing), so it is not mistaken for a decoding failure.
type transportError struct{ err error }

func (t transportError) Error() string { return t.err.Error() }
func (t transportError) Unwrap() error { return t.err }

// markedReader wraps every non-EOF error of r in transportError.
type markedReader struct{ r io.Reader }

func (m markedReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = transportError{err}
	}
	return n, err
}

// DecodedBody undoes Content-Encoding (the codings listed, last applied
// first). Unknown codings are passed through untouched, as Chromium does.
type DecodedBody struct {
	r       io.Reader
	raw     io.Reader // the framed body under the decoders
	coded   bool      // whether any decoder is applied
	closers []func()
}

func NewDecodedBody(raw io.Reader, hs []Header) *DecodedBody {
	d := &DecodedBody{r: markedReader{raw}, raw: raw}
	var codings []string
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Content-Encoding") {
			for _, c := range strings.Split(h.Value, ",") {
				if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
					codings = append(codings, c)
				}
			}
		}
	}
	for i := len(codings) - 1; i >= 0; i-- {
		d.r = d.wrap(codings[i], d.r)
	}
	d.coded = len(codings) > 0
	return d
}

// maxIgnoredTail is how much of the framed body after the end of the
// coded stream is skipped to keep the connection; beyond it we close.
const maxIgnoredTail = 64 << 10

// FinishFraming reads what the framed body still holds after the decoded
// stream ended (bytes Chromium ignores) and reports whether the Framing
// reached its end, so the connection can serve another request.
func (d *DecodedBody) FinishFraming() bool {
	if !d.coded {
		return true
	}
	n, err := io.Copy(io.Discard, io.LimitReader(d.raw, maxIgnoredTail+1))
	return err == nil && n <= maxIgnoredTail
}

func (d *DecodedBody) wrap(coding string, src io.Reader) io.Reader {
	switch coding {
	case "gzip", "x-gzip":
		return &lazyDecoder{src: src, open: func(r io.Reader) (io.Reader, error) {
			z, err := gzip.NewReader(r)
			if err != nil {
				return nil, err
			}
			// Chromium decodes one member and ignores what follows it.
			z.Multistream(false)
			return z, nil
		}}
	case "deflate":
		return &lazyDecoder{src: src, open: openDeflate}
	case "br":
		return &lazyDecoder{src: src, open: func(r io.Reader) (io.Reader, error) {
			return brotli.NewReader(r), nil
		}}
	case "zstd":
		return &lazyDecoder{src: src, open: func(r io.Reader) (io.Reader, error) {
			z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(32<<20))
			if err != nil {
				return nil, err
			}
			d.closers = append(d.closers, z.Close)
			return z, nil
		}}
	}
	return src
}

// openDeflate accepts both zlib-wrapped and raw deflate, as browsers do.
func openDeflate(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 512)
	hdr, err := br.Peek(2)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // one byte is not a deflate stream
	}
	if err != nil {
		return nil, err
	}
	if hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}

// lazyDecoder opens its decoder once the first byte has arrived, so an
// empty body with a Content-Encoding is simply empty.
type lazyDecoder struct {
	src  io.Reader
	open func(io.Reader) (io.Reader, error)
	dec  io.Reader
}

func (l *lazyDecoder) Read(p []byte) (int, error) {
	if l.dec == nil {
		var first [1]byte
		n, err := io.ReadFull(l.src, first[:])
		if n == 0 {
			if errors.Is(err, io.EOF) {
				return 0, io.EOF
			}
			return 0, err
		}
		dec, err := l.open(io.MultiReader(bytes.NewReader(first[:]), l.src))
		if err != nil {
			return 0, err
		}
		l.dec = dec
	}
	return l.dec.Read(p)
}

// Coded reports whether any content coding is undone (the decoded length
// then says nothing about the framed one).
func (d *DecodedBody) Coded() bool { return d.coded }

// Read returns decoded bytes; a failure of the decoder itself is
// ERR_CONTENT_DECODING_FAILED, a failure underneath keeps its own name.
func (d *DecodedBody) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err == nil || err == io.EOF {
		return n, err
	}
	var te transportError
	if errors.As(err, &te) {
		return n, te.err
	}
	return n, neterr.New(neterr.ContentDecodingFailed, err)
}

// Close releases decoder resources (zstd keeps buffers until closed).
func (d *DecodedBody) Close() {
	for _, c := range d.closers {
		c()
	}
	d.closers = nil
}

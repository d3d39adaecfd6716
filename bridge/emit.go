package main

// #include <stdlib.h>
// #include "bridge.h"
import "C"

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/go-net-request/go-net-request/gocore"
	"github.com/go-net-request/go-net-request/gocore/auth"
	"github.com/go-net-request/go-net-request/gocore/httpwire"
	"github.com/go-net-request/go-net-request/gocore/neterr"
)

// postFn is the host's event sink, registered once by GnrInit.
var postFn atomic.Pointer[C.gnr_post_fn]

// newEvent allocates an event block with room for text and data bytes.
func newEvent(env, id uint64, kind C.int32_t, textLen, dataLen int) *C.gnr_event {
	block := C.malloc(C.size_t(unsafe.Sizeof(C.gnr_event{})) + C.size_t(textLen+dataLen))
	if block == nil {
		return nil
	}
	ev := (*C.gnr_event)(block)
	*ev = C.gnr_event{env: C.uint64_t(env), request: C.uint64_t(id), kind: kind}
	return ev
}

// eventTail is the memory after the struct: text, then data.
func eventTail(ev *C.gnr_event, size int) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(ev), unsafe.Sizeof(C.gnr_event{}))), size)
}

// hand gives ev to the host, or frees it when there is no host.
func hand(ev *C.gnr_event) {
	if fn := postFn.Load(); fn != nil {
		C.gnr_call_post(*fn, ev)
		return
	}
	C.gnr_event_free(ev)
}

// post builds one event block in C memory and hands it to the host.
func post(env, id uint64, kind C.int32_t, flags C.int32_t, n1, n2 int64, text string, data []byte) {
	if postFn.Load() == nil {
		return
	}
	ev := newEvent(env, id, kind, len(text), len(data))
	if ev == nil {
		return
	}
	ev.flags, ev.n1, ev.n2 = flags, C.int64_t(n1), C.int64_t(n2)
	tail := eventTail(ev, len(text)+len(data))
	if len(text) > 0 {
		copy(tail, text)
		ev.text = (*C.char)(unsafe.Pointer(&tail[0]))
		ev.text_len = C.size_t(len(text))
	}
	if len(data) > 0 {
		copy(tail[len(text):], data)
		ev.data = (*C.char)(unsafe.Pointer(&tail[len(text)]))
		ev.data_len = C.size_t(len(data))
	}
	hand(ev)
}

// sink turns one exchange's events into posted C events.
type sink struct {
	env      uint64
	id       uint64
	complete bool         // the response carried its whole body and was terminal: End posts nothing
	chunk    *C.gnr_event // the DATA event a body chunk is being read into
	alone    bool         // no other request was in flight when this one started
}

func (s *sink) emit(kind C.int32_t, flags C.int32_t, n1, n2 int64, text string, data []byte) {
	post(s.env, s.id, kind, flags, n1, n2, text, data)
}

// joinFields joins fields with NUL, the separator of every event text.
func joinFields(fields []string, headers []httpwire.Header) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(f)
	}
	for _, h := range headers {
		b.WriteByte(0)
		b.WriteString(h.Name)
		b.WriteByte(0)
		b.WriteString(h.Value)
	}
	return b.String()
}

func (s *sink) Redirect(r *gocore.Redirect) {
	s.emit(C.GNR_EV_REDIRECT, 0, int64(r.StatusCode), 0, joinFields([]string{r.Method, r.URL}, r.Headers), nil)
}

func (s *sink) Login(a *auth.Info) {
	proxy := int64(0)
	if a.IsProxy {
		proxy = 1
	}
	s.emit(C.GNR_EV_LOGIN, 0, int64(a.Port), proxy, joinFields([]string{a.Scheme, a.Host, a.Realm}, nil), nil)
}

func (s *sink) Response(h *httpwire.ResponseHead) {
	flags := C.int32_t(0)
	if h.Reused {
		flags |= C.GNR_RESPONSE_REUSED
	}
	if h.FromCache {
		flags |= C.GNR_RESPONSE_FROM_CACHE
	}
	if h.Complete {
		flags |= C.GNR_RESPONSE_COMPLETE | C.GNR_EVENT_TERMINAL
		s.complete = true
	}
	s.emit(C.GNR_EV_RESPONSE, flags, int64(h.StatusCode), int64(h.Major*1000+h.Minor),
		joinFields([]string{h.StatusText, h.URL, timingText(h.Timing)}, h.Headers), h.Body)
}

// timingText is the response's Timing as JSON in milliseconds, "" for
// none; written by hand, as it goes with every response.
func timingText(t *httpwire.Timing) string {
	if t == nil {
		return ""
	}
	b := make([]byte, 0, 256)
	num := func(key string, d time.Duration) {
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, `":`...)
		b = strconv.AppendFloat(b, float64(d.Microseconds())/1000, 'f', -1, 64)
		b = append(b, ',')
	}
	str := func(key, value string) {
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, `":`...)
		b = strconv.AppendQuote(b, value)
		b = append(b, ',')
	}
	b = append(b, '{')
	num("dns", t.DNS)
	num("connect", t.Connect)
	num("tls", t.TLS)
	num("sent", t.Sent)
	num("firstByte", t.FirstByte)
	b = append(b, `"reused":`...)
	b = strconv.AppendBool(b, t.Reused)
	b = append(b, `,"remotePort":`...)
	b = strconv.AppendInt(b, int64(t.RemotePort), 10)
	b = append(b, ',')
	str("remoteAddress", t.RemoteAddr)
	str("protocol", t.Protocol)
	str("tlsVersion", t.TLSVersion)
	str("cipher", t.Cipher)
	b[len(b)-1] = '}'
	return string(b)
}

func (s *sink) Data(p []byte) { s.emit(C.GNR_EV_DATA, 0, 0, 0, "", p) }

// chunkCapacity is what a pooled chunk block holds; gocore.BodyChunk must fit.
const chunkCapacity = C.GNR_CHUNK_CAPACITY

// NewChunk lends the data area of a DATA event block from the chunk pool:
// the engine reads the body straight into the memory the host receives.
func (s *sink) NewChunk(size int) []byte {
	var ev *C.gnr_event
	if size <= chunkCapacity {
		if ev = C.gnr_chunk_event_alloc(); ev != nil {
			*ev = C.gnr_event{env: C.uint64_t(s.env), request: C.uint64_t(s.id), kind: C.GNR_EV_DATA, pooled: 1}
		}
	} else {
		ev = newEvent(s.env, s.id, C.GNR_EV_DATA, 0, size)
	}
	if ev == nil {
		panic("go-net-request: out of memory for a body chunk")
	}
	s.chunk = ev
	return eventTail(ev, size)
}

func (s *sink) SendChunk(chunk []byte, n int) {
	ev := s.chunk
	s.chunk = nil
	ev.data = (*C.char)(unsafe.Pointer(&chunk[0]))
	ev.data_len = C.size_t(n)
	hand(ev)
}

func (s *sink) DropChunk([]byte) {
	C.gnr_event_free(s.chunk)
	s.chunk = nil
}

func (s *sink) End() {
	requests.remove(s.id)
	if !s.complete {
		s.emit(C.GNR_EV_END, C.GNR_EVENT_TERMINAL, 0, 0, "", nil)
	}
	s.linger()
}

func (s *sink) Fail(err *neterr.Error) {
	requests.remove(s.id)
	s.emit(C.GNR_EV_FAIL, C.GNR_EVENT_TERMINAL, 0, 0, joinFields([]string{err.Name, err.Detail, err.Header}, nil), nil)
	s.linger()
}

// linger polls for the host's next command after a request made alone (one
// after another, the next comes soon: see lingerTime). Concurrent requests
// do not: the engine stays awake for them anyway, and polling took CPU from
// their work (5% fewer requests/s at concurrency 16).
func (s *sink) linger() {
	if s.alone {
		lingerForCommands()
	}
}

// VerifyCertificate asks the session's verify procedure in JS.
func (s *sink) VerifyCertificate(check *gocore.CertificateCheck) {
	type certificate struct {
		gocore.CertificateJSON
		IssuerCert *certificate `json:"issuerCert,omitempty"`
	}
	var chain *certificate
	for i := len(check.Chain) - 1; i >= 0; i-- {
		chain = &certificate{CertificateJSON: gocore.DescribeCertificate(check.Chain[i]), IssuerCert: chain}
	}
	result := "net::OK"
	if check.Verdict != nil {
		result = "net::" + check.Verdict.Name
	}
	text, err := json.Marshal(map[string]any{
		"hostname":           check.Hostname,
		"certificate":        chain,
		"verificationResult": result,
		"errorCode":          gocore.CertErrorCode(check.Verdict),
	})
	if err != nil {
		text = []byte(`{}`)
	}
	s.emit(C.GNR_EV_CERT_VERIFY, 0, 0, 0, string(text), nil)
}

func (s *sink) UploadProgress(position, total int64) {
	s.emit(C.GNR_EV_UPLOAD_PROGRESS, 0, position, total, "", nil)
}

// WriteReady is not reported: the host paces uploads itself from
// UploadProgress, which says how much has left for the socket.
func (s *sink) WriteReady() {}

package httpwire

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Header injection at the wire: nothing that could end a line is written,
// and no response head line holding a bare CR is read.

func TestWriteRequestHeadRefusesWhatCouldSplitTheHead(t *testing.T) {
	host := Header{Name: "Host", Value: "example.test"}
	tests := []struct {
		name       string
		method     string
		target     string
		headers    []Header
		wantHeader string // the header the failure names, if any
	}{
		{name: "CR LF in a value", method: "GET", target: "/", headers: []Header{host, {Name: "User-Agent", Value: "x\r\nX-Injected: 1"}}, wantHeader: "User-Agent"},
		{name: "bare CR in a value", method: "GET", target: "/", headers: []Header{host, {Name: "X-A", Value: "a\rX-Injected: 1"}}, wantHeader: "X-A"},
		{name: "bare LF in a value", method: "GET", target: "/", headers: []Header{host, {Name: "X-A", Value: "a\nX-Injected: 1"}}, wantHeader: "X-A"},
		{name: "NUL in a value", method: "GET", target: "/", headers: []Header{host, {Name: "X-A", Value: "a\x00b"}}, wantHeader: "X-A"},
		{name: "CR LF in the Host value", method: "GET", target: "/", headers: []Header{{Name: "Host", Value: "a.test\r\nX-Injected: 1"}}, wantHeader: "Host"},
		{name: "CR LF in a name", method: "GET", target: "/", headers: []Header{host, {Name: "X-A\r\nX-Injected", Value: "1"}}, wantHeader: "X-A\r\nX-Injected"},
		{name: "colon in a name", method: "GET", target: "/", headers: []Header{host, {Name: "X-A: 1\r\nX-B", Value: "2"}}, wantHeader: "X-A: 1\r\nX-B"},
		{name: "empty name", method: "GET", target: "/", headers: []Header{host, {Name: "", Value: "v"}}, wantHeader: ""},
		{name: "CR LF in the method", method: "GET / HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET", target: "/", headers: []Header{host}},
		{name: "space in the method", method: "GET /x", target: "/", headers: []Header{host}},
		{name: "CR LF in the target", method: "GET", target: "/\r\nX-Injected: 1", headers: []Header{host}},
		{name: "space in the target", method: "GET", target: "/a HTTP/1.1", headers: []Header{host}},
		{name: "NUL in the target", method: "GET", target: "/a\x00", headers: []Header{host}},
		{name: "empty target", method: "GET", target: "", headers: []Header{host}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := bufio.NewWriter(&buf)
			err := WriteRequestHead(w, tt.method, tt.target, tt.headers)
			require.Error(t, err)
			assert.Equal(t, neterr.InvalidArgument, neterr.NameOf(err), "error %v", err)
			var ne *neterr.Error
			require.ErrorAs(t, err, &ne)
			assert.Equal(t, tt.wantHeader, ne.Header)
			require.NoError(t, w.Flush())
			assert.Zero(t, buf.Len(), "nothing of a refused head is written: %q", buf.String())
		})
	}
}

func TestReadResponseHeadRefusesBareCR(t *testing.T) {
	tests := []struct {
		name  string
		input string
	}{
		{"in a header value", "HTTP/1.1 200 OK\r\nX: a\rInjected: yes\r\nContent-Length: 0\r\n\r\n"},
		{"in a header value, LF line ends", "HTTP/1.1 200 OK\nX: a\rInjected: yes\n\n"},
		{"at the end of a value, before CRLF", "HTTP/1.1 200 OK\r\nX: a\r\r\n\r\n"},
		{"in a header name", "HTTP/1.1 200 OK\r\nX\r-A: 1\r\n\r\n"},
		{"in an obs-fold continuation", "HTTP/1.1 200 OK\r\nX: a\r\n b\rInjected: yes\r\n\r\n"},
		{"in the reason phrase", "HTTP/1.1 200 O\rInjected: yes\r\n\r\n"},
		{"in the status line's version", "HTTP/1.1\r200 OK\r\n\r\n"},
		{"alone on a line", "HTTP/1.1 200 OK\r\n\rX: 1\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, err := ReadResponseHead(bufio.NewReader(strings.NewReader(tt.input)))
			require.Error(t, err)
			assert.Equal(t, neterr.InvalidHTTPResponse, neterr.NameOf(err), "error %v", err)
			assert.Nil(t, head)
		})
	}
}

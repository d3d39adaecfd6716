package gocore

import (
	"net/url"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestValidate(t *testing.T) {
	okURL := &url.URL{Scheme: "http", Host: "127.0.0.1:8080", Path: "/"}
	tests := []struct {
		name       string
		req        Request
		wantErr    string // "" when valid
		wantHeader string
	}{
		{name: "plain GET", req: Request{Method: "GET", URL: okURL}},
		{name: "extension method", req: Request{Method: "PURGE", URL: okURL}},
		{name: "ordinary headers", req: Request{Method: "GET", URL: okURL, Header: []Header{
			{"X-Custom", "v"}, {"Connection", "keep-alive"}, {"connection", "close"}, {"Cookie", "a=b"}, {"X-Tab", "a\tb"}, {"X-Utf8", "héllo"}, {"X-Empty", ""},
		}}},
		{name: "https", req: Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "example.test"}}},
		{name: "no URL", req: Request{Method: "GET"}, wantErr: neterr.InvalidURL},
		{name: "ftp URL", req: Request{Method: "GET", URL: &url.URL{Scheme: "ftp", Host: "example.test"}}, wantErr: neterr.InvalidURL},
		{name: "URL without host", req: Request{Method: "GET", URL: &url.URL{Scheme: "http", Path: "/x"}}, wantErr: neterr.InvalidURL},
		{name: "empty method", req: Request{Method: "", URL: okURL}, wantErr: neterr.InvalidArgument},
		{name: "method with a space", req: Request{Method: "GE T", URL: okURL}, wantErr: neterr.InvalidArgument},
		{name: "Content-Length", req: Request{Method: "POST", URL: okURL, Header: []Header{{"Content-Length", "5"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Content-Length"},
		{name: "Host in lower case", req: Request{Method: "GET", URL: okURL, Header: []Header{{"X-Ok", "1"}, {"host", "evil.test"}}}, wantErr: neterr.InvalidArgument, wantHeader: "host"},
		{name: "Trailer", req: Request{Method: "GET", URL: okURL, Header: []Header{{"Trailer", "X"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Trailer"},
		{name: "TE", req: Request{Method: "GET", URL: okURL, Header: []Header{{"TE", "trailers"}}}, wantErr: neterr.InvalidArgument, wantHeader: "TE"},
		{name: "Upgrade", req: Request{Method: "GET", URL: okURL, Header: []Header{{"Upgrade", "websocket"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Upgrade"},
		{name: "Cookie2", req: Request{Method: "GET", URL: okURL, Header: []Header{{"Cookie2", "x"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Cookie2"},
		{name: "Keep-Alive", req: Request{Method: "GET", URL: okURL, Header: []Header{{"KEEP-ALIVE", "timeout=5"}}}, wantErr: neterr.InvalidArgument, wantHeader: "KEEP-ALIVE"},
		{name: "Transfer-Encoding", req: Request{Method: "POST", URL: okURL, Header: []Header{{"Transfer-Encoding", "chunked"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Transfer-Encoding"},
		{name: "Connection: upgrade", req: Request{Method: "GET", URL: okURL, Header: []Header{{"Connection", "upgrade"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Connection"},
		{name: "connection: Upgrade with spaces", req: Request{Method: "GET", URL: okURL, Header: []Header{{"connection", " Upgrade "}}}, wantErr: neterr.InvalidArgument, wantHeader: "connection"},
		{name: "header name with a space", req: Request{Method: "GET", URL: okURL, Header: []Header{{"Bad Header", "v"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Bad Header"},
		{name: "header name with a colon", req: Request{Method: "GET", URL: okURL, Header: []Header{{"X:Y", "v"}}}, wantErr: neterr.InvalidArgument, wantHeader: "X:Y"},
		{name: "empty header name", req: Request{Method: "GET", URL: okURL, Header: []Header{{"", "v"}}}, wantErr: neterr.InvalidArgument, wantHeader: ""},
		{name: "CRLF in a value", req: Request{Method: "GET", URL: okURL, Header: []Header{{"X-Inject", "a\r\nEvil: 1"}}}, wantErr: neterr.InvalidArgument, wantHeader: "X-Inject"},
		{name: "LF in a value", req: Request{Method: "GET", URL: okURL, Header: []Header{{"X-Inject", "a\nb"}}}, wantErr: neterr.InvalidArgument, wantHeader: "X-Inject"},
		{name: "NUL in a value", req: Request{Method: "GET", URL: okURL, Header: []Header{{"X-Nul", "a\x00b"}}}, wantErr: neterr.InvalidArgument, wantHeader: "X-Nul"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Validate()
			if tt.wantErr == "" {
				assert.Nil(t, err)
				return
			}
			require.NotNil(t, err)
			assert.Equal(t, tt.wantErr, err.Name)
			assert.Equal(t, tt.wantHeader, err.Header)
			assert.Equal(t, "net::"+tt.wantErr, err.Error(), "the message is Chromium's name")
		})
	}
}

func TestValidToken(t *testing.T) {
	for _, s := range []string{"GET", "x-custom", "A1!#$%&'*+-.^_`|~z"} {
		assert.True(t, ValidToken(s), "%q", s)
	}
	for _, s := range []string{"", "a b", "a:b", "a\tb", "é", "a(b)", "a\"b", "a/b", "a@b", "a,b", "a;b", "a=b", "{x}"} {
		assert.False(t, ValidToken(s), "%q", s)
	}
}

func TestHeaderListHelpers(t *testing.T) {
	hs := []Header{{"X-A", "1"}, {"x-b", "2"}, {"X-A", "3"}}
	assert.Equal(t, 0, headerIndex(hs, "x-a"))
	assert.Equal(t, 1, headerIndex(hs, "X-B"))
	assert.Equal(t, -1, headerIndex(hs, "X-C"))
	assert.Equal(t, "1", headerValue(hs, "X-a"), "the first value")
	assert.Equal(t, "", headerValue(hs, "X-C"))
	assert.Equal(t, []Header{{"x-b", "2"}}, withoutHeaders(hs, "X-A"))
	assert.Equal(t, []Header{{"X-A", "1"}, {"x-b", "2"}, {"X-A", "3"}}, hs, "the input is not changed")
}

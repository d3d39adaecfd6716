package gocore

import (
	"net/url"
	"testing"

	"github.com/go-net-request/go-net-request/gocore/httpwire"
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
		{name: "ordinary headers", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{
			{Name: "X-Custom", Value: "v"}, {Name: "Connection", Value: "keep-alive"}, {Name: "connection", Value: "close"}, {Name: "Cookie", Value: "a=b"}, {Name: "X-Tab", Value: "a\tb"}, {Name: "X-Utf8", Value: "héllo"}, {Name: "X-Empty", Value: ""},
		}}},
		{name: "https", req: Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "example.test"}}},
		{name: "no URL", req: Request{Method: "GET"}, wantErr: neterr.InvalidURL},
		{name: "ftp URL", req: Request{Method: "GET", URL: &url.URL{Scheme: "ftp", Host: "example.test"}}, wantErr: neterr.InvalidURL},
		{name: "URL without host", req: Request{Method: "GET", URL: &url.URL{Scheme: "http", Path: "/x"}}, wantErr: neterr.InvalidURL},
		{name: "empty method", req: Request{Method: "", URL: okURL}, wantErr: neterr.InvalidArgument},
		{name: "method with a space", req: Request{Method: "GE T", URL: okURL}, wantErr: neterr.InvalidArgument},
		{name: "Content-Length", req: Request{Method: "POST", URL: okURL, Header: []httpwire.Header{{Name: "Content-Length", Value: "5"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Content-Length"},
		{name: "Host in lower case", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "X-Ok", Value: "1"}, {Name: "host", Value: "evil.test"}}}, wantErr: neterr.InvalidArgument, wantHeader: "host"},
		{name: "Trailer", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "Trailer", Value: "X"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Trailer"},
		{name: "TE", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "TE", Value: "trailers"}}}, wantErr: neterr.InvalidArgument, wantHeader: "TE"},
		{name: "Upgrade", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "Upgrade", Value: "websocket"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Upgrade"},
		{name: "Cookie2", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "Cookie2", Value: "x"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Cookie2"},
		{name: "Keep-Alive", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "KEEP-ALIVE", Value: "timeout=5"}}}, wantErr: neterr.InvalidArgument, wantHeader: "KEEP-ALIVE"},
		{name: "Transfer-Encoding", req: Request{Method: "POST", URL: okURL, Header: []httpwire.Header{{Name: "Transfer-Encoding", Value: "chunked"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Transfer-Encoding"},
		{name: "Connection: upgrade", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "Connection", Value: "upgrade"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Connection"},
		{name: "connection: Upgrade with spaces", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "connection", Value: " Upgrade "}}}, wantErr: neterr.InvalidArgument, wantHeader: "connection"},
		{name: "header name with a space", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "Bad Header", Value: "v"}}}, wantErr: neterr.InvalidArgument, wantHeader: "Bad Header"},
		{name: "header name with a colon", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "X:Y", Value: "v"}}}, wantErr: neterr.InvalidArgument, wantHeader: "X:Y"},
		{name: "empty header name", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "", Value: "v"}}}, wantErr: neterr.InvalidArgument, wantHeader: ""},
		{name: "CRLF in a value", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "X-Inject", Value: "a\r\nEvil: 1"}}}, wantErr: neterr.InvalidArgument, wantHeader: "X-Inject"},
		{name: "LF in a value", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "X-Inject", Value: "a\nb"}}}, wantErr: neterr.InvalidArgument, wantHeader: "X-Inject"},
		{name: "NUL in a value", req: Request{Method: "GET", URL: okURL, Header: []httpwire.Header{{Name: "X-Nul", Value: "a\x00b"}}}, wantErr: neterr.InvalidArgument, wantHeader: "X-Nul"},
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

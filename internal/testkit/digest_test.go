package testkit

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The RFCs' own examples check the independent computation itself.
func TestDigestExpectedMatchesRFCExamples(t *testing.T) {
	tests := []struct {
		name                                        string
		algorithm, user, realm, pass, nonce, cnonce string
		want                                        string
	}{
		{"RFC 2617 3.5", "MD5", "Mufasa", "testrealm@host.com", "Circle Of Life", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b", "6629fae49393a05397450978507c4ef1"},
		{"RFC 7616 3.9.1 MD5", "MD5", "Mufasa", "http-auth@example.org", "Circle of Life", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "8ca523f5e9506fed4657c9700eebdbec"},
		{"RFC 7616 3.9.1 SHA-256", "SHA-256", "Mufasa", "http-auth@example.org", "Circle of Life", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DigestExpected(tt.algorithm, tt.user, tt.realm, tt.pass, "GET", "/dir/index.html", tt.nonce, "00000001", tt.cnonce, "auth")
			assert.Equal(t, tt.want, got)
		})
	}
}

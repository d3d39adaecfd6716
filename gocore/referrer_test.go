package gocore

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReferrerForEachPolicy(t *testing.T) {
	const page = "https://a.test/page?q=1#frag"
	tests := []struct {
		policy, target, want string
	}{
		{"", "https://a.test/x", "https://a.test/page?q=1"},
		{"", "https://b.test/x", "https://a.test/"},
		{"", "http://a.test/x", ""},
		{PolicyNoReferrer, "https://a.test/x", ""},
		{PolicyUnsafeURL, "http://b.test/x", "https://a.test/page?q=1"},
		{PolicyOrigin, "https://a.test/x", "https://a.test/"},
		{PolicyStrictOrigin, "http://a.test/x", ""},
		{PolicyStrictOrigin, "https://b.test/x", "https://a.test/"},
		{PolicyNoReferrerWhenDowngrade, "http://b.test/x", ""},
		{PolicyNoReferrerWhenDowngrade, "https://b.test/x", "https://a.test/page?q=1"},
		{PolicySameOrigin, "https://a.test/x", "https://a.test/page?q=1"},
		{PolicySameOrigin, "https://b.test/x", ""},
		{PolicyOriginWhenCrossOrigin, "http://b.test/x", "https://a.test/"},
		{PolicyStrictOriginWhenCrossOrigin, "http://127.0.0.1/x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.policy+" to "+tt.target, func(t *testing.T) {
			target, err := url.Parse(tt.target)
			assert.NoError(t, err)
			assert.Equal(t, tt.want, referrerFor(page, tt.policy, target))
		})
	}
}

func TestReferrerForDropsCredentialsAndIgnoresNonHTTP(t *testing.T) {
	target, _ := url.Parse("https://a.test/")
	assert.Equal(t, "https://a.test/p", referrerFor("https://u:p@a.test/p", PolicyUnsafeURL, target))
	assert.Equal(t, "", referrerFor("file:///etc/passwd", PolicyUnsafeURL, target))
	assert.Equal(t, "", referrerFor("", PolicyUnsafeURL, target))
}

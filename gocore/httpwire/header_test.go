package httpwire

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

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
	assert.Equal(t, 0, HeaderIndex(hs, "x-a"))
	assert.Equal(t, 1, HeaderIndex(hs, "X-B"))
	assert.Equal(t, -1, HeaderIndex(hs, "X-C"))
	assert.Equal(t, "1", HeaderValue(hs, "X-a"), "the first value")
	assert.Equal(t, "", HeaderValue(hs, "X-C"))
	assert.Equal(t, []Header{{"x-b", "2"}}, WithoutHeaders(hs, "X-A"))
	assert.Equal(t, []Header{{"X-A", "1"}, {"x-b", "2"}, {"X-A", "3"}}, hs, "the input is not changed")
}

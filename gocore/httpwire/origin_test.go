package httpwire

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsLoopbackHost(t *testing.T) {
	for _, h := range []string{"localhost", "LOCALHOST", "localhost.", "a.localhost", "127.0.0.1", "127.9.9.9", "::1", "[::1]"} {
		assert.True(t, IsLoopbackHost(h), h)
	}
	for _, h := range []string{"example.test", "localhost.example.test", "10.0.0.1", "::2", "notlocalhost"} {
		assert.False(t, IsLoopbackHost(h), h)
	}
}

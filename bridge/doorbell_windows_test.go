package main

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoopbackPairCarriesARing(t *testing.T) {
	read, write, err := loopbackPair(nil)
	require.NoError(t, err)
	defer read.Close()
	defer write.Close()

	_, err = write.Write([]byte{1})
	require.NoError(t, err)
	require.NoError(t, read.SetReadDeadline(time.Now().Add(5*time.Second)))
	var rung [64]byte
	n, err := read.Read(rung[:])
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestLoopbackPairSkipsAStrangerThatConnectsFirst(t *testing.T) {
	var stranger net.Conn
	read, write, err := loopbackPair(func(addr string) {
		var err error
		stranger, err = net.Dial("tcp4", addr)
		require.NoError(t, err)
	})
	require.NoError(t, err)
	defer read.Close()
	defer write.Close()
	defer stranger.Close()
	require.Equal(t, write.LocalAddr().String(), read.RemoteAddr().String())
	require.NotEqual(t, stranger.LocalAddr().String(), read.RemoteAddr().String())
}

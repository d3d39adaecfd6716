package gocore

import (
	"context"
	"testing"
	"time"

	"github.com/go-net-request/go-net-request/gocore/neterr"
	"github.com/go-net-request/go-net-request/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreditAwaitReturnsAtMostWhatIsLeft(t *testing.T) {
	c := newCredit(100)
	n, err := c.await(context.Background(), 64)
	require.NoError(t, err)
	assert.EqualValues(t, 64, n)
	c.spend(64)
	n, err = c.await(context.Background(), 64)
	require.NoError(t, err)
	assert.EqualValues(t, 36, n)
}

func TestCreditAwaitBlocksUntilGrant(t *testing.T) {
	c := newCredit(10)
	c.spend(10)

	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.await(short, 1000)
	require.Error(t, err, "await must block while no credit is left")

	got := make(chan int64, 1)
	go func() {
		n, err := c.await(context.Background(), 1000)
		if err != nil {
			n = -1
		}
		got <- n
	}()
	c.grant(0)  // ignored
	c.grant(-5) // ignored
	c.grant(300)
	assert.EqualValues(t, 300, testkit.Recv(t, got, "await after grant"))
}

func TestCreditAwaitEndsWithTheCancelCause(t *testing.T) {
	c := newCredit(0)
	ctx, cancel := context.WithCancelCause(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.await(ctx, 10)
		errc <- err
	}()
	cancel(neterr.New(neterr.TimedOut, nil))
	err := testkit.Recv(t, errc, "await after cancel")
	assert.Equal(t, neterr.TimedOut, neterr.NameOf(err))
}

func TestUploadPipeWindow(t *testing.T) {
	ready := make(chan struct{}, 10)
	u := newUploadPipe(100, func() { ready <- struct{}{} })

	assert.True(t, u.write(uploadChunk{p: make([]byte, 40)}), "40 of 100 queued")
	assert.True(t, u.write(uploadChunk{p: make([]byte, 59)}), "99 of 100 queued")
	assert.False(t, u.write(uploadChunk{p: make([]byte, 1)}), "the window is full at 100")
	assert.False(t, u.write(uploadChunk{p: make([]byte, 50)}), "still full; writes are kept, never refused")

	chunks, ended, err := u.next(context.Background())
	require.NoError(t, err)
	assert.False(t, ended)
	assert.Len(t, chunks, 4)

	u.sent(chunks[:1])  // 110 queued
	u.sent(chunks[1:2]) // 51 queued: above half the window
	assert.Empty(t, ready, "no WriteReady above half the window")
	u.sent(chunks[2:3]) // 50 queued: half
	assert.Len(t, ready, 1, "WriteReady once the queue is down to half")
	u.sent(chunks[3:])
	assert.Len(t, ready, 1, "WriteReady only once per full window")
	assert.True(t, u.write(uploadChunk{p: make([]byte, 10)}))
}

func TestUploadPipeNoWriteReadyWithoutAFullWindow(t *testing.T) {
	ready := make(chan struct{}, 10)
	u := newUploadPipe(100, func() { ready <- struct{}{} })
	assert.True(t, u.write(uploadChunk{p: make([]byte, 10)}))
	chunks, _, err := u.next(context.Background())
	require.NoError(t, err)
	u.sent(chunks)
	assert.Empty(t, ready, "the host was never told to wait")
}

func TestUploadPipeEnd(t *testing.T) {
	u := newUploadPipe(100, nil)
	u.write(uploadChunk{p: []byte("ab")})
	u.end()
	u.write(uploadChunk{p: []byte("ignored after end")})

	chunks, ended, err := u.next(context.Background())
	require.NoError(t, err)
	require.Len(t, chunks, 1)
	assert.Equal(t, []byte("ab"), chunks[0].p)
	assert.False(t, ended, "the last chunks come before the end")

	chunks, ended, err = u.next(context.Background())
	require.NoError(t, err)
	assert.Empty(t, chunks)
	assert.True(t, ended)
}

func TestUploadPipeNextWaitsForAWrite(t *testing.T) {
	u := newUploadPipe(100, nil)

	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := u.next(short)
	require.Error(t, err, "next must block while nothing is queued")

	type result struct {
		chunks []uploadChunk
		err    error
	}
	got := make(chan result, 1)
	go func() {
		chunks, _, err := u.next(context.Background())
		got <- result{chunks, err}
	}()
	u.write(uploadChunk{p: []byte("x")})
	r := testkit.Recv(t, got, "next after a write")
	require.NoError(t, r.err)
	require.Len(t, r.chunks, 1)
	assert.Equal(t, []byte("x"), r.chunks[0].p)
}

func TestUploadPipeNextEndsWithTheCancelCause(t *testing.T) {
	u := newUploadPipe(100, nil)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(nil)
	_, _, err := u.next(ctx)
	assert.Equal(t, neterr.Aborted, neterr.NameOf(err))
}

func TestUploadPipeReleasesEveryChunkOnce(t *testing.T) {
	released := map[string]int{}
	chunk := func(name string) uploadChunk {
		return uploadChunk{p: []byte(name), release: func() { released[name]++ }}
	}
	u := newUploadPipe(100, nil)
	u.write(chunk("sent"))
	chunks, _, err := u.next(context.Background())
	require.NoError(t, err)
	u.sent(chunks)
	u.write(chunk("queued"))
	u.close()
	u.write(chunk("late"))
	assert.Equal(t, map[string]int{"sent": 1, "queued": 1, "late": 1}, released)
}

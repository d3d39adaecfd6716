package neterr

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sysErr(op, syscallName string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: "tcp", Err: &os.SyscallError{Syscall: syscallName, Err: errno}}
}

// realDialTimeout is the error net.Dialer itself returns when its deadline
// passes, so the table sees what the engine sees.
func realDialTimeout(t *testing.T) error {
	t.Helper()
	d := net.Dialer{Deadline: time.Now().Add(-time.Second)}
	_, err := d.Dial("tcp", "127.0.0.1:9")
	require.Error(t, err)
	return fmt.Errorf("dial 127.0.0.1:9: %w", err)
}

// classifyCase is one row of TestClassify: err must be named want.
type classifyCase struct {
	name string
	err  error
	want string
}

func TestClassify(t *testing.T) {
	kept := New(EmptyResponse, io.EOF)
	keptCancel := New(ContentLengthMismatch, context.Canceled)
	tests := append(socketErrorCases(), []classifyCase{
		{"net.Dialer deadline while connecting", realDialTimeout(t), ConnectionTimedOut},
		{"DNS name not found", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}, NameNotResolved},
		{"DNS server failure", &net.DNSError{Err: "server misbehaving", Name: "example.test", IsTemporary: true}, NameNotResolved},
		{"DNS timeout", &net.DNSError{Err: "i/o timeout", Name: "example.test", IsTimeout: true}, TimedOut},
		{"unknown certificate authority", x509.UnknownAuthorityError{}, CertAuthorityInvalid},
		{"unknown authority inside tls verification error", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, CertAuthorityInvalid},
		{"hostname mismatch", &tls.CertificateVerificationError{Err: x509.HostnameError{Host: "example.test"}}, CertCommonNameInvalid},
		{"expired certificate", &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired}}, CertDateInvalid},
		{"certificate not allowed to sign", x509.CertificateInvalidError{Reason: x509.NotAuthorizedToSign}, CertInvalid},
		{"other verification failure", &tls.CertificateVerificationError{Err: errors.New("custom verifier said no")}, CertInvalid},
		{"TLS record header from a plain server", fmt.Errorf("tls handshake: %w", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), SSLProtocol},
		{"TLS alert", fmt.Errorf("tls handshake: %w", tls.AlertError(40)), SSLProtocol},
		{"context canceled", context.Canceled, Aborted},
		{"wrapped context canceled", fmt.Errorf("read: %w", context.Canceled), Aborted},
		{"cancellation wins over the reset it caused", errors.Join(sysErr("read", "read", resetErrno), context.Canceled), Aborted},
		{"context deadline", context.DeadlineExceeded, TimedOut},
		{"socket deadline", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, TimedOut},
		{"EOF", io.EOF, ConnectionClosed},
		{"unexpected EOF", fmt.Errorf("reading body: %w", io.ErrUnexpectedEOF), ConnectionClosed},
		{"unknown dial failure", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("something odd")}, ConnectionFailed},
		{"unknown error", errors.New("boom"), Failed},
		{"Error kept", kept, EmptyResponse},
		{"wrapped Error kept", fmt.Errorf("hop 2: %w", kept), EmptyResponse},
		{"Error wins over the cancellation it wraps", keptCancel, ContentLengthMismatch},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.err)
			require.NotNil(t, got)
			assert.Equal(t, tt.want, got.Name, "Classify(%v)", tt.err)
			assert.Equal(t, "net::"+tt.want, got.Error())
			var ne *Error
			if !errors.As(tt.err, &ne) {
				assert.Equal(t, tt.err, got.Err, "the Go error is kept for logs")
			}
		})
	}
}

func TestClassifyKeepsTheSameNetError(t *testing.T) {
	ne := &Error{Name: InvalidArgument, Header: "Host"}
	assert.Same(t, ne, Classify(ne))
	assert.Same(t, ne, Classify(fmt.Errorf("validate: %w", ne)))
}

func TestClassifyNil(t *testing.T) {
	assert.Nil(t, Classify(nil))
}

func TestNetErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"name", New(ConnectionRefused, nil), "net::ERR_CONNECTION_REFUSED"},
		{"detail replaces the name", &Error{Name: RedirectCancelled, Detail: "Redirect was cancelled"}, "Redirect was cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestNetErrorUnwrapsItsGoError(t *testing.T) {
	err := New(ConnectionReset, sysErr("read", "read", resetErrno))
	assert.ErrorIs(t, err, resetErrno)
}

func TestCauseOf(t *testing.T) {
	tests := []struct {
		name  string
		cause error
		want  string
	}{
		{"no cause is an abort", nil, Aborted},
		{"the Error given to Cancel", New(TimedOut, nil), TimedOut},
		{"a Go error given as cause is classified", sysErr("read", "read", resetErrno), ConnectionReset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(tt.cause)
			assert.Equal(t, tt.want, Cause(ctx).Name)
		})
	}
}

func TestNameOf(t *testing.T) {
	assert.Equal(t, ConnectionReset, NameOf(fmt.Errorf("read: %w", New(ConnectionReset, nil))))
	assert.Equal(t, "", NameOf(errors.New("plain")))
	assert.Equal(t, "", NameOf(nil))
}

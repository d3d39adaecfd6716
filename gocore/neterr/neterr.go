// Package neterr is the engine's one error table: Chromium's error names,
// the Error that carries one to the host ("net::" + Name), and Classify,
// which names any Go error the engine meets. The socket errno tables per
// platform are errno_unix.go and errno_windows.go.
package neterr

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// Error is a failure named as Chromium names it (Name is "ERR_..."),
// which the host reports as the message "net::" + Name.
type Error struct {
	Name   string // Chromium's error name without the "net::" prefix
	Header string // for ERR_INVALID_ARGUMENT on a restricted header: its name
	Detail string // a free-form message that replaces "net::"+Name (redirect policy errors)
	Err    error  // the underlying Go error, for logs and errors.Is
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	return "net::" + e.Name
}

func (e *Error) Unwrap() error { return e.Err }

// Chromium's error names used by the engine (the SOCKS and proxy-certificate
// names are the proxy dialer's).
const (
	Aborted                        = "ERR_ABORTED"
	Failed                         = "ERR_FAILED"
	InvalidArgument                = "ERR_INVALID_ARGUMENT"
	ConnectionRefused              = "ERR_CONNECTION_REFUSED"
	ConnectionReset                = "ERR_CONNECTION_RESET"
	ConnectionClosed               = "ERR_CONNECTION_CLOSED"
	ConnectionAborted              = "ERR_CONNECTION_ABORTED"
	ConnectionTimedOut             = "ERR_CONNECTION_TIMED_OUT"
	TimedOut                       = "ERR_TIMED_OUT"
	NameNotResolved                = "ERR_NAME_NOT_RESOLVED"
	AddressUnreachable             = "ERR_ADDRESS_UNREACHABLE"
	EmptyResponse                  = "ERR_EMPTY_RESPONSE"
	CertAuthorityInvalid           = "ERR_CERT_AUTHORITY_INVALID"
	CertCommonNameInvalid          = "ERR_CERT_COMMON_NAME_INVALID"
	CertDateInvalid                = "ERR_CERT_DATE_INVALID"
	CertInvalid                    = "ERR_CERT_INVALID"
	SSLProtocol                    = "ERR_SSL_PROTOCOL_ERROR"
	InvalidHTTPResponse            = "ERR_INVALID_HTTP_RESPONSE"
	ResponseHeadersTooBig          = "ERR_RESPONSE_HEADERS_TOO_BIG"
	ContentLengthMismatch          = "ERR_CONTENT_LENGTH_MISMATCH"
	IncompleteChunkedEncoding      = "ERR_INCOMPLETE_CHUNKED_ENCODING"
	InvalidChunkedEncoding         = "ERR_INVALID_CHUNKED_ENCODING"
	MultipleContentLength          = "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH"
	ContentDecodingFailed          = "ERR_CONTENT_DECODING_FAILED"
	TooManyRedirects               = "ERR_TOO_MANY_REDIRECTS"
	UnsafeRedirect                 = "ERR_UNSAFE_REDIRECT"
	InvalidRedirect                = "ERR_INVALID_REDIRECT"
	InvalidURL                     = "ERR_INVALID_URL"
	UnexpectedProxyAuth            = "ERR_UNEXPECTED_PROXY_AUTH"
	ProxyConnectionFailed          = "ERR_PROXY_CONNECTION_FAILED"
	TunnelConnectionFailed         = "ERR_TUNNEL_CONNECTION_FAILED"
	CacheMiss                      = "ERR_CACHE_MISS"
	RedirectCancelled              = "ERR_REDIRECT_CANCELLED" // carries Detail
	RedirectPolicy                 = "ERR_REDIRECT_POLICY"    // carries Detail
	ConnectionFailed               = "ERR_CONNECTION_FAILED"
	HTTP2ProtocolError             = "ERR_HTTP2_PROTOCOL_ERROR"
	SOCKSConnectionFailed          = "ERR_SOCKS_CONNECTION_FAILED"
	SOCKSConnectionHostUnreachable = "ERR_SOCKS_CONNECTION_HOST_UNREACHABLE"
	ProxyCertificateInvalid        = "ERR_PROXY_CERTIFICATE_INVALID"
)

// New builds an Error with the given name.
func New(name string, err error) *Error { return &Error{Name: name, Err: err} }

// NameOf returns the Name of the *Error in err's chain, or "" when there is
// none.
func NameOf(err error) string {
	var ne *Error
	if errors.As(err, &ne) {
		return ne.Name
	}
	return ""
}

// Classify maps any error from the engine to the Error the host reports.
//
// Precedence: an Error already made by the engine is kept as it is;
// cancellation wins over the network errors it causes (the context's cause
// is reported, ERR_ABORTED when none was given); then TLS verification,
// DNS, timeouts and socket errors; anything unknown is ERR_FAILED.
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var ne *Error
	if errors.As(err, &ne) {
		return ne
	}
	if errors.Is(err, context.Canceled) {
		return New(Aborted, err)
	}
	var opErr *net.OpError
	isDial := errors.As(err, &opErr) && opErr.Op == "dial"
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		if isDial {
			return New(ConnectionTimedOut, err)
		}
		return New(TimedOut, err)
	}

	var hostErr x509.HostnameError
	var unknownAuth x509.UnknownAuthorityError
	var invalidCert x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &hostErr):
		return New(CertCommonNameInvalid, err)
	case errors.As(err, &unknownAuth):
		return New(CertAuthorityInvalid, err)
	case errors.As(err, &invalidCert):
		if invalidCert.Reason == x509.Expired {
			return New(CertDateInvalid, err)
		}
		return New(CertInvalid, err)
	case errors.As(err, &verifyErr):
		return New(CertInvalid, err)
	}

	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsTimeout {
			return New(TimedOut, err)
		}
		return New(NameNotResolved, err)
	}

	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	if errors.As(err, &recordErr) || errors.As(err, &alertErr) {
		return New(SSLProtocol, err)
	}

	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		if isDial {
			return New(ConnectionTimedOut, err)
		}
		return New(TimedOut, err)
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name, ok := errnoNames[errno]; ok {
			if name == TimedOut && isDial {
				return New(ConnectionTimedOut, err)
			}
			return New(name, err)
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return New(ConnectionClosed, err)
	}
	if isDial {
		return New(ConnectionFailed, err)
	}
	return New(Failed, err)
}

// Cause reports why ctx ended: the cause given to Cancel, else ERR_ABORTED.
func Cause(ctx context.Context) *Error {
	if cause := context.Cause(ctx); cause != nil {
		return Classify(cause)
	}
	return New(Aborted, ctx.Err())
}

package gocore

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

// NetError is a failure named as Chromium names it (Name is "ERR_..."),
// which the host reports as the message "net::" + Name.
type NetError struct {
	Name   string // Chromium's error name without the "net::" prefix
	Header string // for ERR_INVALID_ARGUMENT on a restricted header: its name
	Detail string // a free-form message that replaces "net::"+Name (redirect policy errors)
	Err    error  // the underlying Go error, for logs and errors.Is
}

func (e *NetError) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	return "net::" + e.Name
}

func (e *NetError) Unwrap() error { return e.Err }

// Chromium's error names used by the engine.
const (
	ErrAborted                   = "ERR_ABORTED"
	ErrFailed                    = "ERR_FAILED"
	ErrInvalidArgument           = "ERR_INVALID_ARGUMENT"
	ErrConnectionRefused         = "ERR_CONNECTION_REFUSED"
	ErrConnectionReset           = "ERR_CONNECTION_RESET"
	ErrConnectionClosed          = "ERR_CONNECTION_CLOSED"
	ErrConnectionAborted         = "ERR_CONNECTION_ABORTED"
	ErrConnectionTimedOut        = "ERR_CONNECTION_TIMED_OUT"
	ErrTimedOut                  = "ERR_TIMED_OUT"
	ErrNameNotResolved           = "ERR_NAME_NOT_RESOLVED"
	ErrAddressUnreachable        = "ERR_ADDRESS_UNREACHABLE"
	ErrEmptyResponse             = "ERR_EMPTY_RESPONSE"
	ErrCertAuthorityInvalid      = "ERR_CERT_AUTHORITY_INVALID"
	ErrCertCommonNameInvalid     = "ERR_CERT_COMMON_NAME_INVALID"
	ErrCertDateInvalid           = "ERR_CERT_DATE_INVALID"
	ErrCertInvalid               = "ERR_CERT_INVALID"
	ErrSSLProtocol               = "ERR_SSL_PROTOCOL_ERROR"
	ErrInvalidHTTPResponse       = "ERR_INVALID_HTTP_RESPONSE"
	ErrResponseHeadersTooBig     = "ERR_RESPONSE_HEADERS_TOO_BIG"
	ErrContentLengthMismatch     = "ERR_CONTENT_LENGTH_MISMATCH"
	ErrIncompleteChunkedEncoding = "ERR_INCOMPLETE_CHUNKED_ENCODING"
	ErrInvalidChunkedEncoding    = "ERR_INVALID_CHUNKED_ENCODING"
	ErrMultipleContentLength     = "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH"
	ErrContentDecodingFailed     = "ERR_CONTENT_DECODING_FAILED"
	ErrTooManyRedirects          = "ERR_TOO_MANY_REDIRECTS"
	ErrUnsafeRedirect            = "ERR_UNSAFE_REDIRECT"
	ErrInvalidRedirect           = "ERR_INVALID_REDIRECT"
	ErrInvalidURL                = "ERR_INVALID_URL"
	ErrUnexpectedProxyAuth       = "ERR_UNEXPECTED_PROXY_AUTH"
	ErrProxyConnectionFailed     = "ERR_PROXY_CONNECTION_FAILED"
	ErrTunnelConnectionFailed    = "ERR_TUNNEL_CONNECTION_FAILED"
	ErrCacheMiss                 = "ERR_CACHE_MISS"
	ErrRedirectCancelled         = "ERR_REDIRECT_CANCELLED" // carries Detail
	ErrRedirectPolicy            = "ERR_REDIRECT_POLICY"    // carries Detail
	ErrConnectionFailed          = "ERR_CONNECTION_FAILED"
)

// Failure builds a NetError with the given name.
func Failure(name string, err error) *NetError { return &NetError{Name: name, Err: err} }

// Classify maps any error from the engine to the NetError the host reports.
//
// Precedence: a NetError already made by the engine is kept as it is;
// cancellation wins over the network errors it causes (the context's cause
// is reported, ERR_ABORTED when none was given); then TLS verification,
// DNS, timeouts and socket errors; anything unknown is ERR_FAILED.
func Classify(err error) *NetError {
	if err == nil {
		return nil
	}
	var ne *NetError
	if errors.As(err, &ne) {
		return ne
	}
	if errors.Is(err, context.Canceled) {
		return Failure(ErrAborted, err)
	}
	var opErr *net.OpError
	isDial := errors.As(err, &opErr) && opErr.Op == "dial"
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		if isDial {
			return Failure(ErrConnectionTimedOut, err)
		}
		return Failure(ErrTimedOut, err)
	}

	var hostErr x509.HostnameError
	var unknownAuth x509.UnknownAuthorityError
	var invalidCert x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &hostErr):
		return Failure(ErrCertCommonNameInvalid, err)
	case errors.As(err, &unknownAuth):
		return Failure(ErrCertAuthorityInvalid, err)
	case errors.As(err, &invalidCert):
		if invalidCert.Reason == x509.Expired {
			return Failure(ErrCertDateInvalid, err)
		}
		return Failure(ErrCertInvalid, err)
	case errors.As(err, &verifyErr):
		return Failure(ErrCertInvalid, err)
	}

	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsTimeout {
			return Failure(ErrTimedOut, err)
		}
		return Failure(ErrNameNotResolved, err)
	}

	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	if errors.As(err, &recordErr) || errors.As(err, &alertErr) {
		return Failure(ErrSSLProtocol, err)
	}

	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		if isDial {
			return Failure(ErrConnectionTimedOut, err)
		}
		return Failure(ErrTimedOut, err)
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name, ok := errnoNames[errno]; ok {
			if name == ErrTimedOut && isDial {
				return Failure(ErrConnectionTimedOut, err)
			}
			return Failure(name, err)
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return Failure(ErrConnectionClosed, err)
	}
	if isDial {
		return Failure(ErrConnectionFailed, err)
	}
	return Failure(ErrFailed, err)
}

// causeOf reports why ctx ended: the cause given to Cancel, else ERR_ABORTED.
func causeOf(ctx context.Context) *NetError {
	if cause := context.Cause(ctx); cause != nil {
		return Classify(cause)
	}
	return Failure(ErrAborted, ctx.Err())
}

/*
 * bridge.h: THE contract between the Go engine (libgonetrequest.so) and the
 * N-API shim. Everything that crosses is declared here.
 *
 * Two one-way queues cross it, so that the host's JS thread never enters
 * Go (and never waits for Go's scheduler) on the request path:
 *   - commands, host -> Go: the host pushes them (any thread, never blocks);
 *     one Go goroutine takes them in order through the take function the
 *     host registers, and frees each with gnr_command_free once handled;
 *   - events, Go -> host: Go allocates each and hands it to the host's post
 *     function, which owns it from then on and frees it exactly once, with
 *     gnr_event_free.
 * Commands and events are each ONE malloc'd block: the struct, then its
 * text, then its data.
 *
 * Requests are integer ids (never pointers), allocated by the host, never
 * reused; an unknown id is a normal answer ("gone"), because JS may act
 * after the request ended.
 *
 * JS cannot include this file: lib/protocol.js is generated from its enums
 * (scripts/gen-protocol.js; test/protocol.test.js fails when they differ).
 * docs/bridge-protocol.md explains the protocol and its decisions.
 */
#ifndef GNR_BRIDGE_H
#define GNR_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

/* The library's C functions: exported from the Windows DLL (cgo exports
 * Go's own; GNR_BUILDING_LIBRARY is set by the cgo preamble), imported
 * from it by the host. Elsewhere every global symbol is exported. */
#if defined(_WIN32) && defined(GNR_BUILDING_LIBRARY)
#define GNR_EXPORT __declspec(dllexport)
#elif defined(_WIN32)
#define GNR_EXPORT __declspec(dllimport)
#else
#define GNR_EXPORT
#endif

/* Event kinds, Go -> host. n1/n2/text/data meanings per kind. */
enum gnr_event_kind {
  GNR_EV_REDIRECT = 1,        /* n1 status; text "method\0url\0name\0value\0..." */
  GNR_EV_LOGIN = 2,           /* n1 port, n2 isProxy; text "scheme\0host\0realm" */
  GNR_EV_RESPONSE = 3,        /* n1 status, n2 major*1000+minor, flags GNR_RESPONSE_*;
                                 text "statusText\0url\0timingJSON\0name\0value\0...";
                                 with GNR_RESPONSE_COMPLETE, data is the whole body
                                 and the event is terminal (no DATA or END follows) */
  GNR_EV_DATA = 4,            /* data: decoded body bytes */
  GNR_EV_END = 5,             /* terminal: the response body is complete */
  GNR_EV_FAIL = 6,            /* terminal; text "ERR_NAME\0detail\0header" */
  GNR_EV_UPLOAD_PROGRESS = 7, /* n1 position (bytes written to the socket), n2 total */
  GNR_EV_RESULT = 8,          /* terminal answer to GNR_CMD_CALL: text JSON, or with
                                 GNR_RESULT_ERROR an error message */
  GNR_EV_COOKIE_CHANGED = 9,  /* to a cookie listener id: text JSON {cookie, cause, removed} */
  GNR_EV_CERT_VERIFY = 10     /* text JSON {hostname, certificate, verificationResult, errorCode};
                                 answered by GNR_CMD_CERT_VERDICT */
};

/* Flags of every event kind, above the per-kind flags. */
enum gnr_event_flags {
  /* The last event to its id: END, FAIL, RESULT, and a RESPONSE with
   * GNR_RESPONSE_COMPLETE. Go, which produces them, sets it; the shim
   * (which stops holding the process open for the request) and JS (which
   * forgets the id's handler) read this bit alone. */
  GNR_EVENT_TERMINAL = 1 << 16
};

/* GNR_EV_RESULT flags. */
enum gnr_result_flags {
  GNR_RESULT_ERROR = 1 /* text is an error message ("net::ERR_..." for a net error), not JSON */
};

typedef struct gnr_event {
  struct gnr_event *next; /* the host's queue link; Go sets NULL */
  int32_t pooled;         /* a recycled body-chunk block (see gnr_chunk_event_alloc) */
  uint64_t env;           /* the host environment that started the request */
  uint64_t request;       /* the request id */
  int32_t kind;           /* enum gnr_event_kind */
  int32_t flags;
  int64_t n1;
  int64_t n2;
  const char *text; /* points inside this block, or NULL */
  size_t text_len;
  const char *data; /* points inside this block, or NULL */
  size_t data_len;
} gnr_event;

/* The host's event sink: any thread, must not block, takes ownership. The
 * host frees every event with gnr_event_free, exactly once. */
typedef void (*gnr_post_fn)(gnr_event *ev);

/* Body-chunk blocks (a struct, then up to GNR_CHUNK_CAPACITY data bytes)
 * come from a small recycled pool shared by DATA events and WRITE commands:
 * plain C in the engine's library, callable from any thread without
 * entering Go. The allocators return NULL when out of memory and set only
 * `pooled`; the free functions take any event or command. */
enum { GNR_CHUNK_CAPACITY = 64 * 1024 };
GNR_EXPORT gnr_event *gnr_chunk_event_alloc(void);
GNR_EXPORT void gnr_event_free(gnr_event *ev);
/* Frees the pooled blocks (the host calls it when it goes idle). */
GNR_EXPORT void gnr_chunk_pool_drain(void);

/* GNR_EV_RESPONSE flags. */
enum gnr_response_flags {
  GNR_RESPONSE_REUSED = 1,  /* the connection had served a request before */
  GNR_RESPONSE_COMPLETE = 2, /* the whole body is in data; terminal */
  GNR_RESPONSE_FROM_CACHE = 4 /* served by the session's HTTP cache */
};

/* The request spec, GNR_CMD_START's text: NUL-separated fields at these
 * positions (numbers in decimal), then the request headers as name, value
 * pairs in the order they go on the wire. */
enum gnr_spec_field {
  GNR_SPEC_FIELD_FLAGS = 0,           /* enum gnr_spec_flags */
  GNR_SPEC_FIELD_SESSION = 1,         /* the session id JS allocated; unknown ids: the default session */
  GNR_SPEC_FIELD_METHOD = 2,
  GNR_SPEC_FIELD_URL = 3,             /* absolute http(s) URL */
  GNR_SPEC_FIELD_REDIRECT = 4,        /* enum gnr_redirect_mode */
  GNR_SPEC_FIELD_WINDOW = 5,          /* response-body credit granted up front (GNR_RESPONSE_WINDOW) */
  GNR_SPEC_FIELD_TIMEOUT = 6,         /* ms without progress before ERR_TIMED_OUT; 0: none */
  GNR_SPEC_FIELD_ORIGIN = 7,          /* the initiator's serialized origin, or "" */
  GNR_SPEC_FIELD_CACHE = 8,           /* enum gnr_cache_mode */
  GNR_SPEC_FIELD_REFERRER_POLICY = 9, /* a W3C referrer policy name, or "" for the default */
  GNR_SPEC_FIELD_PRIORITY = 10,       /* an RFC 9218 priority field value, or "" */
  GNR_SPEC_FIELD_HEADERS = 11         /* the first header name */
};

/* Request spec flags (GNR_SPEC_FIELD_FLAGS). */
enum gnr_spec_flags {
  GNR_SPEC_BODY_BUFFERED = 1,
  GNR_SPEC_BODY_STREAMING = 2,
  GNR_SPEC_NO_LOGIN = 4,
  GNR_SPEC_COOKIES = 8 /* send the session's cookies and store Set-Cookie */
};

/* Redirect modes (GNR_SPEC_FIELD_REDIRECT); the engine's gocore.RedirectMode. */
enum gnr_redirect_mode {
  GNR_REDIRECT_FOLLOW = 0, /* follow, reporting each hop */
  GNR_REDIRECT_ERROR = 1,  /* fail on the first redirect */
  GNR_REDIRECT_MANUAL = 2  /* report each hop and wait for GNR_CMD_FOLLOW */
};

/* Cache modes (GNR_SPEC_FIELD_CACHE), fetch's names in upper case; the
 * engine's gocore.CacheMode. */
enum gnr_cache_mode {
  GNR_CACHE_DEFAULT = 0,
  GNR_CACHE_NO_STORE = 1,
  GNR_CACHE_RELOAD = 2,
  GNR_CACHE_NO_CACHE = 3,
  GNR_CACHE_FORCE_CACHE = 4,
  GNR_CACHE_ONLY_IF_CACHED = 5
};

/* Backpressure windows, in bytes. */
enum gnr_window {
  /* Response-body credit: how much the engine may read ahead of the app
   * (JS grants more as the app reads). 4 MiB keeps a fast reader from
   * stalling on grants (1 MiB: about 20% less download throughput) and
   * bounds what a paused response holds. */
  GNR_RESPONSE_WINDOW = 4 << 20,
  /* Streamed upload bytes that may wait in the engine (gocore.UploadWindow)
   * before JS holds the app's write() callback. */
  GNR_UPLOAD_WINDOW = 1 << 20
};

/* GNR_CMD_CERT_VERDICT's n: the answers of Electron's certificate verify
 * procedure (gocore.Verdict*). */
enum gnr_cert_verdict {
  GNR_CERT_TRUST = 0,      /* trust the certificate */
  GNR_CERT_FAIL = -2,      /* fail the request */
  GNR_CERT_USE_ENGINE = -3 /* use the engine's own verification */
};

/* Command kinds, host -> Go. */
enum gnr_command_kind {
  GNR_CMD_START = 1,    /* text: the spec; data: a buffered body or none */
  GNR_CMD_WRITE = 2,    /* data: a chunk of a streamed body */
  GNR_CMD_END_BODY = 3, /* the streamed body is complete */
  GNR_CMD_GRANT = 4,    /* n: bytes of response-body credit */
  GNR_CMD_CANCEL = 5,
  GNR_CMD_FOLLOW = 6,   /* flag: 1 follows the manual redirect, 0 cancels it */
  GNR_CMD_LOGIN = 7,    /* flag 1: text "user\0pass" retries; flag 0 cancels the login */
  GNR_CMD_CALL = 8,     /* text: JSON {op, session, ...} (enum gnr_call_op); answered by one GNR_EV_RESULT to request */
  GNR_CMD_CERT_VERDICT = 9 /* n: enum gnr_cert_verdict */
};

/* Session operations. GNR_CMD_CALL's text is the JSON {"op": one of
 * these, "session": the session id, ...the operation's arguments}; the
 * answer is one GNR_EV_RESULT. bridge/calls.go's table gives each one's
 * arguments and result. */
enum gnr_call_op {
  GNR_OP_SESSION_CREATE = 1,
  GNR_OP_SET_USER_AGENT = 2,
  GNR_OP_CLOSE_ALL_CONNECTIONS = 3,
  GNR_OP_CLEAR_CACHE = 4,
  GNR_OP_GET_CACHE_SIZE = 5,
  GNR_OP_CLEAR_STORAGE_DATA = 6,
  GNR_OP_SET_CERTIFICATE_VERIFY_PROC = 7,
  GNR_OP_SET_CA_CERTIFICATES = 8,
  GNR_OP_SET_PROXY = 9,
  GNR_OP_RESOLVE_PROXY = 10,
  GNR_OP_CLEAR_AUTH_CACHE = 11,
  GNR_OP_RESOLVE_HOST = 12,
  GNR_OP_COOKIES_GET = 13,
  GNR_OP_COOKIES_SET = 14,
  GNR_OP_COOKIES_REMOVE = 15,
  GNR_OP_COOKIES_FLUSH_STORE = 16,
  GNR_OP_COOKIES_SUBSCRIBE = 17,
  GNR_OP_COOKIES_UNSUBSCRIBE = 18
};

typedef struct gnr_command {
  struct gnr_command *next; /* the queue link */
  int32_t pooled;           /* a recycled body-chunk block (see gnr_chunk_command_alloc) */
  uint64_t env;
  uint64_t request;
  int32_t kind; /* enum gnr_command_kind */
  int32_t flag;
  int64_t n;
  const char *text; /* points inside this block, or NULL */
  size_t text_len;
  const char *data; /* points inside this block, or NULL */
  size_t data_len;
} gnr_command;

/* Commands are freed by Go with gnr_command_free; a WRITE chunk of at most
 * GNR_CHUNK_CAPACITY bytes may come from the chunk pool. */
GNR_EXPORT gnr_command *gnr_chunk_command_alloc(void);
GNR_EXPORT void gnr_command_free(gnr_command *cmd);

/* The host's command source: returns every queued command, oldest first, as
 * a list the caller owns, or NULL; never blocks. Go calls it from one
 * goroutine at a time. With poll 0, Go waits for the host's doorbell before
 * calling again, so the host rings it for the next commands; with poll 1, Go is about to call again and the host
 * need not ring (ringing wakes a sleeping thread, which costs the host's
 * thread more than the rest of a small request). */
typedef gnr_command *(*gnr_take_fn)(int poll);

/* The doorbell is something Go's poller waits on without holding a thread.
 * POSIX: the host makes it, a non-blocking eventfd (or pipe), writes 8
 * bytes to ring, and hands GnrInit the descriptor Go reads. Windows (an
 * I/O completion port waits only on handles Go opened): Go makes it,
 * GnrOpenDoorbell returns the SOCKET of a connected loopback pair on which
 * the host sends a byte to ring, and GnrInit's argument is unused. -1 (or
 * INVALID_SOCKET): no doorbell, Go polls. */

/* Called from Go's cgo preamble: invoke the registered host functions. */
static inline void gnr_call_post(gnr_post_fn fn, gnr_event *ev) { fn(ev); }
static inline gnr_command *gnr_call_take(gnr_take_fn fn, int poll) { return fn(poll); }

#endif

/*
 * bridge.h: THE contract between the Go engine (libgonetrequest.so) and the
 * N-API shim. Everything that crosses is declared here.
 *
 * Ownership:
 *   - Requests are integer ids (never pointers). Ids are never reused; an
 *     unknown id is a normal answer ("gone"), because JS may act after the
 *     request ended.
 *   - Inputs (spec strings, body bytes) are copied by Go during the call.
 *   - Events are allocated by Go with malloc as ONE block (the struct, then
 *     its text, then its data) and handed to the host's post function, which
 *     owns them from then on and releases them with free() exactly once.
 */
#ifndef GNR_BRIDGE_H
#define GNR_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

/* Event kinds, Go -> host. n1/n2/text/data meanings per kind. */
enum gnr_event_kind {
  GNR_EV_REDIRECT = 1,        /* n1 status; text "method\0url\0name\0value\0..." */
  GNR_EV_LOGIN = 2,           /* n1 port, n2 isProxy; text "scheme\0host\0realm" */
  GNR_EV_RESPONSE = 3,        /* n1 status, n2 major*1000+minor, flags GNR_RESPONSE_*;
                                 text "statusText\0url\0name\0value\0...";
                                 with GNR_RESPONSE_COMPLETE, data is the whole body
                                 and the event is terminal (no DATA or END follows) */
  GNR_EV_DATA = 4,            /* data: decoded body bytes */
  GNR_EV_END = 5,             /* terminal: the response body is complete */
  GNR_EV_FAIL = 6,            /* terminal; text "ERR_NAME\0detail\0header" */
  GNR_EV_UPLOAD_PROGRESS = 7, /* n1 position, n2 total */
  GNR_EV_WRITE_READY = 8      /* the streamed body's window has room again */
};

typedef struct gnr_event {
  struct gnr_event *next; /* the host's queue link; Go sets NULL */
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

/* The host's event sink: any thread, must not block, takes ownership. */
typedef void (*gnr_post_fn)(gnr_event *ev);

/* GNR_EV_RESPONSE flags. */
enum gnr_response_flags {
  GNR_RESPONSE_REUSED = 1,  /* the connection had served a request before */
  GNR_RESPONSE_COMPLETE = 2 /* the whole body is in data; terminal */
};

/* Request spec flags (the first field of the spec string). */
enum gnr_spec_flags {
  GNR_SPEC_BODY_BUFFERED = 1,
  GNR_SPEC_BODY_STREAMING = 2,
  GNR_SPEC_NO_LOGIN = 4
};

/* GnrWrite answers. */
enum gnr_write_answer {
  GNR_WRITE_GONE = -1, /* no such request any more */
  GNR_WRITE_WAIT = 0,  /* taken; wait for GNR_EV_WRITE_READY before writing more */
  GNR_WRITE_MORE = 1   /* taken; write more now */
};

/* Called from Go's cgo preamble: invokes the registered post function. */
static inline void gnr_call_post(gnr_post_fn fn, gnr_event *ev) { fn(ev); }

#endif

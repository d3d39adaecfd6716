/* Shared declarations of the N-API shim. */
#ifndef GNR_SHIM_H
#define GNR_SHIM_H

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

#include "bridge.h"

/* Per-environment state (main thread or one worker). Allocated at module
 * init, unlinked at environment cleanup, freed by the tsfn finalizer once no
 * tsfn callback can run any more. */
typedef struct env_state {
  struct env_state *next_env; /* the registry list; guarded by the registry lock */
  uint64_t id;                /* the env id Go tags this environment's events with */
  napi_threadsafe_function tsfn;
  napi_ref dispatch_ref; /* JS dispatch(requestId, kind, n1, n2, text, flags, data) */
  /* Guarded by the registry lock: */
  gnr_event *head, *tail; /* events waiting for the JS thread */
  int scheduled;          /* a tsfn call is pending (the doorbell rang) */
  int closing;
  /* JS thread only: */
  uint32_t inflight; /* requests started and not yet terminal */
} env_state;

/* Any thread (called from Go): queue ev for its environment; takes ownership. */
void shim_post(gnr_event *ev);

/* Any thread: a command block with text and data copied in (NULL when out of memory). */
gnr_command *shim_command_new(uint64_t env, uint64_t request, int32_t kind, const char *text, size_t text_len,
                              const void *data, size_t data_len);
/* Any thread: queue cmd for Go; takes ownership. Go sees it after a flush. */
void shim_command_push(gnr_command *cmd);
/* Any thread: wake Go for the commands pushed so far. */
void shim_command_flush(void);
/* Go: take every queued command, without waiting (see gnr_take_fn). */
gnr_command *shim_command_take(int poll);
/* Per platform (platform_posix.c, platform_win.c): */
/* Once, before GnrInit: makes the command doorbell and returns GnrInit's
 * doorbell argument (see bridge.h; -1 when none could be made: Go polls). */
int shim_doorbell_open(void);
/* Any thread: wakes Go's command goroutine. */
void shim_doorbell_ring(void);
/* JS thread, first thing at module init: makes the N-API functions
 * callable (on Windows they are looked up in the host: napi_win.c); false
 * (with an exception pending when one could be thrown) when they are not. */
bool shim_resolve_napi(napi_env env);
/* Once: keeps this addon loaded for the life of the process (see addon.c);
 * false when it could not. */
bool shim_pin_addon(void);

/* JS thread: registers the functions JS calls on exports. */
napi_status shim_define_request_functions(napi_env env, napi_value exports, env_state *st);

/* JS thread: ref the tsfn as requests go 0 -> 1, unref at 1 -> 0. */
napi_status shim_request_started(napi_env env, env_state *st);
void shim_request_finished(napi_env env, env_state *st);

/* JS thread via tsfn: deliver queued events to JS. */
void shim_call_js(napi_env env, napi_value js_cb, void *context, void *data);

#endif

/* Module init, per-environment state, the event queue and teardown. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "libgonetrequest.h"
#include "napi_call.h"
#include "shim.h"

/* One lock for the environment registry and every environment's queue: held
 * only for list operations and the non-blocking tsfn call. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static env_state *g_envs;
static uint64_t g_last_env_id;
static pthread_once_t g_go_init = PTHREAD_ONCE_INIT;

/* JS thread. */
void shim_throw_last_error(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  const napi_extended_error_info *info = NULL;
  const char *msg = "N-API call failed";
  if (napi_get_last_error_info(env, &info) == napi_ok && info && info->error_message)
    msg = info->error_message;
  napi_throw_error(env, "ERR_GO_NET_REQUEST_NAPI", msg);
}

/* Registry lock held. */
static env_state *find_env_locked(uint64_t id) {
  for (env_state *st = g_envs; st; st = st->next_env)
    if (st->id == id) return st;
  return NULL;
}

/* Any thread (called from Go). Never blocks: the queue is unbounded and the
 * tsfn call is non-blocking (a bounded tsfn queue with blocking calls from
 * several threads loses wake-ups, a Node bug that hung Go producers; the
 * windows of docs/bridge-protocol.md bound what is queued). The tsfn is called only
 * when the queue goes empty -> non-empty (the doorbell), under the lock, so
 * teardown cannot release it concurrently. */
void shim_post(gnr_event *ev) {
  ev->next = NULL;
  pthread_mutex_lock(&g_lock);
  env_state *st = find_env_locked(ev->env);
  if (st == NULL || st->closing) {
    pthread_mutex_unlock(&g_lock);
    gnr_event_free(ev);
    return;
  }
  if (st->tail) st->tail->next = ev; else st->head = ev;
  st->tail = ev;
  if (!st->scheduled) {
    st->scheduled = 1;
    if (napi_call_threadsafe_function(st->tsfn, NULL, napi_tsfn_nonblocking) != napi_ok)
      st->scheduled = 0; /* closing: the environment's cleanup frees the queue */
  }
  pthread_mutex_unlock(&g_lock);
}

static void free_events(gnr_event *ev) {
  while (ev) {
    gnr_event *next = ev->next;
    gnr_event_free(ev);
    ev = next;
  }
}

/* Bodies up to this size cross as strings (Node pools Buffers under 4 KiB). */
#define SMALL_BODY_AS_STRING 2048

/* JS thread via tsfn; env is NULL during teardown, when the queue is freed
 * by env_cleanup instead. */
void shim_call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)js_cb;
  (void)data;
  if (env == NULL) return;
  env_state *st = context;
  pthread_mutex_lock(&g_lock);
  gnr_event *list = st->head;
  st->head = st->tail = NULL;
  st->scheduled = 0;
  pthread_mutex_unlock(&g_lock);

  napi_value dispatch = NULL, recv = NULL;
  if (st->dispatch_ref == NULL ||
      napi_get_reference_value(env, st->dispatch_ref, &dispatch) != napi_ok || dispatch == NULL ||
      napi_get_undefined(env, &recv) != napi_ok) {
    free_events(list);
    return;
  }
  while (list) {
    gnr_event *ev = list;
    list = ev->next;
    if (ev->flags & GNR_EVENT_TERMINAL) shim_request_finished(env, st);

    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) {
      gnr_event_free(ev);
      continue;
    }
    /* dispatch(requestId, kind, n1, n2, text, flags, data) */
    napi_value args[7];
    bool ok = napi_create_double(env, (double)ev->request, &args[0]) == napi_ok &&
              napi_create_int32(env, ev->kind, &args[1]) == napi_ok &&
              napi_create_double(env, (double)ev->n1, &args[2]) == napi_ok &&
              napi_create_double(env, (double)ev->n2, &args[3]) == napi_ok &&
              napi_create_int32(env, ev->flags, &args[5]) == napi_ok;
    /* Header bytes are latin1, as node:http reads them. */
    if (ok)
      ok = (ev->text ? napi_create_string_latin1(env, ev->text, ev->text_len, &args[4])
                     : napi_get_undefined(env, &args[4])) == napi_ok;
    /* A small body goes as a latin1 string that JS turns into a Buffer from
     * its shared pool: a Buffer of its own (a backing store per body) cost
     * more than anything else about a small response. */
    if (ok && ev->data == NULL)
      ok = napi_get_undefined(env, &args[6]) == napi_ok;
    else if (ok && ev->data_len <= SMALL_BODY_AS_STRING)
      ok = napi_create_string_latin1(env, ev->data, ev->data_len, &args[6]) == napi_ok;
    else if (ok)
      ok = napi_create_buffer_copy(env, ev->data_len, ev->data, NULL, &args[6]) == napi_ok;
    gnr_event_free(ev);
    if (ok && napi_call_function(env, recv, dispatch, 7, args, NULL) == napi_pending_exception) {
      /* An app handler threw: take Node's uncaught-exception path, as any
       * EventEmitter's exception does, never a swallowed warning. Any other
       * failure means JS can no longer run here (a terminating worker):
       * nothing to report. */
      napi_value exception;
      if (napi_get_and_clear_last_exception(env, &exception) == napi_ok &&
          napi_fatal_exception(env, exception) != napi_ok) {
        free_events(list); /* the environment is going away: deliver nothing more */
        list = NULL;
      }
    }
    napi_close_handle_scope(env, scope);
  }
}

/* JS thread. Fails (and counts nothing) when the tsfn cannot be ref'd. */
napi_status shim_request_started(napi_env env, env_state *st) {
  if (st->inflight == 0) {
    napi_status status = napi_ref_threadsafe_function(env, st->tsfn);
    if (status != napi_ok) return status;
  }
  st->inflight++;
  return napi_ok;
}

/* When memory was last given back; read and set by the JS threads of
 * every environment, atomically. */
static time_t g_last_trim;

/* JS thread. Event and command blocks are allocated on Go's threads and
 * freed on this one (or the other way round), which leaves glibc's
 * per-thread pools holding freed memory, and the body-chunk pool keeps up
 * to a window's worth; give both back when the environment goes idle, at
 * most every few seconds (in one environment of all). */
static void trim_when_idle(void) {
  time_t now = time(NULL);
  time_t last = __atomic_load_n(&g_last_trim, __ATOMIC_RELAXED);
  if (now - last < 5 ||
      !__atomic_compare_exchange_n(&g_last_trim, &last, now, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    return;
  gnr_chunk_pool_drain();
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

/* JS thread. */
void shim_request_finished(napi_env env, env_state *st) {
  if (st->inflight > 0 && --st->inflight == 0) {
    /* It fails only while the environment tears down, when no ref holds
     * the process open any more: nothing is left to undo. */
    if (napi_unref_threadsafe_function(env, st->tsfn) != napi_ok) return;
    trim_when_idle();
  }
}

/* Any thread, once per environment (a second call does nothing and
 * returns false): takes st out of the registry, so that no event is queued
 * for it and its tsfn is not called any more, frees the events still
 * queued, and has Go cancel the environment's requests (events posted from
 * now on find no environment and are freed by the post path). */
static bool close_env(env_state *st) {
  pthread_mutex_lock(&g_lock);
  if (st->closing) {
    pthread_mutex_unlock(&g_lock);
    return false;
  }
  st->closing = 1;
  for (env_state **p = &g_envs; *p; p = &(*p)->next_env) {
    if (*p == st) {
      *p = st->next_env;
      break;
    }
  }
  gnr_event *list = st->head;
  st->head = st->tail = NULL;
  pthread_mutex_unlock(&g_lock);
  free_events(list);
  GnrCloseEnv(st->id);
  return true;
}

/* Main or worker thread, at its environment's teardown (no JS runs). */
static void env_cleanup(void *arg) {
  env_state *st = arg;
  close_env(st);
  /* Fails only for a tsfn already released or finalized: nothing to do. */
  (void)napi_release_threadsafe_function(st->tsfn, napi_tsfn_abort);
}

/* JS thread (or teardown): the last tsfn callback has run. Node runs the
 * tsfn's own cleanup hook after env_cleanup (hooks run in reverse order of
 * registration), so the environment is normally closed already. Were the
 * tsfn finalized first, st is closed here, before it is freed, and the
 * cleanup hook that would use it is removed (or, failing that, st is
 * leaked rather than freed under it). */
static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  env_state *st = data;
  if (close_env(st) && napi_remove_env_cleanup_hook(env, env_cleanup, st) != napi_ok) return;
  if (st->dispatch_ref) napi_delete_reference(env, st->dispatch_ref);
  free(st);
}

/* Whether this addon is pinned in memory; set once.
 *
 * Node dlcloses an addon when the last environment that loaded it goes
 * away (a worker, when the main thread never loaded it), and the next
 * worker's require maps a fresh copy. But the Go runtime outlives every
 * environment and keeps what this copy gave it: the post and take
 * functions, called from Go's threads, and a goroutine waiting on this
 * copy's doorbell. Unloaded, those calls jump into unmapped code (SIGSEGV);
 * reloaded, the fresh copy's counters start again, so its environment and
 * request ids are ones Go already closed or holds, and Go drops the new
 * worker's commands (its requests never answer). So the addon pins itself
 * (shim_pin_addon, per platform): its code and state live as long as the
 * process, like the Go library's. */
static bool g_pinned;

/* Once per process: Go starts only in an addon that cannot be unloaded. */
static void init_go(void) {
  g_pinned = shim_pin_addon();
  if (g_pinned) GnrInit(shim_post, shim_command_take, shim_doorbell_open());
}

/* JS thread. setDispatch(fn): the function every event is delivered to. */
static napi_value set_dispatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value fn;
  env_state *st;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, &fn, NULL, (void **)&st));
  napi_valuetype type;
  NAPI_CALL(env, napi_typeof(env, fn, &type));
  if (argc < 1 || type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setDispatch needs a function");
    return NULL;
  }
  if (st->dispatch_ref) NAPI_CALL(env, napi_delete_reference(env, st->dispatch_ref));
  st->dispatch_ref = NULL;
  NAPI_CALL(env, napi_create_reference(env, fn, 1, &st->dispatch_ref));
  return NULL;
}

NAPI_MODULE_INIT() {
  if (!shim_resolve_napi(env)) return NULL;
  pthread_once(&g_go_init, init_go);
  if (!g_pinned) {
    napi_throw_error(env, "ERR_GO_NET_REQUEST_LOAD", "go-net-request: the addon could not keep itself loaded");
    return NULL;
  }
  env_state *st = calloc(1, sizeof *st);
  if (st == NULL) {
    napi_throw_error(env, "ERR_GO_NET_REQUEST_NOMEM", "out of memory");
    return NULL;
  }
  napi_value name;
  if (napi_create_string_utf8(env, "go-net-request", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, st, tsfn_finalize, st, shim_call_js,
                                      &st->tsfn) != napi_ok) {
    free(st);
    shim_throw_last_error(env);
    return NULL;
  }
  /* An idle addon never holds the process open. */
  NAPI_CALL(env, napi_unref_threadsafe_function(env, st->tsfn));

  pthread_mutex_lock(&g_lock);
  st->id = ++g_last_env_id;
  st->next_env = g_envs;
  g_envs = st;
  pthread_mutex_unlock(&g_lock);
  NAPI_CALL(env, napi_add_env_cleanup_hook(env, env_cleanup, st));

  napi_value fn;
  NAPI_CALL(env, napi_create_function(env, "setDispatch", NAPI_AUTO_LENGTH, set_dispatch, st, &fn));
  NAPI_CALL(env, napi_set_named_property(env, exports, "setDispatch", fn));
  NAPI_CALL(env, shim_define_request_functions(env, exports, st));
  return exports;
}

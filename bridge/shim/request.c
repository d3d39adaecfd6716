/* The functions JS calls: start, write, endBody, grant, cancel,
 * followRedirect, login (each queues a command for Go, see commands.c),
 * flush (hands the queued commands to Go) and liveRequests. None waits for
 * Go. Requests are ids (numbers). */
#include <stdlib.h>
#include <string.h>

#include "libgonetrequest.h"
#include "napi_call.h"
#include "shim.h"

#define MAX_ARGS 3

/* Request ids: process-wide, never reused (workers share the Go engine). */
static uint64_t g_last_request_id;

typedef struct call_args {
  size_t argc;
  napi_value argv[MAX_ARGS];
  env_state *st;
  uint64_t id;
} call_args;

/* JS thread. Reads the arguments and, when with_id, argv[0] as a request id.
 * Throws and returns false on bad input. */
static bool get_args(napi_env env, napi_callback_info info, call_args *a, bool with_id) {
  a->argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, (void **)&a->st) != napi_ok) {
    shim_throw_last_error(env);
    return false;
  }
  if (!with_id) return true;
  int64_t v = 0;
  if (a->argc < 1 || napi_get_value_int64(env, a->argv[0], &v) != napi_ok || v <= 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "request id must be a positive number");
    return false;
  }
  a->id = (uint64_t)v;
  return true;
}

/* JS thread. Queues cmd, or throws when it could not be allocated. */
static bool push(napi_env env, gnr_command *cmd) {
  if (cmd == NULL) {
    napi_throw_error(env, "ERR_GO_NET_REQUEST_NOMEM", "out of memory");
    return false;
  }
  shim_command_push(cmd);
  return true;
}

/* JS thread. Reads argv[i] as a Buffer (false and a throw otherwise). */
static bool get_buffer(napi_env env, call_args *a, size_t i, void **data, size_t *len) {
  bool is_buffer = false;
  if (i < a->argc && napi_is_buffer(env, a->argv[i], &is_buffer) == napi_ok && is_buffer &&
      napi_get_buffer_info(env, a->argv[i], data, len) == napi_ok)
    return true;
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "a Buffer is required");
  return false;
}

/* JS thread. Queues a command with no payload for argv[0]'s request. */
static napi_value push_simple(napi_env env, napi_callback_info info, int32_t kind, int32_t flag, int64_t n,
                              bool read_n) {
  call_args a;
  if (!get_args(env, info, &a, true)) return NULL;
  if (read_n) NAPI_CALL(env, a.argc >= 2 ? napi_get_value_int64(env, a.argv[1], &n) : napi_invalid_arg);
  gnr_command *cmd = shim_command_new(a.st->id, a.id, kind, NULL, 0, NULL, 0);
  if (cmd) {
    cmd->flag = flag;
    cmd->n = n;
  }
  push(env, cmd);
  return NULL;
}

/* JS thread. Queues a command whose text is the JS string text (written in
 * place) and whose data is body, for a fresh request id that keeps the
 * process alive until its terminal event; returns the id as a JS number. */
static napi_value start_command(napi_env env, env_state *st, int32_t kind, napi_value text, const void *body,
                                size_t body_len) {
  size_t len = 0;
  NAPI_CALL(env, napi_get_value_string_utf8(env, text, NULL, 0, &len));
  uint64_t id = __atomic_add_fetch(&g_last_request_id, 1, __ATOMIC_RELAXED);
  /* Room for the text and its NUL terminator. */
  gnr_command *cmd = shim_command_new(st->id, id, kind, NULL, len + 1, body, body_len);
  if (cmd == NULL) return push(env, NULL), NULL;
  if (napi_get_value_string_utf8(env, text, (char *)cmd->text, len + 1, &len) != napi_ok) {
    gnr_command_free(cmd);
    shim_throw_last_error(env);
    return NULL;
  }
  cmd->text_len = len;
  if (shim_request_started(env, st) != napi_ok) {
    gnr_command_free(cmd);
    shim_throw_last_error(env);
    return NULL;
  }
  shim_command_push(cmd);
  napi_value result;
  NAPI_CALL(env, napi_create_double(env, (double)id, &result));
  return result;
}

/* JS thread. start(spec: string, body: Buffer | null) -> id */
static napi_value start(napi_env env, napi_callback_info info) {
  call_args a;
  if (!get_args(env, info, &a, false)) return NULL;
  if (a.argc < 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "start(spec, body) needs two arguments");
    return NULL;
  }
  void *body = NULL;
  size_t body_len = 0;
  bool is_buffer = false;
  NAPI_CALL(env, napi_is_buffer(env, a.argv[1], &is_buffer));
  if (is_buffer) NAPI_CALL(env, napi_get_buffer_info(env, a.argv[1], &body, &body_len));
  return start_command(env, a.st, GNR_CMD_START, a.argv[0], body, body_len);
}

/* JS thread. call(json: string) -> id: a session operation, answered by one
 * GNR_EV_RESULT event to that id. */
static napi_value call(napi_env env, napi_callback_info info) {
  call_args a;
  if (!get_args(env, info, &a, false)) return NULL;
  if (a.argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "call(json) needs an argument");
    return NULL;
  }
  return start_command(env, a.st, GNR_CMD_CALL, a.argv[0], NULL, 0);
}

/* JS thread. newId() -> a fresh id (for cookie listeners). */
static napi_value new_id(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  NAPI_CALL(env, napi_create_double(env, (double)__atomic_add_fetch(&g_last_request_id, 1, __ATOMIC_RELAXED), &result));
  return result;
}

/* JS thread. write(id, chunk: Buffer): the chunk is copied; the caller paces
 * itself with the UPLOAD_PROGRESS events. */
static napi_value write_body(napi_env env, napi_callback_info info) {
  call_args a;
  void *data = NULL;
  size_t len = 0;
  if (!get_args(env, info, &a, true) || !get_buffer(env, &a, 1, &data, &len)) return NULL;
  push(env, shim_command_new(a.st->id, a.id, GNR_CMD_WRITE, NULL, 0, data, len));
  return NULL;
}

/* JS thread. endBody(id) */
static napi_value end_body(napi_env env, napi_callback_info info) {
  return push_simple(env, info, GNR_CMD_END_BODY, 0, 0, false);
}

/* JS thread. grant(id, bytes) */
static napi_value grant(napi_env env, napi_callback_info info) {
  return push_simple(env, info, GNR_CMD_GRANT, 0, 0, true);
}

/* JS thread. cancel(id) */
static napi_value cancel(napi_env env, napi_callback_info info) {
  return push_simple(env, info, GNR_CMD_CANCEL, 0, 0, false);
}

/* JS thread. certVerdict(id, verdict: enum gnr_cert_verdict) */
static napi_value cert_verdict(napi_env env, napi_callback_info info) {
  return push_simple(env, info, GNR_CMD_CERT_VERDICT, 0, 0, true);
}

/* JS thread. followRedirect(id, follow: boolean) */
static napi_value follow_redirect(napi_env env, napi_callback_info info) {
  call_args a;
  bool follow = false;
  if (!get_args(env, info, &a, true)) return NULL;
  NAPI_CALL(env, a.argc >= 2 ? napi_get_value_bool(env, a.argv[1], &follow) : napi_invalid_arg);
  gnr_command *cmd = shim_command_new(a.st->id, a.id, GNR_CMD_FOLLOW, NULL, 0, NULL, 0);
  if (cmd) cmd->flag = follow ? 1 : 0;
  push(env, cmd);
  return NULL;
}

/* JS thread. login(id, username?, password?): two strings retry, anything else cancels. */
static napi_value login(napi_env env, napi_callback_info info) {
  call_args a;
  if (!get_args(env, info, &a, true)) return NULL;
  napi_valuetype user_type = napi_undefined, pass_type = napi_undefined;
  if (a.argc >= 2) NAPI_CALL(env, napi_typeof(env, a.argv[1], &user_type));
  if (a.argc >= 3) NAPI_CALL(env, napi_typeof(env, a.argv[2], &pass_type));
  if (user_type != napi_string || pass_type != napi_string) {
    push(env, shim_command_new(a.st->id, a.id, GNR_CMD_LOGIN, NULL, 0, NULL, 0));
    return NULL;
  }
  size_t user_len = 0, pass_len = 0;
  NAPI_CALL(env, napi_get_value_string_utf8(env, a.argv[1], NULL, 0, &user_len));
  NAPI_CALL(env, napi_get_value_string_utf8(env, a.argv[2], NULL, 0, &pass_len));
  /* text "user\0pass", each written in place with its own terminator. */
  gnr_command *cmd = shim_command_new(a.st->id, a.id, GNR_CMD_LOGIN, NULL, user_len + pass_len + 2, NULL, 0);
  if (cmd == NULL) return push(env, NULL), NULL;
  char *text = (char *)cmd->text;
  if (napi_get_value_string_utf8(env, a.argv[1], text, user_len + 1, &user_len) != napi_ok ||
      napi_get_value_string_utf8(env, a.argv[2], text + user_len + 1, pass_len + 1, &pass_len) != napi_ok) {
    gnr_command_free(cmd);
    shim_throw_last_error(env);
    return NULL;
  }
  cmd->text_len = user_len + 1 + pass_len;
  cmd->flag = 1;
  shim_command_push(cmd);
  return NULL;
}

/* JS thread. flush(): hand Go the commands queued so far (one doorbell ring). */
static napi_value flush(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  shim_command_flush();
  return NULL;
}

/* JS thread. flushStores(): write persistent cookies and cache indexes now
 * (called at process exit; enters Go directly, which only exit can afford). */
static napi_value flush_stores(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  GnrFlushStores();
  return NULL;
}

/* JS thread. stats() -> JSON string of the engine's diagnostic counters. */
static napi_value stats(napi_env env, napi_callback_info info) {
  (void)info;
  char *json = GnrStats();
  napi_value result;
  napi_status status = napi_create_string_utf8(env, json ? json : "{}", NAPI_AUTO_LENGTH, &result);
  free(json);
  NAPI_CALL(env, status);
  return result;
}

/* JS thread. liveRequests() -> requests the engine still holds (diagnostic). */
static napi_value live_requests(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  NAPI_CALL(env, napi_create_int64(env, GnrLiveRequests(), &result));
  return result;
}

napi_status shim_define_request_functions(napi_env env, napi_value exports, env_state *st) {
  napi_property_descriptor props[] = {
      {"start", NULL, start, NULL, NULL, NULL, napi_enumerable, st},
      {"call", NULL, call, NULL, NULL, NULL, napi_enumerable, st},
      {"newId", NULL, new_id, NULL, NULL, NULL, napi_enumerable, st},
      {"write", NULL, write_body, NULL, NULL, NULL, napi_enumerable, st},
      {"endBody", NULL, end_body, NULL, NULL, NULL, napi_enumerable, st},
      {"grant", NULL, grant, NULL, NULL, NULL, napi_enumerable, st},
      {"cancel", NULL, cancel, NULL, NULL, NULL, napi_enumerable, st},
      {"followRedirect", NULL, follow_redirect, NULL, NULL, NULL, napi_enumerable, st},
      {"certVerdict", NULL, cert_verdict, NULL, NULL, NULL, napi_enumerable, st},
      {"login", NULL, login, NULL, NULL, NULL, napi_enumerable, st},
      {"flush", NULL, flush, NULL, NULL, NULL, napi_enumerable, st},
      {"flushStores", NULL, flush_stores, NULL, NULL, NULL, napi_enumerable, st},
      {"liveRequests", NULL, live_requests, NULL, NULL, NULL, napi_enumerable, st},
      {"stats", NULL, stats, NULL, NULL, NULL, napi_enumerable, st},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

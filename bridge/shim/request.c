/* The functions JS calls: start, write, endBody, grant, cancel,
 * followRedirect, login, liveRequests. Requests are ids (numbers). */
#include <stdlib.h>
#include <string.h>

#include "libgonetrequest.h"
#include "napi_call.h"
#include "shim.h"

#define MAX_ARGS 3

typedef struct call_args {
  size_t argc;
  napi_value argv[MAX_ARGS];
  env_state *st;
} call_args;

/* JS thread. */
static bool get_args(napi_env env, napi_callback_info info, call_args *a) {
  a->argc = MAX_ARGS;
  return napi_get_cb_info(env, info, &a->argc, a->argv, NULL, (void **)&a->st) == napi_ok;
}

/* JS thread. Reads argv[i] as a request id. */
static bool get_id(napi_env env, call_args *a, size_t i, uint64_t *id) {
  int64_t v = 0;
  if (i >= a->argc || napi_get_value_int64(env, a->argv[i], &v) != napi_ok || v <= 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "request id must be a positive number");
    return false;
  }
  *id = (uint64_t)v;
  return true;
}

/* JS thread. Copies a JS string as UTF-8 into malloc'd memory (caller frees). */
static char *get_utf8(napi_env env, napi_value v, size_t *len) {
  if (napi_get_value_string_utf8(env, v, NULL, 0, len) != napi_ok) return NULL;
  char *buf = malloc(*len + 1);
  if (buf == NULL) return NULL;
  if (napi_get_value_string_utf8(env, v, buf, *len + 1, len) != napi_ok) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* JS thread. start(spec: string, body: Buffer | null) -> id */
static napi_value start(napi_env env, napi_callback_info info) {
  call_args a;
  NAPI_CALL(env, get_args(env, info, &a) ? napi_ok : napi_generic_failure);
  if (a.argc < 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "start(spec, body) needs two arguments");
    return NULL;
  }
  size_t spec_len = 0;
  char *spec = get_utf8(env, a.argv[0], &spec_len);
  if (spec == NULL) {
    shim_throw_last_error(env);
    return NULL;
  }
  void *body = NULL;
  size_t body_len = 0;
  bool is_buffer = false;
  if (napi_is_buffer(env, a.argv[1], &is_buffer) != napi_ok ||
      (is_buffer && napi_get_buffer_info(env, a.argv[1], &body, &body_len) != napi_ok)) {
    free(spec);
    shim_throw_last_error(env);
    return NULL;
  }
  /* Go copies spec and body during the call. */
  uint64_t id = GnrStart(a.st->id, spec, spec_len, body, body_len);
  free(spec);
  shim_request_started(env, a.st);
  napi_value result;
  NAPI_CALL(env, napi_create_double(env, (double)id, &result));
  return result;
}

/* JS thread. write(id, chunk: Buffer) -> GNR_WRITE_* */
static napi_value write_body(napi_env env, napi_callback_info info) {
  call_args a;
  uint64_t id;
  NAPI_CALL(env, get_args(env, info, &a) ? napi_ok : napi_generic_failure);
  if (!get_id(env, &a, 0, &id)) return NULL;
  void *data = NULL;
  size_t len = 0;
  bool is_buffer = false;
  NAPI_CALL(env, a.argc >= 2 ? napi_is_buffer(env, a.argv[1], &is_buffer) : napi_invalid_arg);
  if (!is_buffer) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "write(id, chunk) needs a Buffer");
    return NULL;
  }
  NAPI_CALL(env, napi_get_buffer_info(env, a.argv[1], &data, &len));
  int answer = GnrWrite(id, data, len);
  napi_value result;
  NAPI_CALL(env, napi_create_int32(env, answer, &result));
  return result;
}

/* JS thread. endBody(id) */
static napi_value end_body(napi_env env, napi_callback_info info) {
  call_args a;
  uint64_t id;
  NAPI_CALL(env, get_args(env, info, &a) ? napi_ok : napi_generic_failure);
  if (!get_id(env, &a, 0, &id)) return NULL;
  GnrEndBody(id);
  return NULL;
}

/* JS thread. grant(id, bytes) */
static napi_value grant(napi_env env, napi_callback_info info) {
  call_args a;
  uint64_t id;
  int64_t bytes = 0;
  NAPI_CALL(env, get_args(env, info, &a) ? napi_ok : napi_generic_failure);
  if (!get_id(env, &a, 0, &id)) return NULL;
  NAPI_CALL(env, a.argc >= 2 ? napi_get_value_int64(env, a.argv[1], &bytes) : napi_invalid_arg);
  GnrGrant(id, bytes);
  return NULL;
}

/* JS thread. cancel(id) */
static napi_value cancel(napi_env env, napi_callback_info info) {
  call_args a;
  uint64_t id;
  NAPI_CALL(env, get_args(env, info, &a) ? napi_ok : napi_generic_failure);
  if (!get_id(env, &a, 0, &id)) return NULL;
  GnrCancel(id);
  return NULL;
}

/* JS thread. followRedirect(id, follow: boolean) */
static napi_value follow_redirect(napi_env env, napi_callback_info info) {
  call_args a;
  uint64_t id;
  bool follow = false;
  NAPI_CALL(env, get_args(env, info, &a) ? napi_ok : napi_generic_failure);
  if (!get_id(env, &a, 0, &id)) return NULL;
  NAPI_CALL(env, a.argc >= 2 ? napi_get_value_bool(env, a.argv[1], &follow) : napi_invalid_arg);
  GnrFollowRedirect(id, follow ? 1 : 0);
  return NULL;
}

/* JS thread. login(id, username?, password?): both strings retry, else cancel. */
static napi_value login(napi_env env, napi_callback_info info) {
  call_args a;
  uint64_t id;
  NAPI_CALL(env, get_args(env, info, &a) ? napi_ok : napi_generic_failure);
  if (!get_id(env, &a, 0, &id)) return NULL;
  napi_valuetype user_type = napi_undefined, pass_type = napi_undefined;
  if (a.argc >= 2) NAPI_CALL(env, napi_typeof(env, a.argv[1], &user_type));
  if (a.argc >= 3) NAPI_CALL(env, napi_typeof(env, a.argv[2], &pass_type));
  if (user_type != napi_string || pass_type != napi_string) {
    GnrLogin(id, 0, NULL, 0, NULL, 0);
    return NULL;
  }
  size_t user_len = 0, pass_len = 0;
  char *user = get_utf8(env, a.argv[1], &user_len);
  char *pass = get_utf8(env, a.argv[2], &pass_len);
  if (user && pass) GnrLogin(id, 1, user, user_len, pass, pass_len);
  free(user);
  free(pass);
  if (!user || !pass) shim_throw_last_error(env);
  return NULL;
}

/* JS thread. liveRequests() -> number of requests the engine holds (diagnostic). */
static napi_value live_requests(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  NAPI_CALL(env, napi_create_int64(env, GnrLiveRequests(), &result));
  return result;
}

napi_status shim_define_request_functions(napi_env env, napi_value exports, env_state *st) {
  napi_property_descriptor props[] = {
      {"start", NULL, start, NULL, NULL, NULL, napi_enumerable, st},
      {"write", NULL, write_body, NULL, NULL, NULL, napi_enumerable, st},
      {"endBody", NULL, end_body, NULL, NULL, NULL, napi_enumerable, st},
      {"grant", NULL, grant, NULL, NULL, NULL, napi_enumerable, st},
      {"cancel", NULL, cancel, NULL, NULL, NULL, napi_enumerable, st},
      {"followRedirect", NULL, follow_redirect, NULL, NULL, NULL, napi_enumerable, st},
      {"login", NULL, login, NULL, NULL, NULL, napi_enumerable, st},
      {"liveRequests", NULL, live_requests, NULL, NULL, NULL, napi_enumerable, st},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

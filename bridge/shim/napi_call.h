/* Status-checking macros: one per return convention, so no napi_status
 * goes unchecked. */
#ifndef GNR_NAPI_CALL_H
#define GNR_NAPI_CALL_H

#include <node_api.h>

/* JS thread. Throws the last N-API error unless an exception is pending. */
void shim_throw_last_error(napi_env env);

/* In a napi_callback: on failure throw (unless one is pending) and return NULL. */
#define NAPI_CALL(env, call)              \
  do {                                    \
    if ((call) != napi_ok) {              \
      shim_throw_last_error(env);         \
      return NULL;                        \
    }                                     \
  } while (0)

/* In a void function: on failure throw (unless one is pending) and return. */
#define NAPI_CALL_VOID(env, call)         \
  do {                                    \
    if ((call) != napi_ok) {              \
      shim_throw_last_error(env);         \
      return;                             \
    }                                     \
  } while (0)

/* Where nothing can be thrown (teardown): on failure just go to the label. */
#define NAPI_CALL_GOTO(call, label)       \
  do {                                    \
    if ((call) != napi_ok) goto label;    \
  } while (0)

#endif

/* Windows only: fills the N-API table of napi_win.h from the host
 * process's exports (see there why). POSIX: the loader binds napi_* to the
 * host's (platform_posix.c). */
#include <stdio.h>
#include <windows.h>

#include "shim.h"

struct gnr_napi_table gnr_napi;

/* The modules that may export N-API: the host executable (node.exe,
 * electron.exe, whatever its name), else a Node built as a DLL. */
static const wchar_t *const g_napi_modules[] = {NULL, L"libnode.dll", L"node.dll"};

static FARPROC find_napi(const char *name) {
  for (size_t i = 0; i < sizeof g_napi_modules / sizeof g_napi_modules[0]; i++) {
    HMODULE module = GetModuleHandleW(g_napi_modules[i]);
    FARPROC fn = module ? GetProcAddress(module, name) : NULL;
    if (fn) return fn;
  }
  return NULL;
}

/* Every module init (JS thread) until one succeeds: threads that load the
 * addon at once write the same values, and a thread that sees `resolved`
 * set sees the whole table (the interlocked write is a full barrier). */
bool shim_resolve_napi(napi_env env) {
  static volatile LONG resolved;
  if (resolved) return true;
  const char *missing = NULL;
#define GNR_NAPI_RESOLVE(name)                                              \
  gnr_napi.p_##name = (__typeof__(gnr_napi.p_##name))(void *)find_napi(#name); \
  if (gnr_napi.p_##name == NULL && missing == NULL) missing = #name;
  GNR_NAPI_FUNCTIONS(GNR_NAPI_RESOLVE)
#undef GNR_NAPI_RESOLVE
  if (missing) {
    /* Throw when the host has at least that. */
    if (gnr_napi.p_napi_throw_error) {
      char message[160];
      snprintf(message, sizeof message, "go-net-request: the host process exports no %s (is it a Node.js or Electron host?)", missing);
      gnr_napi.p_napi_throw_error(env, "ERR_GO_NET_REQUEST_LOAD", message);
    }
    return false;
  }
  InterlockedExchange(&resolved, 1);
  return true;
}

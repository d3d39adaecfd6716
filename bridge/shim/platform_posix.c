/* The POSIX forms of the shim's platform parts (shim.h): the command
 * doorbell is an eventfd (a pipe where there is none), and the addon pins
 * itself with dlopen. Windows: platform_win.c. */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#if defined(__linux__) && !defined(GNR_DOORBELL_PIPE)
#include <sys/eventfd.h>
#else
#include <fcntl.h>
#endif

#include "shim.h"

static int q_doorbell = -1; /* the end the host writes; created once, never closed */

/* Once, before Go starts: the end of the doorbell Go reads (-1 when none
 * could be made; Go then polls). */
int shim_doorbell_open(void) {
#if defined(__linux__) && !defined(GNR_DOORBELL_PIPE)
  q_doorbell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return q_doorbell;
#else
  int ends[2];
  if (pipe(ends) != 0) return -1;
  for (int i = 0; i < 2; i++) {
    fcntl(ends[i], F_SETFL, fcntl(ends[i], F_GETFL) | O_NONBLOCK);
    fcntl(ends[i], F_SETFD, FD_CLOEXEC);
  }
  q_doorbell = ends[1];
  return ends[0];
#endif
}

void shim_doorbell_ring(void) {
  uint64_t one = 1;
  /* Only EINTR needs a retry: a full pipe has rung already. */
  while (write(q_doorbell, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

/* A reference to itself that is never released, and RTLD_NODELETE where
 * the loader has it. */
bool shim_pin_addon(void) {
  Dl_info self;
  if (dladdr((void *)&shim_pin_addon, &self) == 0 || self.dli_fname == NULL) return false;
  return dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) != NULL;
}

/* The dynamic loader bound napi_* to the host's, whatever its name. */
bool shim_resolve_napi(napi_env env) {
  (void)env;
  return true;
}

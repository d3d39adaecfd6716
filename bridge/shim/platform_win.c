/* The Windows forms of the shim's platform parts (shim.h). POSIX:
 * platform_posix.c.
 *
 * Go's poller on Windows is an I/O completion port, which waits only on
 * handles Go itself opened: so Go makes the doorbell, a connected loopback
 * TCP pair (GnrOpenDoorbell, bridge/doorbell_windows.go), reads one end
 * through its poller and hands the host the other, on which a ring is one
 * byte sent. */
#include <winsock2.h>
#include <windows.h>

#include "libgonetrequest.h"
#include "shim.h"

static SOCKET q_doorbell = INVALID_SOCKET; /* the end the host sends on; never closed */

int shim_doorbell_open(void) {
  q_doorbell = (SOCKET)GnrOpenDoorbell();
  /* GnrInit's doorbell argument is unused here: Go keeps its own end. */
  return q_doorbell == INVALID_SOCKET ? -1 : 0;
}

void shim_doorbell_ring(void) {
  /* Blocking, and it never waits: one byte is unread at most per take. It
   * fails only when the pair broke, and then Go's read of its end fails
   * too and Go polls. */
  char one = 1;
  (void)send(q_doorbell, &one, 1, 0);
}

/* GET_MODULE_HANDLE_EX_FLAG_PIN: the module stays loaded until the process
 * ends, whatever FreeLibrary calls follow. */
bool shim_pin_addon(void) {
  HMODULE self;
  return GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                            (LPCWSTR)(void *)&shim_pin_addon, &self) != 0;
}

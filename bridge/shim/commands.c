/* The command queue, host -> Go. JS-thread functions push; one Go
 * goroutine takes. Pushing never enters Go, so the JS thread never waits for
 * Go's scheduler.
 *
 * The doorbell is an eventfd (a pipe where there is none) that Go's network
 * poller watches. Writing it costs a plain syscall while Go is busy (no
 * thread sleeps on it: whichever Go thread polls next sees it); only an idle
 * Go runtime pays a thread wake-up. A condition variable would wake a dedicated thread on every
 * flush, tens of microseconds of CPU on the JS thread of a small VM. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__) && !defined(GNR_DOORBELL_PIPE)
#include <sys/eventfd.h>
#else
#include <fcntl.h>
#endif

#include "shim.h"

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static gnr_command *q_head, *q_tail;
static int q_rung;          /* the doorbell was rung for the commands queued; cleared by take */
static int q_polled;        /* Go polls: it takes again without a ring (see gnr_take_fn) */
static int q_doorbell = -1; /* the end the host writes; created once, never closed */

/* Once, before Go starts: the end of the doorbell Go reads (-1 when none
 * could be made; Go then polls). */
int shim_command_doorbell(void) {
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

/* Any thread. Allocates a command block with room for text and data, copied
 * in; a NULL text with a length reserves that room for the caller to fill. */
gnr_command *shim_command_new(uint64_t env, uint64_t request, int32_t kind, const char *text, size_t text_len,
                              const void *data, size_t data_len) {
  /* Upload chunks recycle blocks (see bridge/chunks.c); the rest are small. */
  int pooled = kind == GNR_CMD_WRITE && text_len + data_len <= GNR_CHUNK_CAPACITY;
  gnr_command *cmd = pooled ? gnr_chunk_command_alloc() : malloc(sizeof *cmd + text_len + data_len);
  if (cmd == NULL) return NULL;
  memset(cmd, 0, sizeof *cmd);
  cmd->pooled = pooled;
  cmd->env = env;
  cmd->request = request;
  cmd->kind = kind;
  char *tail = (char *)(cmd + 1);
  if (text_len > 0) {
    if (text) memcpy(tail, text, text_len);
    cmd->text = tail;
    cmd->text_len = text_len;
  }
  if (data_len > 0) {
    memcpy(tail + text_len, data, data_len);
    cmd->data = tail + text_len;
    cmd->data_len = data_len;
  }
  return cmd;
}

/* Any thread. Queues cmd (ownership passes to Go) without waking Go: the
 * pusher calls shim_command_flush once it has pushed a batch. */
void shim_command_push(gnr_command *cmd) {
  cmd->next = NULL;
  pthread_mutex_lock(&q_lock);
  if (q_tail) q_tail->next = cmd; else q_head = cmd;
  q_tail = cmd;
  pthread_mutex_unlock(&q_lock);
}

/* Any thread. Rings the doorbell for the commands pushed so far, once until
 * Go takes them. */
void shim_command_flush(void) {
  pthread_mutex_lock(&q_lock);
  int ring = q_head != NULL && !q_rung && !q_polled;
  if (ring) q_rung = 1;
  pthread_mutex_unlock(&q_lock);
  if (ring) {
    uint64_t one = 1;
    /* Only EINTR needs a retry: a full pipe has rung already. */
    while (write(q_doorbell, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
}

/* Go (through gnr_take_fn). Never blocks: returns every queued command,
 * oldest first, or NULL. */
gnr_command *shim_command_take(int poll) {
  pthread_mutex_lock(&q_lock);
  gnr_command *list = q_head;
  q_head = q_tail = NULL;
  q_rung = 0;
  q_polled = poll;
  pthread_mutex_unlock(&q_lock);
  return list;
}

/* The command queue, host -> Go. JS-thread functions push; one Go
 * goroutine takes. Pushing never enters Go, so the JS thread never waits for
 * Go's scheduler.
 *
 * The doorbell (platform_posix.c, platform_win.c) is something Go's network
 * poller waits on without a thread: an eventfd, a pipe, or on Windows a
 * loopback socket. Ringing it costs a plain syscall while Go is busy (no
 * thread sleeps on it: whichever Go thread polls next sees it); only an idle
 * Go runtime pays a thread wake-up. A condition variable would wake a
 * dedicated thread on every flush, tens of microseconds of CPU on the JS
 * thread of a small VM. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static gnr_command *q_head, *q_tail;
static int q_rung;   /* the doorbell was rung for the commands queued; cleared by take */
static int q_polled; /* Go polls: it takes again without a ring (see gnr_take_fn) */

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
  if (ring) shim_doorbell_ring();
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

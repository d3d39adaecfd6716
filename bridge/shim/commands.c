/* The command queue, host -> Go. JS-thread functions push; one Go thread
 * takes (blocking while empty). Pushing never enters Go, so the JS thread
 * never waits for Go's scheduler. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static gnr_command *q_head, *q_tail;
static int q_sleeping; /* the Go thread waits on q_cond */

/* Any thread. Allocates a command block with room for text and data, copied
 * in; a NULL text with a length reserves that room for the caller to fill. */
gnr_command *shim_command_new(uint64_t env, uint64_t request, int32_t kind, const char *text, size_t text_len,
                              const void *data, size_t data_len) {
  gnr_command *cmd = malloc(sizeof *cmd + text_len + data_len);
  if (cmd == NULL) return NULL;
  memset(cmd, 0, sizeof *cmd);
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

/* Any thread. Wakes the Go thread if it sleeps with commands queued. A
 * wake-up costs tens of microseconds of CPU on small VMs, so JS rings once
 * per tick for all the commands of that tick. */
void shim_command_flush(void) {
  pthread_mutex_lock(&q_lock);
  int wake = q_sleeping && q_head != NULL;
  if (wake) q_sleeping = 0;
  pthread_mutex_unlock(&q_lock);
  if (wake) pthread_cond_signal(&q_cond);
}

/* The Go command thread (through gnr_take_fn). Blocks until commands are
 * queued, then returns them all, oldest first. */
gnr_command *shim_command_take(void) {
  pthread_mutex_lock(&q_lock);
  while (q_head == NULL) {
    q_sleeping = 1;
    pthread_cond_wait(&q_cond, &q_lock);
  }
  gnr_command *list = q_head;
  q_head = q_tail = NULL;
  pthread_mutex_unlock(&q_lock);
  return list;
}

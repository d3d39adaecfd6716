/* Body-chunk blocks, recycled, for both directions: DATA events (Go reads a
 * response chunk into one, the JS thread copies it out) and WRITE commands
 * (the JS thread copies an upload chunk in, Go writes it to the socket).
 * A fresh block for every chunk made the allocator give pages back to the
 * kernel and fault them in again (each block is allocated on one thread
 * and freed on another), which cost more than the copies. Plain C, so the
 * host calls it without entering Go. */
#include <pthread.h>
#include <stdlib.h>

#include "bridge.h"

/* Room for either struct before the data. */
enum { BLOCK_HEADER = 128, BLOCK_BYTES = BLOCK_HEADER + GNR_CHUNK_CAPACITY };
_Static_assert(sizeof(gnr_event) <= BLOCK_HEADER, "gnr_event outgrew the block header");
_Static_assert(sizeof(gnr_command) <= BLOCK_HEADER, "gnr_command outgrew the block header");

/* A download window's worth in flight; more are freed. */
enum { POOL_MAX = GNR_RESPONSE_WINDOW / GNR_CHUNK_CAPACITY };

typedef union block {
  union block *next;
  char bytes[BLOCK_BYTES];
} block;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static block *pool_head;
static int pool_count;

static void *block_alloc(void) {
  pthread_mutex_lock(&pool_lock);
  block *b = pool_head;
  if (b) {
    pool_head = b->next;
    pool_count--;
  }
  pthread_mutex_unlock(&pool_lock);
  return b ? (void *)b : malloc(sizeof(block));
}

static void block_free(void *p) {
  pthread_mutex_lock(&pool_lock);
  if (pool_count < POOL_MAX) {
    block *b = p;
    b->next = pool_head;
    pool_head = b;
    pool_count++;
    p = NULL;
  }
  pthread_mutex_unlock(&pool_lock);
  free(p);
}

gnr_event *gnr_chunk_event_alloc(void) {
  gnr_event *ev = block_alloc();
  if (ev) ev->pooled = 1;
  return ev;
}

gnr_command *gnr_chunk_command_alloc(void) {
  gnr_command *cmd = block_alloc();
  if (cmd) cmd->pooled = 1;
  return cmd;
}

void gnr_event_free(gnr_event *ev) {
  if (ev && ev->pooled) block_free(ev);
  else free(ev);
}

void gnr_command_free(gnr_command *cmd) {
  if (cmd && cmd->pooled) block_free(cmd);
  else free(cmd);
}

void gnr_chunk_pool_drain(void) {
  pthread_mutex_lock(&pool_lock);
  block *list = pool_head;
  pool_head = NULL;
  pool_count = 0;
  pthread_mutex_unlock(&pool_lock);
  while (list) {
    block *next = list->next;
    free(list);
    list = next;
  }
}

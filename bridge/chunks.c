/* Body-chunk event blocks, recycled. A fresh block for every chunk made the
 * allocator hand pages back to the kernel and fault them in again (blocks
 * are allocated on Go's threads and freed on the JS thread), which cost
 * more than the copy into JS. Plain C, so the host calls it without
 * entering Go. */
#include <pthread.h>
#include <stdlib.h>

#include "bridge.h"

/* Enough for one response's window in flight (4 MiB); more are freed. */
enum { CHUNK_POOL_MAX = 64 };

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static gnr_event *pool_head;
static int pool_count;

gnr_event *gnr_chunk_alloc(void) {
  pthread_mutex_lock(&pool_lock);
  gnr_event *ev = pool_head;
  if (ev) {
    pool_head = ev->next;
    pool_count--;
  }
  pthread_mutex_unlock(&pool_lock);
  if (ev == NULL) ev = malloc(sizeof *ev + GNR_CHUNK_CAPACITY);
  return ev;
}

void gnr_event_free(gnr_event *ev) {
  if (ev == NULL) return;
  if (ev->pooled) {
    pthread_mutex_lock(&pool_lock);
    if (pool_count < CHUNK_POOL_MAX) {
      ev->next = pool_head;
      pool_head = ev;
      pool_count++;
      ev = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
  }
  free(ev);
}

void gnr_chunk_pool_drain(void) {
  pthread_mutex_lock(&pool_lock);
  gnr_event *list = pool_head;
  pool_head = NULL;
  pool_count = 0;
  pthread_mutex_unlock(&pool_lock);
  while (list) {
    gnr_event *next = list->next;
    free(list);
    list = next;
  }
}

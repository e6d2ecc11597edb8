// dploy's TFTP transfer engine: what the engine threads (tftp-engine.c) and
// the Node-API binding (tftp-binding.c) share. See tftp-engine.c for why it
// is C and what it does.

#ifndef DPLOY_TFTP_ENGINE_H
#define DPLOY_TFTP_ENGINE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <node_api.h>


#define OP_DATA 3
#define OP_ACK 4
#define OP_ERROR 5
#define MAX_BACKOFF 8
#define MIN_LONGEST_WAIT_MS 6000
/* Timers are checked at least this often while transfers run; a retransmission leaves at most this late. */
#define TIMER_SCAN_MS 10
#define EVENTS_PER_WAIT 256
/* sendmmsg batch: a window is sent in bursts of at most this many datagrams. */
#define BURST 64
#define DETAIL_LEN 200
#define MAX_THREADS 64

enum outcome { OUT_COMPLETED, OUT_TIMEOUT, OUT_DEADLINE, OUT_CLIENT_ERROR, OUT_ABORTED, OUT_FAILED };

typedef struct transfer {
  uint32_t id;
  int fd;          /* connected to the client: DATA out, its ACKs and ERRORs in */
  int stranger_fd; /* same port, unconnected: anyone else gets ERROR 5 */
  const uint8_t *bytes; /* owned by JavaScript, which keeps the Buffer until the end is reported */
  uint64_t size;
  uint32_t blksize, windowsize;
  uint8_t *oack;
  size_t oack_len;
  uint32_t retransmit_ms, max_retries;
  int64_t base, sent_up_to, last_block;
  uint32_t retries, interval;
  int64_t due_ms, deadline_at;
  uint32_t deadline_ms;
  uint64_t bytes_sent, packets_sent, retransmits;
  int ended;
  enum outcome outcome;
  char detail[DETAIL_LEN];
  struct transfer *prev, *next;
} transfer_t;

typedef struct command {
  enum { CMD_START, CMD_ABORT } kind;
  transfer_t *transfer; /* CMD_START */
  uint32_t id;          /* CMD_ABORT */
  char reason[DETAIL_LEN];
  bool quiet;           /* CMD_ABORT: no ERROR to the client (a superseded transfer: the client moved on) */
  struct command *next;
} command_t;

/* What goes back to JavaScript when a transfer ends. */
typedef struct ended {
  uint32_t id;
  enum outcome outcome;
  char detail[DETAIL_LEN];
  double bytes_sent, packets_sent, retransmits;
} ended_t;

struct engine;

typedef struct worker {
  struct engine *engine;
  pthread_t thread;
  int epfd, evfd;
  pthread_mutex_t lock;
  command_t *commands, *commands_tail;
  int stopping;             /* under lock */
  transfer_t *transfers;    /* engine thread only */
  transfer_t *graveyard;    /* ended this round, freed after the round's events */
  _Atomic uint32_t active;  /* queued + running */
  /* Blocks its transfers still have to send (recounted every timer scan; new ones added as queued): the choice of thread. */
  _Atomic int64_t outstanding;
  _Atomic uint64_t bytes_sent, packets_sent, retransmits;
} worker_t;

typedef struct engine {
  int threads;
  worker_t workers[MAX_THREADS];
  napi_threadsafe_function on_end;
  int closed;
} engine_t;


/* The engine thread's loop; arg is its worker_t. */
void *engine_thread(void *arg);
/* Queues a command for a thread and wakes it (any thread may call it). */
void queue_command(worker_t *w, command_t *c);
/* Tells every thread to abort its transfers and stop, then joins them. */
void stop_threads(engine_t *engine);

#endif

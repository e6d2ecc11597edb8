// dploy's TFTP transfer engine: the per-packet loop of a read transfer in C.
//
// Why C: in a lock-step boot storm on a small server the CPU spent per
// DATA+ACK pair decides throughput, and node:dgram's fixed work per datagram
// (the callback into JavaScript, the rinfo object, a Buffer per receive, a
// SendWrap per send) costs about three times tftpd-hpa's whole C loop
// (docs/benchmarks.md, perf). Everything that is policy stays in TypeScript
// (plugin/tftp): the listeners on port 69, the route chain and live boot
// configs, path confinement, option negotiation, the transfer bound, logging.
// A transfer is handed here once its bytes are in memory and its plan is
// known; this file only moves those bytes to the client and says how it ended.
//
// The protocol is the one plugin/tftp/transfer.ts implements (that file is
// the reference; keep both in step): windows of DATA (RFC 7440; window 1 is
// RFC 1350 lock-step), only an ACK that moves the window sends anything (no
// sorcerer's apprentice), lost packets resent by the timer with a doubling
// interval (up to 8x, at least 6 s), block numbers wrapping 65535 -> 0,
// ERROR 5 to strangers on the transfer's port, ECONNREFUSED on the connected
// socket ending the transfer (the client is gone).
//
// Threads: `threads` engine threads, each with its own epoll set; a transfer
// goes to the one with the fewest. The JavaScript thread opens the transfer's
// two sockets itself (so a bind error is thrown where it can be reported) and
// queues the transfer to its thread through a mutex-guarded list and an
// eventfd. Ends come back through a N-API thread-safe function.

#define _GNU_SOURCE
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
static const char *const OUTCOME_NAMES[] = { "completed", "timeout", "deadline", "client-error", "aborted", "failed" };

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

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- engine thread ---------------------------------------------------- */

static void count(worker_t *w, transfer_t *t, uint64_t bytes, uint64_t packets, uint64_t retransmits) {
  t->bytes_sent += bytes;
  t->packets_sent += packets;
  t->retransmits += retransmits;
  atomic_fetch_add_explicit(&w->bytes_sent, bytes, memory_order_relaxed);
  atomic_fetch_add_explicit(&w->packets_sent, packets, memory_order_relaxed);
  atomic_fetch_add_explicit(&w->retransmits, retransmits, memory_order_relaxed);
}

static void end_transfer(worker_t *w, transfer_t *t, enum outcome outcome, const char *detail) {
  if (t->ended) return;
  t->ended = 1;
  t->outcome = outcome;
  snprintf(t->detail, sizeof t->detail, "%s", detail);
  close(t->fd); /* closing removes both from the epoll set */
  close(t->stranger_fd);
  if (t->prev) t->prev->next = t->next; else w->transfers = t->next;
  if (t->next) t->next->prev = t->prev;
  t->prev = NULL;
  t->next = w->graveyard;
  w->graveyard = t;
}

/* An error that is the client's doing ends the transfer as client-error, others as failed. */
static void end_on_socket_error(worker_t *w, transfer_t *t, int err) {
  if (err == ECONNREFUSED) return end_transfer(w, t, OUT_CLIENT_ERROR, "client port closed");
  end_transfer(w, t, OUT_FAILED, strerror(err));
}

/* Printable ASCII only, as packet.ts's printable(): a client's text never reaches a log raw. */
static void printable(char *out, size_t out_len, const uint8_t *in, size_t in_len) {
  size_t n = 0;
  for (size_t i = 0; i < in_len && in[i] != 0 && n + 1 < out_len && n < 128; i++) out[n++] = (in[i] >= 0x20 && in[i] <= 0x7e) ? (char)in[i] : '?';
  out[n] = 0;
}

static void send_error(int fd, uint16_t code, const char *message) {
  uint8_t packet[4 + DETAIL_LEN + 1];
  size_t len = strnlen(message, DETAIL_LEN);
  packet[0] = 0;
  packet[1] = OP_ERROR;
  packet[2] = code >> 8;
  packet[3] = code & 0xff;
  for (size_t i = 0; i < len; i++) packet[4 + i] = (message[i] >= 0x20 && message[i] <= 0x7e) ? (uint8_t)message[i] : '?';
  packet[4 + len] = 0;
  (void)send(fd, packet, 5 + len, MSG_DONTWAIT);
}

/* Sends the window from base; blocks already sent once count as retransmissions. */
static void send_window(worker_t *w, transfer_t *t, int64_t now) {
  int64_t from = t->base;
  int64_t to = from + t->windowsize - 1;
  if (to > t->last_block) to = t->last_block;
  uint8_t headers[BURST][4];
  struct iovec iov[BURST][2];
  struct mmsghdr msgs[BURST];
  int64_t block = from;
  while (block <= to) {
    int n = 0;
    uint64_t bytes = 0;
    for (; block <= to && n < BURST; block++, n++) {
      uint64_t offset = (uint64_t)(block - 1) * t->blksize;
      uint64_t len = offset >= t->size ? 0 : (t->size - offset < t->blksize ? t->size - offset : t->blksize);
      headers[n][0] = 0;
      headers[n][1] = OP_DATA;
      headers[n][2] = (block >> 8) & 0xff; /* wraps 65535 -> 0, as tftpd-hpa */
      headers[n][3] = block & 0xff;
      iov[n][0].iov_base = headers[n];
      iov[n][0].iov_len = 4;
      iov[n][1].iov_base = (void *)(t->bytes + (len ? offset : 0));
      iov[n][1].iov_len = len;
      memset(&msgs[n], 0, sizeof msgs[n]);
      msgs[n].msg_hdr.msg_iov = iov[n];
      msgs[n].msg_hdr.msg_iovlen = 2;
      bytes += len;
    }
    int64_t first = block - n;
    int sent;
    if (n == 1) {
      sent = sendmsg(t->fd, &msgs[0].msg_hdr, MSG_DONTWAIT) < 0 ? -1 : 1;
    } else {
      sent = sendmmsg(t->fd, msgs, n, MSG_DONTWAIT);
    }
    if (sent < 0) {
      /* A full socket buffer: the rest of the window waits for the timer (or the client's next ACK). */
      if (errno == EAGAIN || errno == ENOBUFS) break;
      return end_on_socket_error(w, t, errno);
    }
    if (sent < n) {
      bytes = 0;
      for (int i = 0; i < sent; i++) bytes += iov[i][1].iov_len;
    }
    int64_t last = first + sent - 1;
    uint64_t again = first <= t->sent_up_to ? (uint64_t)((last < t->sent_up_to ? last : t->sent_up_to) - first + 1) : 0;
    count(w, t, bytes, (uint64_t)sent, again);
    if (last > t->sent_up_to) t->sent_up_to = last;
    if (sent < n) break;
  }
  t->due_ms = now + t->interval;
}

static void send_oack(worker_t *w, transfer_t *t, int64_t now) {
  if (send(t->fd, t->oack, t->oack_len, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS) return end_on_socket_error(w, t, errno);
  count(w, t, 0, 1, 0);
  t->due_ms = now + t->interval;
}

static void on_client_packet(worker_t *w, transfer_t *t, int64_t now) {
  uint8_t buf[1024];
  ssize_t n = recv(t->fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return end_on_socket_error(w, t, errno);
  }
  if (n >= 4 && buf[0] == 0 && buf[1] == OP_ERROR) {
    char text[160], detail[DETAIL_LEN];
    printable(text, sizeof text, buf + 4, (size_t)n - 4);
    snprintf(detail, sizeof detail, "%u %s", (buf[2] << 8) | buf[3], text);
    return end_transfer(w, t, OUT_CLIENT_ERROR, detail);
  }
  if (n < 4 || buf[0] != 0 || buf[1] != OP_ACK) return; /* nothing a reading client should send: dropped */
  int64_t ack = (buf[2] << 8) | buf[3];
  int64_t acked = t->sent_up_to - (((t->sent_up_to & 0xffff) - ack) & 0xffff);
  if (acked < t->base) return; /* duplicate or stale: never resend on it */
  t->base = acked + 1;
  t->retries = 0;
  t->interval = t->retransmit_ms;
  if (acked >= t->last_block) return end_transfer(w, t, OUT_COMPLETED, "");
  send_window(w, t, now);
}

static void on_stranger_packet(transfer_t *t) {
  uint8_t buf[1024];
  struct sockaddr_storage from;
  socklen_t from_len = sizeof from;
  ssize_t n = recvfrom(t->stranger_fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &from_len);
  if (n < 0) return;
  if (n >= 4 && buf[0] == 0 && buf[1] == OP_ERROR) return; /* an ERROR is never answered */
  uint16_t port = from.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&from)->sin6_port : ((struct sockaddr_in *)&from)->sin_port;
  if (port == 0) return; /* forged, and unanswerable */
  static const char message[] = "\0\5\0\5unknown transfer ID";
  (void)sendto(t->stranger_fd, message, sizeof message, MSG_DONTWAIT, (struct sockaddr *)&from, from_len);
}

static void on_timers(worker_t *w, int64_t now) {
  transfer_t *next;
  int64_t outstanding = 0;
  for (transfer_t *t = w->transfers; t; t = next) {
    next = t->next;
    outstanding += t->last_block - t->base + 1;
    if (now >= t->deadline_at) {
      char detail[DETAIL_LEN];
      snprintf(detail, sizeof detail, "not finished within %u ms", t->deadline_ms);
      end_transfer(w, t, OUT_DEADLINE, detail);
      continue;
    }
    if (now < t->due_ms) continue;
    if (++t->retries > t->max_retries) {
      char detail[DETAIL_LEN];
      snprintf(detail, sizeof detail, "no ACK after %u retransmissions of block %lld", t->max_retries, (long long)t->base);
      end_transfer(w, t, OUT_TIMEOUT, detail);
      continue;
    }
    uint32_t longest = t->retransmit_ms * MAX_BACKOFF > MIN_LONGEST_WAIT_MS ? t->retransmit_ms * MAX_BACKOFF : MIN_LONGEST_WAIT_MS;
    t->interval = t->interval * 2 < longest ? t->interval * 2 : longest;
    if (t->base == 0 && t->oack) {
      count(w, t, 0, 0, 1);
      send_oack(w, t, now);
    } else {
      send_window(w, t, now);
    }
  }
  atomic_store_explicit(&w->outstanding, outstanding, memory_order_relaxed);
}

static void abort_transfer(worker_t *w, transfer_t *t, const char *reason) {
  send_error(t->fd, 0, reason);
  count(w, t, 0, 1, 0);
  end_transfer(w, t, OUT_ABORTED, reason);
}

static void begin(worker_t *w, transfer_t *t, int64_t now) {
  t->next = w->transfers;
  if (w->transfers) w->transfers->prev = t;
  w->transfers = t;
  struct epoll_event client = { .events = EPOLLIN, .data.ptr = t };
  struct epoll_event stranger = { .events = EPOLLIN, .data.ptr = (void *)((uintptr_t)t | 1) };
  if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, t->fd, &client) < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, t->stranger_fd, &stranger) < 0) {
    char detail[DETAIL_LEN];
    snprintf(detail, sizeof detail, "epoll: %s", strerror(errno));
    return end_transfer(w, t, OUT_FAILED, detail);
  }
  t->deadline_at = now + t->deadline_ms;
  if (t->oack) send_oack(w, t, now);
  else send_window(w, t, now);
}

/* Ends go to JavaScript; their structs are freed only now, after the round's events. */
static void bury(worker_t *w) {
  while (w->graveyard) {
    transfer_t *t = w->graveyard;
    w->graveyard = t->next;
    ended_t *e = malloc(sizeof *e);
    if (e) {
      e->id = t->id;
      e->outcome = t->outcome;
      memcpy(e->detail, t->detail, sizeof e->detail);
      e->bytes_sent = (double)t->bytes_sent;
      e->packets_sent = (double)t->packets_sent;
      e->retransmits = (double)t->retransmits;
      if (napi_call_threadsafe_function(w->engine->on_end, e, napi_tsfn_nonblocking) != napi_ok) free(e);
    }
    atomic_fetch_sub_explicit(&w->active, 1, memory_order_relaxed);
    free(t->oack);
    free(t);
  }
  if (!w->transfers) atomic_store_explicit(&w->outstanding, 0, memory_order_relaxed);
}

/* Returns 0 when the thread is told to stop. */
static int take_commands(worker_t *w, int64_t now) {
  uint64_t counter;
  (void)read(w->evfd, &counter, sizeof counter);
  pthread_mutex_lock(&w->lock);
  command_t *list = w->commands;
  int stopping = w->stopping;
  w->commands = w->commands_tail = NULL;
  pthread_mutex_unlock(&w->lock);
  while (list) {
    command_t *c = list;
    list = c->next;
    if (c->kind == CMD_START) {
      begin(w, c->transfer, now);
    } else {
      for (transfer_t *t = w->transfers; t; t = t->next) {
        if (t->id == c->id) {
          abort_transfer(w, t, c->reason);
          break;
        }
      }
    }
    free(c);
  }
  if (!stopping) return 1;
  while (w->transfers) abort_transfer(w, w->transfers, "server shutting down");
  return 0;
}

static void *engine_thread(void *arg) {
  worker_t *w = arg;
  struct epoll_event events[EVENTS_PER_WAIT];
  int64_t next_scan = now_ms() + TIMER_SCAN_MS;
  int running = 1;
  while (running) {
    int timeout = -1;
    if (w->transfers) {
      int64_t left = next_scan - now_ms();
      timeout = left < 0 ? 0 : (int)left;
    }
    int n = epoll_wait(w->epfd, events, EVENTS_PER_WAIT, timeout);
    int64_t now = now_ms();
    for (int i = 0; i < n; i++) {
      void *ptr = events[i].data.ptr;
      if (ptr == NULL) {
        running = take_commands(w, now);
        continue;
      }
      transfer_t *t = (transfer_t *)((uintptr_t)ptr & ~(uintptr_t)1);
      if (t->ended) continue; /* ended earlier in this round; freed after it */
      if ((uintptr_t)ptr & 1) on_stranger_packet(t);
      else on_client_packet(w, t, now);
    }
    if (now >= next_scan) {
      on_timers(w, now);
      next_scan = now + TIMER_SCAN_MS;
    }
    bury(w);
  }
  napi_release_threadsafe_function(w->engine->on_end, napi_tsfn_release);
  return NULL;
}

/* ---- JavaScript side ---------------------------------------------------- */

#define CHECK(env, call)                                                  \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      const napi_extended_error_info *info;                               \
      napi_get_last_error_info((env), &info);                             \
      napi_throw_error((env), NULL, info && info->error_message ? info->error_message : #call); \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

static napi_value throw_error(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

static void call_on_end(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  ended_t *e = data;
  if (env && callback) {
    napi_value argv[6], undefined;
    napi_create_uint32(env, e->id, &argv[0]);
    napi_create_string_utf8(env, OUTCOME_NAMES[e->outcome], NAPI_AUTO_LENGTH, &argv[1]);
    napi_create_string_utf8(env, e->detail, NAPI_AUTO_LENGTH, &argv[2]);
    napi_create_double(env, e->bytes_sent, &argv[3]);
    napi_create_double(env, e->packets_sent, &argv[4]);
    napi_create_double(env, e->retransmits, &argv[5]);
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, callback, 6, argv, NULL);
  }
  free(e);
}

static void stop_threads(engine_t *engine) {
  if (engine->closed) return;
  engine->closed = 1;
  for (int i = 0; i < engine->threads; i++) {
    worker_t *w = &engine->workers[i];
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_mutex_unlock(&w->lock);
    uint64_t one = 1;
    (void)write(w->evfd, &one, sizeof one);
  }
  for (int i = 0; i < engine->threads; i++) {
    worker_t *w = &engine->workers[i];
    pthread_join(w->thread, NULL);
    close(w->epfd);
    close(w->evfd);
    pthread_mutex_destroy(&w->lock);
  }
}

static void finalize_engine(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  engine_t *engine = data;
  stop_threads(engine);
  free(engine);
}

static engine_t *engine_arg(napi_env env, napi_value value) {
  engine_t *engine = NULL;
  if (napi_get_value_external(env, value, (void **)&engine) != napi_ok || !engine) {
    throw_error(env, "ERR_INVALID_ARG_TYPE", "not a TFTP engine");
    return NULL;
  }
  if (engine->closed) {
    throw_error(env, "ERR_TFTP_ENGINE_CLOSED", "the TFTP engine is closed");
    return NULL;
  }
  return engine;
}

/* create(threads, onEnd(id, outcome, detail, bytesSent, packetsSent, retransmits)) -> engine */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t threads = 0;
  if (argc < 2 || napi_get_value_uint32(env, argv[0], &threads) != napi_ok || threads < 1 || threads > MAX_THREADS) {
    return throw_error(env, "ERR_INVALID_ARG_VALUE", "threads must be 1-64");
  }
  engine_t *engine = calloc(1, sizeof *engine);
  if (!engine) return throw_error(env, "ENOMEM", "out of memory");
  napi_value name;
  napi_create_string_utf8(env, "dploy-tftp-engine", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, threads, NULL, NULL, NULL, call_on_end, &engine->on_end) != napi_ok) {
    free(engine);
    return throw_error(env, "ERR_INVALID_ARG_TYPE", "onEnd must be a function");
  }
  /* The listeners keep the process alive, not the engine. */
  napi_unref_threadsafe_function(env, engine->on_end);
  for (uint32_t i = 0; i < threads; i++) {
    worker_t *w = &engine->workers[i];
    w->engine = engine;
    pthread_mutex_init(&w->lock, NULL);
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event wake = { .events = EPOLLIN, .data.ptr = NULL };
    if (w->epfd < 0 || w->evfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &wake) < 0 || pthread_create(&w->thread, NULL, engine_thread, w) != 0) {
      /* Threads already started stop with the engine; this one never ran. */
      int err = errno;
      if (w->epfd >= 0) close(w->epfd);
      if (w->evfd >= 0) close(w->evfd);
      for (uint32_t rest = i; rest < threads; rest++) napi_release_threadsafe_function(engine->on_end, napi_tsfn_release);
      engine->threads = (int)i;
      stop_threads(engine);
      free(engine);
      return throw_error(env, "ERR_TFTP_ENGINE", strerror(err));
    }
    engine->threads = (int)i + 1;
    /* `top -H` and `ps -L` show which threads these are. */
    pthread_setname_np(w->thread, "dploy-tftp");
  }
  napi_value external;
  CHECK(env, napi_create_external(env, engine, finalize_engine, NULL, &external));
  return external;
}

static int string_arg(napi_env env, napi_value value, char *out, size_t len) {
  size_t written;
  return napi_get_value_string_utf8(env, value, out, len, &written) == napi_ok && written < len - 1;
}

static int resolve_numeric(const char *address, uint16_t port, struct sockaddr_storage *out, socklen_t *out_len) {
  struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_DGRAM }, *found;
  char service[8];
  snprintf(service, sizeof service, "%u", port);
  int rc = getaddrinfo(address, service, &hints, &found);
  if (rc != 0) return rc;
  memcpy(out, found->ai_addr, found->ai_addrlen);
  *out_len = found->ai_addrlen;
  freeaddrinfo(found);
  return 0;
}

static int bound_socket(const struct sockaddr_storage *local, socklen_t len) {
  int fd = socket(local->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 || bind(fd, (const struct sockaddr *)local, len) < 0) {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

/*
 * start(engine, id, localAddress, clientAddress, clientPort, bytes, blksize,
 *       windowsize, oack | null, retransmitMs, maxRetries, deadlineMs) -> local port
 * The transfer's TID as two sockets on one local port, as transfer-socket.ts:
 * one connected to the client (the kernel hands it the client's packets and
 * caches the route), one unconnected for everyone else.
 */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 12) return throw_error(env, "ERR_MISSING_ARGS", "start() takes 12 arguments");
  engine_t *engine = engine_arg(env, argv[0]);
  if (!engine) return NULL;
  uint32_t id, client_port, blksize, windowsize, retransmit_ms, max_retries, deadline_ms;
  char local_address[INET6_ADDRSTRLEN + 16], client_address[INET6_ADDRSTRLEN + 16];
  if (napi_get_value_uint32(env, argv[1], &id) != napi_ok || !string_arg(env, argv[2], local_address, sizeof local_address) ||
      !string_arg(env, argv[3], client_address, sizeof client_address) || napi_get_value_uint32(env, argv[4], &client_port) != napi_ok ||
      napi_get_value_uint32(env, argv[6], &blksize) != napi_ok || napi_get_value_uint32(env, argv[7], &windowsize) != napi_ok ||
      napi_get_value_uint32(env, argv[9], &retransmit_ms) != napi_ok || napi_get_value_uint32(env, argv[10], &max_retries) != napi_ok ||
      napi_get_value_uint32(env, argv[11], &deadline_ms) != napi_ok || client_port < 1 || client_port > 65535 || blksize < 8 ||
      blksize > 65464 || windowsize < 1 || windowsize > 65535 || retransmit_ms < 1) {
    return throw_error(env, "ERR_INVALID_ARG_VALUE", "bad transfer arguments");
  }
  bool is_typed;
  void *data = NULL;
  size_t size = 0;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, argv[5], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[5], &type, &size, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    return throw_error(env, "ERR_INVALID_ARG_TYPE", "bytes must be a Uint8Array");
  }
  napi_valuetype oack_type;
  napi_typeof(env, argv[8], &oack_type);
  uint8_t *oack = NULL;
  size_t oack_len = 0;
  if (oack_type != napi_null && oack_type != napi_undefined) {
    void *oack_data;
    if (napi_get_typedarray_info(env, argv[8], &type, &oack_len, &oack_data, NULL, NULL) != napi_ok || type != napi_uint8_array || oack_len < 2) {
      return throw_error(env, "ERR_INVALID_ARG_TYPE", "oack must be a Uint8Array or null");
    }
    oack = malloc(oack_len);
    if (!oack) return throw_error(env, "ENOMEM", "out of memory");
    memcpy(oack, oack_data, oack_len);
  }

  struct sockaddr_storage local, client;
  socklen_t local_len, client_len;
  char message[DETAIL_LEN];
  int rc = resolve_numeric(local_address, 0, &local, &local_len);
  if (rc == 0) rc = resolve_numeric(client_address, (uint16_t)client_port, &client, &client_len);
  if (rc != 0) {
    free(oack);
    snprintf(message, sizeof message, "transfer socket: %s", gai_strerror(rc));
    return throw_error(env, "EINVAL", message);
  }
  int fd = bound_socket(&local, local_len), stranger_fd = -1;
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  if (fd >= 0 && connect(fd, (struct sockaddr *)&client, client_len) == 0 && getsockname(fd, (struct sockaddr *)&bound, &bound_len) == 0) {
    /* The listener's address (a wildcard stays one) with the port the kernel gave the connected socket. */
    if (local.ss_family == AF_INET6) ((struct sockaddr_in6 *)&local)->sin6_port = ((struct sockaddr_in6 *)&bound)->sin6_port;
    else ((struct sockaddr_in *)&local)->sin_port = ((struct sockaddr_in *)&bound)->sin_port;
    stranger_fd = bound_socket(&local, local_len);
  }
  if (stranger_fd < 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    free(oack);
    snprintf(message, sizeof message, "transfer socket: %s", strerror(err));
    return throw_error(env, "ESOCKET", message);
  }
  uint16_t port = ntohs(local.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&local)->sin6_port : ((struct sockaddr_in *)&local)->sin_port);

  transfer_t *t = calloc(1, sizeof *t);
  command_t *c = calloc(1, sizeof *c);
  if (!t || !c) {
    free(t);
    free(c);
    free(oack);
    close(fd);
    close(stranger_fd);
    return throw_error(env, "ENOMEM", "out of memory");
  }
  t->id = id;
  t->fd = fd;
  t->stranger_fd = stranger_fd;
  t->bytes = data;
  t->size = size;
  t->blksize = blksize;
  t->windowsize = windowsize;
  t->oack = oack;
  t->oack_len = oack_len;
  t->retransmit_ms = retransmit_ms;
  t->max_retries = max_retries;
  t->last_block = (int64_t)(size / blksize) + 1; /* the first block shorter than blksize, possibly empty */
  t->base = oack ? 0 : 1;
  t->interval = retransmit_ms;
  t->deadline_ms = deadline_ms;

  /*
   * The thread with the least work left, not the fewest transfers: in a storm
   * most transfers are a 45 KB loader and a config, a few are 32 MiB initrds,
   * and a thread that got most initrds would finish long after the other.
   */
  worker_t *w = &engine->workers[0];
  for (int i = 1; i < engine->threads; i++) {
    if (atomic_load_explicit(&engine->workers[i].outstanding, memory_order_relaxed) < atomic_load_explicit(&w->outstanding, memory_order_relaxed)) w = &engine->workers[i];
  }
  atomic_fetch_add_explicit(&w->active, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&w->outstanding, t->last_block - t->base + 1, memory_order_relaxed);
  c->kind = CMD_START;
  c->transfer = t;
  pthread_mutex_lock(&w->lock);
  if (w->commands_tail) w->commands_tail->next = c; else w->commands = c;
  w->commands_tail = c;
  pthread_mutex_unlock(&w->lock);
  uint64_t one = 1;
  (void)write(w->evfd, &one, sizeof one);

  napi_value result;
  CHECK(env, napi_create_uint32(env, port, &result));
  return result;
}

/* abort(engine, id, reason): the client gets ERROR 0 with the reason; the end is reported as aborted. */
static napi_value abort_one(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  engine_t *engine = argc >= 3 ? engine_arg(env, argv[0]) : NULL;
  if (!engine) return NULL;
  uint32_t id;
  char reason[DETAIL_LEN];
  size_t written;
  if (napi_get_value_uint32(env, argv[1], &id) != napi_ok || napi_get_value_string_utf8(env, argv[2], reason, sizeof reason, &written) != napi_ok) {
    return throw_error(env, "ERR_INVALID_ARG_VALUE", "abort(engine, id, reason)");
  }
  /* Aborts are rare (shutdown, a bound): every thread is asked, the one running it acts. */
  for (int i = 0; i < engine->threads; i++) {
    worker_t *w = &engine->workers[i];
    command_t *c = calloc(1, sizeof *c);
    if (!c) return throw_error(env, "ENOMEM", "out of memory");
    c->kind = CMD_ABORT;
    c->id = id;
    memcpy(c->reason, reason, sizeof c->reason);
    pthread_mutex_lock(&w->lock);
    if (w->commands_tail) w->commands_tail->next = c; else w->commands = c;
    w->commands_tail = c;
    pthread_mutex_unlock(&w->lock);
    uint64_t one = 1;
    (void)write(w->evfd, &one, sizeof one);
  }
  return NULL;
}

/* stats(engine) -> [transfers, bytesSent, packetsSent, retransmits] per thread, flattened */
static napi_value stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  engine_t *engine = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&engine) != napi_ok || !engine) return throw_error(env, "ERR_INVALID_ARG_TYPE", "not a TFTP engine");
  napi_value list;
  CHECK(env, napi_create_array_with_length(env, (size_t)engine->threads * 4, &list));
  for (int i = 0; i < engine->threads; i++) {
    worker_t *w = &engine->workers[i];
    double cells[4] = {
      (double)atomic_load_explicit(&w->active, memory_order_relaxed),
      (double)atomic_load_explicit(&w->bytes_sent, memory_order_relaxed),
      (double)atomic_load_explicit(&w->packets_sent, memory_order_relaxed),
      (double)atomic_load_explicit(&w->retransmits, memory_order_relaxed),
    };
    for (int k = 0; k < 4; k++) {
      napi_value cell;
      napi_create_double(env, cells[k], &cell);
      napi_set_element(env, list, (uint32_t)(i * 4 + k), cell);
    }
  }
  return list;
}

/* close(engine): every running transfer gets ERROR 0 "server shutting down"; the threads stop. */
static napi_value close_engine(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  engine_t *engine = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&engine) != napi_ok || !engine) return throw_error(env, "ERR_INVALID_ARG_TYPE", "not a TFTP engine");
  stop_threads(engine);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "create", NULL, create, NULL, NULL, NULL, napi_enumerable, NULL },
    { "start", NULL, start, NULL, NULL, NULL, napi_enumerable, NULL },
    { "abort", NULL, abort_one, NULL, NULL, NULL, napi_enumerable, NULL },
    { "stats", NULL, stats, NULL, NULL, NULL, napi_enumerable, NULL },
    { "close", NULL, close_engine, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(tftp_engine, init)

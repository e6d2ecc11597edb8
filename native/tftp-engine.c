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
// goes to the one with the least work left. The JavaScript thread
// (tftp-binding.c) opens the transfer's two sockets itself, so a bind error
// is thrown where it can be reported, and queues the transfer to its thread
// through a mutex-guarded list and an eventfd. Ends come back through a
// Node-API thread-safe function.

#define _GNU_SOURCE
#include "tftp-engine.h"

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

static void abort_transfer(worker_t *w, transfer_t *t, const char *reason, bool quiet) {
  if (!quiet) {
    send_error(t->fd, 0, reason);
    count(w, t, 0, 1, 0);
  }
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
          abort_transfer(w, t, c->reason, c->quiet);
          break;
        }
      }
    }
    free(c);
  }
  if (!stopping) return 1;
  while (w->transfers) abort_transfer(w, w->transfers, "server shutting down", false);
  return 0;
}

void *engine_thread(void *arg) {
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


void queue_command(worker_t *w, command_t *c) {
  pthread_mutex_lock(&w->lock);
  if (w->commands_tail) w->commands_tail->next = c; else w->commands = c;
  w->commands_tail = c;
  pthread_mutex_unlock(&w->lock);
  uint64_t one = 1;
  (void)write(w->evfd, &one, sizeof one);
}

void stop_threads(engine_t *engine) {
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

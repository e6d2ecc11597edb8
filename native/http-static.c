// Whole static-file requests under /mirror on native threads, the way nginx
// answers them: each thread reads a keep-alive connection's requests, opens
// the file, writes the head and sends the body by sendfile(2), so an install
// tree's pool of 50-500 KB packages is served on every core while the event
// loop answers only the requests that are not plain mirror GETs.
// plugin/web/static-connections.ts wraps it.
//
// A connection is adopted as it is accepted, before Node reads a byte, and is
// handed back to Node (the `handback` event) at the first request this code
// does not answer itself: any other path or method, a Range or conditional
// header, a name that is not plain, a file that is not there. Requests are
// looked at with MSG_PEEK and consumed only when answered here, so Node's
// parser then reads the request from its first byte; a connection, once
// handed back, stays with Node. Answers match plugin/web/static-file.ts's byte for byte in
// meaning: status, ETag, Last-Modified, Content-Type, Accept-Ranges, Content-Length.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <linux/openat2.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <node_api.h>

#define MAX_THREADS 16
#define EVENTS_PER_WAIT 64
/* A request head longer than this goes to Node, whose own limit (16 KiB) answers it. */
#define HEAD_BYTES 8192
/* One turn of a body: a package whole, an ISO in slices so the thread's other connections keep moving. */
#define TURN_BYTES (4u << 20)
#define MAX_TYPES 64
#define MEDIA_STAMP ".dploy-media.json"
#define PREFIX "/mirror/"

enum event { EV_HANDBACK = 0, EV_CLOSED = 1, EV_CUT = 2 };
enum state { READING, SENDING };

typedef struct conn {
  uint32_t id;
  int sock, file;
  enum state state;
  uint32_t events; /* what epoll watches for now */
  bool close_after;
  off_t offset;
  uint64_t left;
  char head[1024];
  size_t head_len, head_sent;
  char name[160]; /* the request's path, for the log line of an answer cut short */
  struct timespec last;
  struct conn *prev, *next;
  struct worker *worker;
} conn_t;

typedef struct engine {
  napi_threadsafe_function on_event;
  char root[PATH_MAX];
  int idle_ms;
  int types;
  char *type_key[MAX_TYPES], *type_value[MAX_TYPES]; /* "name:Release" or "ext:deb" -> Content-Type */
  int threads;
  struct worker *workers[MAX_THREADS];
  atomic_uint next;
  atomic_ullong answered; /* requests answered here, for /metrics */
} engine_t;

typedef struct worker {
  engine_t *engine;
  int epfd;
  int stop; /* an eventfd in the epoll set: written by stop(), the thread ends */
  pthread_mutex_t lock; /* guards the list: adopt() adds from the JavaScript thread */
  conn_t *conns;
} worker_t;

typedef struct {
  uint32_t id;
  enum event kind;
  char detail[200];
} report_t;

static double ms_since(const struct timespec *then) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - then->tv_sec) * 1e3 + (double)(now.tv_nsec - then->tv_nsec) / 1e6;
}

static void post(engine_t *engine, uint32_t id, enum event kind, const char *detail) {
  report_t *r = calloc(1, sizeof *r);
  if (!r) return;
  r->id = id;
  r->kind = kind;
  if (detail) snprintf(r->detail, sizeof r->detail, "%s", detail);
  if (napi_call_threadsafe_function(engine->on_event, r, napi_tsfn_blocking) != napi_ok) free(r);
}

/* The connection leaves this thread: handed back to Node, or closed (Node then closes its descriptor too). */
static void finish(conn_t *c, enum event kind, const char *detail) {
  worker_t *w = c->worker;
  epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->sock, NULL);
  pthread_mutex_lock(&w->lock);
  if (c->prev) c->prev->next = c->next;
  else w->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  pthread_mutex_unlock(&w->lock);
  if (kind == EV_CUT) {
    char line[200];
    snprintf(line, sizeof line, "%s: %s", c->name, detail);
    post(w->engine, c->id, EV_CUT, line);
  }
  if (kind != EV_HANDBACK) shutdown(c->sock, SHUT_RDWR);
  close(c->sock);
  if (c->file >= 0) close(c->file);
  post(w->engine, c->id, kind == EV_HANDBACK ? EV_HANDBACK : EV_CLOSED, NULL);
  free(c);
}

static bool ieq(const char *a, size_t alen, const char *b) { return alen == strlen(b) && strncasecmp(a, b, alen) == 0; }

/* The media key rule of plugin/installers/media/media-store.ts: /^[a-z0-9][a-z0-9.-]*-[A-Za-z0-9_]+$/ */
static bool media_key(const char *k, size_t n) {
  if (n < 3 || !((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= '0' && k[0] <= '9'))) return false;
  const char *dash = NULL;
  for (size_t i = 0; i < n; i++)
    if (k[i] == '-') dash = k + i;
  if (!dash || dash == k || (size_t)(dash - k) == n - 1) return false;
  for (const char *p = k + 1; p < dash; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')) return false;
  for (const char *p = dash + 1; p < k + n; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
  return true;
}

/*
 * The path after /mirror/, when it is canonical and plain: no empty, "." or ".." segment, only the bytes of
 * package and image names. Anything else (percent-escapes fastify decodes, a query, ";", a trailing slash) is
 * Node's to judge, so both ways agree on what a name means.
 */
static bool plain_path(const char *in, size_t n, char *out, size_t cap) {
  if (n == 0 || n > 1024 || n >= cap) return false;
  size_t segment = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || in[i] == '/') {
      if (segment == 0 || (segment == 1 && in[i - 1] == '.') || (segment == 2 && in[i - 1] == '.' && in[i - 2] == '.')) return false;
      segment = 0;
      continue;
    }
    char ch = in[i];
    if (ch == 0 || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("._-~+@:=,", ch))) return false;
    segment++;
  }
  memcpy(out, in, n);
  out[n] = 0;
  return true;
}

static const char *content_type(engine_t *e, const char *path) {
  const char *name = strrchr(path, '/');
  name = name ? name + 1 : path;
  for (int i = 0; i < e->types; i++)
    if (strncmp(e->type_key[i], "name:", 5) == 0 && strcmp(e->type_key[i] + 5, name) == 0) return e->type_value[i];
  const char *dot = strrchr(name, '.');
  if (dot && dot > name)
    for (int i = 0; i < e->types; i++)
      if (strncmp(e->type_key[i], "ext:", 4) == 0 && strcasecmp(e->type_key[i] + 4, dot + 1) == 0) return e->type_value[i];
  return "application/octet-stream";
}

static void http_date(time_t t, char *out, size_t cap) {
  static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  struct tm tm;
  gmtime_r(&t, &tm);
  snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
           tm.tm_sec);
}

typedef struct {
  bool head_only, close_after;
  size_t consumed;   /* bytes of the request head */
  char path[1100];   /* after /mirror/, canonical */
} request_t;

/* 1: a request answered here; 0: one for Node; -1: not all of it has arrived (Node waits for the rest). */
static int parse_request(const char *buf, size_t n, request_t *req) {
  const char *end = memmem(buf, n, "\r\n\r\n", 4);
  if (!end) return -1;
  req->consumed = (size_t)(end - buf) + 4;
  const char *line_end = memmem(buf, req->consumed, "\r\n", 2);
  const char *sp1 = memchr(buf, ' ', (size_t)(line_end - buf));
  if (!sp1) return 0;
  const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1));
  if (!sp2) return 0;
  if ((size_t)(sp1 - buf) == 4 && memcmp(buf, "HEAD", 4) == 0) req->head_only = true;
  else if (!((size_t)(sp1 - buf) == 3 && memcmp(buf, "GET", 3) == 0)) return 0;
  const char *target = sp1 + 1;
  size_t target_len = (size_t)(sp2 - target);
  bool http11;
  if ((size_t)(line_end - sp2 - 1) == 8 && memcmp(sp2 + 1, "HTTP/1.1", 8) == 0) http11 = true;
  else if ((size_t)(line_end - sp2 - 1) == 8 && memcmp(sp2 + 1, "HTTP/1.0", 8) == 0) http11 = false;
  else return 0;
  if (target_len <= strlen(PREFIX) || memcmp(target, PREFIX, strlen(PREFIX)) != 0) return 0;
  if (!plain_path(target + strlen(PREFIX), target_len - strlen(PREFIX), req->path, sizeof req->path)) return 0;
  bool host = false, keep_alive = false, close = false;
  for (const char *p = line_end + 2; p < end;) {
    const char *eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
    if (*p == ' ' || *p == '\t') return 0; /* a folded header: Node refuses it */
    const char *colon = memchr(p, ':', (size_t)(eol - p));
    if (!colon || colon == p) return 0;
    size_t name_len = (size_t)(colon - p);
    const char *v = colon + 1;
    while (v < eol && (*v == ' ' || *v == '\t')) v++;
    size_t v_len = (size_t)(eol - v);
    if (ieq(p, name_len, "host")) host = true;
    else if (ieq(p, name_len, "connection")) {
      if (memmem(v, v_len, "close", 5) || memmem(v, v_len, "Close", 5)) close = true;
      if (memmem(v, v_len, "keep-alive", 10) || memmem(v, v_len, "Keep-Alive", 10)) keep_alive = true;
      if (memmem(v, v_len, "pgrade", 6)) return 0;
    }
    /* Conditional and range requests, bodies and upgrades: plugin/web/static-file.ts and Node answer those. */
    else if (ieq(p, name_len, "range") || (name_len > 3 && strncasecmp(p, "if-", 3) == 0) || ieq(p, name_len, "content-length") ||
             ieq(p, name_len, "transfer-encoding") || ieq(p, name_len, "expect") || ieq(p, name_len, "upgrade"))
      return 0;
    p = eol + 2;
  }
  if (http11 && !host) return 0; /* Node answers 400 */
  req->close_after = close || (!http11 && !keep_alive);
  return 1;
}

/*
 * Opens what the request names, as plugin/web/routes/mirror-http.ts and confined-file.ts would; -1 when Node
 * should answer. openat2's RESOLVE_BENEATH keeps the walk inside the mirror root in one call, where realpath(3)
 * of root and file took a readlink per component; what it refuses (a symlink leaving the root, an absolute one,
 * a symlink as the last component, whose target's name gives the type) goes to Node, which judges it by realpath.
 */
static int open_served(engine_t *e, const char *path, struct stat *st) {
  const char *slash = strchr(path, '/');
  const char *last = strrchr(path, '/');
  last = last ? last + 1 : path;
  size_t first_len = slash ? (size_t)(slash - path) : strlen(path);
  size_t key_len = !slash && first_len > 4 && strcmp(path + first_len - 4, ".iso") == 0 ? first_len - 4 : first_len;
  if (!media_key(path, key_len) || strcmp(last, MEDIA_STAMP) == 0) return -1;
  int root = open(e->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return -1;
  char stamp[1200];
  snprintf(stamp, sizeof stamp, "%.*s/" MEDIA_STAMP, (int)key_len, path);
  int fd = -1;
  /* Only finished imports are served: their stamp is written last. */
  if (faccessat(root, stamp, F_OK, 0) == 0) {
    struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
    fd = (int)syscall(SYS_openat2, root, path, &how, sizeof how);
  }
  close(root);
  if (fd < 0) return -1;
  if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* The ETag of plugin/web/static-file.ts validatorsOf(): inode, size and mtime in microseconds as JavaScript computes them. */
static void etag_of(const struct stat *st, char *out, size_t cap) {
  double mtime_ms = (double)st->st_mtim.tv_sec * 1e3 + (double)st->st_mtim.tv_nsec / 1e6;
  /* Math.floor of a positive number: the conversion's truncation. */
  snprintf(out, cap, "\"%llx-%llx-%llx\"", (unsigned long long)(double)st->st_ino, (unsigned long long)st->st_size, (unsigned long long)(mtime_ms * 1000));
}

/* Sends what is left of the head and body; 1 when all went, 0 when the socket is full, -1 on a socket error. */
static int push(conn_t *c) {
  while (c->head_sent < c->head_len) {
    ssize_t n = send(c->sock, c->head + c->head_sent, c->head_len - c->head_sent, MSG_NOSIGNAL | (c->left > 0 ? MSG_MORE : 0));
    if (n > 0) c->head_sent += (size_t)n;
    else if (errno == EAGAIN) return 0;
    else if (errno != EINTR) return -1;
  }
  uint64_t turn = 0;
  while (c->left > 0 && turn < TURN_BYTES) {
    ssize_t n = sendfile(c->sock, c->file, &c->offset, c->left < TURN_BYTES ? (size_t)c->left : TURN_BYTES);
    if (n > 0) {
      c->left -= (uint64_t)n;
      turn += (uint64_t)n;
    } else if (n == 0) {
      errno = ENODATA; /* the file shrank under the transfer */
      return -1;
    } else if (errno == EAGAIN) return 0;
    else if (errno != EINTR) return -1;
  }
  return c->left == 0 ? 1 : 0;
}

static void watch(conn_t *c, uint32_t events) {
  if (c->events == events) return; /* a syscall saved per answer of a keep-alive connection */
  c->events = events;
  struct epoll_event ev = { .events = events, .data.ptr = c };
  epoll_ctl(c->worker->epfd, EPOLL_CTL_MOD, c->sock, &ev);
}

/* After the last byte of an answer: the next request, or the end of the connection. */
static void answered(conn_t *c) {
  close(c->file);
  c->file = -1;
  if (c->close_after) return finish(c, EV_CLOSED, NULL);
  c->state = READING;
  watch(c, EPOLLIN | EPOLLRDHUP);
}

static void on_sendable(conn_t *c) {
  int r = push(c);
  if (r < 0) return finish(c, EV_CUT, strerror(errno));
  clock_gettime(CLOCK_MONOTONIC, &c->last);
  if (r == 1) answered(c);
  else watch(c, EPOLLOUT); /* full socket, or a large file's next turn after the others' */
}

static void on_readable(conn_t *c) {
  char buf[HEAD_BYTES];
  ssize_t n;
  do n = recv(c->sock, buf, sizeof buf, MSG_PEEK);
  while (n < 0 && errno == EINTR);
  if (n == 0 || (n < 0 && errno != EAGAIN)) return finish(c, EV_CLOSED, NULL);
  if (n < 0) return;
  request_t req = { 0 };
  /* A request that came in pieces is Node's too: rare, and its parser already waits for the rest. */
  if (parse_request(buf, (size_t)n, &req) != 1) return finish(c, EV_HANDBACK, NULL);
  struct stat st;
  int fd = open_served(c->worker->engine, req.path, &st);
  if (fd < 0) return finish(c, EV_HANDBACK, NULL); /* Node answers 404, and logs the refusal */
  ssize_t took = recv(c->sock, buf, req.consumed, 0); /* the request's bytes, now answered here */
  if (took != (ssize_t)req.consumed) {
    close(fd);
    return finish(c, EV_CLOSED, NULL);
  }
  atomic_fetch_add(&c->worker->engine->answered, 1);
  char etag[64], modified[40], date[40];
  etag_of(&st, etag, sizeof etag);
  http_date(st.st_mtim.tv_sec, modified, sizeof modified);
  http_date(time(NULL), date, sizeof date);
  int idle_s = c->worker->engine->idle_ms / 1000;
  char connection[64];
  if (req.close_after) snprintf(connection, sizeof connection, "Connection: close");
  else snprintf(connection, sizeof connection, "Connection: keep-alive\r\nKeep-Alive: timeout=%d", idle_s);
  int len = snprintf(c->head, sizeof c->head,
                     "HTTP/1.1 200 OK\r\netag: %s\r\nlast-modified: %s\r\ncontent-type: %s\r\naccept-ranges: bytes\r\ncontent-length: %lld\r\n"
                     "Date: %s\r\n%s\r\n\r\n",
                     etag, modified, content_type(c->worker->engine, req.path), (long long)st.st_size, date, connection);
  if (len < 0 || (size_t)len >= sizeof c->head) { /* not with the types and tags above; never a head cut short */
    close(fd);
    return finish(c, EV_CLOSED, NULL);
  }
  c->file = fd;
  c->offset = 0;
  c->left = req.head_only ? 0 : (uint64_t)st.st_size;
  c->head_len = (size_t)len;
  c->head_sent = 0;
  c->close_after = req.close_after;
  c->state = SENDING;
  snprintf(c->name, sizeof c->name, "/mirror/%s", req.path);
  on_sendable(c);
}

static void *worker_thread(void *data) {
  worker_t *w = data;
  struct epoll_event events[EVENTS_PER_WAIT];
  struct timespec swept;
  clock_gettime(CLOCK_MONOTONIC, &swept);
  for (bool stopping = false; !stopping;) {
    int n = epoll_wait(w->epfd, events, EVENTS_PER_WAIT, 1000);
    for (int i = 0; i < n; i++) {
      conn_t *c = events[i].data.ptr;
      if (!c) stopping = true;
      else if (c->state == SENDING) on_sendable(c);
      else on_readable(c);
    }
    /* Idle keep-alive connections close after Node's keepAliveTimeout, stalled answers too. */
    if (ms_since(&swept) >= 1000) {
      clock_gettime(CLOCK_MONOTONIC, &swept);
      conn_t *stale[EVENTS_PER_WAIT];
      int found = 0;
      pthread_mutex_lock(&w->lock);
      for (conn_t *c = w->conns; c && found < EVENTS_PER_WAIT; c = c->next)
        if (ms_since(&c->last) > w->engine->idle_ms) stale[found++] = c;
      pthread_mutex_unlock(&w->lock);
      /* Only this thread frees its connections: the ones found are still there. */
      for (int i = 0; i < found; i++) {
        if (stale[i]->state == SENDING) finish(stale[i], EV_CUT, "client stopped reading");
        else finish(stale[i], EV_CLOSED, NULL);
      }
    }
  }
  /* The app closed: what the thread still holds is closed, then the thread and its hold on onEvent end. */
  while (w->conns) finish(w->conns, EV_CLOSED, NULL);
  close(w->stop);
  close(w->epfd);
  napi_release_threadsafe_function(w->engine->on_event, napi_tsfn_release);
  return NULL;
}

static void call_on_event(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  report_t *r = data;
  if (env && callback) {
    napi_value argv[3], undefined;
    napi_create_uint32(env, r->id, &argv[0]);
    napi_create_uint32(env, (uint32_t)r->kind, &argv[1]);
    napi_create_string_utf8(env, r->detail, NAPI_AUTO_LENGTH, &argv[2]);
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, callback, 3, argv, NULL);
  }
  free(r);
}

static napi_value fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

static char *string_arg(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

/* create(threads, mirrorRoot, idleMs, types ["ext:deb", "application/...", ...], onEvent(id, kind, detail)) -> engine */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  uint32_t threads = 0, types = 0;
  int32_t idle_ms = 0;
  bool is_array = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 || napi_get_value_uint32(env, argv[0], &threads) != napi_ok ||
      threads < 1 || threads > MAX_THREADS || napi_get_value_int32(env, argv[2], &idle_ms) != napi_ok || idle_ms < 1000 ||
      napi_is_array(env, argv[3], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[3], &types) != napi_ok || types % 2 ||
      types / 2 > MAX_TYPES)
    return fail(env, "ERR_INVALID_ARG_VALUE", "create(threads 1-16, mirrorRoot, idleMs >= 1000, types, onEvent)");
  struct open_how probe = { .flags = O_PATH | O_CLOEXEC };
  int probed = (int)syscall(SYS_openat2, AT_FDCWD, "/", &probe, sizeof probe);
  if (probed < 0) return fail(env, "ERR_HTTP_STATIC", "openat2(2) is not available (Linux 5.6 or later, not filtered by seccomp)");
  close(probed);
  engine_t *e = calloc(1, sizeof *e);
  char *root = string_arg(env, argv[1]);
  if (!e || !root || strlen(root) >= sizeof e->root) return fail(env, "ERR_INVALID_ARG_VALUE", "mirrorRoot");
  strcpy(e->root, root);
  free(root);
  e->idle_ms = idle_ms;
  for (uint32_t i = 0; i < types; i += 2) {
    napi_value k, v;
    napi_get_element(env, argv[3], i, &k);
    napi_get_element(env, argv[3], i + 1, &v);
    e->type_key[e->types] = string_arg(env, k);
    e->type_value[e->types] = string_arg(env, v);
    if (!e->type_key[e->types] || !e->type_value[e->types]) return fail(env, "ERR_INVALID_ARG_VALUE", "types are strings");
    e->types++;
  }
  napi_value name;
  napi_create_string_utf8(env, "dploy-http-static", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[4], NULL, name, 0, threads, NULL, NULL, NULL, call_on_event, &e->on_event) != napi_ok)
    return fail(env, "ERR_INVALID_ARG_TYPE", "onEvent must be a function");
  /* The listening socket keeps the process alive, not these threads. */
  napi_unref_threadsafe_function(env, e->on_event);
  for (uint32_t i = 0; i < threads; i++) {
    worker_t *w = calloc(1, sizeof *w);
    if (!w) return fail(env, "ENOMEM", "out of memory");
    w->engine = e;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    pthread_mutex_init(&w->lock, NULL);
    pthread_t thread;
    if (w->epfd < 0 || w->stop < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->stop, &ev) != 0 || pthread_create(&thread, NULL, worker_thread, w) != 0) return fail(env, "ERR_HTTP_STATIC", "cannot start a static-file thread");
    pthread_detach(thread);
    /* `top -H` and `ps -L` show which threads these are. */
    pthread_setname_np(thread, "dploy-static");
    e->workers[i] = w;
    e->threads = (int)i + 1;
  }
  napi_value external;
  if (napi_create_external(env, e, NULL, NULL, &external) != napi_ok) return fail(env, "ERR_HTTP_STATIC", "cannot wrap the engine");
  return external;
}

/* adopt(engine, id, socketFd): a just-accepted connection Node has not read from; its end or handback comes as an event. */
static napi_value adopt(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  engine_t *e = NULL;
  uint32_t id;
  int32_t sock;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || napi_get_value_external(env, argv[0], (void **)&e) != napi_ok || !e ||
      napi_get_value_uint32(env, argv[1], &id) != napi_ok || napi_get_value_int32(env, argv[2], &sock) != napi_ok || sock < 0)
    return fail(env, "ERR_INVALID_ARG_VALUE", "adopt(engine, id, socketFd)");
  conn_t *c = calloc(1, sizeof *c);
  if (!c) return fail(env, "ENOMEM", "out of memory");
  c->id = id;
  c->file = -1;
  c->state = READING;
  c->events = EPOLLIN | EPOLLRDHUP;
  /* A duplicate: Node may close its own descriptor at any time; this one lives until the event is posted. */
  c->sock = fcntl(sock, F_DUPFD_CLOEXEC, 0);
  if (c->sock < 0) {
    free(c);
    return fail(env, "ERR_HTTP_STATIC", strerror(errno));
  }
  clock_gettime(CLOCK_MONOTONIC, &c->last);
  worker_t *w = e->workers[atomic_fetch_add(&e->next, 1) % (unsigned)e->threads];
  c->worker = w;
  pthread_mutex_lock(&w->lock);
  c->next = w->conns;
  if (w->conns) w->conns->prev = c;
  w->conns = c;
  pthread_mutex_unlock(&w->lock);
  struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };
  if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->sock, &ev) != 0) {
    int err = errno;
    pthread_mutex_lock(&w->lock);
    if (c->prev) c->prev->next = c->next;
    else w->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    pthread_mutex_unlock(&w->lock);
    close(c->sock);
    free(c);
    return fail(env, "ERR_HTTP_STATIC", strerror(err));
  }
  return NULL;
}

/* stop(engine): the app is closing; each thread closes its connections and ends. No adopt() after it. */
static napi_value stop_engine(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  engine_t *e = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_external(env, argv[0], (void **)&e) != napi_ok || !e)
    return fail(env, "ERR_INVALID_ARG_VALUE", "stop(engine)");
  uint64_t one = 1;
  for (int i = 0; i < e->threads; i++)
    if (write(e->workers[i]->stop, &one, sizeof one) < 0) return fail(env, "ERR_HTTP_STATIC", strerror(errno));
  return NULL;
}

/* hangUp(socketFd): the server is closing; the thread sees the end and reports it. */
static napi_value hang_up(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t sock;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &sock) != napi_ok)
    return fail(env, "ERR_INVALID_ARG_VALUE", "hangUp(socketFd)");
  shutdown(sock, SHUT_RDWR);
  return NULL;
}

/* answered(engine): requests answered on these threads since start. */
static napi_value answered_count(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  engine_t *e = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_external(env, argv[0], (void **)&e) != napi_ok || !e)
    return fail(env, "ERR_INVALID_ARG_VALUE", "answered(engine)");
  napi_create_double(env, (double)atomic_load(&e->answered), &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "create", NULL, create, NULL, NULL, NULL, napi_enumerable, NULL },
    { "adopt", NULL, adopt, NULL, NULL, NULL, napi_enumerable, NULL },
    { "hangUp", NULL, hang_up, NULL, NULL, NULL, napi_enumerable, NULL },
    { "stop", NULL, stop_engine, NULL, NULL, NULL, napi_enumerable, NULL },
    { "answered", NULL, answered_count, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(http_static, init)

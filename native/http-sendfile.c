// Static files over HTTP by sendfile(2), on sender threads: the bytes of a
// kernel, an initrd or a package go from the page cache to the socket without
// a copy through JavaScript and without the event loop's time. Node writes
// the response head; send() hands the rest of the response to a thread, which
// reports its end to onDone. plugin/web/sendfile-engine.ts wraps it.
//
// Each thread keeps an epoll set of its transfers and calls sendfile until
// the socket would block, then waits for it to drain (level-triggered
// EPOLLOUT), a few MiB at most per turn so 50 clients share it fairly. The
// socket and file descriptors are duplicated: Node may close its own at any
// time, the duplicates live until JavaScript has heard the end.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

#define MAX_THREADS 16
#define EVENTS_PER_WAIT 64
/* One turn of a transfer: enough to fill a socket buffer many times over, small enough to share the thread. */
#define TURN_BYTES (4u << 20)
/*
 * What send() tries on the calling (JavaScript) thread before handing the rest to a sender: a package of the
 * pool (50-500 KB) goes without two thread wake-ups, as nginx sends it from its worker; a page-cache copy this
 * size holds the loop for about a tenth of a millisecond (docs/decisions.md: 20% less CPU per GB than 4 KiB).
 */
#define INLINE_BYTES (512u << 10)

typedef struct job {
  uint32_t id;
  int sock, file;
  off_t offset;
  uint64_t left, sent;
  int error;
  int epfd;
} job_t;

typedef struct engine {
  napi_threadsafe_function on_done;
  int threads;
  int epfd[MAX_THREADS];
  atomic_uint next;
} engine_t;

static void report(job_t *job, engine_t *engine) {
  epoll_ctl(job->epfd, EPOLL_CTL_DEL, job->sock, NULL);
  /* The head waited under TCP_CORK (cork() below) to leave in the body's first segments; the tail leaves now. */
  int off = 0;
  setsockopt(job->sock, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
  if (napi_call_threadsafe_function(engine->on_done, job, napi_tsfn_blocking) != napi_ok) {
    close(job->sock);
    close(job->file);
    free(job);
  }
}

/* Sends until the socket is full, the turn is used up, the file is sent or the socket fails. Returns 1 when the job ended. */
static int advance(job_t *job) {
  uint64_t turn = 0;
  while (job->left > 0 && turn < TURN_BYTES) {
    size_t want = job->left < TURN_BYTES ? (size_t)job->left : TURN_BYTES;
    ssize_t n = sendfile(job->sock, job->file, &job->offset, want);
    if (n > 0) {
      job->left -= (uint64_t)n;
      job->sent += (uint64_t)n;
      turn += (uint64_t)n;
    } else if (n == 0) {
      job->error = ENODATA; /* the file shrank under the transfer */
      return 1;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return 0;
    } else if (errno != EINTR) {
      job->error = errno;
      return 1;
    }
  }
  return job->left == 0;
}

typedef struct {
  engine_t *engine;
  int epfd;
} thread_arg_t;

static void *sender_thread(void *data) {
  thread_arg_t arg = *(thread_arg_t *)data;
  free(data);
  struct epoll_event events[EVENTS_PER_WAIT];
  for (;;) {
    int n = epoll_wait(arg.epfd, events, EVENTS_PER_WAIT, -1);
    for (int i = 0; i < n; i++) {
      job_t *job = events[i].data.ptr;
      if (advance(job)) report(job, arg.engine);
    }
  }
  return NULL;
}

static void call_on_done(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  job_t *job = data;
  close(job->sock);
  close(job->file);
  if (env && callback) {
    napi_value argv[3], undefined;
    napi_create_uint32(env, job->id, &argv[0]);
    napi_create_double(env, (double)job->sent, &argv[1]);
    if (job->error) napi_create_string_utf8(env, strerror(job->error), NAPI_AUTO_LENGTH, &argv[2]);
    else napi_get_null(env, &argv[2]);
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, callback, 3, argv, NULL);
  }
  free(job);
}

static napi_value fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

/* create(threads, onDone(id, bytesSent, error | null)) -> engine; the threads live as long as the process. */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  uint32_t threads = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || napi_get_value_uint32(env, argv[0], &threads) != napi_ok ||
      threads < 1 || threads > MAX_THREADS)
    return fail(env, "ERR_INVALID_ARG_VALUE", "create(threads 1-16, onDone)");
  engine_t *engine = calloc(1, sizeof *engine);
  if (!engine) return fail(env, "ENOMEM", "out of memory");
  napi_value name;
  napi_create_string_utf8(env, "dploy-http-sendfile", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_on_done, &engine->on_done) != napi_ok) {
    free(engine);
    return fail(env, "ERR_INVALID_ARG_TYPE", "onDone must be a function");
  }
  /* The listening socket keeps the process alive, not the sender threads. */
  napi_unref_threadsafe_function(env, engine->on_done);
  for (uint32_t i = 0; i < threads; i++) {
    pthread_t thread;
    thread_arg_t *arg = malloc(sizeof *arg);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!arg || epfd < 0) return fail(env, "ERR_HTTP_SENDFILE", strerror(errno));
    *arg = (thread_arg_t){ engine, epfd };
    if (pthread_create(&thread, NULL, sender_thread, arg) != 0) return fail(env, "ERR_HTTP_SENDFILE", "cannot start a sender thread");
    pthread_detach(thread);
    /* `top -H` and `ps -L` show which threads these are. */
    pthread_setname_np(thread, "dploy-sendfile");
    engine->epfd[i] = epfd;
    engine->threads = (int)i + 1;
  }
  napi_value external;
  if (napi_create_external(env, engine, NULL, NULL, &external) != napi_ok) return fail(env, "ERR_HTTP_SENDFILE", "cannot wrap the engine");
  return external;
}

/*
 * send(engine, id, socketFd, fileFd, offset, length) -> null when all was sent at once, else the job, whose end
 * onDone reports. A job's descriptors are duplicates; the caller may close its own.
 */
static napi_value send_file(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  engine_t *engine = NULL;
  uint32_t id;
  int32_t sock, file;
  int64_t offset, length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6 || napi_get_value_external(env, argv[0], (void **)&engine) != napi_ok ||
      !engine || napi_get_value_uint32(env, argv[1], &id) != napi_ok || napi_get_value_int32(env, argv[2], &sock) != napi_ok ||
      napi_get_value_int32(env, argv[3], &file) != napi_ok || napi_get_value_int64(env, argv[4], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[5], &length) != napi_ok || sock < 0 || file < 0 || offset < 0 || length < 1)
    return fail(env, "ERR_INVALID_ARG_VALUE", "send(engine, id, socketFd, fileFd, offset, length)");
  off_t at = (off_t)offset;
  uint64_t left = (uint64_t)length;
  ssize_t n;
  do n = sendfile(sock, file, &at, left < INLINE_BYTES ? (size_t)left : INLINE_BYTES);
  while (n < 0 && errno == EINTR);
  if (n > 0) left -= (uint64_t)n;
  else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return fail(env, n == 0 ? "ENODATA" : "ERR_HTTP_SENDFILE", strerror(n == 0 ? ENODATA : errno));
  if (left == 0) {
    int off = 0;
    setsockopt(sock, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
    napi_value done;
    napi_get_null(env, &done);
    return done;
  }
  job_t *job = calloc(1, sizeof *job);
  if (!job) return fail(env, "ENOMEM", "out of memory");
  job->id = id;
  job->offset = at;
  job->left = left;
  job->sent = (uint64_t)length - left;
  job->sock = fcntl(sock, F_DUPFD_CLOEXEC, 0);
  job->file = job->sock < 0 ? -1 : fcntl(file, F_DUPFD_CLOEXEC, 0);
  if (job->file < 0) {
    int err = errno;
    if (job->sock >= 0) close(job->sock);
    free(job);
    return fail(env, "ERR_HTTP_SENDFILE", strerror(err));
  }
  job->epfd = engine->epfd[atomic_fetch_add(&engine->next, 1) % (unsigned)engine->threads];
  struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = job };
  if (epoll_ctl(job->epfd, EPOLL_CTL_ADD, job->sock, &ev) != 0) {
    int err = errno;
    close(job->sock);
    close(job->file);
    free(job);
    return fail(env, "ERR_HTTP_SENDFILE", strerror(err));
  }
  napi_value handle;
  if (napi_create_external(env, job, NULL, NULL, &handle) != napi_ok) return NULL;
  return handle;
}

/* abort(job): only while its end has not been reported; the socket is shut down and the thread reports the end. */
static napi_value abort_job(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  job_t *job = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_external(env, argv[0], (void **)&job) != napi_ok || !job)
    return fail(env, "ERR_INVALID_ARG_VALUE", "abort(job)");
  shutdown(job->sock, SHUT_RDWR);
  return NULL;
}

/*
 * cork(socketFd, on): TCP_CORK, as nginx's tcp_nopush. Set before Node writes the response head, so the head
 * and the first body bytes share full segments instead of the head going alone; the sender clears it at the end.
 */
static napi_value cork(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t sock;
  bool on;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || napi_get_value_int32(env, argv[0], &sock) != napi_ok ||
      napi_get_value_bool(env, argv[1], &on) != napi_ok)
    return fail(env, "ERR_INVALID_ARG_VALUE", "cork(socketFd, on)");
  int value = on ? 1 : 0;
  setsockopt(sock, IPPROTO_TCP, TCP_CORK, &value, sizeof value);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "create", NULL, create, NULL, NULL, NULL, napi_enumerable, NULL },
    { "send", NULL, send_file, NULL, NULL, NULL, napi_enumerable, NULL },
    { "abort", NULL, abort_job, NULL, NULL, NULL, napi_enumerable, NULL },
    { "cork", NULL, cork, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(http_sendfile, init)

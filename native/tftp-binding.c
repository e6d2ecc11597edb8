// The Node-API side of dploy's TFTP transfer engine (tftp-engine.c): create
// the engine threads, open a transfer's sockets and queue it, abort, stats,
// close. Runs on the JavaScript thread; plugin/tftp/native-engine.ts wraps it.

#define _GNU_SOURCE
#include "tftp-engine.h"

static const char *const OUTCOME_NAMES[] = { "completed", "timeout", "deadline", "client-error", "aborted", "failed" };

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


static void finalize_engine(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  engine_t *engine = data;
  stop_threads(engine);
  free(engine);
}

/* The engine behind a JavaScript value, closed or not (stats and close work on a closed one). */
static engine_t *engine_of(napi_env env, napi_value value) {
  engine_t *engine = NULL;
  if (napi_get_value_external(env, value, (void **)&engine) != napi_ok || !engine) {
    throw_error(env, "ERR_INVALID_ARG_TYPE", "not a TFTP engine");
    return NULL;
  }
  return engine;
}

/* An engine that still takes transfers. */
static engine_t *engine_arg(napi_env env, napi_value value) {
  engine_t *engine = engine_of(env, value);
  if (engine && engine->closed) {
    throw_error(env, "ERR_TFTP_ENGINE_CLOSED", "the TFTP engine is closed");
    return NULL;
  }
  return engine;
}

/* For the calls whose only argument is the engine. */
static engine_t *only_engine_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    throw_error(env, "ERR_MISSING_ARGS", "the engine is missing");
    return NULL;
  }
  return engine_of(env, argv[0]);
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
  queue_command(w, c);

  napi_value result;
  CHECK(env, napi_create_uint32(env, port, &result));
  return result;
}

/*
 * abort(engine, id, reason[, quiet]): the client gets ERROR 0 with the reason, unless quiet (a transfer the client
 * superseded by asking again from its port); the end is reported as aborted.
 */
static napi_value abort_one(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  engine_t *engine = argc >= 3 ? engine_arg(env, argv[0]) : NULL;
  if (!engine) return NULL;
  uint32_t id;
  char reason[DETAIL_LEN];
  size_t written;
  if (napi_get_value_uint32(env, argv[1], &id) != napi_ok || napi_get_value_string_utf8(env, argv[2], reason, sizeof reason, &written) != napi_ok) {
    return throw_error(env, "ERR_INVALID_ARG_VALUE", "abort(engine, id, reason)");
  }
  bool quiet = false;
  if (argc >= 4 && napi_get_value_bool(env, argv[3], &quiet) != napi_ok) quiet = false;
  /* Aborts are rare (shutdown, a bound): every thread is asked, the one running it acts. */
  for (int i = 0; i < engine->threads; i++) {
    worker_t *w = &engine->workers[i];
    command_t *c = calloc(1, sizeof *c);
    if (!c) return throw_error(env, "ENOMEM", "out of memory");
    c->kind = CMD_ABORT;
    c->id = id;
    memcpy(c->reason, reason, sizeof c->reason);
    c->quiet = quiet;
    queue_command(w, c);
  }
  return NULL;
}

/* stats(engine) -> [transfers, bytesSent, packetsSent, retransmits] per thread, flattened */
static napi_value stats(napi_env env, napi_callback_info info) {
  engine_t *engine = only_engine_arg(env, info);
  if (!engine) return NULL;
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
  engine_t *engine = only_engine_arg(env, info);
  if (!engine) return NULL;
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

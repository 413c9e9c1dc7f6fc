/*
 * test_remote_faults.c - the failure semantics of docs/remote.md, through
 * lib<lib>_remote.so linked like lib<lib>.so would be (this host is built
 * against the remote library directly, not through LD_PRELOAD). It starts
 * and kills its own ffirt-serve processes on the NATS that with_nats.sh
 * gives it (FFIRT_NATS_URL; FFIRT_SERVE names the server binary):
 *
 *   test_remote_faults LIBMY_TIMER.so queue   two servers in one queue group:
 *       contexts spread over both; SIGKILL of one answers each of its
 *       in-flight calls exactly once (RET_ERR, bounded), reports
 *       not_responding to its contexts' listeners, and leaves the other's
 *       contexts working.
 *   test_remote_faults LIBMY_TIMER.so restart  SIGTERM drains (in-flight
 *       calls answered RET_ERR, exit 0); a new server takes new contexts.
 *   test_remote_faults - nonats   NATS unreachable at call time: every call
 *       is answered RET_ERR on the caller's thread, constructors return NULL.
 *   test_remote_faults LIBMY_TIMER.so natsdown   (its own nats-server, env
 *       NATS_SERVER) NATS dies mid-session: the in-flight call and a call
 *       made while it is down are answered RET_ERR within the bound; NATS
 *       restarts on the same port: client and server reconnect, new
 *       contexts work, and the old one too (its lease, 400 ms, did not run
 *       out while the server was cut off; responding followed
 *       not_responding).
 *   test_remote_faults LIBMY_TIMER.so token   NATS with token auth: the
 *       token passes through (ffirt-serve: --token/NATS_TOKEN, client:
 *       FFIRT_NATS_TOKEN); without it ffirt-serve cannot connect.
 *   test_remote_faults LIBMY_TIMER.so denied   (run by nats_auth.py as a
 *       user that may publish to P.new.* but not to P.ctx.*) a context is
 *       created, then each call on it, its blocking form and its destroy
 *       are answered (RET_ERR naming the permissions violation) within a
 *       bound instead of waiting forever for a reply that cannot come.
 *   test_remote_faults LIBMY_TIMER.so refused TEXT   (nats_auth.py: bad
 *       credentials) the constructor returns NULL and answers RET_ERR on
 *       the caller's thread, within a bound, with a text containing TEXT.
 *   test_remote_faults - batch   (with_nats.sh --serve libmy_timer.so)
 *       protocol batching: N async calls with a window of 64 travel in
 *       fewer than N request messages and fewer than N reply messages
 *       (counted by a raw libnats subscriber on P.ctx.* and _INBOX.>), each
 *       answered exactly once; a call made while only a slow call is in
 *       flight is not held back (answered well before the slow one).
 *   test_remote_faults LIBMY_TIMER.so lease   a client process (fork) with
 *       contexts and listeners is SIGKILLed: the server (--lease-ms 1500)
 *       reclaims its contexts within the lease bound (its heartbeat's count
 *       drops), while the contexts of a live but idle client survive.
 *   test_remote_faults LIBMY_TIMER.so slow   a listener blocked while the
 *       server emits more events than the library's event queue holds:
 *       dropped_events reports what it missed (received + dropped ==
 *       emitted), per name and to wildcards, and calls stay fast meanwhile.
 *   test_remote_faults LIBMY_TIMER.so pause   ffirt-serve SIGSTOPped then
 *       SIGCONTed: not_responding once, then responding once, and the
 *       context works again.
 */
#define _GNU_SOURCE
#include <my_timer/my_timer.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "e2e_wait.h"

extern char **environ;
#include "check.h"

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Starts ffirt-serve for lib with extra options (NULL-terminated, at most
 * 4); waits until it serves (its stdout line). */
static pid_t serve_start_with(const char *lib, const char *const *extra) {
  const char *serve = getenv("FFIRT_SERVE");
  const char *url = getenv("FFIRT_NATS_SERVER_URL");
  if (!url) url = getenv("FFIRT_NATS_URL");
  int fds[2];
  if (!serve || !url || pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  char *argv[16] = {(char *)serve, "--lib",          (char *)lib, "--nats",
                    (char *)url,   "--heartbeat-ms", "100",       NULL};
  for (int i = 0; extra && extra[i] && i < 4; i++)
    argv[7 + i] = (char *)extra[i];
  pid_t pid;
  int rc = posix_spawn(&pid, serve, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) return -1;
  char buf[512];
  ssize_t n = read(fds[0], buf, sizeof buf - 1); /* blocks until the "serving" line */
  close(fds[0]);
  if (n <= 0 || !memmem(buf, (size_t)n, "serving", 7)) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
  }
  return pid;
}

static pid_t serve_start(const char *lib) { return serve_start_with(lib, NULL); }

static void *timer_new(const char *name, int *ok) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  void *ctx = my_timer_create((TimerConfig){.name = name}, e2e_reply_cb, &r);
  *ok = ctx && e2e_reply_wait(&r, E2E_TIMEOUT_MS) == 0 && r.ret == RET_OK;
  e2e_reply_fini(&r);
  return ctx;
}

/* Lines of not_responding per context. */
static void on_not_responding(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  __atomic_add_fetch((int *)ud, 1, __ATOMIC_SEQ_CST);
}

enum { N = 16 };

static int test_queue(const char *lib) {
  pid_t s1 = serve_start(lib), s2 = serve_start(lib);
  CHECK(s1 > 0 && s2 > 0, "two servers start");
  if (s1 <= 0 || s2 <= 0) return 1;
  void *ctx[N];
  int ok = 1, nr[N];
  for (int i = 0; i < N; i++) {
    int one;
    char name[16];
    snprintf(name, sizeof name, "t%d", i);
    ctx[i] = timer_new(name, &one);
    ok &= one;
    nr[i] = 0;
    CHECK(my_timer_add_event_listener(ctx[i], "not_responding", on_not_responding, &nr[i]) != 0,
          "listener");
  }
  CHECK(ok, "%d contexts created", N);
  /* a slow call in flight on every context */
  e2e_reply slow[N];
  for (int i = 0; i < N; i++) {
    e2e_reply_init(&slow[i], NULL);
    CHECK(my_timer_echo(ctx[i], e2e_reply_cb, &slow[i], (EchoRequest){"slow", 1500}) == RET_OK,
          "echo");
  }
  sleep_ms(200); /* the requests reached their servers */
  int64_t t0 = now_ms();
  kill(s1, SIGKILL);
  waitpid(s1, NULL, 0);
  int lost = 0, kept = 0;
  for (int i = 0; i < N; i++) {
    CHECK(e2e_reply_wait(&slow[i], E2E_TIMEOUT_MS) == 0, "call %d answered", i);
    if (slow[i].ret == RET_ERR) {
      lost++;
      CHECK(strstr(e2e_reply_str(&slow[i]), "stopped responding") ||
                strstr(e2e_reply_str(&slow[i]), "no ffirt-serve"),
            "a clear text: %s", e2e_reply_str(&slow[i]));
    } else {
      kept++;
    }
  }
  int64_t waited = now_ms() - t0;
  /* FFIRT_REMOTE_DEAD_MS=600 (set by main) + the sweeper's 100 ms period */
  CHECK(waited < 2500, "answered within the bound, took %lld ms", (long long)waited);
  CHECK(lost > 0 && kept > 0, "contexts spread over both servers: %d lost, %d kept", lost, kept);
  sleep_ms(300); /* a second terminal callback would come now */
  for (int i = 0; i < N; i++)
    CHECK(slow[i].terminal == 1, "call %d answered exactly once (%d)", i, slow[i].terminal);
  /* the survivors' contexts work; the lost ones answer RET_ERR at once */
  for (int i = 0; i < N; i++) {
    int was_lost = slow[i].ret == RET_ERR;
    e2e_reply r;
    e2e_reply_init(&r, NULL);
    CHECK(my_timer_version(ctx[i], e2e_reply_cb, &r) == RET_OK, "version");
    CHECK(e2e_reply_wait(&r, E2E_TIMEOUT_MS) == 0, "answered");
    CHECK(r.ret == (was_lost ? RET_ERR : RET_OK), "context %d after the kill: %d %s", i, r.ret,
          e2e_reply_str(&r));
    CHECK(!was_lost || __atomic_load_n(&nr[i], __ATOMIC_SEQ_CST) == 1,
          "context %d: not_responding reported once (%d)", i, nr[i]);
    CHECK(was_lost || __atomic_load_n(&nr[i], __ATOMIC_SEQ_CST) == 0,
          "context %d: its server lives (%d)", i, nr[i]);
    e2e_reply_fini(&r);
    e2e_reply_fini(&slow[i]);
    CHECK(my_timer_destroy(ctx[i]) == 0, "destroy %d", i);
  }
  printf("queue: %d contexts on the killed server, %d on the other; answered in %lld ms\n", lost,
         kept, (long long)waited);
  kill(s2, SIGTERM);
  int st = 0;
  waitpid(s2, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "SIGTERM: clean exit");
  return 0;
}

static int test_restart(const char *lib) {
  pid_t s = serve_start(lib);
  CHECK(s > 0, "server starts");
  int ok;
  void *ctx = timer_new("a", &ok);
  CHECK(ok, "context");
  /* a request over the NATS max payload (1 MiB by default): refused with a
   * text naming both sizes, on the caller's thread */
  size_t big = 2u << 20;
  char *text = malloc(big + 1);
  memset(text, 'a', big);
  text[big] = '\0';
  e2e_reply r0;
  e2e_reply_init(&r0, NULL);
  my_timer_echo(ctx, e2e_reply_cb, &r0, (EchoRequest){text, 0});
  CHECK(r0.terminal == 1 && r0.ret == RET_ERR && strstr(e2e_reply_str(&r0), "max payload"),
        "oversize: %s", e2e_reply_str(&r0));
  e2e_reply_fini(&r0);
  free(text);
  e2e_reply slow;
  e2e_reply_init(&slow, NULL);
  my_timer_echo(ctx, e2e_reply_cb, &slow, (EchoRequest){"slow", 5000});
  sleep_ms(200);
  kill(s, SIGTERM); /* drain: the in-flight call is answered, then exit */
  int st = 0;
  waitpid(s, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "drained and exited 0");
  CHECK(e2e_reply_wait(&slow, 3000) == 0 && slow.ret == RET_ERR, "in flight: RET_ERR (%s)",
        e2e_reply_str(&slow));
  e2e_reply_fini(&slow);
  my_timer_destroy(ctx);
  /* no server: a constructor is refused on the caller's thread */
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  void *none = my_timer_create((TimerConfig){.name = "x"}, e2e_reply_cb, &r);
  CHECK(!none && r.terminal == 1 && r.ret == RET_ERR, "no server: NULL, RET_ERR (%s)",
        e2e_reply_str(&r));
  e2e_reply_fini(&r);
  s = serve_start(lib);
  CHECK(s > 0, "server restarts");
  void *again = timer_new("b", &ok);
  CHECK(ok, "new contexts work after the restart");
  e2e_reply_init(&r, NULL);
  my_timer_version(again, e2e_reply_cb, &r);
  CHECK(e2e_reply_wait(&r, E2E_TIMEOUT_MS) == 0 && r.ret == RET_OK, "version after restart");
  e2e_reply_fini(&r);
  CHECK(my_timer_destroy(again) == 0, "destroy");
  kill(s, SIGTERM);
  waitpid(s, NULL, 0);
  return 0;
}

static int test_nonats(void) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  void *ctx = my_timer_create((TimerConfig){.name = "x"}, e2e_reply_cb, &r);
  CHECK(!ctx, "NULL without NATS");
  CHECK(r.terminal == 1 && r.ret == RET_ERR && pthread_equal(r.thread, pthread_self()),
        "RET_ERR on the caller's thread");
  CHECK(strstr(e2e_reply_str(&r), "cannot reach NATS"), "text: %s", e2e_reply_str(&r));
  e2e_reply_fini(&r);
  e2e_reply_init(&r, NULL);
  CHECK(my_timer_create_cbor((const uint8_t *)"\xa0", 1, e2e_reply_cb, &r) == NULL, "cbor NULL");
  CHECK(r.terminal == 1 && r.ret == RET_ERR, "cbor RET_ERR");
  e2e_reply_fini(&r);
  return 0;
}

static pid_t nats_start(const char *port, const char *token) {
  const char *bin = getenv("NATS_SERVER");
  if (!bin) bin = "nats-server";
  char *argv[] = {(char *)bin, "-a", "127.0.0.1", "-p", (char *)port, NULL, NULL, NULL};
  if (token) {
    argv[5] = "--auth";
    argv[6] = (char *)token;
  }
  pid_t pid;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  int rc = posix_spawnp(&pid, bin, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  for (int i = 0; i < 200; i++) { /* until it accepts */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "exec 3<>/dev/tcp/127.0.0.1/%s", port);
    char *sh[] = {"bash", "-c", cmd, NULL};
    pid_t p;
    int st = 1;
    if (posix_spawnp(&p, "bash", NULL, NULL, sh, environ) == 0) waitpid(p, &st, 0);
    if (st == 0) return pid;
    sleep_ms(25);
  }
  return pid;
}

/* A free loopback port, asked from the kernel. 0 or -1. */
static int free_port(char port[16]) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) ||
      getsockname(fd, (struct sockaddr *)&a, &al))
    return -1;
  close(fd);
  snprintf(port, 16, "%d", ntohs(a.sin_port));
  return 0;
}

/* NATS with token authentication: server and client pass it through. */
static int test_token(const char *lib) {
  char port[16], url[64];
  if (free_port(port)) return 1;
  snprintf(url, sizeof url, "nats://127.0.0.1:%s", port);
  setenv("FFIRT_NATS_URL", url, 1);
  unsetenv("FFIRT_NATS_SERVER_URL");
  pid_t nats = nats_start(port, "s3cret");
  unsetenv("NATS_TOKEN");
  pid_t refused = serve_start(lib); /* no token: cannot connect */
  CHECK(refused < 0, "ffirt-serve without the token is refused");
  setenv("NATS_TOKEN", "s3cret", 1); /* ffirt-serve reads it (or --token) */
  setenv("FFIRT_NATS_TOKEN", "s3cret", 1);
  pid_t s = serve_start(lib);
  CHECK(s > 0, "ffirt-serve with the token serves");
  int ok;
  void *ctx = timer_new("tok", &ok);
  CHECK(ok, "a context through token-authenticated NATS");
  if (ctx) my_timer_destroy(ctx);
  if (s > 0) {
    kill(s, SIGTERM);
    waitpid(s, NULL, 0);
  }
  kill(nats, SIGTERM);
  waitpid(nats, NULL, 0);
  return 0;
}

static int test_natsdown(const char *lib) {
  char port[16];
  if (free_port(port)) return 1; /* reused for the restart */
  char url[64];
  snprintf(url, sizeof url, "nats://127.0.0.1:%s", port);
  setenv("FFIRT_NATS_URL", url, 1);
  unsetenv("FFIRT_NATS_SERVER_URL");
  pid_t nats = nats_start(port, NULL);
  CHECK(nats > 0, "nats-server starts");
  /* a lease far shorter than the outage: it must not run out meanwhile */
  const char *extra[] = {"--lease-ms", "400", NULL};
  pid_t s = serve_start_with(lib, extra);
  CHECK(s > 0, "ffirt-serve starts");
  if (nats <= 0 || s <= 0) return 1;
  int ok;
  void *ctx = timer_new("d", &ok);
  CHECK(ok, "context");
  int nr = 0, resp = 0;
  my_timer_add_event_listener(ctx, "not_responding", on_not_responding, &nr);
  my_timer_add_event_listener(ctx, "responding", on_not_responding, &resp);
  e2e_reply slow, during;
  e2e_reply_init(&slow, NULL);
  e2e_reply_init(&during, NULL);
  my_timer_echo(ctx, e2e_reply_cb, &slow, (EchoRequest){"slow", 3000});
  sleep_ms(200);
  kill(nats, SIGKILL);
  waitpid(nats, NULL, 0);
  int64_t t0 = now_ms();
  CHECK(e2e_reply_wait(&slow, 5000) == 0 && slow.ret == RET_ERR, "in flight: RET_ERR (%s)",
        e2e_reply_str(&slow));
  CHECK(my_timer_version(ctx, e2e_reply_cb, &during) == RET_OK, "accepted while down");
  CHECK(e2e_reply_wait(&during, 5000) == 0 && during.ret == RET_ERR, "while down: RET_ERR (%s)",
        e2e_reply_str(&during));
  int64_t took = now_ms() - t0;
  CHECK(took < 3000, "both answered within the bound (%lld ms)", (long long)took);
  nats = nats_start(port, NULL);
  CHECK(nats > 0, "nats-server restarts");
  /* both sides reconnect (libnats, every 100 ms): retry until a server takes it */
  void *again = NULL;
  for (int i = 0; i < 100 && !again; i++) {
    again = timer_new("e", &ok);
    if (!ok) {
      if (again) my_timer_destroy(again);
      again = NULL;
      sleep_ms(100);
    }
  }
  CHECK(again != NULL, "a new context after NATS restarted");
  if (again) {
    e2e_reply r;
    e2e_reply_init(&r, NULL);
    my_timer_version(again, e2e_reply_cb, &r);
    CHECK(e2e_reply_wait(&r, E2E_TIMEOUT_MS) == 0 && r.ret == RET_OK, "it works (%s)",
          e2e_reply_str(&r));
    e2e_reply_fini(&r);
    CHECK(my_timer_destroy(again) == 0, "destroy");
  }
  /* the context made before the outage is still there: not reclaimed while
   * its server was cut off, and its listeners heard the server come back */
  e2e_reply old;
  e2e_reply_init(&old, NULL);
  my_timer_version(ctx, e2e_reply_cb, &old);
  CHECK(e2e_reply_wait(&old, E2E_TIMEOUT_MS) == 0 && old.ret == RET_OK,
        "the old context survived the outage (%s)", e2e_reply_str(&old));
  e2e_reply_fini(&old);
  for (int i = 0; i < 100 && !__atomic_load_n(&resp, __ATOMIC_SEQ_CST); i++)
    sleep_ms(20);
  CHECK(__atomic_load_n(&nr, __ATOMIC_SEQ_CST) == 1 &&
            __atomic_load_n(&resp, __ATOMIC_SEQ_CST) == 1,
        "not_responding then responding once each (%d, %d)", nr, resp);
  sleep_ms(300);
  CHECK(slow.terminal == 1 && during.terminal == 1, "exactly once (%d, %d)", slow.terminal,
        during.terminal);
  e2e_reply_fini(&slow);
  e2e_reply_fini(&during);
  my_timer_destroy(ctx);
  kill(s, SIGTERM);
  waitpid(s, NULL, 0);
  kill(nats, SIGTERM);
  waitpid(nats, NULL, 0);
  return 0;
}

/* Publishing to P.ctx.* is not permitted: the NATS server only reports it
 * (asynchronously, -ERR), so the client must answer the calls itself. */
static int test_denied(void) {
  int ok;
  void *ctx = timer_new("denied", &ok);
  CHECK(ctx && ok, "a context (P.new.* is permitted)");
  if (!ctx) return 1;
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  int64_t t0 = now_ms();
  CHECK(my_timer_echo(ctx, e2e_reply_cb, &r, (EchoRequest){"x", 0}) == RET_OK, "accepted");
  CHECK(e2e_reply_wait(&r, 5000) == 0 && r.ret == RET_ERR, "echo: RET_ERR (%s)", e2e_reply_str(&r));
  CHECK(strstr(e2e_reply_str(&r), "Permissions Violation") &&
            strstr(e2e_reply_str(&r), "ffirt.my_timer.ctx."),
        "the text names the violation and the subject: %s", e2e_reply_str(&r));
  int64_t took = now_ms() - t0;
  CHECK(took < 3000, "answered within the bound (%lld ms)", (long long)took);
  sleep_ms(200);
  CHECK(r.terminal == 1, "exactly once (%d)", r.terminal);
  e2e_reply_fini(&r);
  char err[256] = "";
  EchoResponse out;
  t0 = now_ms();
  CHECK(my_timer_echo_wait(ctx, 10000, &out, err, sizeof err, (EchoRequest){"y", 0}) == RET_ERR,
        "blocking form: RET_ERR");
  CHECK(strstr(err, "Permissions Violation"), "blocking text: %s", err);
  took = now_ms() - t0;
  CHECK(took < 3000, "blocking form answered within the bound (%lld ms)", (long long)took);
  t0 = now_ms();
  CHECK(my_timer_destroy(ctx) == 0, "destroy");
  took = now_ms() - t0;
  CHECK(took < 3000, "destroy returns within the bound (%lld ms)", (long long)took);
  return 0;
}

/* The constructor is refused (bad credentials): NULL, RET_ERR on the
 * caller's thread, naming `text`. */
static int test_refused(const char *text) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  int64_t t0 = now_ms();
  void *ctx = my_timer_create((TimerConfig){.name = "x"}, e2e_reply_cb, &r);
  int64_t took = now_ms() - t0;
  CHECK(!ctx, "NULL");
  CHECK(r.terminal == 1 && r.ret == RET_ERR && pthread_equal(r.thread, pthread_self()),
        "RET_ERR on the caller's thread");
  CHECK(strstr(e2e_reply_str(&r), text), "the text names '%s': %s", text, e2e_reply_str(&r));
  CHECK(took < 5000, "within the bound (%lld ms)", (long long)took);
  fprintf(stderr, "refused: %s\n", e2e_reply_str(&r));
  e2e_reply_fini(&r);
  return 0;
}

/* ---- batching: messages counted by a raw subscriber */

static int n_requests, n_replies;

static void count_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure) {
  (void)nc;
  (void)sub;
  __atomic_add_fetch((int *)closure, 1, __ATOMIC_SEQ_CST);
  natsMsg_Destroy(m);
}

typedef struct window {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  long done, ok, terminal_other;
} window;

static void window_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)msg;
  (void)len;
  window *w = ud;
  if (ret == RET_STALE_WARN) return;
  pthread_mutex_lock(&w->mu);
  w->done++;
  if (ret == RET_OK) w->ok++;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

static int test_batch(void) {
  natsConnection *nc = NULL;
  natsSubscription *sreq = NULL, *srep = NULL;
  CHECK(natsConnection_ConnectTo(&nc, getenv("FFIRT_NATS_URL")) == NATS_OK, "raw connection");
  if (!nc) return 1;
  natsConnection_Subscribe(&sreq, nc, "ffirt.my_timer.ctx.*", count_msg, &n_requests);
  natsConnection_Subscribe(&srep, nc, "_INBOX.>", count_msg, &n_replies);
  natsSubscription_SetPendingLimits(sreq, -1, -1);
  natsSubscription_SetPendingLimits(srep, -1, -1);
  natsConnection_Flush(nc);
  int ok;
  void *ctx = timer_new("batch", &ok);
  CHECK(ok, "context");
  if (!ok) return 1;
  enum { CALLS = 3000, WIN = 64 };
  window w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0};
  sleep_ms(100);
  int req0 = __atomic_load_n(&n_requests, __ATOMIC_SEQ_CST);
  int rep0 = __atomic_load_n(&n_replies, __ATOMIC_SEQ_CST);
  for (long i = 0; i < CALLS; i++) {
    pthread_mutex_lock(&w.mu);
    while (i - w.done >= WIN)
      pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    my_timer_echo(ctx, window_cb, &w, (EchoRequest){"b", 0});
  }
  int64_t t0 = now_ms();
  pthread_mutex_lock(&w.mu);
  while (w.done < CALLS && now_ms() - t0 < 10000) {
    pthread_mutex_unlock(&w.mu);
    sleep_ms(10);
    pthread_mutex_lock(&w.mu);
  }
  long done = w.done, okn = w.ok;
  pthread_mutex_unlock(&w.mu);
  natsConnection_Flush(nc);
  sleep_ms(200); /* the raw subscriber has seen them; a late duplicate would come now */
  int req = __atomic_load_n(&n_requests, __ATOMIC_SEQ_CST) - req0;
  int rep = __atomic_load_n(&n_replies, __ATOMIC_SEQ_CST) - rep0;
  CHECK(done == CALLS && okn == CALLS, "%d calls answered once each: %ld answers, %ld ok", CALLS,
        w.done, okn);
  CHECK(req < CALLS, "%d calls in fewer request messages: %d", CALLS, req);
  CHECK(rep < CALLS, "%d calls in fewer reply messages: %d", CALLS, rep);
  printf("batch: %d calls (window %d) in %d request and %d reply messages\n", CALLS, WIN, req, rep);
  /* only a slow call in flight: the next call goes out at once */
  e2e_reply slow, fast;
  e2e_reply_init(&slow, NULL);
  e2e_reply_init(&fast, NULL);
  my_timer_echo(ctx, e2e_reply_cb, &slow, (EchoRequest){"slow", 1500});
  sleep_ms(50);
  int64_t t1 = now_ms();
  my_timer_version(ctx, e2e_reply_cb, &fast);
  CHECK(e2e_reply_wait(&fast, 3000) == 0 && fast.ret == RET_OK, "fast call beside a slow one");
  int64_t took = now_ms() - t1;
  CHECK(took < 500, "not held back behind the slow call: %lld ms", (long long)took);
  CHECK(e2e_reply_wait(&slow, 5000) == 0 && slow.ret == RET_OK, "slow call (%s)",
        e2e_reply_str(&slow));
  e2e_reply_fini(&slow);
  e2e_reply_fini(&fast);
  my_timer_destroy(ctx);
  natsSubscription_Destroy(sreq);
  natsSubscription_Destroy(srep);
  natsConnection_Destroy(nc);
  return 0;
}

/* ---- lease, slow listeners, pause */

/* The context count of the latest heartbeat on sub ([server-id, contexts,
 * ...]), waiting up to 1 s for one; -1 if none came. */
static long hb_contexts(natsSubscription *sub) {
  long count = -1;
  natsMsg *m = NULL;
  int64_t timeout = 1000;
  while (natsSubscription_NextMsg(&m, sub, timeout) == NATS_OK) {
    const uint8_t *d = (const uint8_t *)natsMsg_GetData(m);
    int n = natsMsg_GetDataLength(m);
    if (n >= 36 && (d[0] == 0x82 || d[0] == 0x83) && d[1] == 0x78 && d[2] == 32) {
      unsigned ai = d[35] & 31;
      if (d[35] >> 5 == 0 && ai < 24)
        count = (long)ai;
      else if (d[35] >> 5 == 0 && ai == 24 && n >= 37)
        count = d[36];
    }
    natsMsg_Destroy(m);
    timeout = count < 0 ? 1000 : 1; /* then drain what is queued */
  }
  return count;
}

static natsConnection *hb_connect(natsSubscription **sub) {
  natsConnection *nc = NULL;
  const char *url = getenv("FFIRT_NATS_URL");
  if (natsConnection_ConnectTo(&nc, url ? url : NATS_DEFAULT_URL) != NATS_OK) return NULL;
  if (natsConnection_SubscribeSync(sub, nc, "ffirt.my_timer.hb") != NATS_OK) {
    natsConnection_Destroy(nc);
    return NULL;
  }
  return nc;
}

static void on_any_event(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  (void)ud;
}

/* The child of test_lease: three contexts with listeners, then it waits to
 * be killed. Writes 'k' to fd once they exist. */
static void lease_child(int fd) {
  void *ctx[3];
  int ok = 1;
  for (int i = 0; i < 3; i++) {
    int one;
    ctx[i] = timer_new("child", &one);
    ok &= one;
    if (ctx[i]) {
      my_timer_add_event_listener(ctx[i], "on_echo_fired", on_any_event, NULL);
      my_timer_add_event_listener(ctx[i], "", on_any_event, NULL);
      e2e_reply r;
      e2e_reply_init(&r, NULL);
      my_timer_echo(ctx[i], e2e_reply_cb, &r, (EchoRequest){"hi", 0});
      ok &= e2e_reply_wait(&r, E2E_TIMEOUT_MS) == 0 && r.ret == RET_OK;
      e2e_reply_fini(&r);
    }
  }
  /* a call still running when it dies: the reclaim answers it into the void */
  static e2e_reply slow;
  e2e_reply_init(&slow, NULL);
  if (ctx[0]) my_timer_echo(ctx[0], e2e_reply_cb, &slow, (EchoRequest){"slow", 20000});
  char c = ok ? 'k' : 'f';
  if (write(fd, &c, 1) != 1) _exit(1);
  for (;;)
    pause();
}

enum { LEASE_MS = 1500 };

static int test_lease(const char *lib) {
  const char *extra[] = {"--lease-ms", "1500", NULL};
  pid_t s = serve_start_with(lib, extra);
  CHECK(s > 0, "server starts with --lease-ms");
  if (s <= 0) return 1;
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t child = fork(); /* before this process touches NATS */
  if (child == 0) {
    close(fds[0]);
    lease_child(fds[1]);
  }
  close(fds[1]);
  char c = 0;
  CHECK(read(fds[0], &c, 1) == 1 && c == 'k', "the child made its contexts");
  close(fds[0]);
  /* this process: a live client with one context and a listener, idle */
  int ok;
  void *mine = timer_new("parent", &ok);
  CHECK(ok, "the live client's context");
  CHECK(my_timer_add_event_listener(mine, "on_echo_fired", on_any_event, NULL) != 0, "listener");
  natsSubscription *hb = NULL;
  natsConnection *nc = hb_connect(&hb);
  CHECK(nc != NULL, "heartbeat watcher");
  if (!nc) return 1;
  long before = hb_contexts(hb);
  CHECK(before == 4, "4 contexts before the kill (%ld)", before);
  int64_t t0 = now_ms();
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  long n = before;
  while (n != 1 && now_ms() - t0 < 3 * LEASE_MS)
    n = hb_contexts(hb);
  int64_t took = now_ms() - t0;
  CHECK(n == 1, "the dead client's 3 contexts reclaimed, the live one kept (%ld left)", n);
  /* the lease (1500) + the client's announce period (lease / 3) + a tick */
  CHECK(took <= LEASE_MS + 1200, "reclaimed within the lease bound (%lld ms)", (long long)took);
  /* idle for two more leases: the live client's context stays */
  sleep_ms(2 * LEASE_MS);
  n = hb_contexts(hb);
  CHECK(n == 1, "the idle live client keeps its context (%ld)", n);
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  my_timer_version(mine, e2e_reply_cb, &r);
  CHECK(e2e_reply_wait(&r, E2E_TIMEOUT_MS) == 0 && r.ret == RET_OK, "it still works (%s)",
        e2e_reply_str(&r));
  e2e_reply_fini(&r);
  CHECK(my_timer_destroy(mine) == 0, "destroy");
  printf("lease: dead client's contexts reclaimed in %lld ms (lease %d ms)\n", (long long)took,
         LEASE_MS);
  natsSubscription_Destroy(hb);
  natsConnection_Destroy(nc);
  kill(s, SIGTERM);
  waitpid(s, NULL, 0);
  return 0;
}

typedef struct slow_state {
  int entered, release;
  long received, dropped, wild_dropped, wild_reports;
} slow_state;

static void slow_on_echo(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  slow_state *st = ud;
  __atomic_store_n(&st->entered, 1, __ATOMIC_SEQ_CST);
  while (!__atomic_load_n(&st->release, __ATOMIC_SEQ_CST))
    sleep_ms(5); /* holds the context's event thread */
  __atomic_add_fetch(&st->received, 1, __ATOMIC_SEQ_CST);
}

static void slow_on_dropped(int ret, const char *msg, size_t len, void *ud) {
  slow_state *st = ud;
  CHECK(ret == RET_OK && len == sizeof(uint64_t), "dropped_events: native uint64_t (%zu)", len);
  uint64_t n;
  memcpy(&n, msg, sizeof n);
  CHECK(n > 0, "dropped_events reports a count");
  __atomic_add_fetch(&st->dropped, (long)n, __ATOMIC_SEQ_CST);
}

static void slow_on_any(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  slow_state *st = ud;
  const FFIEventView *v = (const FFIEventView *)(const void *)msg;
  if (len != sizeof *v || strcmp(v->eventType, "dropped_events") != 0) return;
  CHECK(v->payloadSize == sizeof(uint64_t), "wildcard dropped_events payload size");
  __atomic_add_fetch(&st->wild_dropped, (long)*(const uint64_t *)v->payload, __ATOMIC_SEQ_CST);
  __atomic_add_fetch(&st->wild_reports, 1, __ATOMIC_SEQ_CST);
}

enum { FLOOD = 2500 };

static int test_slow(const char *lib) {
  pid_t s = serve_start(lib);
  CHECK(s > 0, "server starts");
  if (s <= 0) return 1;
  int ok;
  void *ctx = timer_new("slow", &ok);
  CHECK(ok, "context");
  static slow_state st;
  CHECK(my_timer_add_event_listener(ctx, "on_echo_fired", slow_on_echo, &st) != 0, "listener");
  CHECK(my_timer_add_event_listener(ctx, "dropped_events", slow_on_dropped, &st) != 0, "dropped");
  CHECK(my_timer_add_event_listener(ctx, "", slow_on_any, &st) != 0, "wildcard");
  e2e_reply first;
  e2e_reply_init(&first, NULL);
  my_timer_echo(ctx, e2e_reply_cb, &first, (EchoRequest){"first", 0});
  CHECK(e2e_reply_wait(&first, E2E_TIMEOUT_MS) == 0 && first.ret == RET_OK, "first echo");
  e2e_reply_fini(&first);
  for (int i = 0; i < 500 && !__atomic_load_n(&st.entered, __ATOMIC_SEQ_CST); i++)
    sleep_ms(10);
  CHECK(st.entered, "the listener is stuck in the first event");
  /* far more events than the event queue holds (1024) while it is stuck */
  static e2e_reply r[FLOOD];
  int64_t worst = 0;
  for (int i = 0; i < FLOOD; i++) {
    e2e_reply_init(&r[i], NULL);
    my_timer_echo(ctx, e2e_reply_cb, &r[i], (EchoRequest){"flood", 0});
    if (i % 500 == 250) { /* calls are still answered promptly meanwhile */
      e2e_reply v;
      e2e_reply_init(&v, NULL);
      int64_t t = now_ms();
      my_timer_version(ctx, e2e_reply_cb, &v);
      CHECK(e2e_reply_wait(&v, E2E_TIMEOUT_MS) == 0 && v.ret == RET_OK, "version during flood");
      if (now_ms() - t > worst) worst = now_ms() - t;
      e2e_reply_fini(&v);
    }
  }
  int emitted = 1;
  for (int i = 0; i < FLOOD; i++) {
    CHECK(e2e_reply_wait(&r[i], E2E_TIMEOUT_MS) == 0, "echo %d answered", i);
    emitted += r[i].ret == RET_OK;
    e2e_reply_fini(&r[i]);
  }
  CHECK(emitted == FLOOD + 1, "every echo answered RET_OK (%d)", emitted);
  CHECK(worst < 1000, "a call's latency stays bounded while the listener is stuck (%lld ms)",
        (long long)worst);
  __atomic_store_n(&st.release, 1, __ATOMIC_SEQ_CST);
  int64_t t0 = now_ms();
  long got = 0, dropped = 0;
  while (now_ms() - t0 < 5000) {
    got = __atomic_load_n(&st.received, __ATOMIC_SEQ_CST);
    dropped = __atomic_load_n(&st.dropped, __ATOMIC_SEQ_CST);
    if (got + dropped >= emitted) break;
    sleep_ms(20);
  }
  sleep_ms(200); /* nothing more comes */
  got = __atomic_load_n(&st.received, __ATOMIC_SEQ_CST);
  dropped = __atomic_load_n(&st.dropped, __ATOMIC_SEQ_CST);
  CHECK(dropped > 0, "dropped_events reported the events the stuck listener missed");
  CHECK(got + dropped == emitted, "received %ld + dropped %ld == emitted %d", got, dropped,
        emitted);
  CHECK(st.wild_dropped == dropped && st.wild_reports > 0,
        "the wildcard listener got the same reports (%ld)", st.wild_dropped);
  printf("slow: %d emitted, %ld received, %ld dropped (%ld reports); worst call %lld ms\n", emitted,
         got, dropped, st.wild_reports, (long long)worst);
  CHECK(my_timer_destroy(ctx) == 0, "destroy");
  kill(s, SIGTERM);
  waitpid(s, NULL, 0);
  return 0;
}

typedef struct pause_state {
  int nr, resp;
  char order[16];
  int norder;
} pause_state;

static void pause_on_nr(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  __atomic_add_fetch(&((pause_state *)ud)->nr, 1, __ATOMIC_SEQ_CST);
}

static void pause_on_resp(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  (void)msg;
  (void)len;
  __atomic_add_fetch(&((pause_state *)ud)->resp, 1, __ATOMIC_SEQ_CST);
}

static void pause_on_any(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  pause_state *st = ud;
  const FFIEventView *v = (const FFIEventView *)(const void *)msg;
  if (len != sizeof *v) return;
  int i = __atomic_fetch_add(&st->norder, 1, __ATOMIC_SEQ_CST);
  if (i < (int)sizeof st->order - 1)
    st->order[i] = strcmp(v->eventType, "not_responding") == 0 ? 'n'
                   : strcmp(v->eventType, "responding") == 0   ? 'r'
                                                               : '?';
}

static int test_pause(const char *lib) {
  pid_t s = serve_start(lib);
  CHECK(s > 0, "server starts");
  if (s <= 0) return 1;
  int ok;
  void *ctx = timer_new("p", &ok);
  CHECK(ok, "context");
  static pause_state st;
  CHECK(my_timer_add_event_listener(ctx, "not_responding", pause_on_nr, &st) != 0, "listener");
  CHECK(my_timer_add_event_listener(ctx, "responding", pause_on_resp, &st) != 0, "listener");
  CHECK(my_timer_add_event_listener(ctx, "", pause_on_any, &st) != 0, "wildcard");
  kill(s, SIGSTOP);
  int64_t t0 = now_ms();
  while (!__atomic_load_n(&st.nr, __ATOMIC_SEQ_CST) && now_ms() - t0 < 3000)
    sleep_ms(20);
  CHECK(st.nr == 1, "not_responding while stopped (%d, after %lld ms)", st.nr,
        (long long)(now_ms() - t0));
  CHECK(st.resp == 0, "no responding while stopped");
  kill(s, SIGCONT);
  t0 = now_ms();
  while (!__atomic_load_n(&st.resp, __ATOMIC_SEQ_CST) && now_ms() - t0 < 3000)
    sleep_ms(20);
  int64_t took = now_ms() - t0;
  CHECK(st.resp == 1, "responding after SIGCONT (%d, after %lld ms)", st.resp, (long long)took);
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  my_timer_version(ctx, e2e_reply_cb, &r);
  CHECK(e2e_reply_wait(&r, E2E_TIMEOUT_MS) == 0 && r.ret == RET_OK, "the context works (%s)",
        e2e_reply_str(&r));
  e2e_reply_fini(&r);
  sleep_ms(500);
  CHECK(st.nr == 1 && st.resp == 1, "each once (%d, %d)", st.nr, st.resp);
  CHECK(strcmp(st.order, "nr") == 0, "wildcard: not_responding, then responding (%s)", st.order);
  /* a second pause is reported again */
  kill(s, SIGSTOP);
  t0 = now_ms();
  while (__atomic_load_n(&st.nr, __ATOMIC_SEQ_CST) < 2 && now_ms() - t0 < 3000)
    sleep_ms(20);
  kill(s, SIGCONT);
  t0 = now_ms();
  while (__atomic_load_n(&st.resp, __ATOMIC_SEQ_CST) < 2 && now_ms() - t0 < 3000)
    sleep_ms(20);
  CHECK(st.nr == 2 && st.resp == 2 && strcmp(st.order, "nrnr") == 0, "a second pause: %d %d %s",
        st.nr, st.resp, st.order);
  printf("pause: responding %lld ms after SIGCONT\n", (long long)took);
  CHECK(my_timer_destroy(ctx) == 0, "destroy");
  kill(s, SIGTERM);
  waitpid(s, NULL, 0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[2], "refused") == 0) {
    test_refused(argv[3]);
    printf("refused: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
  }
  if (argc != 3) {
    fprintf(stderr, "usage: test_remote_faults LIB.so "
                    "queue|restart|nonats|natsdown|token|lease|slow|pause|batch|denied\n"
                    "       test_remote_faults LIB.so refused TEXT\n");
    return 2;
  }
  setenv("FFIRT_REMOTE_DEAD_MS", "600", 1);
  if (strcmp(argv[2], "queue") == 0)
    test_queue(argv[1]);
  else if (strcmp(argv[2], "restart") == 0)
    test_restart(argv[1]);
  else if (strcmp(argv[2], "nonats") == 0)
    test_nonats();
  else if (strcmp(argv[2], "natsdown") == 0)
    test_natsdown(argv[1]);
  else if (strcmp(argv[2], "token") == 0)
    test_token(argv[1]);
  else if (strcmp(argv[2], "denied") == 0)
    test_denied();
  else if (strcmp(argv[2], "batch") == 0)
    test_batch();
  else if (strcmp(argv[2], "lease") == 0)
    test_lease(argv[1]);
  else if (strcmp(argv[2], "slow") == 0)
    test_slow(argv[1]);
  else if (strcmp(argv[2], "pause") == 0)
    test_pause(argv[1]);
  else
    return 2;
  printf("%s: %s\n", argv[2], failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}

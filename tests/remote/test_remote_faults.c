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
 *       contexts work.
 *   test_remote_faults LIBMY_TIMER.so token   NATS with token auth: the
 *       token passes through (ffirt-serve: --token/NATS_TOKEN, client:
 *       FFIRT_NATS_TOKEN); without it ffirt-serve cannot connect.
 *   test_remote_faults - batch   (with_nats.sh --serve libmy_timer.so)
 *       protocol batching: N async calls with a window of 64 travel in
 *       fewer than N request messages and fewer than N reply messages
 *       (counted by a raw libnats subscriber on P.ctx.* and _INBOX.>), each
 *       answered exactly once; a call made while only a slow call is in
 *       flight is not held back (answered well before the slow one).
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
static int failures;
#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      failures++;                                                                                  \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                              \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
    }                                                                                              \
  } while (0)

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Starts ffirt-serve for lib; waits until it serves (its stdout line). */
static pid_t serve_start(const char *lib) {
  const char *serve = getenv("FFIRT_SERVE");
  const char *url = getenv("FFIRT_NATS_SERVER_URL");
  if (!url) url = getenv("FFIRT_NATS_URL");
  int fds[2];
  if (!serve || !url || pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  char *argv[] = {(char *)serve, "--lib",          (char *)lib, "--nats",
                  (char *)url,   "--heartbeat-ms", "100",       NULL};
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
  pid_t s = serve_start(lib);
  CHECK(s > 0, "ffirt-serve starts");
  if (nats <= 0 || s <= 0) return 1;
  int ok;
  void *ctx = timer_new("d", &ok);
  CHECK(ok, "context");
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

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: test_remote_faults LIB.so queue|restart|nonats|natsdown|token|batch\n");
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
  else if (strcmp(argv[2], "batch") == 0)
    test_batch();
  else
    return 2;
  printf("%s: %s\n", argv[2], failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}

/*
 * test_serve_fuzz.c - hostile input against ffirt-serve's request handler
 * (serve_core.c), the very code the server runs, bound to a recording fake
 * transport instead of NATS and hosting the real libmy_timer.so.
 *
 * Valid requests of every kind (constructor, methods, $listen, $unlisten,
 * $destroy, static) are mutated (bit flips, byte sets, truncation,
 * insertion, length-head inflation, splices) and sent to the constructor
 * and context handlers; oversize and empty bodies, unknown operations and
 * destroyed contexts are sent on purpose. Invariants: the handler never
 * crashes (this test also runs under ASan/UBSan and TSan), and every request
 * that has a reply subject gets exactly one terminal reply: checked after
 * serve_free, which destroys every context and so answers whatever was still
 * running.
 *
 *   test_serve_fuzz LIBMY_TIMER.so [iterations] [seed]
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve.h"
#include "wire.h"

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

/* ---- the fake transport: replies counted per subject "r.<n>" */

enum { MAX_REQ = 20000, MAX_SUBS = 4096 };
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int terminal[MAX_REQ], accepted[MAX_REQ], malformed_replies;
static serve_ctx *subs[MAX_SUBS];
static size_t nsubs;
static unsigned long published_events;

/* Well-formed UTF-8 (RFC 3629), for the error texts hosts decode strictly. */
static int utf8_ok(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = p[i];
    size_t k = c < 0x80                 ? 1
               : c >= 0xc2 && c <= 0xdf ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
    if (!k || i + k > n) return 0;
    for (size_t j = 1; j < k; j++)
      if ((p[i + j] & 0xc0) != 0x80) return 0;
    i += k;
  }
  return 1;
}
static int bad_error_texts;

static void fake_publish(void *t, const char *subject, const uint8_t *data, size_t len) {
  (void)t;
  if (strncmp(subject, "r.", 2) != 0) { /* heartbeats, events */
    pthread_mutex_lock(&mu);
    published_events++;
    pthread_mutex_unlock(&mu);
    return;
  }
  long n = strtol(subject + 2, NULL, 10);
  wire_dec d = {data, data + len, NULL};
  uint64_t cnt, ret;
  const uint8_t *b;
  size_t bl;
  int ok = !wire_array(&d, 2, 3, &cnt) && !wire_uint(&d, &ret) && !wire_string(&d, 2, &b, &bl);
  pthread_mutex_lock(&mu);
  if (!ok || n < 0 || n >= MAX_REQ)
    malformed_replies++;
  else if (ret == FFIRT_REMOTE_ACCEPTED)
    accepted[n]++;
  else if (ret != 3)
    terminal[n]++;
  if (ok && ret == 1 && !utf8_ok(b, bl)) bad_error_texts++;
  pthread_mutex_unlock(&mu);
}

static void *fake_subscribe(void *t, const char *subject, serve_ctx *c) {
  (void)t;
  (void)subject;
  pthread_mutex_lock(&mu);
  if (nsubs < MAX_SUBS) subs[nsubs++] = c;
  pthread_mutex_unlock(&mu);
  return c;
}

static void fake_unsubscribe(void *t, void *sub) {
  (void)t;
  (void)sub;
}

/* ---- requests */

static size_t envelope(uint8_t *out, const char *op, const uint8_t *req, size_t len) {
  uint8_t *o = wire_put_head(out, 4, 2);
  o = wire_put_string(o, 3, op, strlen(op));
  o = wire_put_string(o, 2, req, len);
  return (size_t)(o - out);
}

typedef struct seed {
  int to_ctx; /* 0: P.new, 1: P.ctx, 2: P.static */
  uint8_t bytes[256];
  size_t len;
} seed;

static uint64_t rng_state;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 11);
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap) {
  int rounds = 1 + (int)(rnd() % 4);
  for (int k = 0; k < rounds; k++) {
    switch (rnd() % 7) {
    case 0: /* bit flip */
      if (len) buf[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
      break;
    case 1: /* interesting byte */ {
      static const uint8_t v[] = {0x00, 0xff, 0x1b, 0x1f, 0x5f, 0x7f, 0x9f, 0xbf, 0xf6, 0xfb};
      if (len) buf[rnd() % len] = v[rnd() % sizeof v];
      break;
    }
    case 2: /* truncate */
      if (len) len = rnd() % len;
      break;
    case 3: /* insert */
      if (len < cap) {
        size_t at = len ? rnd() % len : 0;
        memmove(buf + at + 1, buf + at, len - at);
        buf[at] = (uint8_t)rnd();
        len++;
      }
      break;
    case 4: /* inflate a length head into 8 bytes of huge length */
      if (len >= 1 && len + 8 < cap) {
        size_t at = rnd() % len;
        uint8_t major = buf[at] & 0xe0;
        memmove(buf + at + 9, buf + at + 1, len - at - 1);
        buf[at] = major | 27;
        for (int i = 1; i <= 8; i++)
          buf[at + i] = (uint8_t)(i == 1 ? 0x7f : rnd());
        len += 8;
      }
      break;
    case 5: /* duplicate a tail */
      if (len && len * 2 <= cap) {
        size_t at = rnd() % len;
        memcpy(buf + len, buf + at, len - at);
        len += len - at;
      }
      break;
    default: /* random byte */
      if (len) buf[rnd() % len] = (uint8_t)rnd();
    }
  }
  return len;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_serve_fuzz LIB.so [iterations] [seed]\n");
    return 2;
  }
  long iters = argc > 2 ? strtol(argv[2], NULL, 10) : 3000;
  if (iters > MAX_REQ - 100) iters = MAX_REQ - 100;
  rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) : (uint64_t)time(NULL);
  if (!rng_state) rng_state = 1;
  printf("seed %llu, %ld iterations\n", (unsigned long long)rng_state, iters);
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  const ffirt_library_desc *(*describe)(void) =
      (const ffirt_library_desc *(*)(void))(uintptr_t)dlsym(h, "my_timer_ffirt_describe");
  if (!describe) return 1;
  serve *s =
      serve_new(describe(), (serve_tx){NULL, fake_publish, fake_subscribe, fake_unsubscribe}, 64);
  if (!s) return 1;
  serve_set_lease(s, 20); /* leased contexts are reclaimed while requests go on */

  /* seeds (abi.md 6's worked requests) */
  static const uint8_t create_req[] = {0xa1, 0x66, 'c', 'o', 'n', 'f',  'i', 'g', 0xa1,
                                       0x64, 'n',  'a', 'm', 'e', 0x62, 't', '1'};
  static const uint8_t echo_req[] = {0xa1, 0x63, 'r', 'e', 'q', 0xa2, 0x67, 'm',  'e',
                                     's',  's',  'a', 'g', 'e', 0x62, 'h',  'i',  0x67,
                                     'd',  'e',  'l', 'a', 'y', 'M',  's',  0x18, 0x05};
  seed seeds[8];
  size_t nseeds = 0;
  seeds[nseeds].to_ctx = 0;
  seeds[nseeds].len = envelope(seeds[nseeds].bytes, "create", create_req, sizeof create_req);
  nseeds++;
  seeds[nseeds].to_ctx = 1;
  seeds[nseeds].len = envelope(seeds[nseeds].bytes, "echo", echo_req, sizeof echo_req);
  nseeds++;
  seeds[nseeds].to_ctx = 1;
  seeds[nseeds].len = envelope(seeds[nseeds].bytes, "version", (const uint8_t *)"\xa0", 1);
  nseeds++;
  seeds[nseeds].to_ctx = 1;
  seeds[nseeds].len = envelope(seeds[nseeds].bytes, "$listen", (const uint8_t *)"", 0);
  nseeds++;
  seeds[nseeds].to_ctx = 1;
  seeds[nseeds].len =
      envelope(seeds[nseeds].bytes, "$listen", (const uint8_t *)"on_echo_fired", 13);
  nseeds++;
  seeds[nseeds].to_ctx = 1;
  seeds[nseeds].len =
      envelope(seeds[nseeds].bytes, "$unlisten", (const uint8_t *)"on_echo_fired", 13);
  nseeds++;
  seeds[nseeds].to_ctx = 1;
  seeds[nseeds].len = envelope(seeds[nseeds].bytes, "$destroy", (const uint8_t *)"", 0);
  nseeds++;
  seeds[nseeds].to_ctx = 2;
  seeds[nseeds].len = envelope(seeds[nseeds].bytes, "nope", (const uint8_t *)"\xa0", 1);
  nseeds++;

  long sent = 0;
  char reply[32];
  /* a few valid contexts first */
  for (int i = 0; i < 4; i++) {
    snprintf(reply, sizeof reply, "r.%ld", sent++);
    serve_handle_new(s, reply, seeds[0].bytes, seeds[0].len);
  }
  /* oversize and empty bodies */
  size_t big_len = 2u << 20;
  uint8_t *big = malloc(big_len);
  for (size_t i = 0; big && i < big_len; i++)
    big[i] = (uint8_t)rnd();
  snprintf(reply, sizeof reply, "r.%ld", sent++);
  serve_handle_new(s, reply, big, big_len);
  snprintf(reply, sizeof reply, "r.%ld", sent++);
  serve_handle_new(s, reply, NULL, 0);
  snprintf(reply, sizeof reply, "r.%ld", sent++);
  serve_handle_static(s, reply, (const uint8_t *)"", 0);
  /* unknown names of 201 bytes ("a" then 100 x "é"): quoted in the error
   * text, cut if need be, never inside a character */
  {
    char name[202];
    name[0] = 'a';
    for (int i = 0; i < 100; i++)
      memcpy(name + 1 + 2 * i, "\xc3\xa9", 2);
    name[201] = '\0';
    uint8_t env[512];
    size_t el = envelope(env, name, (const uint8_t *)"\xa0", 1);
    snprintf(reply, sizeof reply, "r.%ld", sent++);
    serve_handle_new(s, reply, env, el);
    snprintf(reply, sizeof reply, "r.%ld", sent++);
    serve_handle_static(s, reply, env, el);
  }
  pthread_mutex_lock(&mu);
  serve_ctx *first = nsubs ? subs[0] : NULL;
  pthread_mutex_unlock(&mu);
  CHECK(first != NULL, "a valid constructor subscribed its context");
  if (first) {
    snprintf(reply, sizeof reply, "r.%ld", sent++);
    serve_handle_ctx(s, first, reply, big, big_len);
  }
  free(big);

  uint8_t buf[1024];
  for (long i = 0; i < iters; i++) {
    const seed *sd = &seeds[rnd() % nseeds];
    memcpy(buf, sd->bytes, sd->len);
    size_t len = rnd() % 8 ? mutate(buf, sd->len, sizeof buf) : sd->len;
    snprintf(reply, sizeof reply, "r.%ld", sent++);
    if (sd->to_ctx == 0) {
      /* no client, one of two valid ones, or a hostile client id */
      static const char *const clients[] = {"0123456789abcdef0123456789abcdef",
                                            "fedcba9876543210fedcba9876543210"};
      char hostile[80];
      size_t hl = rnd() % sizeof hostile;
      for (size_t k = 0; k < hl; k++)
        hostile[k] = (char)(rnd() % 255 + 1);
      hostile[hl] = '\0';
      if (rnd() % 4 == 0) memcpy(hostile, clients[0], 32), hostile[31 + rnd() % 2] = 'G';
      unsigned pick = (unsigned)(rnd() % 4);
      if (pick == 0)
        serve_handle_new(s, reply, buf, len);
      else
        serve_handle_new_from(s, pick == 3 ? hostile : clients[pick - 1], reply, buf, len);
      serve_handle_lease(s, rnd() % 2 ? clients[0] : hostile);
    } else if (sd->to_ctx == 2) {
      serve_handle_static(s, reply, buf, len);
    } else {
      pthread_mutex_lock(&mu);
      serve_ctx *c = nsubs ? subs[rnd() % nsubs] : NULL;
      pthread_mutex_unlock(&mu);
      if (c)
        serve_handle_ctx(s, c, reply, buf, len);
      else
        serve_handle_new(s, reply, seeds[0].bytes, seeds[0].len);
    }
    if (i % 500 == 0) /* ticks 5 ms apart over 30 ms: client 2's lease runs out */
      for (int k = 0; k < 7; k++) {
        serve_tick(s);
        nanosleep(&(struct timespec){0, 5000000}, NULL);
      }
  }
  serve_free(s); /* destroys every context: whatever ran is answered */

  pthread_mutex_lock(&mu);
  long missing = 0, twice = 0, accepts = 0;
  for (long i = 0; i < sent; i++) {
    if (terminal[i] == 0) missing++;
    if (terminal[i] > 1) twice++;
    if (accepted[i] > 1) twice++;
    accepts += accepted[i];
  }
  CHECK(missing == 0, "%ld requests never answered", missing);
  CHECK(twice == 0, "%ld requests answered more than once", twice);
  CHECK(malformed_replies == 0, "%d malformed replies", malformed_replies);
  CHECK(bad_error_texts == 0, "%d error texts are not valid UTF-8", bad_error_texts);
  printf("%ld requests, %ld contexts accepted, %zu subscribed, %lu other messages: %s\n", sent,
         accepts, nsubs, published_events, failures ? "FAILED" : "ok");
  pthread_mutex_unlock(&mu);
  return failures ? 1 : 0;
}

/*
 * test_serve_fuzz.c - hostile input against ffirt-serve's request handler
 * (serve_core.c), the very code the server runs, bound to a recording fake
 * transport instead of NATS and hosting the real libmy_timer.so.
 *
 * Valid requests of every kind (constructor, methods, $listen, $unlisten,
 * $destroy, static; single items and batches of items) are mutated (bit
 * flips, byte sets, truncation, insertion, length-head inflation, splices)
 * and sent to the constructor, context and static handlers; oversize and
 * empty bodies, unknown operations, destroyed contexts and hostile batches
 * (no items, huge counts, more items than the cap, wrong item shapes,
 * duplicate or unreadable seqs, truncated arrays) are sent on purpose.
 * Invariants: the handler never crashes (this test also runs under
 * ASan/UBSan and TSan), and exactly-once per item: a message whose every
 * item has a readable, unique seq (decided here by the test's own reading
 * of it) gets exactly one terminal reply per seq; any other gets exactly one
 * [0, RET_ERR, why] and nothing else; a constructor message exactly one
 * terminal reply. Checked after serve_free, which destroys every context
 * and so answers whatever was still running. Also: a reply is not held
 * behind a slow batch-mate for longer than the deferral bound.
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

#include "check.h"

/* ---- the fake transport: reply items recorded per subject "r.<n>" */

enum { MAX_REQ = 20000, MAX_SUBS = 4096 };
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int malformed_replies;
static int messages[MAX_REQ]; /* reply messages per request */

enum { R_TERMINAL, R_ACCEPTED, R_STALE };
typedef struct rec {
  long n;
  uint64_t seq;
  int kind, ret;
  int64_t at; /* ns */
  char text[160];
} rec;
static rec *recs;
static size_t nrecs, caprecs;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
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
  int64_t at = now_ns();
  wire_dec d = {data, data + len, NULL};
  uint64_t items, cnt, seq, ret;
  const uint8_t *b, *x;
  size_t bl, xl;
  pthread_mutex_lock(&mu);
  if (wire_array(&d, 1, len, &items) || n < 0 || n >= MAX_REQ) {
    malformed_replies++;
    pthread_mutex_unlock(&mu);
    return;
  }
  messages[n]++;
  for (uint64_t i = 0; i < items; i++) {
    if (wire_array(&d, 3, 4, &cnt) || wire_uint(&d, &seq) || wire_uint(&d, &ret) ||
        wire_string(&d, 2, &b, &bl) || (cnt == 4 && wire_string(&d, 3, &x, &xl))) {
      malformed_replies++;
      break;
    }
    if (nrecs == caprecs) {
      caprecs = caprecs ? 2 * caprecs : 4096;
      recs = realloc(recs, caprecs * sizeof *recs);
    }
    rec *r = &recs[nrecs++];
    r->n = n;
    r->seq = seq;
    r->ret = (int)ret;
    r->kind = ret == FFIRT_REMOTE_ACCEPTED ? R_ACCEPTED : ret == 3 ? R_STALE : R_TERMINAL;
    r->at = at;
    snprintf(r->text, sizeof r->text, "%.*s", ret == 1 ? (int)(bl < 159 ? bl : 159) : 0,
             (const char *)b);
    if (ret == 1 && !utf8_ok(b, bl)) bad_error_texts++;
  }
  if (!d.err && wire_end(&d)) malformed_replies++;
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

/* One item [seq, op, req] at out. */
static uint8_t *put_item(uint8_t *o, uint64_t seq, const char *op, const uint8_t *req, size_t len) {
  o = wire_put_head(o, 4, 3);
  o = wire_put_head(o, 0, seq);
  o = wire_put_string(o, 3, op, strlen(op));
  return wire_put_string(o, 2, req, len);
}

/* The one-item message [[1, op, req]]. */
static size_t envelope(uint8_t *out, const char *op, const uint8_t *req, size_t len) {
  uint8_t *o = wire_put_head(out, 4, 1);
  o = put_item(o, 1, op, req, len);
  return (size_t)(o - out);
}

/* What the test expects for a context or static message, read on its own:
 * 1 and the seqs when every item has a readable unique seq other than 0
 * (answered per item), 0 when one [0, RET_ERR] must answer the whole. */
static int expected_seqs(const uint8_t *p, size_t len, uint64_t *seqs, size_t *count) {
  wire_dec d = {p, p + len, NULL};
  unsigned mj;
  uint64_t n, k;
  if (!p || wire_head(&d, &mj, &n) || mj != 4 || n == 0 || n > FFIRT_REMOTE_BATCH_MAX) return 0;
  for (uint64_t i = 0; i < n; i++) {
    if (wire_head(&d, &mj, &k) || mj != 4 || k == 0 || wire_uint(&d, &seqs[i]) || !seqs[i])
      return 0;
    for (uint64_t j = 1; j < k; j++)
      if (wire_skip(&d, 16)) return 0;
    for (uint64_t j = 0; j < i; j++)
      if (seqs[j] == seqs[i]) return 0;
  }
  if (wire_end(&d)) return 0;
  *count = (size_t)n;
  return 1;
}

/* Per request n: 0 constructor (exactly one terminal reply), 1 per item
 * (seqs in exp), 2 one [0, RET_ERR]. */
typedef struct expect {
  int how;
  size_t nseq;
  uint64_t *seqs;
} expect;
static expect expects[MAX_REQ];

static void expect_msg(long n, int to_ctx, const uint8_t *p, size_t len) {
  expect *e = &expects[n];
  if (to_ctx == 0) {
    e->how = 0;
    return;
  }
  uint64_t seqs[FFIRT_REMOTE_BATCH_MAX];
  size_t k = 0;
  if (expected_seqs(p, len, seqs, &k)) {
    e->how = 1;
    e->nseq = k;
    e->seqs = malloc(k * sizeof *seqs);
    memcpy(e->seqs, seqs, k * sizeof *seqs);
  } else {
    e->how = 2;
  }
}

static int cmp_rec(const void *a, const void *b) {
  const rec *x = a, *y = b;
  if (x->n != y->n) return x->n < y->n ? -1 : 1;
  if (x->seq != y->seq) return x->seq < y->seq ? -1 : 1;
  return x->kind - y->kind;
}

/* The terminal records of request n (recs sorted): [*from, *to). */
static void terminals_of(long n, size_t *from, size_t *to) {
  size_t lo = 0, hi = nrecs;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (recs[mid].n < n)
      lo = mid + 1;
    else
      hi = mid;
  }
  *from = lo;
  while (lo < nrecs && recs[lo].n == n)
    lo++;
  *to = lo;
}

/* The error text of the terminal reply to (n, seq), or NULL (mu held). */
static const rec *find_rec(long n, uint64_t seq) {
  for (size_t i = 0; i < nrecs; i++)
    if (recs[i].n == n && recs[i].seq == seq && recs[i].kind == R_TERMINAL) return &recs[i];
  return NULL;
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

/* ---- sending: every message gets reply subject r.<n> and an expectation */

static serve *S;
static long sent;

/* A constructor on P.new.<client> (client NULL: on P.new). */
static long send_new_from(const char *client, const uint8_t *p, size_t len) {
  char reply[32];
  long n = sent++;
  snprintf(reply, sizeof reply, "r.%ld", n);
  expect_msg(n, 0, p, len);
  serve_handle_new_from(S, client, reply, p, len);
  return n;
}

static long send_msg(int to, serve_ctx *c, const uint8_t *p, size_t len) {
  char reply[32];
  long n = sent++;
  snprintf(reply, sizeof reply, "r.%ld", n);
  expect_msg(n, to, p, len);
  if (to == 0)
    serve_handle_new(S, reply, p, len);
  else if (to == 2)
    serve_handle_static(S, reply, p, len);
  else
    serve_handle_ctx(S, c, reply, p, len);
  return n;
}

/* The error text of (n, seq) contains want. */
static void check_error(long n, uint64_t seq, const char *want) {
  pthread_mutex_lock(&mu);
  const rec *r = find_rec(n, seq);
  CHECK(r && r->ret == 1 && strstr(r->text, want), "request %ld seq %llu: RET_ERR '%s', got %s", n,
        (unsigned long long)seq, want, r ? r->text : "(nothing)");
  pthread_mutex_unlock(&mu);
}

static int64_t reply_at(long n, uint64_t seq) {
  pthread_mutex_lock(&mu);
  const rec *r = find_rec(n, seq);
  int64_t at = r ? r->at : 0;
  pthread_mutex_unlock(&mu);
  return at;
}

/* Hostile batches on a live context, each answered as documented. */
static void hostile_batches(serve_ctx *c, const uint8_t *echo_req, size_t echo_len) {
  static uint8_t b[64 * 1024];
  uint8_t *o;
  long n;
  /* no items */
  b[0] = 0x80;
  n = send_msg(1, c, b, 1);
  check_error(n, 0, "at least one item");
  /* a count near 2^64 with nothing after it */
  static const uint8_t huge[] = {0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  n = send_msg(1, c, huge, sizeof huge);
  check_error(n, 0, "at most");
  /* a count near 2^64 inside an item, after a readable seq */
  static const uint8_t huge_item[] = {0x81, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0x01, 0x60, 0x40};
  n = send_msg(1, c, huge_item, sizeof huge_item);
  check_error(n, 0, "truncated");
  /* more items than the cap: nothing runs */
  o = wire_put_head(b, 4, FFIRT_REMOTE_BATCH_MAX + 1);
  for (int i = 0; i <= FFIRT_REMOTE_BATCH_MAX; i++)
    o = put_item(o, (uint64_t)i + 1, "version", (const uint8_t *)"\xa0", 1);
  n = send_msg(1, c, b, (size_t)(o - b));
  check_error(n, 0, "at most 256 items");
  /* exactly the cap: every item answered, in fewer messages than items */
  o = wire_put_head(b, 4, FFIRT_REMOTE_BATCH_MAX);
  for (int i = 0; i < FFIRT_REMOTE_BATCH_MAX; i++)
    o = put_item(o, (uint64_t)i + 1, "version", (const uint8_t *)"\xa0", 1);
  n = send_msg(1, c, b, (size_t)(o - b));
  struct timespec ts = {0, 50 * 1000000L};
  nanosleep(&ts, NULL);
  pthread_mutex_lock(&mu);
  int msgs = messages[n];
  pthread_mutex_unlock(&mu);
  CHECK(msgs >= 1 && msgs < FFIRT_REMOTE_BATCH_MAX, "%d items answered in %d messages",
        FFIRT_REMOTE_BATCH_MAX, msgs);
  /* an item that is not an array, one without an unsigned seq, seq 0 */
  static const uint8_t not_array[] = {0x81, 0x05};
  n = send_msg(1, c, not_array, sizeof not_array);
  check_error(n, 0, "seq cannot be read");
  o = wire_put_head(b, 4, 1);
  o = wire_put_head(o, 4, 3);
  o = wire_put_string(o, 3, "x", 1);
  o = wire_put_string(o, 3, "version", 7);
  o = wire_put_string(o, 2, "\xa0", 1);
  n = send_msg(1, c, b, (size_t)(o - b));
  check_error(n, 0, "unsigned seq");
  o = wire_put_head(b, 4, 1);
  o = put_item(o, 0, "version", (const uint8_t *)"\xa0", 1);
  n = send_msg(1, c, b, (size_t)(o - b));
  check_error(n, 0, "seq 0");
  /* duplicate seqs: refused whole (an answer per item would be ambiguous) */
  o = wire_put_head(b, 4, 2);
  o = put_item(o, 3, "version", (const uint8_t *)"\xa0", 1);
  o = put_item(o, 3, "version", (const uint8_t *)"\xa0", 1);
  n = send_msg(1, c, b, (size_t)(o - b));
  check_error(n, 0, "appears twice");
  /* a truncated array: two items announced, one there */
  o = wire_put_head(b, 4, 2);
  o = put_item(o, 3, "version", (const uint8_t *)"\xa0", 1);
  n = send_msg(1, c, b, (size_t)(o - b));
  check_error(n, 0, "truncated");
  /* wrong item shapes with readable seqs: answered per item, the rest runs */
  o = wire_put_head(b, 4, 5);
  o = wire_put_head(o, 4, 2); /* [5, "version"] */
  o = wire_put_head(o, 0, 5);
  o = wire_put_string(o, 3, "version", 7);
  o = wire_put_head(o, 4, 3); /* [6, 7, h'a0'] */
  o = wire_put_head(o, 0, 6);
  o = wire_put_head(o, 0, 7);
  o = wire_put_string(o, 2, "\xa0", 1);
  o = wire_put_head(o, 4, 3); /* [8, "version", "text"] */
  o = wire_put_head(o, 0, 8);
  o = wire_put_string(o, 3, "version", 7);
  o = wire_put_string(o, 3, "t", 1);
  o = put_item(o, 9, "nope", (const uint8_t *)"\xa0", 1);
  o = put_item(o, 10, "version", (const uint8_t *)"\xa0", 1);
  n = send_msg(1, c, b, (size_t)(o - b));
  nanosleep(&ts, NULL);
  check_error(n, 5, "wrong number of fields");
  check_error(n, 6, "op is not a text");
  check_error(n, 8, "request is not a byte string");
  check_error(n, 9, "no method 'nope'");
  pthread_mutex_lock(&mu);
  const rec *ok = find_rec(n, 10);
  CHECK(ok && ok->ret == 0, "the well-formed item of a mixed batch ran");
  pthread_mutex_unlock(&mu);
  /* a slow item does not hold its batch-mate's reply: [slow echo, version] */
  uint8_t slow_req[64];
  memcpy(slow_req, echo_req, echo_len); /* ... "delayMs" 0x18 0x05 -> 0x19 0x03 0xe8 */
  size_t sl = echo_len - 2;
  slow_req[sl++] = 0x19;
  slow_req[sl++] = 0x03;
  slow_req[sl++] = 0xe8; /* 1000 ms */
  o = wire_put_head(b, 4, 2);
  o = put_item(o, 1, "echo", slow_req, sl);
  o = put_item(o, 2, "version", (const uint8_t *)"\xa0", 1);
  int64_t t0 = now_ns();
  n = send_msg(1, c, b, (size_t)(o - b));
  int64_t fast = 0;
  while (!(fast = reply_at(n, 2)) && now_ns() - t0 < 2000000000) {
    struct timespec w = {0, 1000000L};
    nanosleep(&w, NULL);
  }
  CHECK(fast && fast - t0 < 100000000, "the fast item's reply came after %lld us",
        (long long)((fast - t0) / 1000));
  int64_t slow = 0;
  while (!(slow = reply_at(n, 1)) && now_ns() - t0 < 3000000000) {
    struct timespec w = {0, 5000000L};
    nanosleep(&w, NULL);
  }
  CHECK(slow && slow - t0 >= 900000000, "the slow item answered after its delay (%lld ms)",
        (long long)((slow - t0) / 1000000));
  printf("batch: fast batch-mate of a 1000 ms call answered after %lld us\n",
         (long long)((fast - t0) / 1000));
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
  seed seeds[10];
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
  { /* batches: four context items, two statics */
    uint8_t *o = wire_put_head(seeds[nseeds].bytes, 4, 4);
    o = put_item(o, 11, "version", (const uint8_t *)"\xa0", 1);
    o = put_item(o, 12, "echo", echo_req, sizeof echo_req);
    o = put_item(o, 13, "$listen", (const uint8_t *)"", 0);
    o = put_item(o, 14, "$unlisten", (const uint8_t *)"", 0);
    seeds[nseeds].to_ctx = 1;
    seeds[nseeds].len = (size_t)(o - seeds[nseeds].bytes);
    nseeds++;
    o = wire_put_head(seeds[nseeds].bytes, 4, 2);
    o = put_item(o, 7, "nope", (const uint8_t *)"\xa0", 1);
    o = put_item(o, 9, "", (const uint8_t *)"", 0);
    seeds[nseeds].to_ctx = 2;
    seeds[nseeds].len = (size_t)(o - seeds[nseeds].bytes);
    nseeds++;
  }

  S = s;
  /* a few valid contexts first */
  for (int i = 0; i < 4; i++)
    send_msg(0, NULL, seeds[0].bytes, seeds[0].len);
  /* oversize and empty bodies */
  size_t big_len = 2u << 20;
  uint8_t *big = malloc(big_len);
  for (size_t i = 0; big && i < big_len; i++)
    big[i] = (uint8_t)rnd();
  send_msg(0, NULL, big, big_len);
  send_msg(0, NULL, NULL, 0);
  send_msg(2, NULL, (const uint8_t *)"", 0);
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
    send_msg(0, NULL, env, el);
    send_msg(2, NULL, env, el);
  }
  pthread_mutex_lock(&mu);
  serve_ctx *first = nsubs ? subs[0] : NULL;
  pthread_mutex_unlock(&mu);
  CHECK(first != NULL, "a valid constructor subscribed its context");
  if (first) {
    send_msg(1, first, big, big_len);
    hostile_batches(first, echo_req, sizeof echo_req);
  }
  free(big);

  uint8_t buf[1024];
  for (long i = 0; i < iters; i++) {
    const seed *sd = &seeds[rnd() % nseeds];
    memcpy(buf, sd->bytes, sd->len);
    size_t len = rnd() % 8 ? mutate(buf, sd->len, sizeof buf) : sd->len;
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
      send_new_from(pick == 0 ? NULL : pick == 3 ? hostile : clients[pick - 1], buf, len);
      serve_handle_lease(s, rnd() % 2 ? clients[0] : hostile);
    } else if (sd->to_ctx == 1) {
      pthread_mutex_lock(&mu);
      serve_ctx *c = nsubs ? subs[rnd() % nsubs] : NULL;
      pthread_mutex_unlock(&mu);
      if (c)
        send_msg(1, c, buf, len);
      else
        send_msg(0, NULL, seeds[0].bytes, seeds[0].len);
    } else {
      send_msg(sd->to_ctx, NULL, buf, len);
    }
    if (i % 500 == 0) /* ticks 5 ms apart over 30 ms: client 2's lease runs out */
      for (int k = 0; k < 7; k++) {
        serve_tick(s);
        nanosleep(&(struct timespec){0, 5000000}, NULL);
      }
  }
  serve_free(s); /* destroys every context: whatever ran is answered */

  pthread_mutex_lock(&mu);
  qsort(recs, nrecs, sizeof *recs, cmp_rec);
  long missing = 0, twice = 0, accepts = 0, stray = 0;
  for (long n = 0; n < sent; n++) {
    size_t from, to;
    terminals_of(n, &from, &to);
    size_t terms = 0;
    for (size_t i = from; i < to; i++) {
      if (recs[i].kind == R_ACCEPTED) accepts++;
      if (recs[i].kind != R_TERMINAL) continue;
      terms++;
      if (i > from && recs[i - 1].kind == R_TERMINAL && recs[i - 1].seq == recs[i].seq) twice++;
    }
    const expect *e = &expects[n];
    if (e->how == 0) { /* a constructor: one terminal reply, at most one acceptance */
      if (terms == 0) missing++;
      if (terms > 1) twice++;
    } else if (e->how == 2) { /* refused whole: one [0, RET_ERR] and nothing else */
      if (terms == 0) missing++;
      if (terms > 1) twice++;
      if (terms == 1 && !(recs[from].seq == 0 && recs[from].ret == 1)) stray++;
    } else { /* each seq exactly once, no other */
      for (size_t k = 0; k < e->nseq; k++) {
        int got = 0;
        for (size_t i = from; i < to; i++)
          got += recs[i].kind == R_TERMINAL && recs[i].seq == e->seqs[k];
        if (got == 0) missing++;
        if (got > 1) twice++;
      }
      if (terms != e->nseq) stray++;
    }
    free(expects[n].seqs);
  }
  CHECK(missing == 0, "%ld items never answered", missing);
  CHECK(twice == 0, "%ld items answered more than once", twice);
  CHECK(stray == 0, "%ld messages answered with seqs they did not carry", stray);
  CHECK(malformed_replies == 0, "%d malformed replies", malformed_replies);
  CHECK(bad_error_texts == 0, "%d error texts are not valid UTF-8", bad_error_texts);
  printf("%ld requests, %ld contexts accepted, %zu subscribed, %lu other messages: %s\n", sent,
         accepts, nsubs, published_events, failures ? "FAILED" : "ok");
  pthread_mutex_unlock(&mu);
  free(recs);
  return failures ? 1 : 0;
}
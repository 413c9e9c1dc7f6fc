/*
 * serve_core.c - ffirt-serve's request handling (docs/remote.md), transport
 * independent (serve.h).
 *
 * Design notes:
 *  - Threads: transport delivery threads call serve_handle_*; the library's
 *    worker threads call the reply callbacks; its event threads call
 *    on_event; the main thread calls serve_tick and serve_free. s->mu guards
 *    the context list, every context's state and interest counts, and the
 *    dead list. It is never held while the library runs: calls into
 *    the library (constructors, methods, listener add/remove, destructors)
 *    happen with s->mu released, so a callback that takes s->mu cannot
 *    deadlock against them.
 *  - A serve_ctx is the transport's subscription closure. After it is
 *    destroyed it moves to s->dead and is freed by serve_tick only
 *    DEAD_GRACE_MS later (or by serve_free), so a message the transport had
 *    already dequeued still finds valid memory; such a message sees
 *    state DEAD and is answered "unknown context".
 *  - Reply ownership: each request item gets one `req_cb` block; the
 *    library calls its callback exactly once terminally (abi.md 3.2) and
 *    that call hands the terminal reply to the item's group and frees it.
 *  - Batches (docs/remote.md): a context or static message is an array of
 *    [seq, op, request] items. It is checked whole first (every item's seq
 *    readable, unique, the structure skippable, at most
 *    FFIRT_REMOTE_BATCH_MAX items): if not, nothing runs and one
 *    [0, RET_ERR, why] item answers the message. Otherwise each item is
 *    answered exactly once under its seq (a malformed item with RET_ERR).
 *  - Reply groups: the replies to one message are gathered in a `grp`
 *    (s->omu guards every group's buffer and counters and the armed list;
 *    never held while publishing or running library code). `pending`
 *    counts terminal replies still owed, plus one while the message is
 *    being dispatched. A message of one item has no group: each reply is
 *    published at once. A group is published when a reply makes `pending`
 *    0, or at the size caps; otherwise it
 *    is armed: the flusher thread publishes it FFIRT_REMOTE_DEFER_NS after
 *    it was armed, so a slow item never holds its batch-mates for long. One
 *    thread publishes a group at a time (`publishing`: the others append and
 *    leave, the publisher loops), so a context's STALE_WARN replies never
 *    overtake each other or the terminal one. The thread that finds a group
 *    owed nothing, empty, unarmed and not publishing frees it.
 *  - Constructors answer twice: [ACCEPTED, id] as soon as the library
 *    accepted the request (its constructor returned a handle), then the
 *    constructor's outcome when its callback runs; an outcome that comes
 *    first is parked in the context and sent right after the acceptance. A
 *    request the library refuses before creating anything gets only
 *    [RET_ERR, reason]. A context whose constructor failed stays (as in
 *    process, its methods answer "not initialized") until $destroy.
 *  - Events: one CBOR wildcard listener per context while any remote
 *    interest exists (counted per name, "" = wildcard); it publishes an
 *    envelope only if its name is wanted, so a remote listener of one event
 *    never receives others and no event is ever published twice. Teardown
 *    keeps that listener through the destructor (c->draining), which
 *    delivers the library's last events as in process: they are published
 *    before the $destroy reply, so a client sees them before it.
 *  - Ids: 128 bits from getrandom(2), lower-case hex.
 *  - Leases: a constructor published on P.new.<client> ties its context to
 *    that client id (32 hex digits): c->lease points to the client's entry
 *    in s->clients, which records, under s->mu, when the client was last
 *    seen (its constructors and its P.lease.<client> announcements) and how
 *    many live contexts it holds (unlink_live counts them down). serve_tick
 *    reclaims (tears down, like $destroy) the READY contexts of a client
 *    not seen for lease_ms and frees entries that hold nothing. A PENDING
 *    context is left to its constructor and caught by a later tick. The
 *    teardown runs on a reaper thread (a destructor may wait for a running
 *    handler, and the tick's thread must keep heartbeating), joined by the
 *    tick's thread once done (s->reaps) or by serve_free: every thread the
 *    core starts is joined by the one that started it.
 *    Contexts created without a client id (P.new) have no lease. While the
 *    transport is down, and on the first tick after a stall of the server
 *    itself (SIGSTOP, swap), every lease is renewed instead of judged: the
 *    announcements could not arrive.
 */
#define _GNU_SOURCE
#include "serve.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../common/clock.h"
#include "wire.h"

#define DEAD_GRACE_MS 10000
#define ID_LEN 32
/* bytes reserved before a group's items for the array head (up to 2^32) */
#define GRP_HEAD 5

enum { CTX_PENDING, CTX_READY, CTX_DEAD };

typedef struct grp grp;
struct grp {
  uint32_t pending; /* terminal replies owed, +1 while dispatching (s->omu) */
  int publishing, force, armed;
  int64_t due;  /* ns, CLOCK_MONOTONIC: when the flusher publishes what waits */
  uint8_t *buf; /* GRP_HEAD reserved bytes, then the encoded reply items */
  size_t len, cap;
  uint32_t nbuf;
  grp *next_armed;
  char reply[];
};

typedef struct interest {
  char *name;
  uint32_t n;
} interest;

struct serve_ctx {
  serve *s;
  char id[ID_LEN + 1];
  int state;
  void *handle;
  void *sub;
  uint64_t listener;
  int draining; /* in the destructor: its last events still published (s->mu) */
  uint32_t wild;
  interest *names;
  size_t nnames;
  int64_t dead_at;
  struct lease_client *lease; /* NULL = no lease; s->mu */
  /* the constructor's outcome when it came before the acceptance */
  struct req_cb *parked_reply;
  int parked_ret;
  char *parked;
  size_t parked_len;
  serve_ctx *next;
};

typedef struct lease_client {
  char id[ID_LEN + 1];
  int64_t last; /* monotonic ms */
  size_t held;  /* live contexts leased to it */
  struct lease_client *next;
} lease_client;

struct serve {
  const ffirt_library_desc *lib;
  serve_tx tx;
  size_t max_contexts;
  char id[ID_LEN + 1];
  char prefix[160];
  pthread_mutex_t mu;
  serve_ctx *live; /* PENDING and READY */
  size_t nlive;
  serve_ctx *dead;
  int accepting;
  /* leases (s->mu) */
  int64_t lease_ms; /* 0 = none */
  lease_client *clients;
  int64_t last_tick;
  int connected;
  struct reap *reaps; /* reclaiming threads not yet joined (s->mu) */
  /* reply groups with deferred replies, oldest first; the flusher thread */
  pthread_mutex_t omu;
  pthread_cond_t ocv; /* CLOCK_MONOTONIC */
  grp *armed_head, *armed_tail;
  pthread_t flusher;
  int flusher_stop;
};

typedef struct req_cb req_cb;
struct req_cb {
  serve *s;
  serve_ctx *c; /* constructors only */
  grp *g;       /* methods and statics: the message's reply group */
  uint64_t seq;
  char reply[]; /* constructors only */
};

static int random_id(char out[ID_LEN + 1]) {
  uint8_t b[16];
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t n = getrandom(b + got, sizeof b - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    got += (size_t)n;
  }
  for (size_t i = 0; i < sizeof b; i++)
    snprintf(out + 2 * i, 3, "%02x", b[i]);
  return 0;
}

/* The size of the reply item [seq, ret, bytes] or [seq, ret, bytes, extra]. */
static size_t item_size(uint64_t seq, int ret, size_t len, size_t xl, int extra) {
  return 1 + wire_head_size(seq) + wire_head_size((uint64_t)ret) + wire_head_size(len) + len +
         (extra ? wire_head_size(xl) + xl : 0);
}

static uint8_t *put_item(uint8_t *o, uint64_t seq, int ret, const void *bytes, size_t len,
                         const char *extra) {
  o = wire_put_head(o, 4, extra ? 4 : 3);
  o = wire_put_head(o, 0, seq);
  o = wire_put_head(o, 0, (uint64_t)ret);
  o = wire_put_string(o, 2, bytes, len);
  if (extra) o = wire_put_string(o, 3, extra, strlen(extra));
  return o;
}

/* Publishes the one-item reply [[seq, ret, bytes(, extra)]] to subject. */
static void send_item(serve *s, const char *subject, uint64_t seq, int ret, const void *bytes,
                      size_t len, const char *extra) {
  if (!subject || !*subject) return;
  size_t n = 1 + item_size(seq, ret, len, extra ? strlen(extra) : 0, extra != NULL);
  uint8_t stackbuf[512];
  uint8_t *buf = n <= sizeof stackbuf ? stackbuf : malloc(n);
  if (!buf) {
    static const char oom[] = "ffirt-serve: out of memory for the reply";
    send_item(s, subject, seq, 1, oom, sizeof oom - 1, NULL);
    return;
  }
  uint8_t *o = wire_put_head(buf, 4, 1);
  o = put_item(o, seq, ret, bytes, len, extra);
  s->tx.publish(s->tx.t, subject, buf, (size_t)(o - buf));
  if (buf != stackbuf) free(buf);
}

/* ------------------------------------------------------------ reply groups */

static void unarm(serve *s, grp *g) {
  grp *prev = NULL;
  for (grp *x = s->armed_head; x; prev = x, x = x->next_armed)
    if (x == g) {
      if (prev)
        prev->next_armed = g->next_armed;
      else
        s->armed_head = g->next_armed;
      if (s->armed_tail == g) s->armed_tail = prev;
      break;
    }
  g->armed = 0;
}

/* Publishes what g holds if it is due (see the design notes), arms it if
 * it must wait, frees it when it is finished. s->omu held on entry,
 * released on return; g may be gone then. */
static void grp_kick(serve *s, grp *g) {
  if (g->publishing) { /* the publisher loops and sees what was added */
    pthread_mutex_unlock(&s->omu);
    return;
  }
  while (g->nbuf && (g->pending == 0 || g->force || g->nbuf >= FFIRT_REMOTE_BATCH_ITEMS ||
                     g->len >= FFIRT_REMOTE_BATCH_BYTES)) {
    uint8_t *b = g->buf;
    size_t l = g->len;
    uint32_t k = g->nbuf;
    g->buf = NULL;
    g->len = g->cap = 0;
    g->nbuf = 0;
    g->force = 0;
    g->publishing = 1;
    pthread_mutex_unlock(&s->omu);
    size_t hs = wire_head_size(k);
    uint8_t *start = b + GRP_HEAD - hs;
    wire_put_head(start, 4, k);
    if (g->reply[0]) s->tx.publish(s->tx.t, g->reply, start, l - (GRP_HEAD - hs));
    free(b);
    pthread_mutex_lock(&s->omu);
    g->publishing = 0;
  }
  if (g->nbuf && !g->armed) {
    g->armed = 1;
    g->due = ffirt__mono_ns() + FFIRT_REMOTE_DEFER_NS;
    g->next_armed = NULL;
    int idle = !s->armed_head; /* the flusher is signalled only when not armed */
    if (s->armed_tail)
      s->armed_tail->next_armed = g;
    else
      s->armed_head = g;
    s->armed_tail = g;
    if (idle) pthread_cond_signal(&s->ocv);
  } else if (!g->nbuf && g->armed) {
    unarm(s, g);
  }
  int finished = g->pending == 0 && !g->nbuf && !g->armed;
  pthread_mutex_unlock(&s->omu);
  if (finished) {
    free(g->buf);
    free(g);
  }
}

/* Adds the reply item (seq, ret, bytes) to g; a terminal one settles its
 * item. Any thread; s->omu not held. */
static void grp_answer(serve *s, grp *g, uint64_t seq, int ret, const void *bytes, size_t len) {
  size_t n = item_size(seq, ret, len, 0, 0);
  pthread_mutex_lock(&s->omu);
  if (!g->len) g->len = GRP_HEAD;
  if (g->len + n > g->cap) {
    size_t cap = g->cap ? g->cap : 256;
    while (cap < g->len + n)
      cap *= 2;
    uint8_t *grown = realloc(g->buf, cap);
    if (!grown) { /* on its own, then (g lives on: this item is still owed) */
      pthread_mutex_unlock(&s->omu);
      send_item(s, g->reply, seq, ret, bytes, len, NULL);
      pthread_mutex_lock(&s->omu);
      n = 0;
    } else {
      g->buf = grown;
      g->cap = cap;
    }
  }
  if (n) {
    put_item(g->buf + g->len, seq, ret, bytes, len, NULL);
    g->len += n;
    g->nbuf++;
  }
  if (ret != 3 /* RET_STALE_WARN */) g->pending--;
  grp_kick(s, g);
}

/* Publishes each armed group when it is due; on stop, every one at once. */
static void *flusher(void *arg) {
  serve *s = arg;
  pthread_mutex_lock(&s->omu);
  for (;;) {
    grp *g = s->armed_head;
    if (!g) {
      if (s->flusher_stop) break;
      pthread_cond_wait(&s->ocv, &s->omu);
      continue;
    }
    if (!s->flusher_stop && ffirt__mono_ns() < g->due) {
      struct timespec ts = {(time_t)(g->due / 1000000000), (long)(g->due % 1000000000)};
      pthread_cond_timedwait(&s->ocv, &s->omu, &ts);
      continue;
    }
    s->armed_head = g->next_armed;
    if (!s->armed_head) s->armed_tail = NULL;
    g->armed = 0;
    g->force = 1;
    grp_kick(s, g);
    pthread_mutex_lock(&s->omu);
  }
  pthread_mutex_unlock(&s->omu);
  return NULL;
}

/* A reply: into the group g, or on its own to subject (constructors). */
static void answer(serve *s, grp *g, const char *subject, uint64_t seq, int ret, const void *bytes,
                   size_t len) {
  if (g)
    grp_answer(s, g, seq, ret, bytes, len);
  else
    send_item(s, subject, seq, ret, bytes, len, NULL);
}

/* Copies at most max bytes of peer text into out (NUL-terminated), every
 * byte that is not part of well-formed UTF-8 as '?', never cutting a
 * character: error texts quote names from the wire and hosts decode them
 * strictly. Returns the length written. */
static size_t quote_peer_text(char *out, const char *in, size_t n, size_t max) {
  const unsigned char *p = (const unsigned char *)in;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    unsigned c = p[i];
    size_t k = c < 0x80                 ? 1
               : c >= 0xc2 && c <= 0xdf ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
    int ok = k && i + k <= n;
    for (size_t j = 1; ok && j < k; j++)
      ok = (p[i + j] & 0xc0) == 0x80;
    if (ok && k == 3) ok = !(c == 0xe0 && p[i + 1] < 0xa0) && !(c == 0xed && p[i + 1] > 0x9f);
    if (ok && k == 4) ok = !(c == 0xf0 && p[i + 1] < 0x90) && !(c == 0xf4 && p[i + 1] > 0x8f);
    if (!ok) k = 1;
    if (o + k > max) break;
    if (ok)
      memcpy(out + o, p + i, k);
    else
      out[o] = '?';
    o += k;
    i += k;
  }
  out[o] = '\0';
  return o;
}

/* Answers item seq (in g, or on its own to subject) RET_ERR with fmt, whose
 * one "%.*s" quotes arg (at most 128 bytes of it, made valid UTF-8). */
static void send_error(serve *s, grp *g, const char *subject, uint64_t seq, const char *fmt,
                       const char *arg, size_t arglen) {
  char quoted[129], text[512];
  size_t ql = quote_peer_text(quoted, arg ? arg : "", arg ? arglen : 0, 128);
  int n = snprintf(text, sizeof text, fmt, (int)ql, quoted);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof text) n = sizeof text - 1;
  answer(s, g, subject, seq, 1, text, (size_t)n);
}

static req_cb *req_new(serve *s, serve_ctx *c, grp *g, uint64_t seq, const char *reply) {
  size_t n = strlen(reply ? reply : "");
  req_cb *r = malloc(sizeof *r + n + 1);
  if (!r) return NULL;
  r->s = s;
  r->c = c;
  r->g = g;
  r->seq = seq;
  memcpy(r->reply, reply ? reply : "", n + 1);
  return r;
}

/* The callback of methods and statics: every reply goes to the group, or
 * straight to the reply subject for a message of one item. */
static void on_reply(int ret, const char *msg, size_t len, void *ud) {
  req_cb *r = ud;
  answer(r->s, r->g, r->reply, r->seq, ret, msg, len);
  if (ret != 3 /* RET_STALE_WARN */) free(r);
}

/* ------------------------------------------------------------ lifecycle */

serve *serve_new(const ffirt_library_desc *lib, serve_tx tx, size_t max_contexts) {
  serve *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->lib = lib;
  s->tx = tx;
  s->max_contexts = max_contexts;
  s->accepting = 1;
  s->lease_ms = SERVE_LEASE_MS_DEFAULT;
  s->connected = 1;
  pthread_condattr_t ca;
  int ok = random_id(s->id) == 0 && pthread_mutex_init(&s->mu, NULL) == 0;
  if (ok && pthread_mutex_init(&s->omu, NULL) != 0) {
    pthread_mutex_destroy(&s->mu);
    ok = 0;
  }
  if (ok) {
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (pthread_cond_init(&s->ocv, &ca) != 0) ok = 0;
    pthread_condattr_destroy(&ca);
    if (ok && pthread_create(&s->flusher, NULL, flusher, s) != 0) {
      pthread_cond_destroy(&s->ocv);
      ok = 0;
    }
    if (!ok) {
      pthread_mutex_destroy(&s->omu);
      pthread_mutex_destroy(&s->mu);
    }
  }
  if (!ok) {
    free(s);
    return NULL;
  }

  snprintf(s->prefix, sizeof s->prefix, "ffirt.%s", lib->name);
  return s;
}

const char *serve_id(const serve *s) { return s->id; }
const char *serve_prefix(const serve *s) { return s->prefix; }

size_t serve_contexts(serve *s) {
  pthread_mutex_lock(&s->mu);
  size_t n = s->nlive;
  pthread_mutex_unlock(&s->mu);
  return n;
}

void serve_stop_accepting(serve *s) {
  pthread_mutex_lock(&s->mu);
  s->accepting = 0;
  pthread_mutex_unlock(&s->mu);
}

static const ffirt_proc_desc *find_proc(serve *s, ffirt_proc_kind kind, const uint8_t *name,
                                        size_t n) {
  for (size_t i = 0; i < s->lib->nprocs; i++) {
    const ffirt_proc_desc *p = &s->lib->procs[i];
    if (p->kind == kind && strlen(p->name) == n && memcmp(p->name, name, n) == 0) return p;
  }
  return NULL;
}

static void ctx_free(serve_ctx *c) {
  for (size_t i = 0; i < c->nnames; i++)
    free(c->names[i].name);
  free(c->names);
  free(c);
}

static void unlink_live(serve *s, serve_ctx *c) {
  for (serve_ctx **pp = &s->live; *pp; pp = &(*pp)->next)
    if (*pp == c) {
      *pp = c->next;
      s->nlive--;
      if (c->lease) c->lease->held--;
      c->lease = NULL;
      return;
    }
}

static const ffirt_proc_desc *dtor_of(serve *s) {
  for (size_t i = 0; i < s->lib->nprocs; i++)
    if (s->lib->procs[i].kind == FFIRT_PROC_DTOR) return &s->lib->procs[i];
  return NULL;
}

/* Tears down a context already unlinked from s->live (s->mu not held):
 * unsubscribe, destroy (the destructor delivers the events still queued to
 * the listener, which publishes them while c->draining, then drops it);
 * then it waits on s->dead. */
static void ctx_teardown(serve *s, serve_ctx *c) {
  if (c->sub) s->tx.unsubscribe(s->tx.t, c->sub);
  c->sub = NULL;
  const ffirt_proc_desc *d = dtor_of(s);
  pthread_mutex_lock(&s->mu);
  c->draining = d && c->handle;
  pthread_mutex_unlock(&s->mu);
  if (d && c->handle) {
    d->dtor(c->handle);
  } else if (c->listener) {
    s->lib->remove_event_listener(c->handle, c->listener);
  }
  c->listener = 0;
  pthread_mutex_lock(&s->mu);
  c->draining = 0;
  c->state = CTX_DEAD;
  c->dead_at = ffirt__mono_ms();
  c->next = s->dead;
  s->dead = c;
  pthread_mutex_unlock(&s->mu);
}

/* ------------------------------------------------------------ leases */

void serve_set_lease(serve *s, int64_t lease_ms) {
  pthread_mutex_lock(&s->mu);
  s->lease_ms = lease_ms > 0 ? lease_ms : 0;
  pthread_mutex_unlock(&s->mu);
}

/* Every lease renewed as of now (s->mu held). */
static void lease_renew_all(serve *s, int64_t t) {
  for (lease_client *l = s->clients; l; l = l->next)
    l->last = t;
}

void serve_set_connected(serve *s, int up) {
  pthread_mutex_lock(&s->mu);
  s->connected = up;
  lease_renew_all(s, ffirt__mono_ms());
  pthread_mutex_unlock(&s->mu);
}

static int is_client_id(const char *id, size_t n) {
  if (n != ID_LEN) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return 0;
  return 1;
}

static lease_client *find_client(serve *s, const char *id, size_t n) {
  if (n != ID_LEN) return NULL;
  for (lease_client *l = s->clients; l; l = l->next)
    if (memcmp(l->id, id, ID_LEN) == 0) return l;
  return NULL;
}

/* The entry of client id, seen now, added if new (s->mu held). NULL: no
 * memory. */
static lease_client *lease_touch(serve *s, const char *id) {
  lease_client *l = find_client(s, id, ID_LEN);
  if (!l) {
    l = calloc(1, sizeof *l);
    if (!l) return NULL;
    memcpy(l->id, id, ID_LEN + 1);
    l->next = s->clients;
    s->clients = l;
  }
  l->last = ffirt__mono_ms();
  return l;
}

void serve_handle_lease(serve *s, const char *client) {
  size_t n = client ? strlen(client) : 0;
  pthread_mutex_lock(&s->mu);
  lease_client *l = find_client(s, client, n); /* unknown clients hold nothing here */
  if (l) l->last = ffirt__mono_ms();
  pthread_mutex_unlock(&s->mu);
}

typedef struct reap {
  serve *s;
  char client[ID_LEN + 1];
  int64_t silent, lease;
  size_t n;
  serve_ctx *c[64];
  pthread_t th;
  int done; /* s->mu */
  struct reap *next;
} reap;

/* Tears down what a lease reclaimed (already unlinked and DEAD), logs it. */
static void *reaper(void *arg) {
  reap *r = arg;
  serve *s = r->s;
  for (size_t k = 0; k < r->n; k++)
    ctx_teardown(s, r->c[k]);
  fprintf(stderr,
          "ffirt-serve: client %s not seen for %" PRId64 " ms (lease %" PRId64
          " ms): reclaimed %zu context%s\n",
          r->client, r->silent, r->lease, r->n, r->n == 1 ? "" : "s");
  pthread_mutex_lock(&s->mu);
  r->done = 1;
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

/* Joins and frees the reapers that are done (all: wait for every one). */
static void reap_join(serve *s, int all) {
  pthread_mutex_lock(&s->mu);
  reap *mine = NULL;
  for (reap **pp = &s->reaps; *pp;) {
    reap *r = *pp;
    if (all || r->done) {
      *pp = r->next;
      r->next = mine;
      mine = r;
    } else {
      pp = &r->next;
    }
  }
  pthread_mutex_unlock(&s->mu);
  while (mine) {
    reap *next = mine->next;
    pthread_join(mine->th, NULL);
    free(mine);
    mine = next;
  }
}

/* Tears down the READY contexts of clients whose lease ran out, and frees
 * the entries of clients that hold no context here. */
static void lease_reclaim(serve *s) {
  reap_join(s, 0);
  int64_t t = ffirt__mono_ms();
  pthread_mutex_lock(&s->mu);
  int stalled = s->last_tick && s->lease_ms && t - s->last_tick > s->lease_ms / 2;
  s->last_tick = t;
  if (stalled || !s->connected) lease_renew_all(s, t);
  for (lease_client **pp = &s->clients; *pp;) {
    lease_client *l = *pp;
    if (!l->held) { /* forgotten until its next constructor */
      *pp = l->next;
      free(l);
      continue;
    }
    if (!s->lease_ms || t - l->last <= s->lease_ms) {
      pp = &l->next;
      continue;
    }
    reap *r = calloc(1, sizeof *r);
    if (!r) break; /* the next tick retries */
    for (serve_ctx *c = s->live; c && r->n < sizeof r->c / sizeof r->c[0]; c = c->next)
      if (c->lease == l && c->state == CTX_READY) r->c[r->n++] = c;
    if (!r->n) { /* only PENDING ones: a later tick */
      free(r);
      pp = &l->next;
      continue;
    }
    r->s = s;
    memcpy(r->client, l->id, sizeof r->client);
    r->silent = t - l->last;
    r->lease = s->lease_ms;
    for (size_t k = 0; k < r->n; k++) {
      unlink_live(s, r->c[k]);
      r->c[k]->state = CTX_DEAD;
    }
    pthread_mutex_unlock(&s->mu);
    if (pthread_create(&r->th, NULL, reaper, r) == 0) {
      pthread_mutex_lock(&s->mu);
      r->next = s->reaps;
      s->reaps = r;
    } else {
      reaper(r); /* no thread: here, late heartbeat and all */
      free(r);
      pthread_mutex_lock(&s->mu);
    }
    pp = &s->clients; /* the list may have changed meanwhile: start over */
  }
  pthread_mutex_unlock(&s->mu);
}

void serve_tick(serve *s) {
  lease_reclaim(s);
  pthread_mutex_lock(&s->mu);
  size_t n = s->nlive;
  int64_t lease = s->lease_ms;
  /* free the dead past their grace */
  int64_t t = ffirt__mono_ms();
  for (serve_ctx **pp = &s->dead; *pp;) {
    serve_ctx *c = *pp;
    if (t - c->dead_at >= DEAD_GRACE_MS) {
      *pp = c->next;
      ctx_free(c);
    } else {
      pp = &c->next;
    }
  }
  pthread_mutex_unlock(&s->mu);
  uint8_t buf[64];
  uint8_t *o = wire_put_head(buf, 4, 3);
  o = wire_put_string(o, 3, s->id, ID_LEN);
  o = wire_put_head(o, 0, n);
  o = wire_put_head(o, 0, (uint64_t)lease);
  char subj[200];
  snprintf(subj, sizeof subj, "%s.hb", s->prefix);
  s->tx.publish(s->tx.t, subj, buf, (size_t)(o - buf));
}

void serve_free(serve *s) {
  if (!s) return;
  serve_stop_accepting(s);
  reap_join(s, 1);
  for (;;) {
    pthread_mutex_lock(&s->mu);
    serve_ctx *c = s->live;
    if (c) unlink_live(s, c);
    pthread_mutex_unlock(&s->mu);
    if (!c) break;
    ctx_teardown(s, c);
  }
  while (s->dead) {
    serve_ctx *c = s->dead;
    s->dead = c->next;
    ctx_free(c);
  }
  while (s->clients) {
    lease_client *l = s->clients;
    s->clients = l->next;
    free(l);
  }
  /* every context answered what it had: publish what still waits */
  pthread_mutex_lock(&s->omu);
  s->flusher_stop = 1;
  pthread_cond_signal(&s->ocv);
  pthread_mutex_unlock(&s->omu);
  pthread_join(s->flusher, NULL);
  pthread_cond_destroy(&s->ocv);
  pthread_mutex_destroy(&s->omu);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

/* ------------------------------------------------------------ constructors */

/* The constructor's callback (worker thread, or the delivering thread when
 * the library refuses the request before creating anything). Before the
 * context is accepted its terminal result is parked in c and sent by
 * serve_handle_new right after the acceptance, so the client always sees
 * [ACCEPTED, id] before the constructor's outcome. */
static void on_created(int ret, const char *msg, size_t len, void *ud) {
  req_cb *r = ud;
  serve *s = r->s;
  serve_ctx *c = r->c;
  if (ret == 3) { /* RET_STALE_WARN: forwarded, not terminal */
    send_item(s, r->reply, r->seq, ret, msg, len, s->id);
    return;
  }
  /* success carries the handle in decimal (abi.md 3.3); the client makes
   * its own handle, so the bytes are not forwarded */
  if (ret == 0) len = 0;
  pthread_mutex_lock(&s->mu);
  int accepted = c->state != CTX_PENDING;
  if (!accepted) {
    c->parked_ret = ret;
    c->parked = malloc(len ? len : 1);
    if (c->parked && len) memcpy(c->parked, msg, len);
    c->parked_len = c->parked ? len : 0;
    c->parked_reply = r; /* sent (and freed) by serve_handle_new */
  }
  pthread_mutex_unlock(&s->mu);
  if (accepted) {
    send_item(s, r->reply, r->seq, ret, msg, len, s->id);
    free(r);
  }
}

/* The [[seq, ctor, request]] message of a constructor: the constructor
 * and the request bytes. NULL when it was answered with an error (under
 * seq, or 0 when even that cannot be read). */
static const ffirt_proc_desc *ctor_request(serve *s, const char *reply, const uint8_t *data,
                                           size_t len, uint64_t *seq, const uint8_t **req,
                                           size_t *rl) {
  wire_dec d = {data, data + len, NULL};
  uint64_t n;
  const uint8_t *name;
  size_t nl;
  *seq = 0;
  if (!data || wire_array(&d, 1, 1, &n) || wire_array(&d, 3, 3, &n) || wire_uint(&d, seq) ||
      wire_string(&d, 3, &name, &nl) || wire_string(&d, 2, req, rl) || wire_end(&d)) {
    send_error(s, NULL, reply, *seq, "ffirt-serve: malformed constructor request: %.*s",
               d.err ? d.err : "", d.err ? strlen(d.err) : 0);
    return NULL;
  }
  const ffirt_proc_desc *p = find_proc(s, FFIRT_PROC_CTOR, name, nl);
  if (!p)
    send_error(s, NULL, reply, *seq, "ffirt-serve: no constructor '%.*s'", (const char *)name, nl);
  return p;
}

void serve_handle_new(serve *s, const char *reply, const uint8_t *data, size_t len) {
  serve_handle_new_from(s, NULL, reply, data, len);
}

void serve_handle_new_from(serve *s, const char *client, const char *reply, const uint8_t *data,
                           size_t len) {
  const uint8_t *req;
  size_t rl;
  uint64_t seq;
  const ffirt_proc_desc *p = ctor_request(s, reply, data, len, &seq, &req, &rl);
  if (!p) return;
  if (client && !is_client_id(client, strlen(client))) {
    send_error(s, NULL, reply, seq,
               "ffirt-serve: bad client id '%.*s' in the constructor's subject (32 lower-case "
               "hex digits expected)",
               client, strlen(client));
    return;
  }
  serve_ctx *c = calloc(1, sizeof *c);
  req_cb *r = c ? req_new(s, c, NULL, seq, reply) : NULL;
  if (!c || !r || random_id(c->id) != 0) {
    free(c);
    free(r);
    send_error(s, NULL, reply, seq, "ffirt-serve: out of memory%.*s", "", 0);
    return;
  }
  c->s = s;
  c->state = CTX_PENDING;
  pthread_mutex_lock(&s->mu);
  int full = s->max_contexts && s->nlive >= s->max_contexts;
  int closed = !s->accepting;
  int oom = 0;
  if (!full && !closed && client) {
    c->lease = lease_touch(s, client);
    oom = !c->lease;
    if (c->lease) c->lease->held++;
  }
  if (!full && !closed && !oom) {
    c->next = s->live;
    s->live = c;
    s->nlive++;
  }
  pthread_mutex_unlock(&s->mu);
  if (full || closed || oom) {
    free(c);
    free(r);
    char text[128];
    if (oom)
      snprintf(text, sizeof text, "ffirt-serve: out of memory");
    else if (closed)
      snprintf(text, sizeof text, "ffirt-serve: draining, no new contexts");
    else
      snprintf(text, sizeof text, "ffirt-serve: context limit reached (%zu)", s->max_contexts);
    send_item(s, reply, seq, 1, text, strlen(text), s->id);
    return;
  }
  /* subscribed before anyone learns the id: its first request cannot race it */
  char subj[256];
  snprintf(subj, sizeof subj, "%s.ctx.%s", s->prefix, c->id);
  c->sub = s->tx.subscribe(s->tx.t, subj, c);
  int subscribed = c->sub != NULL;
  void *h = subscribed ? p->ctor(rl ? req : (const uint8_t *)"", rl, on_created, r) : NULL;
  pthread_mutex_lock(&s->mu);
  c->handle = h;
  if (h) c->state = CTX_READY;
  req_cb *parked = c->parked_reply;
  c->parked_reply = NULL;
  if (!h) unlink_live(s, c);
  pthread_mutex_unlock(&s->mu);
  if (!h) {
    /* refused before anything was created (bad request, limit): the
     * callback ran on this thread and parked the reason */
    if (c->sub) s->tx.unsubscribe(s->tx.t, c->sub);
    c->sub = NULL;
    if (parked)
      send_item(s, reply, seq, parked->c->parked_ret, c->parked, c->parked_len, s->id);
    else if (!subscribed)
      send_error(s, NULL, reply, seq, "ffirt-serve: cannot subscribe the context's subject%.*s", "",
                 0);
    free(parked ? parked : r);
    free(c->parked);
    c->parked = NULL;
    /* like a destroyed context: freed after the grace, so a transport that
     * still delivers to the closure finds valid memory */
    pthread_mutex_lock(&s->mu);
    c->state = CTX_DEAD;
    c->dead_at = ffirt__mono_ms();
    c->next = s->dead;
    s->dead = c;
    pthread_mutex_unlock(&s->mu);
    return;
  }
  send_item(s, reply, seq, FFIRT_REMOTE_ACCEPTED, c->id, ID_LEN, s->id);
  if (parked) {
    send_item(s, reply, seq, c->parked_ret, c->parked, c->parked_len, s->id);
    free(c->parked);
    c->parked = NULL;
    free(parked);
  }
}

/* ------------------------------------------------------------ events */

static int wanted(serve_ctx *c, const uint8_t *name, size_t n) {
  if (c->wild) return 1;
  for (size_t i = 0; i < c->nnames; i++)
    if (c->names[i].n && strlen(c->names[i].name) == n && memcmp(c->names[i].name, name, n) == 0)
      return 1;
  return 0;
}

/* The CBOR wildcard listener: envelope = {"eventType": name, "payload": ...}. */
static void on_event(int ret, const char *msg, size_t len, void *ud) {
  (void)ret;
  serve_ctx *c = ud;
  serve *s = c->s;
  wire_dec d = {(const uint8_t *)msg, (const uint8_t *)msg + len, NULL};
  unsigned mj;
  uint64_t n;
  const uint8_t *k, *name;
  size_t kl, nl;
  if (wire_head(&d, &mj, &n) || mj != 5 || wire_string(&d, 3, &k, &kl) || kl != 9 ||
      memcmp(k, "eventType", 9) != 0 || wire_string(&d, 3, &name, &nl) || nl > 128)
    return;
  pthread_mutex_lock(&s->mu);
  int want = (c->state == CTX_READY || c->draining) && wanted(c, name, nl);
  pthread_mutex_unlock(&s->mu);
  if (!want) return;
  char subj[400];
  snprintf(subj, sizeof subj, "%s.ev.%s.%.*s", s->prefix, c->id, (int)nl, (const char *)name);
  s->tx.publish(s->tx.t, subj, (const uint8_t *)msg, len);
}

/* $listen / $unlisten: adjusts the interest; adds or removes the one local
 * listener outside s->mu. Calls for one context are serialized by the
 * transport (one subscription). */
static void listen_op(serve *s, serve_ctx *c, grp *g, const char *subject, uint64_t seq, int add,
                      const uint8_t *name, size_t n) {
  if (n > 128 || memchr(name, '.', n) || memchr(name, '*', n) || memchr(name, '>', n) ||
      memchr(name, ' ', n)) {
    send_error(s, g, subject, seq, "ffirt-serve: bad event name '%.*s'", (const char *)name, n);
    return;
  }
  int need_add = 0, need_remove = 0, bad = 0;
  pthread_mutex_lock(&s->mu);
  if (n == 0) {
    if (add)
      c->wild++;
    else if (c->wild)
      c->wild--;
    else
      bad = 1;
  } else {
    size_t i = 0;
    while (i < c->nnames &&
           !(strlen(c->names[i].name) == n && memcmp(c->names[i].name, name, n) == 0))
      i++;
    if (i == c->nnames && add) {
      interest *grown = realloc(c->names, (c->nnames + 1) * sizeof *grown);
      char *copy = grown ? malloc(n + 1) : NULL;
      if (grown) c->names = grown;
      if (!copy) {
        bad = 2;
      } else {
        memcpy(copy, name, n);
        copy[n] = '\0';
        c->names[c->nnames].name = copy;
        c->names[c->nnames].n = 0;
        c->nnames++;
      }
    }
    if (!bad) {
      if (add)
        c->names[i].n++;
      else if (i < c->nnames && c->names[i].n)
        c->names[i].n--;
      else
        bad = 1;
    }
  }
  uint64_t total = c->wild;
  for (size_t i = 0; i < c->nnames; i++)
    total += c->names[i].n;
  need_add = total > 0 && !c->listener;
  need_remove = total == 0 && c->listener;
  uint64_t old = c->listener;
  if (need_remove) c->listener = 0;
  void *h = c->handle;
  pthread_mutex_unlock(&s->mu);
  if (bad) {
    send_error(s, g, subject, seq,
               bad == 2 ? "ffirt-serve: out of memory%.*s"
                        : "ffirt-serve: no listener of '%.*s' to remove",
               (const char *)name, bad == 2 ? 0 : n);
    return;
  }
  if (need_remove) s->lib->remove_event_listener(h, old);
  if (need_add) {
    uint64_t id = s->lib->add_event_listener_cbor(h, "", on_event, c);
    pthread_mutex_lock(&s->mu);
    c->listener = id;
    pthread_mutex_unlock(&s->mu);
    if (!id) {
      send_error(s, g, subject, seq, "ffirt-serve: the library refused the listener%.*s", "", 0);
      return;
    }
  }
  answer(s, g, subject, seq, 0, "", 0);
}

/* ------------------------------------------------------------ batches */

/* Checks a whole [[seq, op, request], ...] message before anything runs:
 * 1..FFIRT_REMOTE_BATCH_MAX items, each an array whose first field is an
 * unsigned seq other than 0, every field skippable, no trailing bytes, no
 * seq twice. Fills seqs; NULL, or why not (static text or in buf). */
static const char *batch_check(const uint8_t *data, size_t len, uint64_t *seqs, uint64_t *count,
                               char *buf, size_t bufn) {
  wire_dec d = {data, data + len, NULL};
  unsigned mj;
  uint64_t n, k;
  if (!data || !len) return "empty request";
  if (wire_head(&d, &mj, &n)) return d.err;
  if (mj != 4) return "a request is an array of [seq, op, request] items, this is not an array";
  if (n == 0) return "a request holds at least one item, this one none";
  if (n > FFIRT_REMOTE_BATCH_MAX) {
    snprintf(buf, bufn, "a request holds at most %d items, this one %" PRIu64,
             FFIRT_REMOTE_BATCH_MAX, n);
    return buf;
  }
  for (uint64_t i = 0; i < n; i++) {
    if (d.p >= d.end) {
      snprintf(buf, bufn, "truncated envelope: %" PRIu64 " items announced, %" PRIu64 " there", n,
               i);
      return buf;
    }
    if (wire_peek_major(&d) != 4) {
      snprintf(buf, bufn, "item %" PRIu64 " is not an array: its seq cannot be read", i);
      return buf;
    }
    wire_head(&d, &mj, &k);
    if (k == 0 || wire_peek_major(&d) != 0) {
      snprintf(buf, bufn, "item %" PRIu64 " does not start with an unsigned seq", i);
      return buf;
    }
    if (wire_uint(&d, &seqs[i])) return d.err;
    if (seqs[i] == 0) {
      snprintf(buf, bufn, "item %" PRIu64 " has seq 0 (reserved)", i);
      return buf;
    }
    if (k - 1 > (uint64_t)(d.end - d.p)) return "truncated envelope";
    for (uint64_t j = 1; j < k; j++)
      if (wire_skip(&d, 16)) return d.err;
  }
  if (wire_end(&d)) return d.err;
  for (uint64_t i = 1; i < n; i++)
    for (uint64_t j = 0; j < i; j++)
      if (seqs[i] == seqs[j]) {
        snprintf(buf, bufn, "seq %" PRIu64 " appears twice", seqs[i]);
        return buf;
      }
  *count = n;
  return NULL;
}

/* One checked item: a static (c NULL) or an operation of context c. Its
 * replies go to g, or (g NULL: a message of one item) to subject. */
static void dispatch_item(serve *s, serve_ctx *c, grp *g, const char *subject, uint64_t seq,
                          const uint8_t *op, size_t ol, const uint8_t *req, size_t rl) {
  if (!c) {
    const ffirt_proc_desc *p = find_proc(s, FFIRT_PROC_STATIC, op, ol);
    req_cb *r = p ? req_new(s, NULL, g, seq, g ? NULL : subject) : NULL;
    if (!p)
      send_error(s, g, subject, seq, "ffirt-serve: no static '%.*s'", (const char *)op, ol);
    else if (!r)
      send_error(s, g, subject, seq, "ffirt-serve: out of memory%.*s", "", 0);
    else
      p->stat(on_reply, r, rl ? req : (const uint8_t *)"", rl);
    return;
  }
  pthread_mutex_lock(&s->mu);
  int state = c->state;
  void *h = c->handle;
  pthread_mutex_unlock(&s->mu);
  if (state != CTX_READY) {
    send_error(s, g, subject, seq, "ffirt-serve: unknown context %.*s (destroyed)", c->id, ID_LEN);
    return;
  }
  if (ol && op[0] == '$') {
    if (ol == 8 && memcmp(op, "$destroy", 8) == 0) {
      pthread_mutex_lock(&s->mu);
      int mine = c->state == CTX_READY;
      if (mine) {
        unlink_live(s, c);
        c->state = CTX_DEAD;
      }
      pthread_mutex_unlock(&s->mu);
      if (mine) ctx_teardown(s, c);
      /* the destructor answered every queued call before this reply */
      answer(s, g, subject, seq, 0, "", 0);
    } else if (ol == 7 && memcmp(op, "$listen", 7) == 0) {
      listen_op(s, c, g, subject, seq, 1, req, rl);
    } else if (ol == 9 && memcmp(op, "$unlisten", 9) == 0) {
      listen_op(s, c, g, subject, seq, 0, req, rl);
    } else {
      send_error(s, g, subject, seq, "ffirt-serve: unknown operation '%.*s'", (const char *)op, ol);
    }
    return;
  }
  const ffirt_proc_desc *p = find_proc(s, FFIRT_PROC_METHOD, op, ol);
  if (!p) {
    send_error(s, g, subject, seq, "ffirt-serve: no method '%.*s'", (const char *)op, ol);
    return;
  }
  req_cb *r = req_new(s, NULL, g, seq, g ? NULL : subject);
  if (!r) {
    send_error(s, g, subject, seq, "ffirt-serve: out of memory%.*s", "", 0);
    return;
  }
  p->method(h, on_reply, r, rl ? req : (const uint8_t *)"", rl);
}

/* A message of items for context c, or of statics (c NULL). */
static void handle_batch(serve *s, serve_ctx *c, const char *reply, const uint8_t *data,
                         size_t len) {
  uint64_t seqs[FFIRT_REMOTE_BATCH_MAX], n = 0;
  char why[128];
  const char *bad = batch_check(data, len, seqs, &n, why, sizeof why);
  if (bad) { /* nothing ran: one answer for the whole message */
    send_error(s, NULL, reply, 0, "ffirt-serve: malformed request: %.*s", bad, strlen(bad));
    return;
  }
  size_t sl = strlen(reply ? reply : "");
  grp *g = n > 1 ? calloc(1, sizeof *g + sl + 1) : NULL; /* one item: answered directly */
  if (n > 1 && !g) {
    send_error(s, NULL, reply, 0, "ffirt-serve: out of memory%.*s", "", 0);
    return;
  }
  if (g) {
    memcpy(g->reply, reply ? reply : "", sl + 1);
    g->pending = (uint32_t)n + 1; /* + this dispatch */
  }
  wire_dec d = {data, data + len, NULL};
  unsigned mj;
  uint64_t k = 0, seq = 0;
  wire_head(&d, &mj, &k);
  for (uint64_t i = 0; i < n; i++) { /* the shape was checked: only fields can be wrong */
    const uint8_t *op = NULL, *req = NULL;
    size_t ol = 0, rl = 0;
    uint64_t read = 1;
    const char *wrong = NULL;
    wire_head(&d, &mj, &k);
    wire_uint(&d, &seq);
    if (k != 3) {
      wrong = "wrong number of fields, an item is [seq, op, request]";
    } else if (wire_peek_major(&d) != 3) {
      wrong = "its op is not a text";
    } else {
      wire_string(&d, 3, &op, &ol);
      read = 2;
      if (wire_peek_major(&d) != 2)
        wrong = "its request is not a byte string";
      else
        wire_string(&d, 2, &req, &rl), read = 3;
    }
    for (; read < k; read++)
      wire_skip(&d, 16);
    if (wrong)
      send_error(s, g, reply, seq, "ffirt-serve: malformed request item: %.*s", wrong,
                 strlen(wrong));
    else
      dispatch_item(s, c, g, reply, seq, op, ol, req, rl);
  }
  if (!g) return;
  pthread_mutex_lock(&s->omu);
  g->pending--; /* dispatched */
  grp_kick(s, g);
}

void serve_handle_ctx(serve *s, serve_ctx *c, const char *reply, const uint8_t *data, size_t len) {
  handle_batch(s, c, reply, data, len);
}

void serve_handle_static(serve *s, const char *reply, const uint8_t *data, size_t len) {
  handle_batch(s, NULL, reply, data, len);
}

/*
 * client.c - the client runtime of every lib<lib>_remote.so: contexts,
 * calls and listeners of one remote library over NATS (docs/remote.md).
 *
 * Design notes:
 *  - One state per remote library (this file is linked into each one):
 *    one connection, one inbox subscription `<inbox>.*` for every reply
 *    (reply subject `<inbox>.<b>`, b the seq of the message's first item),
 *    one subscription of `P.hb`, one `P.ev.<id>.*` per context with
 *    listeners, a sweeper thread and a flusher thread.
 *  - `mu` guards everything below; it is never held while user code runs
 *    (callbacks, ud_free) nor while waiting for NATS. `smu` orders the
 *    publishing of request messages: taken before `mu`, held from choosing
 *    the message (detaching a pending batch) until it is published, so no
 *    message of a subject overtakes an earlier one (calls to a context stay
 *    in order); never held while user code runs.
 *  - Batching (docs/remote.md): a call is sent at once unless replies are
 *    flowing (other calls unanswered and a reply seen within
 *    FFIRT_REMOTE_DEFER_NS); then it is appended to its subject's pending
 *    batch (`batches`), sent at the end of the reply handler, at the size
 *    caps, or by the flusher thread FFIRT_REMOTE_DEFER_NS after the first
 *    deferral (`flush_armed`, signalled only when not armed). A call that
 *    finds a pending batch of its subject joins it and, if it need not wait,
 *    sends it. Each pcall keeps its batch id: a "no responders" status, a
 *    refused message ([0, RET_ERR, why]) or a failed publish fails every
 *    call of that batch (fail_batch).
 *  - Exactly once: every accepted call is one `pcall` in `calls`. Whoever
 *    unlinks it under `mu` (the reply handler on a terminal reply, the
 *    sweeper when its server is gone or it timed out, destroy, the error
 *    handler when NATS refused to route its request) calls its callback;
 *    nobody else can. RET_STALE_WARN replies leave it linked.
 *  - Handles are values of a 64-bit counter (never reused, never 0) from a
 *    random base per library, looked up in `ctxs`: a destroyed or forged
 *    handle never validates, nor one of another remote library.
 *  - A call on a context whose constructor has not been answered waits in
 *    the context's `queued` list and is sent, in order, when it is.
 *  - Threads that call user code: libnats's delivery threads (replies on the
 *    inbox subscription's, events on each context subscription's) and the
 *    sweeper (server-gone failures, not_responding). A listener being run is
 *    recorded in its context (`running`, `runner`), so remove waits for it
 *    unless it is called from inside that very callback (abi.md 4.3.3).
 *  - Context lifetime: destroy unlinks it from `ctxs` (so nothing new finds
 *    it) into `closing`, where only the event callback finds it while
 *    destroy drains its event subscription, then marks it doomed;
 *    dispatches already holding it (`refs`, taken under mu by the event
 *    callback and the sweeper) end with ctx_unref, and the last one frees
 *    it. A context whose constructor is still unanswered at destroy is
 *    left to its pending call (leaked, rare).
 *  - Lease: the process has one random client id (32 hex digits);
 *    constructors go to P.new.<client-id>, and while it holds contexts the
 *    sweeper publishes P.lease.<client-id> every third of the shortest lease
 *    a server advertises in its heartbeat, so a server reclaims the contexts
 *    of a client that died and keeps those of one that is idle.
 *  - Liveness: the sweeper reports not_responding once when a context's
 *    server goes silent, and responding once when that same server (same
 *    id: same process, so the context is still there) is heard again.
 *  - Slow listeners: a context's event subscription holds at most the
 *    library's event queue capacity (L->event_capacity) of messages; libnats
 *    drops the newest beyond it and counts them. on_event_msg, on the
 *    subscription's delivery thread, delivers that count as dropped_events
 *    before and after each event it delivers (a drop always leaves a full
 *    queue behind it, so a later delivery reports it); drops_reported
 *    (mu) makes each dropped message counted once.
 */
#define _GNU_SOURCE
#include "remote.h"

#include "../common/clock.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "wire.h"

enum { K_CALL, K_CTOR, K_SYNC };
enum { C_PENDING, C_READY, C_FAILED };

typedef struct pcall pcall;
typedef struct rctx rctx;

struct pcall {
  uint64_t seq;
  int kind;
  int native;
  FFICallBack cb;
  void *ud;
  ffirt__remote_dec_fn dec;
  rctx *ctx; /* K_CTOR: the context; K_CALL: NULL for statics */
  int64_t started;
  uint64_t batch; /* seq of the first item of the message that carried it */
  /* queued before the constructor's answer */
  char *op;
  uint8_t *req;
  size_t len;
  /* K_SYNC, and K_CTOR while its creator waits for the acceptance */
  int done, ret;
  int waiting, acked;
  int finished; /* answered while its creator still waited: the creator frees it */
  char *text;   /* K_CTOR refused while waited for: the reason */
  size_t text_len;
  pcall *next;
};

typedef struct rlistener {
  uint64_t id;
  char *event; /* "" = wildcard */
  int native;
  FFICallBack cb;
  void *ud;
  void (*ud_free)(void *);
  struct rlistener *next;
} rlistener;

struct rctx {
  uint64_t handle;
  char id[33];
  char server[33];
  int state;
  char *fail_text;
  pcall *queued; /* FIFO */
  rlistener *listeners;
  uint64_t next_listener;
  natsSubscription *ev_sub;
  int gone_reported;
  int64_t drops_reported; /* of ev_sub, reported as dropped_events (mu) */
  uint64_t running;
  pthread_t runner;
  int refs;   /* dispatches in progress (mu) */
  int doomed; /* destroyed: the last unref frees it */
  rctx *next;
};

/* A request message being gathered for one subject: BATCH_HEAD bytes
 * reserved for the array head, then the encoded [seq, op, request] items. */
#define BATCH_HEAD 3
typedef struct pbatch {
  char subject[256];
  uint64_t first;
  uint8_t *buf;
  size_t len, cap;
  uint32_t n;
  struct pbatch *next;
} pbatch;

typedef struct server_seen {
  char id[33];
  int64_t last;
  int64_t lease_ms; /* advertised in its heartbeat; 0 = none */
} server_seen;

static struct {
  pthread_once_t once;
  pthread_mutex_t mu;
  pthread_cond_t cond;
  const ffirt__remote_lib *L;
  char prefix[160];
  char url[512];
  natsOptions *opts;
  natsConnection *nc;
  char *inbox;
  natsSubscription *inbox_sub, *hb_sub;
  pthread_t inbox_thread;
  int inbox_thread_known;
  uint64_t seq;
  uint64_t next_handle, first_handle;
  pcall *calls;
  rctx *ctxs;
  rctx *closing; /* being destroyed: their events still delivered (destroy) */
  server_seen servers[64];
  size_t nservers;
  int64_t dead_ms, timeout_ms;
  char client_id[33]; /* the lease's */
  int64_t lease_sent;
  char conn_err[700];
  char denied[300]; /* NATS refused this client its inbox: no reply can come */
  /* batching */
  pthread_mutex_t smu;
  pthread_cond_t fcond; /* CLOCK_MONOTONIC; the flusher waits on it */
  pbatch *batches;      /* pending, oldest first */
  int flush_armed;
  int64_t flush_due, last_reply; /* ns */
} R = {.once = PTHREAD_ONCE_INIT,
       .mu = PTHREAD_MUTEX_INITIALIZER,
       .cond = PTHREAD_COND_INITIALIZER,
       .smu = PTHREAD_MUTEX_INITIALIZER};

void ffirt__remote_fail(FFICallBack cb, void *ud, const char *text) {
  if (cb) cb(RET_ERR, text, strlen(text), ud);
}

static void failf(FFICallBack cb, void *ud, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void failf(FFICallBack cb, void *ud, const char *fmt, ...) {
  char text[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  ffirt__remote_fail(cb, ud, text);
}

static long env_long(const char *name, long dflt) {
  const char *v = getenv(name);
  return v && *v ? strtol(v, NULL, 10) : dflt;
}

/* ------------------------------------------------------------ lookup (mu held) */

static rctx *find_ctx(void *handle) {
  for (rctx *c = R.ctxs; c; c = c->next)
    if ((void *)(uintptr_t)c->handle == handle) return c;
  return NULL;
}

static pcall *take_call(uint64_t seq, int keep) {
  for (pcall **pp = &R.calls; *pp; pp = &(*pp)->next)
    if ((*pp)->seq == seq) {
      pcall *p = *pp;
      if (!keep) *pp = p->next;
      return p;
    }
  return NULL;
}

static server_seen *find_server(const char *id) {
  for (size_t i = 0; i < R.nservers; i++)
    if (strcmp(R.servers[i].id, id) == 0) return &R.servers[i];
  return NULL;
}

/* The entry of a 32-byte server id that is not NUL-terminated. */
static server_seen *find_server_n(const char *id) {
  for (size_t i = 0; i < R.nservers; i++)
    if (memcmp(R.servers[i].id, id, 32) == 0) return &R.servers[i];
  return NULL;
}

static void saw_server(const char *id, size_t n) {
  char buf[33];
  if (n != 32) return;
  memcpy(buf, id, 32);
  buf[32] = '\0';
  server_seen *s = find_server(buf);
  if (!s) {
    if (R.nservers == sizeof R.servers / sizeof R.servers[0]) R.nservers = 0; /* recycle */
    s = &R.servers[R.nservers++];
    memcpy(s->id, buf, 33);
  }
  s->last = ffirt__mono_ms();
}

static void pcall_free(pcall *p) {
  free(p->text);
  free(p->op);
  free(p->req);
  free(p);
}

/* Frees an answered call, unless it is a constructor whose creator has not
 * yet seen its acceptance: then the creator frees it (mu not held). */
static void pcall_done(pcall *p) {
  if (p->kind == K_CTOR) {
    pthread_mutex_lock(&R.mu);
    int creator_owns = p->waiting;
    if (creator_owns) p->finished = 1;
    pthread_mutex_unlock(&R.mu);
    if (creator_owns) return;
  }
  pcall_free(p);
}

/* ------------------------------------------------------------ events */

static const uint8_t not_responding_env[] = {
    0xa2, 0x69, 'e', 'v', 'e', 'n', 't', 'T', 'y',  'p', 'e', 0x6e, 'n', 'o', 't', '_', 'r', 'e',
    's',  'p',  'o', 'n', 'd', 'i', 'n', 'g', 0x67, 'p', 'a', 'y',  'l', 'o', 'a', 'd', 0xa0};
static const uint8_t responding_env[] = {0xa2, 0x69, 'e', 'v', 'e', 'n', 't', 'T', 'y', 'p', 'e',
                                         0x6a, 'r',  'e', 's', 'p', 'o', 'n', 'd', 'i', 'n', 'g',
                                         0x67, 'p',  'a', 'y', 'l', 'o', 'a', 'd', 0xa0};

/* Delivers one envelope of event `type` to c's listeners: per-event ones
 * first, then wildcards, each in registration order. mu not held. */
static void dispatch(rctx *c, const char *type, const uint8_t *env, size_t len) {
  enum { MAXL = 64 };
  uint64_t ids[MAXL];
  size_t n = 0;
  pthread_mutex_lock(&R.mu);
  for (int pass = 0; pass < 2; pass++)
    for (rlistener *l = c->listeners; l && n < MAXL; l = l->next)
      if (pass == 0 ? strcmp(l->event, type) == 0 : l->event[0] == '\0') ids[n++] = l->id;
  pthread_mutex_unlock(&R.mu);
  for (size_t i = 0; i < n; i++) {
    pthread_mutex_lock(&R.mu);
    rlistener *l = c->listeners;
    while (l && l->id != ids[i])
      l = l->next;
    while (l && c->running && c->running != ids[i]) /* one listener of c at a time */
      pthread_cond_wait(&R.cond, &R.mu), l = NULL;
    if (!l) { /* removed meanwhile (or re-check after the wait) */
      for (l = c->listeners; l && l->id != ids[i]; l = l->next)
        ;
      if (!l || c->running) {
        pthread_mutex_unlock(&R.mu);
        continue;
      }
    }
    c->running = l->id;
    c->runner = pthread_self();
    FFICallBack cb = l->cb;
    void *ud = l->ud;
    int native = l->native;
    int wild = l->event[0] == '\0';
    pthread_mutex_unlock(&R.mu);
    if (native)
      R.L->event_native(type, env, len, wild, cb, ud);
    else
      cb(RET_OK, (const char *)env, len, ud);
    pthread_mutex_lock(&R.mu);
    c->running = 0;
    pthread_cond_broadcast(&R.cond);
    pthread_mutex_unlock(&R.mu);
  }
}

static void ctx_free(rctx *c) {
  free(c->fail_text);
  free(c);
}

/* Ends a dispatch's hold on c; frees a destroyed context with the last one. */
static void ctx_unref(rctx *c) {
  pthread_mutex_lock(&R.mu);
  int last = --c->refs == 0 && c->doomed;
  pthread_mutex_unlock(&R.mu);
  if (last) ctx_free(c);
}

/* Delivers what libnats dropped of sub (c's event subscription) since the
 * last report as one dropped_events (abi.md 4.4). c is held. */
static void report_drops(rctx *c, natsSubscription *sub) {
  int64_t dropped = 0;
  if (natsSubscription_GetDropped(sub, &dropped) != NATS_OK) return;
  pthread_mutex_lock(&R.mu);
  int64_t n = dropped - c->drops_reported;
  if (n > 0) c->drops_reported = dropped;
  pthread_mutex_unlock(&R.mu);
  if (n <= 0) return;
  /* {"eventType": "dropped_events", "payload": n} */
  static const uint8_t head[] = {0xa2, 0x69, 'e',  'v', 'e', 'n', 't', 'T', 'y', 'p', 'e', 0x6e,
                                 'd',  'r',  'o',  'p', 'p', 'e', 'd', '_', 'e', 'v', 'e', 'n',
                                 't',  's',  0x67, 'p', 'a', 'y', 'l', 'o', 'a', 'd'};
  uint8_t env[sizeof head + 9];
  memcpy(env, head, sizeof head);
  uint8_t *o = wire_put_head(env + sizeof head, 0, (uint64_t)n);
  dispatch(c, "dropped_events", env, (size_t)(o - env));
}

static void on_event_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure) {
  (void)nc;
  uint64_t handle = (uint64_t)(uintptr_t)closure;
  const char *subj = natsMsg_GetSubject(m);
  const char *type = strrchr(subj, '.');
  pthread_mutex_lock(&R.mu);
  rctx *c = find_ctx((void *)(uintptr_t)handle);
  for (rctx *k = R.closing; k && !c; k = k->next)
    if (k->handle == handle) c = k;
  if (c) c->refs++;
  pthread_mutex_unlock(&R.mu);
  if (c) report_drops(c, sub);
  if (c && type)
    dispatch(c, type + 1, (const uint8_t *)natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m));
  if (c) report_drops(c, sub); /* dropped while this one ran */
  if (c) ctx_unref(c);
  natsMsg_Destroy(m);
}

/* Subscribes c's events, at most the library's event queue capacity of them
 * pending (the newest beyond it dropped and counted, as in process). */
static natsSubscription *ev_subscribe(rctx *c) {
  char subj[256];
  snprintf(subj, sizeof subj, "%s.ev.%s.*", R.prefix, c->id);
  natsSubscription *sub = NULL;
  if (natsConnection_Subscribe(&sub, R.nc, subj, on_event_msg, (void *)(uintptr_t)c->handle) !=
      NATS_OK)
    return NULL;
  if (R.L && R.L->event_capacity)
    natsSubscription_SetPendingLimits(sub, (int)R.L->event_capacity, 64 * 1024 * 1024);
  return sub;
}

/* ------------------------------------------------------------ sending */

static void reply_item(uint64_t seq, uint64_t ret, const uint8_t *bytes, size_t blen,
                       const uint8_t *srv, size_t slen, int bad, int noresp, const char *why);

/* Answers every call still pending of batch b: as a "no responders" status
 * (noresp), else RET_ERR with text. mu not held. */
static void fail_batch(uint64_t b, int noresp, const char *text) {
  size_t n = 0, cap = 0;
  uint64_t *seqs = NULL;
  pthread_mutex_lock(&R.mu);
  for (pcall *p = R.calls; p; p = p->next)
    if (p->batch == b) {
      if (n == cap) {
        uint64_t *grown = realloc(seqs, (cap = cap ? 2 * cap : 16) * sizeof *seqs);
        if (!grown) break;
        seqs = grown;
      }
      seqs[n++] = p->seq;
    }
  pthread_mutex_unlock(&R.mu);
  for (size_t i = 0; i < n; i++)
    reply_item(seqs[i], RET_ERR, (const uint8_t *)text, strlen(text), NULL, 0, noresp, noresp,
               NULL);
  free(seqs);
}

/* Publishes a gathered batch (smu held, mu not). 0, or the error text. */
static const char *send_batch(pbatch *b, char *err, size_t errn) {
  size_t hs = wire_head_size(b->n);
  uint8_t *start = b->buf + BATCH_HEAD - hs;
  wire_put_head(start, 4, b->n);
  char reply[200];
  snprintf(reply, sizeof reply, "%s.%" PRIu64, R.inbox, b->first);
  natsStatus st = natsConnection_PublishRequest(R.nc, b->subject, reply, start,
                                                (int)(b->len - (BATCH_HEAD - hs)));
  if (st == NATS_OK) return NULL;
  snprintf(err, errn, "remote: cannot publish to %s: %s", b->subject, natsStatus_GetText(st));
  return err;
}

/* Sends batches (a list, smu held) in order, frees them, then fails the
 * calls of those that could not be sent (smu released here). */
static void send_batches(pbatch *list) {
  pbatch *failed = NULL;
  while (list) {
    pbatch *next = list->next;
    char err[600];
    const char *e = send_batch(list, err, sizeof err);
    free(list->buf);
    list->buf = NULL;
    if (e) { /* the subject field carries the reason from here on */
      size_t el = strlen(e) < sizeof list->subject - 1 ? strlen(e) : sizeof list->subject - 1;
      memcpy(list->subject, e, el);
      list->subject[el] = '\0';
      list->next = failed;
      failed = list;
    } else {
      free(list);
    }
    list = next;
  }
  pthread_mutex_unlock(&R.smu);
  while (failed) {
    pbatch *next = failed->next;
    fail_batch(failed->first, 0, failed->subject);
    free(failed);
    failed = next;
  }
}

/* Sends every pending batch now (the reply handler's end, the flusher). */
static void flush_all(void) {
  pthread_mutex_lock(&R.smu);
  pthread_mutex_lock(&R.mu);
  pbatch *list = R.batches;
  R.batches = NULL;
  R.flush_armed = 0;
  pthread_mutex_unlock(&R.mu);
  send_batches(list);
}

/* The flusher: bounds how long a deferred call waits. */
static void *flusher(void *arg) {
  (void)arg;
  pthread_mutex_lock(&R.mu);
  for (;;) {
    if (!R.flush_armed) {
      pthread_cond_wait(&R.fcond, &R.mu);
      continue;
    }
    if (ffirt__mono_ns() < R.flush_due) {
      struct timespec ts = {(time_t)(R.flush_due / 1000000000), (long)(R.flush_due % 1000000000)};
      pthread_cond_timedwait(&R.fcond, &R.mu, &ts);
      continue;
    }
    pthread_mutex_unlock(&R.mu);
    flush_all();
    pthread_mutex_lock(&R.mu);
  }
  return NULL;
}

/* Publishes the one-item message [[seq, op, req]] at once (constructors,
 * and calls that need not wait).
 * NULL or an error text. */
static const char *publish_one(const char *subject, const char *op, const uint8_t *req, size_t len,
                               uint64_t seq, char *err, size_t errn) {
  size_t ol = strlen(op);
  size_t n = 2 + wire_head_size(seq) + wire_head_size(ol) + ol + wire_head_size(len) + len;
  int64_t maxp = R.nc ? natsConnection_GetMaxPayload(R.nc) : 0;
  if (maxp > 0 && (int64_t)n > maxp) {
    snprintf(err, errn,
             "remote: request of %zu bytes exceeds the NATS max payload of %" PRId64 " bytes", n,
             maxp);
    return err;
  }
  uint8_t stackbuf[1024];
  uint8_t *buf = n <= sizeof stackbuf ? stackbuf : malloc(n);
  if (!buf) return "remote: out of memory";
  uint8_t *o = wire_put_head(buf, 4, 1);
  o = wire_put_head(o, 4, 3);
  o = wire_put_head(o, 0, seq);
  o = wire_put_string(o, 3, op, ol);
  o = wire_put_string(o, 2, req, len);
  char reply[200];
  snprintf(reply, sizeof reply, "%s.%" PRIu64, R.inbox, seq);
  natsStatus st = natsConnection_PublishRequest(R.nc, subject, reply, buf, (int)(o - buf));
  if (buf != stackbuf) free(buf);
  if (st != NATS_OK) {
    snprintf(err, errn, "remote: cannot publish to %s: %s", subject, natsStatus_GetText(st));
    return err;
  }
  return NULL;
}

/* Sends the item [seq, op, req] of call p (linked in calls already, or an
 * unwaited control request) to subject: at once, or deferred into the
 * subject's pending batch when may_defer and replies are flowing (see the
 * design notes). NULL, or an error text when the item cannot be sent at all
 * (too large: then p is untouched). A failed publish answers the batch's
 * calls, p among them. mu not held. */
static const char *enqueue(pcall *p, const char *subject, const char *op, const uint8_t *req,
                           size_t len, uint64_t seq, int may_defer, char *err, size_t errn) {
  size_t ol = strlen(op);
  size_t isz = 1 + wire_head_size(seq) + wire_head_size(ol) + ol + wire_head_size(len) + len;
  int64_t maxp = R.nc ? natsConnection_GetMaxPayload(R.nc) : 0;
  if (maxp > 0 && (int64_t)(isz + 1) > maxp) {
    snprintf(err, errn,
             "remote: request of %zu bytes exceeds the NATS max payload of %" PRId64 " bytes",
             isz + 1, maxp);
    return err;
  }
  size_t cap_bytes = maxp > 0 && (size_t)maxp / 2 < FFIRT_REMOTE_BATCH_BYTES
                         ? (size_t)maxp / 2
                         : FFIRT_REMOTE_BATCH_BYTES;
  pthread_mutex_lock(&R.smu);
  pthread_mutex_lock(&R.mu);
  int64_t t = ffirt__mono_ns();
  int others = R.calls && !(R.calls->seq == seq && !R.calls->next);
  int defer = may_defer && others && t - R.last_reply < FFIRT_REMOTE_DEFER_NS;
  pbatch **pp = &R.batches, *b = NULL, *out = NULL, **outt = &out;
  for (; *pp; pp = &(*pp)->next)
    if (strcmp((*pp)->subject, subject) == 0) break;
  b = *pp;
  if (!b && !defer) { /* the common idle case: one item, at once, no batch */
    if (p) p->batch = seq;
    pthread_mutex_unlock(&R.mu);
    const char *e = publish_one(subject, op, req, len, seq, err, errn);
    pthread_mutex_unlock(&R.smu);
    if (e) fail_batch(seq, 0, e);
    return NULL;
  }
  if (b && b->len + isz > cap_bytes) { /* full: it goes first, this starts anew */
    *pp = b->next;
    b->next = NULL;
    *outt = b;
    outt = &b->next;
    b = NULL;
    for (pp = &R.batches; *pp; pp = &(*pp)->next)
      ;
  }
  if (!b) {
    b = calloc(1, sizeof *b);
    if (b) b->buf = malloc(b->cap = BATCH_HEAD + isz > 256 ? BATCH_HEAD + isz : 256);
    if (!b || !b->buf) {
      free(b);
      pthread_mutex_unlock(&R.mu);
      send_batches(out);
      return "remote: out of memory";
    }
    snprintf(b->subject, sizeof b->subject, "%s", subject);
    b->first = seq;
    b->len = BATCH_HEAD;
    *pp = b; /* linked at the tail, unlinked below if it goes now */
  }
  if (b->len + isz > b->cap) {
    size_t cap = b->cap;
    while (cap < b->len + isz)
      cap *= 2;
    uint8_t *grown = realloc(b->buf, cap);
    if (!grown) {
      pthread_mutex_unlock(&R.mu);
      send_batches(out);
      return "remote: out of memory";
    }
    b->buf = grown;
    b->cap = cap;
  }
  uint8_t *o = b->buf + b->len;
  o = wire_put_head(o, 4, 3);
  o = wire_put_head(o, 0, seq);
  o = wire_put_string(o, 3, op, ol);
  o = wire_put_string(o, 2, req, len);
  b->len = (size_t)(o - b->buf);
  b->n++;
  if (p) p->batch = b->first;
  if (!defer || b->n >= FFIRT_REMOTE_BATCH_ITEMS || b->len >= cap_bytes) {
    for (pp = &R.batches; *pp != b; pp = &(*pp)->next)
      ;
    *pp = b->next;
    b->next = NULL;
    *outt = b;
  } else if (!R.flush_armed) {
    R.flush_armed = 1;
    R.flush_due = t + FFIRT_REMOTE_DEFER_NS;
    pthread_cond_signal(&R.fcond);
  }
  pthread_mutex_unlock(&R.mu);
  send_batches(out);
  return NULL;
}

static void ctx_subject(const rctx *c, char *out, size_t n) {
  snprintf(out, n, "%s.ctx.%s", R.prefix, c->id);
}

/* ------------------------------------------------------------ replies */

static void deliver_ctor_ok(pcall *p) {
  char num[32];
  int n = snprintf(num, sizeof num, "%" PRIu64, p->ctx->handle);
  if (p->native) {
    p->cb(RET_OK, num, (size_t)n, p->ud);
  } else {
    uint8_t buf[40];
    uint8_t *o = wire_put_string(buf, 3, num, (size_t)n);
    p->cb(RET_OK, (const char *)buf, (size_t)(o - buf), p->ud);
  }
}

static void send_queued(rctx *c, pcall *q);
static void send_listens(rctx *c);

/* One reply item [seq, ret, bytes(, server-id)] (or a failure made for
 * call seq: bad, with noresp for a "no responders" status and why for a
 * malformed reply). Whoever takes the call from `calls` answers it. */
static void reply_item(uint64_t seq, uint64_t ret, const uint8_t *bytes, size_t blen,
                       const uint8_t *srv, size_t slen, int bad, int noresp, const char *why) {
  if (!bad && (ret == 2 || ret > FFIRT_REMOTE_ACCEPTED)) bad = 1, why = "bad result code";
  int stale = !bad && ret == RET_STALE_WARN;
  int accept = !bad && ret == FFIRT_REMOTE_ACCEPTED;
  if (accept && !(blen == 32 && srv && slen == 32)) bad = 1, accept = 0;
  if (!bad && ret == FFIRT_REMOTE_ACCEPTED) ret = RET_OK; /* never passed on */
  pthread_mutex_lock(&R.mu);
  pcall *p = take_call(seq, stale || accept);
  if (p && srv) saw_server((const char *)srv, slen);
  if (p && p->kind == K_SYNC) {
    p->done = 1;
    p->ret = bad ? RET_ERR : (int)ret;
    pthread_cond_broadcast(&R.cond);
    pthread_mutex_unlock(&R.mu);
    return;
  }
  if (p && accept && p->kind != K_CTOR) { /* an acceptance for a non-constructor */
    pthread_mutex_unlock(&R.mu);
    return;
  }
  pcall *queued = NULL;
  rctx *c = p ? p->ctx : NULL;
  if (p && p->kind == K_CTOR && accept) {
    memcpy(c->id, bytes, 32);
    c->id[32] = '\0';
    memcpy(c->server, srv, 32);
    c->server[32] = '\0';
    c->state = C_READY;
    p->acked = 1;
    queued = c->queued;
    c->queued = NULL;
    pthread_cond_broadcast(&R.cond);
    pthread_mutex_unlock(&R.mu);
    send_listens(c);
    send_queued(c, queued);
    return;
  }
  if (p && p->kind == K_CTOR && !p->acked && !stale) {
    /* refused: nothing was created */
    c->state = C_FAILED;
    char *t = malloc(blen + 1);
    if (t) {
      memcpy(t, bytes, blen);
      t[blen] = '\0';
    }
    if (bad) {
      free(t);
      t = strdup(noresp ? "remote: no ffirt-serve answers the constructor subject (none running?)"
                        : "remote: malformed reply from the server");
    }
    free(c->fail_text);
    c->fail_text = t;
    if (p->waiting) { /* the creator answers on its own thread and frees p */
      p->done = 1;
      pthread_cond_broadcast(&R.cond);
      pthread_mutex_unlock(&R.mu);
      return;
    }
    queued = c->queued;
    c->queued = NULL;
  }
  pthread_mutex_unlock(&R.mu);
  if (!p) return; /* late (already answered by the sweeper or destroy) or forged */
  if (bad) {
    if (noresp)
      failf(p->cb, p->ud,
            "remote: no ffirt-serve answers %s (the server is gone or the context was dropped)",
            c && c->id[0] ? c->id : R.prefix);
    else
      failf(p->cb, p->ud, "remote: malformed reply from the server: %s",
            why ? why : "bad result code");
  } else if (p->kind == K_CTOR && ret == RET_OK) {
    deliver_ctor_ok(p);
  } else if (ret == RET_OK && p->dec) {
    p->dec(bytes, blen, p->cb, p->ud);
  } else {
    p->cb((int)ret, blen ? (const char *)bytes : "", blen, p->ud);
  }
  if (queued) send_queued(c, queued); /* answers each "not initialized" */
  if (!stale) pcall_done(p);
}

/* A reply message on <inbox>.<b>: [[seq, ret, bytes(, server-id)], ...],
 * or a "no responders" status for batch b. Then whatever was deferred
 * while it was handled goes out (the self-clocking flush). */
static void on_reply(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure) {
  (void)nc;
  (void)sub;
  (void)closure;
  if (!R.inbox_thread_known) {
    R.inbox_thread = pthread_self();
    R.inbox_thread_known = 1;
  }
  pthread_mutex_lock(&R.mu);
  R.last_reply = ffirt__mono_ns();
  pthread_mutex_unlock(&R.mu);
  const char *subj = natsMsg_GetSubject(m);
  const char *dot = strrchr(subj, '.');
  uint64_t b = dot ? strtoull(dot + 1, NULL, 10) : 0;
  const uint8_t *data = (const uint8_t *)natsMsg_GetData(m);
  size_t dlen = (size_t)natsMsg_GetDataLength(m);
  if (natsMsg_IsNoResponders(m)) {
    fail_batch(b, 1, "");
  } else {
    wire_dec d = {data, data + dlen, NULL};
    uint64_t n = 0, k, seq, ret;
    const uint8_t *bytes, *srv;
    size_t blen, slen;
    if (wire_array(&d, 1, dlen, &n)) n = 0;
    for (uint64_t i = 0; i < n; i++) {
      srv = NULL;
      slen = 0;
      if (wire_array(&d, 3, 4, &k) || wire_uint(&d, &seq) || wire_uint(&d, &ret) ||
          wire_string(&d, 2, &bytes, &blen) || (k == 4 && wire_string(&d, 3, &srv, &slen)))
        break;
      if (seq == 0) { /* the server refused the whole message: bytes say why */
        char why[600];
        snprintf(why, sizeof why, "%.*s", (int)(blen < 599 ? blen : 599), (const char *)bytes);
        fail_batch(b, 0, why);
      } else
        reply_item(seq, ret, bytes, blen, srv, slen, 0, 0, NULL);
    }
    if (d.err) { /* what could not be read cannot be matched: its batch fails */
      char why[200];
      snprintf(why, sizeof why, "remote: malformed reply from the server: %s", d.err);
      fail_batch(b, 0, why);
    }
  }
  natsMsg_Destroy(m);
  flush_all();
}

/* Sends (or fails) calls queued behind the constructor, in order. */
static void send_queued(rctx *c, pcall *q) {
  char subj[256];
  ctx_subject(c, subj, sizeof subj);
  while (q) {
    pcall *next = q->next;
    if (c->state != C_READY) {
      failf(q->cb, q->ud, "library is not initialized (the remote constructor failed: %s)",
            c->fail_text ? c->fail_text : "unknown reason");
      pcall_free(q);
    } else {
      char err[300];
      pthread_mutex_lock(&R.mu);
      q->started = ffirt__mono_ms();
      q->next = R.calls;
      R.calls = q;
      pthread_mutex_unlock(&R.mu);
      const char *e = enqueue(q, subj, q->op, q->req, q->len, q->seq, 1, err, sizeof err);
      if (e) {
        pthread_mutex_lock(&R.mu);
        pcall *mine = take_call(q->seq, 0);
        pthread_mutex_unlock(&R.mu);
        if (mine) {
          ffirt__remote_fail(q->cb, q->ud, e);
          pcall_free(q);
        }
      }
    }
    q = next;
  }
}

/* ------------------------------------------------------------ sweeper */

/* Is a lease announcement due (mu held)? While this process holds contexts,
 * every third of the shortest lease any server advertises (1 s before one
 * is heard), at most every sweep. */
static int lease_due_locked(int64_t t) {
  if (!R.nc || !R.ctxs) return 0;
  int64_t lease = 0;
  for (size_t i = 0; i < R.nservers; i++)
    if (R.servers[i].lease_ms > 0 && (!lease || R.servers[i].lease_ms < lease))
      lease = R.servers[i].lease_ms;
  int64_t period = lease ? lease / 3 : 1000;
  if (t - R.lease_sent < period) return 0;
  R.lease_sent = t;
  return 1;
}

/* P.lease.<client-id>, empty: this process is alive. */
static void send_lease(void) {
  char subj[256];
  snprintf(subj, sizeof subj, "%s.lease.%s", R.prefix, R.client_id);
  natsConnection_Publish(R.nc, subj, NULL, 0); /* lost while NATS is down: the next one goes */
}

static void *sweeper(void *arg) {
  (void)arg;
  for (;;) {
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    int64_t t = ffirt__mono_ms();
    pcall *failed = NULL;
    rctx *gone[32], *back[32];
    size_t ngone = 0, nback = 0;
    pthread_mutex_lock(&R.mu);
    for (pcall **pp = &R.calls; *pp;) {
      pcall *p = *pp;
      int dead = 0;
      if (p->kind == K_CTOR && p->waiting && !p->acked) {
        dead = 0; /* its creator bounds the wait itself */
      } else if (p->kind != K_SYNC && p->ctx && p->ctx->server[0]) {
        server_seen *s = find_server(p->ctx->server);
        dead = !s || t - s->last > R.dead_ms;
      } else if (p->kind != K_SYNC) {
        dead = t - p->started > R.timeout_ms;
      }
      if (dead) {
        *pp = p->next;
        p->next = failed;
        failed = p;
      } else {
        pp = &p->next;
      }
    }
    for (rctx *c = R.ctxs; c; c = c->next) {
      if (c->state != C_READY) continue;
      server_seen *s = find_server(c->server);
      int alive = s && t - s->last <= R.dead_ms;
      if (!c->gone_reported && !alive && ngone < 32) {
        c->gone_reported = 1;
        c->refs++;
        gone[ngone++] = c;
      } else if (c->gone_reported && alive && nback < 32) {
        /* the same server (same id: same process) is heard again */
        c->gone_reported = 0;
        c->refs++;
        back[nback++] = c;
      }
    }
    int lease_due = lease_due_locked(t);
    pthread_mutex_unlock(&R.mu);
    if (lease_due) send_lease();
    while (failed) {
      pcall *next = failed->next;
      if (failed->ctx && failed->ctx->server[0])
        failf(failed->cb, failed->ud,
              "remote: server %s stopped responding (no heartbeat for %" PRId64
              " ms); the call's outcome is unknown",
              failed->ctx->server, R.dead_ms);
      else
        failf(failed->cb, failed->ud, "remote: no answer from %s within %" PRId64 " ms", R.prefix,
              R.timeout_ms);
      pcall_done(failed);
      failed = next;
    }
    /* each gone[i] is held (refs): destroy leaves freeing it to the unref */
    for (size_t i = 0; i < ngone; i++) {
      dispatch(gone[i], "not_responding", not_responding_env, sizeof not_responding_env);
      ctx_unref(gone[i]);
    }
    for (size_t i = 0; i < nback; i++) {
      dispatch(back[i], "responding", responding_env, sizeof responding_env);
      ctx_unref(back[i]);
    }
  }
  return NULL;
}

/* ------------------------------------------------------------ connection */

static void on_hb(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *closure) {
  (void)nc;
  (void)sub;
  (void)closure;
  const uint8_t *data = (const uint8_t *)natsMsg_GetData(m);
  wire_dec d = {data, data + natsMsg_GetDataLength(m), NULL};
  uint64_t n, cnt, lease = 0;
  const uint8_t *id;
  size_t il;
  /* [server-id, contexts] or, with a lease, [server-id, contexts, lease-ms] */
  if (!wire_array(&d, 2, 3, &n) && !wire_string(&d, 3, &id, &il) && !wire_uint(&d, &cnt) &&
      (n < 3 || !wire_uint(&d, &lease))) {
    pthread_mutex_lock(&R.mu);
    saw_server((const char *)id, il);
    server_seen *s = il == 32 ? find_server_n((const char *)id) : NULL;
    if (s) s->lease_ms = lease > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)lease;
    pthread_mutex_unlock(&R.mu);
  }
  natsMsg_Destroy(m);
}

/* The subject a pending call was published to (mu held). */
static void call_subject(const pcall *p, char *out, size_t n) {
  if (p->kind == K_CTOR)
    snprintf(out, n, "%s.new.%s", R.prefix, R.client_id); /* as ffirt__remote_create */
  else if (!p->ctx)
    snprintf(out, n, "%s.static", R.prefix);
  else
    ctx_subject(p->ctx, out, n);
}

/* The NATS server refused a publish of this connection, or the
 * subscription of its inbox (a permissions violation, docs/remote.md
 * "Security"): it only reports it, with the subject in the text, to the
 * error handler. No reply can come for a call published there (or for any
 * call, without the inbox, and later calls are refused by begin), so each
 * pending call concerned is answered RET_ERR with the server's text, by
 * the usual rule: whoever unlinks it answers it. A constructor whose
 * creator waits is handed back to it as a refusal. */
static void fail_denied(natsConnection *nc) {
  const char *text = NULL;
  if (natsConnection_GetLastError(nc, &text) != NATS_NOT_PERMITTED || !text) return;
  size_t skip = 12;
  const char *q = strstr(text, "Publish to \"");
  int inbox = !q && (q = strstr(text, "Subscription to \"")) != NULL;
  if (inbox) skip = 17;
  const char *end = q ? strchr(q + skip, '"') : NULL;
  if (!end) return;
  q += skip;
  size_t sl = (size_t)(end - q);
  char msg[sizeof R.denied]; /* the size of every err[] it may be copied to */
  snprintf(msg, sizeof msg, "remote: the NATS server refused the request: %s", text);
  pcall *failed = NULL;
  pthread_mutex_lock(&R.mu);
  if (inbox) { /* only the inbox matters (the others: events, heartbeats) */
    char ours[200];
    snprintf(ours, sizeof ours, "%s.*", R.inbox ? R.inbox : "");
    if (!R.inbox || strlen(ours) != sl || memcmp(ours, q, sl) != 0) {
      pthread_mutex_unlock(&R.mu);
      return;
    }
    snprintf(R.denied, sizeof R.denied, "%s", msg);
  }
  for (pcall **pp = &R.calls; *pp;) {
    pcall *p = *pp;
    char subj[256];
    call_subject(p, subj, sizeof subj);
    if (!inbox &&
        ((p->kind == K_CTOR && p->acked) || strlen(subj) != sl || memcmp(subj, q, sl) != 0)) {
      pp = &p->next;
      continue;
    }
    *pp = p->next;
    if (p->kind == K_SYNC) { /* its waiter (control) frees it */
      p->done = 1;
      p->ret = RET_ERR;
    } else if (p->kind == K_CTOR && p->waiting) { /* its creator answers and frees it */
      p->ctx->state = C_FAILED;
      free(p->ctx->fail_text);
      p->ctx->fail_text = strdup(msg);
      p->done = 1;
    } else {
      p->next = failed;
      failed = p;
    }
  }
  pthread_cond_broadcast(&R.cond);
  pthread_mutex_unlock(&R.mu);
  while (failed) {
    pcall *next = failed->next;
    pcall *queued = NULL;
    if (failed->kind == K_CTOR) { /* from a reply thread: calls queued behind it fail too */
      pthread_mutex_lock(&R.mu);
      failed->ctx->state = C_FAILED;
      free(failed->ctx->fail_text);
      failed->ctx->fail_text = strdup(msg);
      queued = failed->ctx->queued;
      failed->ctx->queued = NULL;
      pthread_mutex_unlock(&R.mu);
    }
    ffirt__remote_fail(failed->cb, failed->ud, msg);
    if (queued) send_queued(failed->ctx, queued);
    pcall_done(failed);
    failed = next;
  }
}

static void on_nats_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *c) {
  (void)sub;
  (void)c;
  if (err == NATS_NOT_PERMITTED) fail_denied(nc);
  fprintf(stderr, "%s_remote: NATS: %s%s\n", R.L ? R.L->name : "ffirt", natsStatus_GetText(err),
          err == NATS_SLOW_CONSUMER
              ? " (a listener is too slow: events were dropped and are reported as dropped_events)"
              : "");
}

static void init_once(void) {
  R.dead_ms = env_long("FFIRT_REMOTE_DEAD_MS", 1500);
  uint8_t idb[16];
  if (getrandom(idb, sizeof idb, 0) != (ssize_t)sizeof idb) { /* practically never */
    uint64_t a = (uint64_t)ffirt__mono_ms() ^ (uint64_t)getpid() << 32,
             b = (uint64_t)(uintptr_t)&idb;
    memcpy(idb, &a, 8);
    memcpy(idb + 8, &b, 8);
  }
  for (size_t i = 0; i < sizeof idb; i++)
    snprintf(R.client_id + 2 * i, 3, "%02x", idb[i]);
  R.timeout_ms = env_long("FFIRT_REMOTE_TIMEOUT_MS", 30000);
  /* handle values of different remote libraries in one process never meet:
   * each starts at a random base (48 bits, then counts up) */
  uint64_t base = 0;
  if (getrandom(&base, sizeof base, 0) != (ssize_t)sizeof base) base = (uint64_t)ffirt__mono_ms();
  R.next_handle = R.first_handle = (base & 0xffffffffull) << 16;
  const char *url = getenv("FFIRT_NATS_URL");
  snprintf(R.url, sizeof R.url, "%s", url && *url ? url : "nats://127.0.0.1:4222");
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&R.fcond, &ca);
  pthread_condattr_destroy(&ca);
  pthread_t th;
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  pthread_create(&th, &at, sweeper, NULL);
  pthread_create(&th, &at, flusher, NULL);
  pthread_attr_destroy(&at);
}

/* Connects on first use (and again after a failed attempt). mu held. */
static int connect_locked(const ffirt__remote_lib *L) {
  if (R.nc) return 0;
  R.L = L;
  snprintf(R.prefix, sizeof R.prefix, "ffirt.%s", L->name);
  natsStatus st = NATS_OK;
  if (!R.opts) {
    st = natsOptions_Create(&R.opts);
    if (st == NATS_OK) st = natsOptions_SetURL(R.opts, R.url);
    if (st == NATS_OK) st = natsOptions_SetMaxReconnect(R.opts, -1);
    if (st == NATS_OK) st = natsOptions_SetReconnectWait(R.opts, 100);
    if (st == NATS_OK) st = natsOptions_SetTimeout(R.opts, 1000);
    /* latency over batching: flush every publish at once */
    if (st == NATS_OK) st = natsOptions_SetSendAsap(R.opts, true);
    if (st == NATS_OK) st = natsOptions_SetErrorHandler(R.opts, on_nats_error, NULL);
    const char *tok = getenv("FFIRT_NATS_TOKEN");
    const char *creds = getenv("FFIRT_NATS_CREDS");
    if (st == NATS_OK && tok && *tok) st = natsOptions_SetToken(R.opts, tok);
    if (st == NATS_OK && creds && *creds)
      st = natsOptions_SetUserCredentialsFromFiles(R.opts, creds, NULL);
  }
  natsConnection *nc = NULL;
  if (st == NATS_OK) st = natsConnection_Connect(&nc, R.opts);
  char subj[200];
  if (st == NATS_OK && !R.inbox) st = natsInbox_Create(&R.inbox);
  snprintf(subj, sizeof subj, "%s.*", R.inbox ? R.inbox : "_INBOX.x");
  if (st == NATS_OK) st = natsConnection_Subscribe(&R.inbox_sub, nc, subj, on_reply, NULL);
  if (st == NATS_OK) natsSubscription_SetPendingLimits(R.inbox_sub, -1, -1);
  snprintf(subj, sizeof subj, "%s.hb", R.prefix);
  if (st == NATS_OK) st = natsConnection_Subscribe(&R.hb_sub, nc, subj, on_hb, NULL);
  if (st == NATS_OK) st = natsConnection_Flush(nc);
  if (st != NATS_OK) {
    /* the details (which file, which violation) are in libnats's last error */
    natsStatus last = NATS_OK;
    const char *detail = wire_nats_detail(nats_GetLastError(&last));
    const char *creds = getenv("FFIRT_NATS_CREDS");
    char url[sizeof R.url];
    wire_url_redacted(R.url, url, sizeof url);
    const char *what = natsStatus_GetText(st);
    int more = *detail && strcmp(detail, what) != 0;
    int has_creds = creds && *creds;
    snprintf(R.conn_err, sizeof R.conn_err, "remote: cannot reach NATS at %s: %s%s%s%s%s%s", url,
             what, more ? " (" : "", more ? detail : "", more ? ")" : "",
             has_creds ? "; credentials file (FFIRT_NATS_CREDS): " : "", has_creds ? creds : "");
    if (nc) natsConnection_Destroy(nc);
    R.inbox_sub = R.hb_sub = NULL;
    return -1;
  }
  R.nc = nc;
  return 0;
}

/* Prepares a call: init, connect, a sequence number. 0 or -1 (cb answered). */
static int begin(const ffirt__remote_lib *L, FFICallBack cb, void *ud) {
  pthread_once(&R.once, init_once);
  pthread_mutex_lock(&R.mu);
  int rc = connect_locked(L);
  char err[sizeof R.conn_err + 64];
  snprintf(err, sizeof err, "%s", R.conn_err);
  if (!rc && R.denied[0]) { /* connected, but no reply can reach us */
    rc = -1;
    snprintf(err, sizeof err, "%s", R.denied);
  }
  pthread_mutex_unlock(&R.mu);
  if (rc) ffirt__remote_fail(cb, ud, err);
  return rc;
}

static pcall *new_call(int kind, FFICallBack cb, void *ud) {
  pcall *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->kind = kind;
  p->cb = cb;
  p->ud = ud;
  p->started = ffirt__mono_ms();
  return p;
}

/* Links p, publishes; on failure unlinks and answers it. mu not held. */
static void submit(pcall *p, const char *subject, const char *op, const uint8_t *req, size_t len) {
  char err[300];
  pthread_mutex_lock(&R.mu);
  p->seq = ++R.seq;
  p->next = R.calls;
  R.calls = p;
  pthread_mutex_unlock(&R.mu);
  const char *e = enqueue(p, subject, op, req, len, p->seq, 1, err, sizeof err);
  if (!e) {
    /* refused its inbox after begin() looked (fail_denied): no reply comes */
    pthread_mutex_lock(&R.mu);
    if (R.denied[0]) e = strcpy(err, R.denied);
    pthread_mutex_unlock(&R.mu);
    if (!e) return;
  }
  pthread_mutex_lock(&R.mu);
  pcall *mine = take_call(p->seq, 0);
  pthread_mutex_unlock(&R.mu);
  if (mine) {
    if (mine->kind == K_CTOR) mine->ctx->state = C_FAILED;
    ffirt__remote_fail(mine->cb, mine->ud, e);
    if (mine->kind != K_CTOR) pcall_free(mine);
  }
}

/* ------------------------------------------------------------ exports */

void *ffirt__remote_create(const ffirt__remote_lib *L, const char *ctor, int native,
                           const uint8_t *req, size_t len, FFICallBack cb, void *ud) {
  if (!cb) return NULL;
  if (begin(L, cb, ud)) return NULL;
  rctx *c = calloc(1, sizeof *c);
  pcall *p = c ? new_call(K_CTOR, cb, ud) : NULL;
  if (!p) {
    free(c);
    ffirt__remote_fail(cb, ud, "remote: out of memory");
    return NULL;
  }
  p->native = native;
  p->ctx = c;
  c->state = C_PENDING;
  pthread_mutex_lock(&R.mu);
  /* on the reply thread (a constructor called from a result callback) the
   * acceptance cannot be waited for: calls queue behind it instead */
  p->waiting = !(R.inbox_thread_known && pthread_equal(R.inbox_thread, pthread_self()));
  c->handle = ++R.next_handle;
  c->next = R.ctxs;
  R.ctxs = c;
  p->seq = ++R.seq;
  p->batch = p->seq;
  p->next = R.calls;
  R.calls = p;
  pthread_mutex_unlock(&R.mu);
  void *h = (void *)(uintptr_t)c->handle;
  char subj[200], err[300];
  snprintf(subj, sizeof subj, "%s.new.%s", R.prefix, R.client_id); /* leased to us */
  const char *e = publish_one(subj, ctor, req, len, p->seq, err, sizeof err);
  pthread_mutex_lock(&R.mu);
  int64_t deadline = ffirt__mono_ms() + R.timeout_ms;
  int mine = 0; /* this thread answers p */
  if (e) {
    mine = take_call(p->seq, 0) != NULL;
  } else if (p->waiting) {
    while (!p->acked && !p->done) {
      if (ffirt__mono_ms() > deadline ||
          R.denied[0]) { /* denied: refused its inbox (fail_denied) */
        e = R.denied[0] ? strcpy(err, R.denied)
                        : "remote: no ffirt-serve accepted the constructor in time";
        mine = take_call(p->seq, 0) != NULL;
        break;
      }
      struct timespec ts = ffirt__deadline(CLOCK_REALTIME, 50);
      pthread_cond_timedwait(&R.cond, &R.mu, &ts);
    }
    if (p->done && !p->acked) mine = 1; /* refused; unlinked by the reply */
  }
  if (!mine && p->waiting && p->acked) { /* from here on the reply thread owns p */
    p->waiting = 0;
    if (p->finished) pcall_free(p); /* already answered meanwhile */
  }
  if (mine) /* nothing was created: the handle never validates */
    for (rctx **pp = &R.ctxs; *pp; pp = &(*pp)->next)
      if (*pp == c) {
        *pp = c->next;
        break;
      }
  pthread_mutex_unlock(&R.mu);
  if (!mine) return h;
  /* answered here, on the caller's thread (abi.md 3.1) */
  ffirt__remote_fail(cb, ud, e ? e : c->fail_text ? c->fail_text : "remote: refused");
  pcall_free(p);
  free(c->fail_text);
  free(c);
  return NULL;
}

/* The runtime's texts (src/context/handle.c), so hosts see one contract:
 * a value this library handed out is stale, anything else forged. */
static int bad_ctx(FFICallBack cb, void *ud, void *ctx) {
  uint64_t h = (uint64_t)(uintptr_t)ctx;
  pthread_mutex_lock(&R.mu);
  int ours = h > R.first_handle && h <= R.next_handle;
  pthread_mutex_unlock(&R.mu);
  if (!ctx)
    ffirt__remote_fail(cb, ud, "invalid context handle: NULL");
  else if (ours)
    failf(cb, ud, "invalid context handle 0x%" PRIx64 ": the context was destroyed (stale handle)",
          h);
  else
    failf(cb, ud,
          "invalid context handle 0x%" PRIx64 ": not a context of library '%s' (forged, "
          "corrupted or interior pointer)",
          h, R.L ? R.L->name : "?");
  return RET_ERR;
}

int ffirt__remote_check(const ffirt__remote_lib *L, void *ctx, FFICallBack cb, void *ud) {
  pthread_once(&R.once, init_once);
  pthread_mutex_lock(&R.mu);
  if (!R.L) R.L = L;
  rctx *c = find_ctx(ctx);
  pthread_mutex_unlock(&R.mu);
  return c ? RET_OK : bad_ctx(cb, ud, ctx);
}

int ffirt__remote_envelope_u64(const uint8_t *env, size_t len, uint64_t *out) {
  wire_dec d = {env, env + len, NULL};
  unsigned mj;
  uint64_t n;
  const uint8_t *k, *v;
  size_t kl, vl;
  if (wire_head(&d, &mj, &n) || mj != 5 || n != 2) return -1;
  for (uint64_t i = 0; i < n; i++) {
    if (wire_string(&d, 3, &k, &kl)) return -1;
    if (kl == 7 && memcmp(k, "payload", 7) == 0) {
      if (wire_uint(&d, out)) return -1;
    } else if (wire_string(&d, 3, &v, &vl)) {
      return -1;
    }
  }
  return wire_end(&d);
}

int ffirt__remote_call(const ffirt__remote_lib *L, void *ctx, const char *method,
                       ffirt__remote_dec_fn dec, const uint8_t *req, size_t len, FFICallBack cb,
                       void *ud) {
  if (!cb) return RET_MISSING_CALLBACK;
  pthread_once(&R.once, init_once);
  pthread_mutex_lock(&R.mu);
  rctx *c = find_ctx(ctx);
  int state = c ? c->state : -1;
  pthread_mutex_unlock(&R.mu);
  if (!c) return bad_ctx(cb, ud, ctx);
  if (state == C_FAILED) {
    failf(cb, ud, "library is not initialized (the remote constructor failed: %s)",
          c->fail_text ? c->fail_text : "unknown reason");
    return RET_OK;
  }
  if (begin(L, cb, ud)) return RET_OK;
  pcall *p = new_call(K_CALL, cb, ud);
  if (!p) {
    ffirt__remote_fail(cb, ud, "remote: out of memory");
    return RET_OK;
  }
  p->dec = dec;
  p->ctx = c;
  pthread_mutex_lock(&R.mu);
  if (c->state == C_PENDING) { /* behind the constructor, in order */
    p->op = strdup(method);
    p->req = malloc(len ? len : 1);
    if (!p->op || !p->req) {
      pthread_mutex_unlock(&R.mu);
      ffirt__remote_fail(cb, ud, "remote: out of memory");
      pcall_free(p);
      return RET_OK;
    }
    if (len) memcpy(p->req, req, len);
    p->len = len;
    p->seq = ++R.seq;
    pcall **tail = &c->queued;
    while (*tail)
      tail = &(*tail)->next;
    *tail = p;
    pthread_mutex_unlock(&R.mu);
    return RET_OK;
  }
  pthread_mutex_unlock(&R.mu);
  char subj[256];
  ctx_subject(c, subj, sizeof subj);
  submit(p, subj, method, req, len);
  return RET_OK;
}

int ffirt__remote_static(const ffirt__remote_lib *L, const char *name, ffirt__remote_dec_fn dec,
                         const uint8_t *req, size_t len, FFICallBack cb, void *ud) {
  if (!cb) return RET_MISSING_CALLBACK;
  if (begin(L, cb, ud)) return RET_OK;
  pcall *p = new_call(K_CALL, cb, ud);
  if (!p) {
    ffirt__remote_fail(cb, ud, "remote: out of memory");
    return RET_OK;
  }
  p->dec = dec;
  char subj[200];
  snprintf(subj, sizeof subj, "%s.static", R.prefix);
  submit(p, subj, name, req, len);
  return RET_OK;
}

/* A control request ($destroy, $listen, $unlisten). wait: block for the
 * answer (bounded by the server's liveness and the timeout). */
static void control(rctx *c, const char *op, const char *arg, int wait) {
  pcall *p = new_call(K_SYNC, NULL, NULL);
  if (!p) return;
  p->ctx = c; /* its subject, for fail_denied */
  char subj[256], err[300];
  ctx_subject(c, subj, sizeof subj);
  pthread_mutex_lock(&R.mu);
  p->seq = ++R.seq;
  if (wait) {
    p->next = R.calls;
    R.calls = p;
  }
  pthread_mutex_unlock(&R.mu);
  const char *e =
      enqueue(p, subj, op, (const uint8_t *)arg, strlen(arg), p->seq, 0, err, sizeof err);
  if (!wait) {
    free(p);
    return;
  }
  pthread_mutex_lock(&R.mu);
  int64_t deadline = ffirt__mono_ms() + R.timeout_ms;
  while (!e && !p->done && !R.denied[0]) {
    server_seen *s = find_server(c->server);
    int64_t t = ffirt__mono_ms();
    if (!s || t - s->last > R.dead_ms || t > deadline) break;
    struct timespec ts = ffirt__deadline(CLOCK_REALTIME, 50);
    pthread_cond_timedwait(&R.cond, &R.mu, &ts);
  }
  take_call(p->seq, 0);
  pthread_mutex_unlock(&R.mu);
  free(p);
}

static void send_listens(rctx *c) {
  /* one $listen per listener: the server counts them */
  pthread_mutex_lock(&R.mu);
  size_t n = 0;
  for (rlistener *l = c->listeners; l; l = l->next)
    n++;
  char **names = calloc(n ? n : 1, sizeof *names);
  size_t k = 0;
  for (rlistener *l = c->listeners; l && names; l = l->next)
    names[k++] = strdup(l->event);
  int need_sub = n && !c->ev_sub;
  pthread_mutex_unlock(&R.mu);
  if (need_sub) {
    natsSubscription *sub = ev_subscribe(c);
    pthread_mutex_lock(&R.mu);
    c->ev_sub = sub;
    pthread_mutex_unlock(&R.mu);
  }
  for (size_t i = 0; i < k; i++) {
    if (names[i]) control(c, "$listen", names[i], 0);
    free(names[i]);
  }
  free(names);
}

int ffirt__remote_destroy(const ffirt__remote_lib *L, void *ctx) {
  pthread_once(&R.once, init_once);
  pthread_mutex_lock(&R.mu);
  rctx *c = find_ctx(ctx);
  if (c && c->running && pthread_equal(c->runner, pthread_self())) {
    /* from inside one of its own listeners: refused, as in process */
    pthread_mutex_unlock(&R.mu);
    fprintf(stderr,
            "%s_remote: destroy of a '%s' context called on its own event thread: refused (it "
            "would deadlock)\n",
            L->name, L->name);
    return 1;
  }
  if (c) {
    for (rctx **pp = &R.ctxs; *pp; pp = &(*pp)->next)
      if (*pp == c) {
        *pp = c->next;
        break;
      }
    c->next = R.closing;
    R.closing = c;
  }
  int on_inbox = R.inbox_thread_known && pthread_equal(R.inbox_thread, pthread_self());
  natsSubscription *draining = c ? c->ev_sub : NULL;
  pthread_mutex_unlock(&R.mu);
  if (!c) return 1;
  if (c->state == C_READY) control(c, "$destroy", "", !on_inbox);
  /* The server sent the context's events before its destroy reply, but
   * they may still wait in the event subscription (another thread than the
   * replies'): deliver them to the listeners, as destroy does in process,
   * bounded. Not on the reply thread: a listener's blocking call would
   * wait for it. */
  if (draining && !on_inbox && natsSubscription_Drain(draining) == NATS_OK)
    natsSubscription_WaitForDrainCompletion(draining, R.dead_ms);
  pthread_mutex_lock(&R.mu);
  for (rctx **pp = &R.closing; *pp; pp = &(*pp)->next)
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  pthread_mutex_unlock(&R.mu);
  /* what the server did not answer before its destroy reply is failed here */
  pthread_mutex_lock(&R.mu);
  pcall *mine = NULL;
  for (pcall **pp = &R.calls; *pp;) {
    pcall *p = *pp;
    if (p->ctx == c && p->kind == K_CALL) {
      *pp = p->next;
      p->next = mine;
      mine = p;
    } else {
      pp = &p->next;
    }
  }
  pcall *queued = c->queued;
  c->queued = NULL;
  rlistener *ls = c->listeners;
  c->listeners = NULL;
  natsSubscription *sub = c->ev_sub;
  c->ev_sub = NULL;
  /* a listener running on another thread finishes first */
  while (c->running && !pthread_equal(c->runner, pthread_self()))
    pthread_cond_wait(&R.cond, &R.mu);
  int ctor_pending = 0;
  for (pcall *p = R.calls; p; p = p->next)
    if (p->kind == K_CTOR && p->ctx == c) ctor_pending = 1;
  pthread_mutex_unlock(&R.mu);
  if (sub) {
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
  }
  while (mine) {
    pcall *next = mine->next;
    failf(mine->cb, mine->ud, "context destroyed before the request completed");
    pcall_free(mine);
    mine = next;
  }
  while (queued) {
    pcall *next = queued->next;
    failf(queued->cb, queued->ud, "context destroyed before the request completed");
    pcall_free(queued);
    queued = next;
  }
  while (ls) {
    rlistener *next = ls->next;
    if (ls->ud_free) ls->ud_free(ls->ud);
    free(ls->event);
    free(ls);
    ls = next;
  }
  /* with the constructor still unanswered the context stays reachable by
   * its pending constructor call; it is leaked rather than raced (rare). A
   * dispatch in progress (an event, not_responding) frees it when it ends. */
  pthread_mutex_lock(&R.mu);
  int free_now = !ctor_pending && c->refs == 0;
  if (!ctor_pending) c->doomed = 1;
  pthread_mutex_unlock(&R.mu);
  if (free_now) ctx_free(c);
  return 0;
}

uint64_t ffirt__remote_listen(const ffirt__remote_lib *L, void *ctx, const char *event, int native,
                              FFICallBack cb, void *ud, void (*ud_free)(void *)) {
  (void)L;
  if (!cb) return 0;
  pthread_once(&R.once, init_once);
  rlistener *l = calloc(1, sizeof *l);
  if (!l) return 0;
  l->event = strdup(event ? event : "");
  if (!l->event) {
    free(l);
    return 0;
  }
  l->native = native;
  l->cb = cb;
  l->ud = ud;
  l->ud_free = ud_free;
  pthread_mutex_lock(&R.mu);
  rctx *c = find_ctx(ctx);
  if (!c) {
    pthread_mutex_unlock(&R.mu);
    free(l->event);
    free(l);
    return 0;
  }
  l->id = ++c->next_listener;
  rlistener **tail = &c->listeners;
  while (*tail)
    tail = &(*tail)->next;
  *tail = l;
  int ready = c->state == C_READY;
  int need_sub = ready && !c->ev_sub;
  uint64_t id = l->id;
  pthread_mutex_unlock(&R.mu);
  if (ready) {
    if (need_sub) {
      natsSubscription *sub = ev_subscribe(c);
      pthread_mutex_lock(&R.mu);
      if (!c->ev_sub)
        c->ev_sub = sub;
      else if (sub)
        natsSubscription_Destroy(sub);
      pthread_mutex_unlock(&R.mu);
    }
    control(c, "$listen", l->event, 0); /* ordered before the next request */
  }
  return id;
}

int ffirt__remote_unlisten(const ffirt__remote_lib *L, void *ctx, uint64_t id) {
  (void)L;
  pthread_once(&R.once, init_once);
  pthread_mutex_lock(&R.mu);
  rctx *c = find_ctx(ctx);
  rlistener *l = NULL;
  if (c)
    for (rlistener **pp = &c->listeners; *pp; pp = &(*pp)->next)
      if ((*pp)->id == id) {
        l = *pp;
        *pp = l->next;
        break;
      }
  if (l)
    while (c->running == id && !pthread_equal(c->runner, pthread_self()))
      pthread_cond_wait(&R.cond, &R.mu);
  int ready = c && c->state == C_READY;
  pthread_mutex_unlock(&R.mu);
  if (!l) return 1;
  if (ready) control(c, "$unlisten", l->event, 0);
  if (l->ud_free) l->ud_free(l->ud);
  free(l->event);
  free(l);
  return 0;
}

/* ------------------------------------------------------------ blocking form */

typedef struct waiter {
  int refs; /* the caller and the callback; mu */
  int done, ret;
  uint8_t *bytes;
  size_t len;
} waiter;

static void waiter_unref(waiter *w) {
  pthread_mutex_lock(&R.mu);
  int last = --w->refs == 0;
  pthread_mutex_unlock(&R.mu);
  if (last) {
    free(w->bytes);
    free(w);
  }
}

static void on_wait_reply(int ret, const char *msg, size_t len, void *ud) {
  waiter *w = ud;
  if (ret == RET_STALE_WARN) return;
  uint8_t *copy = malloc(len ? len : 1);
  if (copy && len) memcpy(copy, msg, len);
  pthread_mutex_lock(&R.mu);
  w->done = 1;
  w->ret = copy ? ret : RET_ERR;
  w->bytes = copy;
  w->len = copy ? len : 0;
  pthread_cond_broadcast(&R.cond);
  pthread_mutex_unlock(&R.mu);
  waiter_unref(w);
}

int ffirt__remote_wait(const ffirt__remote_lib *L, void *ctx, int is_static, const char *name,
                       const uint8_t *req, size_t len, uint32_t timeout_ms,
                       ffirt__remote_take_fn take, void *dst, char *errText, size_t errSize) {
  char dummy[1];
  if (!errText || !errSize) {
    errText = dummy;
    errSize = sizeof dummy;
  }
  pthread_once(&R.once, init_once);
  pthread_mutex_lock(&R.mu);
  int on_inbox = R.inbox_thread_known && pthread_equal(R.inbox_thread, pthread_self());
  pthread_mutex_unlock(&R.mu);
  if (on_inbox) {
    /* the reply thread runs result callbacks, as a context's worker does in
     * process: the runtime's text (src/context/sync.c) */
    snprintf(errText, errSize,
             "%s: refused: a blocking call on its own context's worker thread would wait "
             "forever",
             name);
    return RET_ERR;
  }
  waiter *w = calloc(1, sizeof *w);
  if (!w) {
    snprintf(errText, errSize, "%s: out of memory", name);
    return RET_ERR;
  }
  w->refs = 2;
  int rc = is_static ? ffirt__remote_static(L, name, NULL, req, len, on_wait_reply, w)
                     : ffirt__remote_call(L, ctx, name, NULL, req, len, on_wait_reply, w);
  (void)rc; /* every path answers on_wait_reply exactly once */
  int64_t deadline = timeout_ms ? ffirt__mono_ms() + (int64_t)timeout_ms : INT64_MAX;
  pthread_mutex_lock(&R.mu);
  while (!w->done && ffirt__mono_ms() < deadline) {
    struct timespec ts = ffirt__deadline(CLOCK_REALTIME, 20);
    pthread_cond_timedwait(&R.cond, &R.mu, &ts);
  }
  int done = w->done;
  pthread_mutex_unlock(&R.mu);
  int ret = RET_ERR;
  if (!done) {
    snprintf(errText, errSize,
             "%s: no reply within %u ms (the call goes on; its reply will be dropped)", name,
             (unsigned)timeout_ms);
  } else if (w->ret != RET_OK) {
    snprintf(errText, errSize, "%.*s", (int)w->len, (const char *)w->bytes);
  } else if (take && take(w->bytes, w->len, dst, errText, errSize)) {
    ret = RET_ERR;
  } else if (!take && !(w->len == 1 && w->bytes[0] == 0xf6)) {
    snprintf(errText, errSize, "%s: result: expected null", name);
  } else {
    ret = RET_OK;
  }
  waiter_unref(w);
  return ret;
}

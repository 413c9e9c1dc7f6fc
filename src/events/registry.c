/*
 * registry.c - the listener registry: add, remove, remove-all, counts, and
 * the reclamation of what writers retire.
 *
 * Design notes:
 *  - Writers (add, remove, remove_all) run on any thread, including inside
 *    a listener, and serialise on ev->reg_lock. No user code runs under it.
 *  - Each channel (an event name, or "" for the wildcard) owns a published,
 *    immutable array of its listeners in registration order. A writer builds
 *    a new array, publishes it with a release store and retires the old one.
 *    The empty array is NULL, so removing the last listener (and
 *    remove_all) never allocates; a remove whose new array cannot be
 *    allocated leaves the listener in the old array, flagged removed (a
 *    "zombie", skipped by delivery, dropped by the next rebuild).
 *  - Channels and channel tables are never freed before destroy: emitters
 *    look a name up and read its counts with plain atomic loads, no lock,
 *    no reference count. Memory grows with the number of distinct names
 *    ever registered, not with add/remove traffic.
 *  - Only delivery (the event thread) reads listener arrays and listener
 *    structs after they are retired, and only between its two seq_cst
 *    increments of ev->dgen (odd while delivering). A writer publishes the
 *    new array (seq_cst store), then reads dgen (seq_cst) and stamps what it
 *    retires with it: an even stamp means no delivery can hold it (a later
 *    delivery loads the new array), so it is freed at once; an odd stamp v
 *    means it is freed as soon as dgen != v, by the next writer's sweep or
 *    by the event thread between deliveries (ffirt__registry_reclaim), or by
 *    destroy after the join. Garbage is thus bounded by what writers retire
 *    during one delivery, whatever the add/remove rate.
 *  - Guarantee 3 (abi.md 4.3): remove() sets listener->removed (seq_cst)
 *    and, off the event thread, waits until listener->running is 0; the
 *    event thread sets running (seq_cst) before it checks removed, so either
 *    it sees removed and skips the call, or remove sees running and waits.
 *    Only then is release() run and the struct retired. On the event thread
 *    (inside a callback) remove does not wait: the listener goes to the
 *    deferred list and release() runs at the next quiescent point.
 *  - release() runs exactly once per listener: by the remover, by reclaim
 *    (deferred), or by registry_fini for listeners still registered at
 *    destroy. A zombie has already been released; it is only freed.
 *  - Ids: next_id under reg_lock, first 1, +1 per successful add, never
 *    reused; add fails once 2^53 is reached. remove_all keeps the counter.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events/events_internal.h"

uint64_t ffirt__name_hash(const char *s, size_t *len) {
  uint64_t h = 1469598103934665603ull;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    h ^= *p++;
    h *= 1099511628211ull;
  }
  *len = (size_t)(p - (const unsigned char *)s);
  return h;
}

ffirt__channel *ffirt__channel_find(ffirt_events *ev, const char *name, size_t n, uint64_t h) {
  /* acquire: pairs with the release store of a new table / slot, so the
   * channel's name and hash are visible. */
  ffirt__ctable *t = atomic_load_explicit(&ev->table, memory_order_acquire);
  if (!t) return NULL;
  for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
    ffirt__channel *c = atomic_load_explicit(&t->slots[i], memory_order_acquire);
    if (!c) return NULL;
    if (c->hash == h && c->name_len == n && memcmp(c->name, name, n) == 0) return c;
  }
}

/* A per-thread cache of (events object, type descriptor) -> channel, so a
 * hot emit does not hash its name. Safe because channels live as long as
 * their events object and uid is never reused. A miss (no channel yet) is
 * cached too, valid while no channel is created (chan_version unchanged;
 * read relaxed: an add that happened before the emit is seen by coherence). */
typedef struct chan_cache_entry {
  uint64_t uid;
  const ffirt_event_type *type;
  const char *name;
  ffirt__channel *ch;
  uint64_t version; /* for ch == NULL */
} chan_cache_entry;
static _Thread_local chan_cache_entry chan_cache[8];

ffirt__channel *ffirt__channel_for_type(ffirt_events *ev, const ffirt_event_type *type) {
  chan_cache_entry *e = &chan_cache[((uintptr_t)type >> 4) & 7];
  uint64_t v = atomic_load_explicit(&ev->chan_version, memory_order_relaxed);
  if (e->uid == ev->uid && e->type == type && e->name == type->name && (e->ch || e->version == v))
    return e->ch;
  size_t n;
  uint64_t h = ffirt__name_hash(type->name, &n);
  ffirt__channel *c = ffirt__channel_find(ev, type->name, n, h);
  *e = (chan_cache_entry){ev->uid, type, type->name, c, v};
  return c;
}

static void table_put(ffirt__ctable *t, ffirt__channel *c) {
  size_t i = (size_t)c->hash & t->mask;
  while (atomic_load_explicit(&t->slots[i], memory_order_relaxed))
    i = (i + 1) & t->mask;
  /* release: readers that find the pointer see the channel's fields. */
  atomic_store_explicit(&t->slots[i], c, memory_order_release);
}

/* reg_lock held. Finds or creates the channel of name[0..n). */
static ffirt__channel *channel_get(ffirt_events *ev, const char *name, size_t n, uint64_t h) {
  ffirt__channel *c = ffirt__channel_find(ev, name, n, h);
  if (c) return c;
  ffirt__ctable *t = atomic_load_explicit(&ev->table, memory_order_relaxed);
  size_t size = t ? t->mask + 1 : 0;
  if ((ev->nchannels + 1) * 2 > size) {
    size_t nsize = size ? size * 2 : 16;
    ffirt__ctable *nt = ffirt_calloc(1, sizeof *nt + nsize * sizeof nt->slots[0]);
    if (!nt) return NULL;
    nt->mask = nsize - 1;
    for (size_t i = 0; i < nsize; i++)
      atomic_init(&nt->slots[i], NULL);
    for (ffirt__channel *o = ev->channels; o; o = o->next)
      table_put(nt, o);
    nt->older = t; /* readers may still walk t: kept until destroy */
    /* release: a reader of the new table sees its filled slots. */
    atomic_store_explicit(&ev->table, nt, memory_order_release);
    t = nt;
  }
  c = ffirt_calloc(1, sizeof *c);
  if (!c) return NULL;
  c->name = ffirt_strndup(name, n);
  if (!c->name) {
    ffirt_free(c);
    return NULL;
  }
  c->name_len = n;
  c->hash = h;
  atomic_init(&c->count[0], 0);
  atomic_init(&c->count[1], 0);
  atomic_init(&c->list, NULL);
  c->next = ev->channels;
  ev->channels = c;
  ev->nchannels++;
  table_put(t, c);
  /* release: a thread that sees the new version finds the channel. */
  atomic_fetch_add_explicit(&ev->chan_version, 1, memory_order_release);
  return c;
}

static void set_reclaim(ffirt_events *ev) {
  /* release: pairs with the acquire in reclaim's fast check; the lists
   * themselves are read under reg_lock. */
  atomic_store_explicit(&ev->reclaim_pending, 1, memory_order_release);
}

/* seq_cst: pairs with the event thread's seq_cst increments of dgen around
 * a delivery and its seq_cst loads of the arrays (see the design notes). */
static uint64_t delivery_gen(ffirt_events *ev) {
  return atomic_load_explicit(&ev->dgen, memory_order_seq_cst);
}

static void retire_array(ffirt_events *ev, ffirt__larray *a) {
  if (!a) return;
  a->stamp = delivery_gen(ev);
  if (!(a->stamp & 1)) {
    ffirt_free(a);
    return;
  }
  a->next_retired = ev->retired_arrays;
  ev->retired_arrays = a;
  set_reclaim(ev);
}

static void retire_listener(ffirt_events *ev, ffirt__listener *l) {
  l->stamp = delivery_gen(ev);
  if (!(l->stamp & 1)) {
    ffirt_free(l);
    return;
  }
  l->next = ev->retired_listeners;
  ev->retired_listeners = l;
  set_reclaim(ev);
}

/* reg_lock held. Frees retired memory no delivery can hold any more. */
static void sweep(ffirt_events *ev) {
  if (!ev->retired_arrays && !ev->retired_listeners) return;
  uint64_t g = delivery_gen(ev);
  ffirt__larray **pa = &ev->retired_arrays;
  while (*pa) {
    ffirt__larray *a = *pa;
    if (a->stamp != g) {
      *pa = a->next_retired;
      ffirt_free(a);
    } else {
      pa = &a->next_retired;
    }
  }
  ffirt__listener **pl = &ev->retired_listeners;
  while (*pl) {
    ffirt__listener *l = *pl;
    if (l->stamp != g) {
      *pl = l->next;
      ffirt_free(l);
    } else {
      pl = &l->next;
    }
  }
}

/* reg_lock held. Drops array entry e (removed) when a rebuild leaves it out. */
static void dropped_from_array(ffirt_events *ev, ffirt__listener *e) {
  e->in_array = 0;
  if (e->zombie) retire_listener(ev, e); /* already released: only memory left */
}

/*
 * reg_lock held. Publishes ch's array minus removed entries, plus add (may be
 * NULL). Returns FFIRT_ENOMEM with nothing changed when the new array cannot
 * be allocated.
 */
static int rebuild(ffirt_events *ev, ffirt__channel *ch, ffirt__listener *add) {
  ffirt__larray *old = atomic_load_explicit(&ch->list, memory_order_relaxed);
  size_t keep = add ? 1 : 0;
  size_t n = old ? old->n : 0;
  for (size_t i = 0; i < n; i++)
    if (!atomic_load_explicit(&old->items[i]->removed, memory_order_relaxed)) keep++;
  ffirt__larray *na = NULL;
  if (keep) {
    na = ffirt_malloc(sizeof *na + keep * sizeof na->items[0]);
    if (!na) return FFIRT_ENOMEM;
    na->next_retired = NULL;
    na->n = 0;
    for (size_t i = 0; i < n; i++)
      if (!atomic_load_explicit(&old->items[i]->removed, memory_order_relaxed))
        na->items[na->n++] = old->items[i];
    if (add) {
      na->items[na->n++] = add;
      add->in_array = 1;
    }
  }
  /* seq_cst (a release at least: delivery's load of list sees every item's
   * fields): ordered before the loads of dgen in retire_array and
   * retire_listener. Publish first: a zombie dropped here may be freed at
   * once, so no published array may still point to it. */
  atomic_store_explicit(&ch->list, na, memory_order_seq_cst);
  for (size_t i = 0; i < n; i++)
    if (atomic_load_explicit(&old->items[i]->removed, memory_order_relaxed))
      dropped_from_array(ev, old->items[i]);
  retire_array(ev, old);
  return 0;
}

int ffirt__registry_init(ffirt_events *ev) {
  static atomic_uint_fast64_t next_uid = 1;
  ev->uid = atomic_fetch_add_explicit(&next_uid, 1, memory_order_relaxed);
  if (pthread_mutex_init(&ev->reg_lock, NULL)) return FFIRT_ETHREAD;
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  int rc = pthread_mutex_init(&ev->idle_lock, NULL);
  if (!rc) {
    rc = pthread_cond_init(&ev->idle_cv, &ca);
    if (rc) pthread_mutex_destroy(&ev->idle_lock);
  }
  pthread_condattr_destroy(&ca);
  if (rc) {
    pthread_mutex_destroy(&ev->reg_lock);
    return FFIRT_ETHREAD;
  }
  atomic_init(&ev->table, NULL);
  atomic_init(&ev->chan_version, 0);
  ev->wild.name = NULL;
  ev->wild.name_len = 0;
  atomic_init(&ev->wild.count[0], 0);
  atomic_init(&ev->wild.count[1], 0);
  atomic_init(&ev->wild.list, NULL);
  atomic_init(&ev->total, 0);
  atomic_init(&ev->reclaim_pending, 0);
  atomic_init(&ev->idle_waiters, 0);
  atomic_init(&ev->dgen, 0);
  ev->next_id = 1;
  return 0;
}

static void free_listener_list(ffirt__listener *l) {
  while (l) {
    ffirt__listener *n = l->next;
    ffirt_free(l);
    l = n;
  }
}

static void free_array_list(ffirt__larray *a) {
  while (a) {
    ffirt__larray *n = a->next_retired;
    ffirt_free(a);
    a = n;
  }
}

/* Runs release for listeners removed from inside a callback, then hands
 * their memory to the retired list (or keeps zombies in their array). */
static void finish_deferred(ffirt_events *ev, ffirt__listener *d) {
  for (ffirt__listener *l = d; l; l = l->next)
    if (l->release) l->release(l->ud);
  pthread_mutex_lock(&ev->reg_lock);
  while (d) {
    ffirt__listener *n = d->next;
    if (d->in_array)
      d->zombie = 1;
    else
      retire_listener(ev, d);
    d = n;
  }
  pthread_mutex_unlock(&ev->reg_lock);
}

void ffirt__registry_reclaim(ffirt_events *ev) {
  /* acquire: pairs with set_reclaim's release (the lists are then read under
   * reg_lock anyway; this only makes the fast path exact). */
  if (!atomic_load_explicit(&ev->reclaim_pending, memory_order_acquire)) return;
  pthread_mutex_lock(&ev->reg_lock);
  ffirt__listener *deferred = ev->deferred;
  ev->deferred = NULL;
  pthread_mutex_unlock(&ev->reg_lock);
  if (deferred) finish_deferred(ev, deferred);
  pthread_mutex_lock(&ev->reg_lock);
  ffirt__larray *arrays = ev->retired_arrays;
  ffirt__listener *ls = ev->retired_listeners;
  ev->retired_arrays = NULL;
  ev->retired_listeners = NULL;
  atomic_store_explicit(&ev->reclaim_pending, ev->deferred != NULL, memory_order_relaxed);
  pthread_mutex_unlock(&ev->reg_lock);
  free_array_list(arrays);
  free_listener_list(ls);
}

void ffirt__registry_fini(ffirt_events *ev) {
  /* The event thread is joined: nothing reads the registry any more, but
   * release callbacks may still call add/remove on ev (documented as not
   * allowed after destroy started; they would only touch the lists). */
  ffirt__listener *deferred = ev->deferred;
  ev->deferred = NULL;
  if (deferred) finish_deferred(ev, deferred);
  /* Release callbacks must not add or remove on ev any more (documented);
   * iterate a stable count in case one does anyway. */
  size_t nall = ev->nall;
  for (size_t i = 0; i < nall && i < ev->nall; i++) {
    ffirt__listener *l = ev->all[i];
    if (l->release) l->release(l->ud);
  }
  /* Every listener is now in exactly one place: a live array (live or
   * zombie), the retired list, or neither (removed, never in an array: not
   * possible, removal retires). Free arrays' members first. */
  ffirt__channel *chans[2] = {&ev->wild, ev->channels};
  for (int k = 0; k < 2; k++) {
    for (ffirt__channel *c = chans[k]; c; c = k ? c->next : NULL) {
      ffirt__larray *a = atomic_load_explicit(&c->list, memory_order_relaxed);
      if (a)
        for (size_t i = 0; i < a->n; i++)
          ffirt_free(a->items[i]);
      ffirt_free(a);
    }
  }
  free_array_list(ev->retired_arrays);
  free_listener_list(ev->retired_listeners);
  ffirt_free(ev->all);
  ffirt__channel *c = ev->channels;
  while (c) {
    ffirt__channel *n = c->next;
    ffirt_free(c->name);
    ffirt_free(c);
    c = n;
  }
  ffirt__ctable *t = atomic_load_explicit(&ev->table, memory_order_relaxed);
  while (t) {
    ffirt__ctable *o = t->older;
    ffirt_free(t);
    t = o;
  }
  pthread_cond_destroy(&ev->idle_cv);
  pthread_mutex_destroy(&ev->idle_lock);
  pthread_mutex_destroy(&ev->reg_lock);
}

uint64_t ffirt_events_add(ffirt_events *ev, const char *name, ffirt_listener_kind kind,
                          FFICallBack cb, void *ud, void (*release)(void *ud)) {
  if (!ev || !cb || (kind != FFIRT_LISTENER_NATIVE && kind != FFIRT_LISTENER_CBOR)) return 0;
  size_t n = 0;
  uint64_t h = name ? ffirt__name_hash(name, &n) : 0;
  ffirt__listener *l = ffirt_calloc(1, sizeof *l);
  if (!l) return 0;
  l->kind = kind;
  l->cb = cb;
  l->ud = ud;
  l->release = release;
  atomic_init(&l->removed, 0);
  atomic_init(&l->running, 0);
  uint64_t id = 0;
  pthread_mutex_lock(&ev->reg_lock);
  sweep(ev);
  if (ev->next_id >= FFIRT__EV_MAX_ID) goto out;
  ffirt__channel *ch = n ? channel_get(ev, name, n, h) : &ev->wild;
  if (!ch) goto out;
  if (ev->nall == ev->capall) {
    size_t ncap = ev->capall ? ev->capall * 2 : 16;
    ffirt__listener **na = ffirt_realloc(ev->all, ncap * sizeof *na);
    if (!na) goto out;
    ev->all = na;
    ev->capall = ncap;
  }
  l->ch = ch;
  l->id = ev->next_id;
  if (rebuild(ev, ch, l)) goto out;
  id = ev->next_id++;
  ev->all[ev->nall++] = l;
  /* The counts may be read relaxed: an emit that must see this listener
   * (add happened-before it) sees the new value by coherence. */
  atomic_fetch_add_explicit(&ch->count[kind], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&ev->total, 1, memory_order_relaxed);
  l = NULL;
out:
  pthread_mutex_unlock(&ev->reg_lock);
  ffirt_free(l);
  return id;
}

/* reg_lock held. Unlinks l from everything but its array (rebuild, or
 * zombie on OOM); the caller waits for it and releases it. */
static void detach_locked(ffirt_events *ev, ffirt__listener *l) {
  /* seq_cst: the removed/running handshake with the event thread. */
  atomic_store_explicit(&l->removed, 1, memory_order_seq_cst);
  atomic_fetch_sub_explicit(&l->ch->count[l->kind], 1, memory_order_relaxed);
  atomic_fetch_sub_explicit(&ev->total, 1, memory_order_relaxed);
}

/* Off the event thread: blocks until the event thread is not inside l.
 * Bounded by the listener's current call. */
static void wait_not_running(ffirt_events *ev, ffirt__listener *l) {
  /* seq_cst: pairs with the event thread's seq_cst store of running = 1
   * before its load of removed (Dekker). */
  if (!atomic_load_explicit(&l->running, memory_order_seq_cst)) return;
  for (int i = 0; i < 64; i++) {
    sched_yield();
    if (!atomic_load_explicit(&l->running, memory_order_seq_cst)) return;
  }
  pthread_mutex_lock(&ev->idle_lock);
  /* seq_cst: the event thread stores running = 0 and then loads
   * idle_waiters; one of us sees the other. */
  atomic_fetch_add_explicit(&ev->idle_waiters, 1, memory_order_seq_cst);
  while (atomic_load_explicit(&l->running, memory_order_seq_cst)) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 10 * 1000000L; /* a safety net only: wake-ups are signalled */
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&ev->idle_cv, &ev->idle_lock, &ts);
  }
  atomic_fetch_sub_explicit(&ev->idle_waiters, 1, memory_order_relaxed);
  pthread_mutex_unlock(&ev->idle_lock);
}

/* After wait_not_running and release: hands l's memory to reclamation. */
static void retire_after_release(ffirt_events *ev, ffirt__listener **ls, size_t n) {
  pthread_mutex_lock(&ev->reg_lock);
  for (size_t i = 0; i < n; i++) {
    if (ls[i]->in_array)
      ls[i]->zombie = 1;
    else
      retire_listener(ev, ls[i]);
  }
  pthread_mutex_unlock(&ev->reg_lock);
}

int ffirt_events_remove(ffirt_events *ev, uint64_t id) {
  if (!ev || !id) return FFIRT_ENOTFOUND;
  pthread_mutex_lock(&ev->reg_lock);
  sweep(ev);
  ffirt__listener *l = NULL;
  for (size_t i = 0; i < ev->nall; i++) {
    if (ev->all[i]->id == id) {
      l = ev->all[i];
      ev->all[i] = ev->all[--ev->nall];
      break;
    }
  }
  if (!l) {
    pthread_mutex_unlock(&ev->reg_lock);
    return FFIRT_ENOTFOUND;
  }
  detach_locked(ev, l);
  (void)rebuild(ev, l->ch, NULL); /* on ENOMEM l stays in the array as a zombie */
  if (ffirt_events_on_thread(ev)) {
    /* Inside a callback: never wait (it may be l itself that runs). */
    l->next = ev->deferred;
    ev->deferred = l;
    set_reclaim(ev);
    pthread_mutex_unlock(&ev->reg_lock);
    return 0;
  }
  pthread_mutex_unlock(&ev->reg_lock);
  wait_not_running(ev, l);
  if (l->release) l->release(l->ud);
  retire_after_release(ev, &l, 1);
  return 0;
}

void ffirt_events_remove_all(ffirt_events *ev) {
  if (!ev) return;
  pthread_mutex_lock(&ev->reg_lock);
  ffirt__listener **victims = ev->all;
  size_t n = ev->nall;
  ev->all = NULL;
  ev->nall = ev->capall = 0;
  for (size_t i = 0; i < n; i++)
    detach_locked(ev, victims[i]);
  /* Empty arrays are NULL: no allocation, cannot fail. */
  ffirt__channel *chans[2] = {&ev->wild, ev->channels};
  for (int k = 0; k < 2; k++)
    for (ffirt__channel *c = chans[k]; c; c = k ? c->next : NULL)
      (void)rebuild(ev, c, NULL);
  if (ffirt_events_on_thread(ev)) {
    for (size_t i = 0; i < n; i++) {
      victims[i]->next = ev->deferred;
      ev->deferred = victims[i];
    }
    if (n) set_reclaim(ev);
    pthread_mutex_unlock(&ev->reg_lock);
    ffirt_free(victims);
    return;
  }
  pthread_mutex_unlock(&ev->reg_lock);
  for (size_t i = 0; i < n; i++) {
    wait_not_running(ev, victims[i]);
    if (victims[i]->release) victims[i]->release(victims[i]->ud);
  }
  retire_after_release(ev, victims, n);
  ffirt_free(victims);
}

size_t ffirt_events_count(ffirt_events *ev, const char *name, ffirt_listener_kind kind) {
  if (!ev || (kind != FFIRT_LISTENER_NATIVE && kind != FFIRT_LISTENER_CBOR)) return 0;
  size_t n = atomic_load_explicit(&ev->wild.count[kind], memory_order_relaxed);
  size_t len = 0;
  if (name && *name) {
    uint64_t h = ffirt__name_hash(name, &len);
    ffirt__channel *c = ffirt__channel_find(ev, name, len, h);
    if (c) n += atomic_load_explicit(&c->count[kind], memory_order_relaxed);
  }
  return n;
}

/*
 * registry.c - the listener registry: add, remove, remove-all, counts, and
 * the reclamation of what writers retire.
 *
 * Design notes:
 *  - Writers (add, remove, remove_all) run on any thread, including inside
 *    a listener, and serialise on ev->reg_lock. No user code runs under it.
 *  - Each channel (an event name, or "" for the wildcard) owns a published,
 *    immutable array of its listeners in registration order. A writer builds
 *    a new array, publishes it (seq_cst store) and retires the old one. The
 *    empty array is NULL, so removing the last listener (and remove_all)
 *    never allocates. A remove whose smaller array cannot be allocated
 *    leaves the listener in the published array, flagged removed (and the
 *    channel stale): delivery skips it and the next rebuild drops it.
 *  - Reclamation: only the event thread reads arrays, and it holds at most
 *    two at a time (its event's channel and the wildcard), each announced
 *    in a hazard slot (ev->hazard[2]) before use: store the hazard, reload
 *    the channel's array, retry if it changed (thread.c). A writer that
 *    replaces an array frees it at once unless a hazard slot names it; then
 *    it waits on ev->retired, which every later write rescans. So a write
 *    costs O(1) besides copying its channel's array (no per-listener work),
 *    and at most three retired arrays exist at any time, whatever the
 *    add/remove rate and however long a listener runs.
 *  - A listener struct is freed once nothing reaches it (maybe_free): not
 *    findable by id, not in its channel's published array (in_array), no
 *    second remover waiting on it, and not in an array the event thread
 *    holds; in that last case it is buried with that array (orphans) and
 *    freed with it. So the garbage is bounded by the two held arrays and
 *    the listeners they hold.
 *  - Listener states: registered (findable, in its channel's array),
 *    detaching (removed = 1, out of the array, still findable by id), gone
 *    (released, not findable). Detaching ends when its release() has run.
 *  - Removal (guarantee 3, abi.md 4.3): remove() sets removed (seq_cst) and,
 *    on an ordinary thread, waits until running is 0; the event thread sets
 *    running (seq_cst) before it checks removed, so either it sees removed
 *    and skips the call, or remove sees running and waits. Then release()
 *    runs and the listener is gone. A second remover of a detaching
 *    listener waits until it is gone too (ev->gone_cv), then answers
 *    FFIRT_ENOTFOUND. On the event thread (inside a callback) and on a
 *    context's worker thread (nowait) remove never waits: the listener goes
 *    to ev->deferred, is never called again after its current call, and
 *    the event thread releases it at its next quiescent point (between two
 *    deliveries), so a listener that waits on its own context while a
 *    handler removes it cannot deadlock.
 *  - release() runs exactly once per listener: by the remover that waited,
 *    by the event thread (deferred), or by registry_fini for listeners
 *    still registered at destroy.
 *  - Channels and channel tables are never freed before destroy: emitters
 *    look a name up and read its counts with plain atomic loads, no lock,
 *    no reference count. To bound that memory whatever names a host passes
 *    (a typo'd name never fires), a registry holds at most
 *    FFIRT__EV_MAX_CHANNELS named channels; an add for a new name beyond
 *    that fails (id 0, logged). Names that have a channel keep working.
 *  - Ids: next_id under reg_lock, first 1, +1 per successful add, never
 *    reused; add fails once 2^53 is reached. remove_all keeps the counter.
 *    Ids are found through a chained hash map (ev->map, reg_lock).
 *
 * Ordering of the atomics of the registry (acquire load <- release store: what it publishes):
 *  table, slots  | channel_find acquire <- channel_get's release stores | channel name, hash, slots
 *  chan_version  | channel cache acquire <- release increment after the | the new channel: a miss
 *                |   slot store (channel_get)                           |   cached under it is true
 *  channel list  | delivery's seq_cst reload <- rebuild's seq_cst store | the array, its listeners
 *  hazard[i]     | writers' seq_cst loads <- event thread's seq_cst     | "held": Dekker with the
 *                |   store before its list reload (thread.c hold())     |   list store above
 *  removed,      | seq_cst both sides: Dekker of remove and call()      | skip the call or wait
 *   running      |                                                      |
 *  idle_waiters  | seq_cst: remover's increment / thread's load         | no lost wake-up
 *  reclaim_      | seq_cst: set_reclaim / the park check (thread.c)     | no lost wake-up
 *   pending      |                                                      |
 *  count[],total | relaxed, written under reg_lock                      | a snapshot (coherence)
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events/events_internal.h"
#include "common/clock.h"

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
 * cached too, valid while no channel is created (chan_version unchanged).
 * The version is loaded with acquire: it pairs with the release increment
 * in channel_get, which follows the slot's store, so a thread that sees
 * the new version and misses the cache finds the new channel; with a
 * relaxed load a weakly ordered CPU could look the table up, miss the
 * channel, and cache that miss under the new version for good. */
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
  uint64_t v = atomic_load_explicit(&ev->chan_version, memory_order_acquire);
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
  if (ev->nchannels >= FFIRT__EV_MAX_CHANNELS) {
    ffirt_log(FFIRT_LOG_WARN,
              "event listener for '%.*s' refused: this registry already keeps %zu event names "
              "(the maximum; names that already have listeners still work)",
              (int)ffirt_utf8_cut(name, n, 64), name, (size_t)FFIRT__EV_MAX_CHANNELS);
    return NULL;
  }
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
  /* seq_cst: the event thread checks it (seq_cst) after announcing it
   * parks; one of the two sees the other (thread.c park()). */
  atomic_store_explicit(&ev->reclaim_pending, 1, memory_order_seq_cst);
}

/* Frees a retired array and the listeners buried with it. */
static void array_free(ffirt__larray *a) {
  ffirt__listener *l = a->orphans;
  while (l) {
    ffirt__listener *n = l->next;
    ffirt_free(l);
    l = n;
  }
  ffirt_free(a);
}

/* seq_cst: the load half of the hazard Dekker (the writer published the new
 * array with a seq_cst store before). */
static int hazardous(ffirt_events *ev, const ffirt__larray *a) {
  return atomic_load_explicit(&ev->hazard[0], memory_order_seq_cst) == a ||
         atomic_load_explicit(&ev->hazard[1], memory_order_seq_cst) == a;
}

/* reg_lock held. Frees retired arrays the event thread no longer holds;
 * afterwards at most the two it holds now are left. */
static void scan_retired(ffirt_events *ev) {
  ffirt__larray **pa = &ev->retired;
  while (*pa) {
    ffirt__larray *a = *pa;
    if (hazardous(ev, a)) {
      pa = &a->next;
    } else {
      *pa = a->next;
      array_free(a);
    }
  }
}

/* reg_lock held. Frees l once nothing can reach it: not findable, not in
 * its channel's published array, nobody waiting on it, and (checked here)
 * not in an array the event thread still holds; in that case l is freed
 * with that array. At most one held array can contain l (one per hazard
 * slot, and l belongs to one channel). */
static void maybe_free(ffirt_events *ev, ffirt__listener *l) {
  if (l->findable || l->in_array || l->waiters) return;
  scan_retired(ev);
  for (ffirt__larray *a = ev->retired; a; a = a->next) {
    for (size_t i = 0; i < a->n; i++) {
      if (a->items[i] == l) {
        l->next = a->orphans;
        a->orphans = l;
        return;
      }
    }
  }
  ffirt_free(l);
}

/*
 * reg_lock held. Publishes ch's array without drop (may be NULL) and with
 * add (may be NULL) appended. When a remove could not allocate its array
 * earlier (ch->stale), the removed listeners it left behind are dropped
 * too. Returns FFIRT_ENOMEM with nothing changed when the new array cannot
 * be allocated; then drop stays in the array, flagged removed (delivery
 * skips it), until a later rebuild.
 */
static int rebuild(ffirt_events *ev, ffirt__channel *ch, ffirt__listener *add,
                   ffirt__listener *drop) {
  ffirt__larray *old = atomic_load_explicit(&ch->list, memory_order_relaxed);
  size_t n = old ? old->n : 0;
  int filter = ch->stale;
  size_t keep = n + (add != NULL);
  if (filter) {
    for (size_t i = 0; i < n; i++)
      if (atomic_load_explicit(&old->items[i]->removed, memory_order_relaxed)) keep--;
  } else if (drop && drop->in_array) {
    keep--;
  }
  ffirt__larray *na = NULL;
  if (keep) {
    na = ffirt_malloc(sizeof *na + keep * sizeof na->items[0]);
    if (!na) {
      if (drop) ch->stale = 1;
      return FFIRT_ENOMEM;
    }
    na->next = NULL;
    na->orphans = NULL;
    na->n = 0;
    for (size_t i = 0; i < n; i++) {
      ffirt__listener *e = old->items[i];
      if (filter ? !atomic_load_explicit(&e->removed, memory_order_relaxed) : e != drop)
        na->items[na->n++] = e;
    }
    if (add) na->items[na->n++] = add;
  }
  /* seq_cst: a release for delivery (it sees the array and its listeners)
   * and the store half of the hazard Dekker with the loads below. */
  atomic_store_explicit(&ch->list, na, memory_order_seq_cst);
  if (add) add->in_array = 1;
  ch->stale = 0;
  if (!old) return 0;
  int held = hazardous(ev, old);
  if (held) {
    old->next = ev->retired;
    ev->retired = old;
  }
  /* Everything old had and na has not is out of the published array now. */
  for (size_t i = 0; i < n; i++) {
    ffirt__listener *e = old->items[i];
    if (filter ? atomic_load_explicit(&e->removed, memory_order_relaxed) : e == drop) {
      e->in_array = 0;
      maybe_free(ev, e); /* finds old when it is held */
    }
  }
  if (!held) array_free(old);
  return 0;
}

/* ---- the id map (reg_lock) */

static ffirt__listener **map_slot(ffirt_events *ev, uint64_t id) {
  return &ev->map[(size_t)id & ev->map_mask];
}

static ffirt__listener *map_find(ffirt_events *ev, uint64_t id) {
  if (!ev->map) return NULL;
  for (ffirt__listener *l = *map_slot(ev, id); l; l = l->hnext)
    if (l->id == id) return l;
  return NULL;
}

/* Makes room for one more entry: 0 or FFIRT_ENOMEM. */
static int map_reserve(ffirt_events *ev) {
  size_t size = ev->map ? ev->map_mask + 1 : 0;
  if (ev->nmap < size) return 0;
  size_t nsize = size ? size * 2 : 16;
  ffirt__listener **nm = ffirt_calloc(nsize, sizeof *nm);
  if (!nm) return FFIRT_ENOMEM;
  for (size_t i = 0; i < size; i++) {
    ffirt__listener *l = ev->map[i];
    while (l) {
      ffirt__listener *next = l->hnext;
      l->hnext = nm[(size_t)l->id & (nsize - 1)];
      nm[(size_t)l->id & (nsize - 1)] = l;
      l = next;
    }
  }
  ffirt_free(ev->map);
  ev->map = nm;
  ev->map_mask = nsize - 1;
  return 0;
}

static void map_insert(ffirt_events *ev, ffirt__listener *l) {
  ffirt__listener **s = map_slot(ev, l->id);
  l->hnext = *s;
  *s = l;
  ev->nmap++;
}

/* Unlinks l (it is gone) and drops the map's reference. */
static void map_remove(ffirt_events *ev, ffirt__listener *l) {
  for (ffirt__listener **p = map_slot(ev, l->id); *p; p = &(*p)->hnext) {
    if (*p == l) {
      *p = l->hnext;
      ev->nmap--;
      l->findable = 0;
      maybe_free(ev, l);
      return;
    }
  }
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
  if (!rc) {
    rc = pthread_cond_init(&ev->gone_cv, &ca);
    if (rc) {
      pthread_cond_destroy(&ev->idle_cv);
      pthread_mutex_destroy(&ev->idle_lock);
    }
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
  atomic_init(&ev->hazard[0], NULL);
  atomic_init(&ev->hazard[1], NULL);
  ev->next_id = 1;
  return 0;
}

/* Event thread (holding no array) or destroy: releases the listeners
 * removed without waiting and makes them gone. */
static void finish_deferred(ffirt_events *ev, ffirt__listener *d) {
  for (ffirt__listener *l = d; l; l = l->next)
    if (l->release) l->release(l->ud);
  pthread_mutex_lock(&ev->reg_lock);
  while (d) {
    ffirt__listener *n = d->next;
    map_remove(ev, d);
    d = n;
  }
  pthread_cond_broadcast(&ev->gone_cv);
  pthread_mutex_unlock(&ev->reg_lock);
}

void ffirt__registry_reclaim(ffirt_events *ev) {
  /* seq_cst: see set_reclaim. */
  if (!atomic_load_explicit(&ev->reclaim_pending, memory_order_seq_cst)) return;
  pthread_mutex_lock(&ev->reg_lock);
  ffirt__listener *deferred = ev->deferred;
  ev->deferred = NULL;
  atomic_store_explicit(&ev->reclaim_pending, 0, memory_order_relaxed);
  scan_retired(ev);
  pthread_mutex_unlock(&ev->reg_lock);
  if (deferred) finish_deferred(ev, deferred);
}

void ffirt__registry_fini(ffirt_events *ev) {
  /* The event thread is gone: nothing reads the registry any more. Release
   * callbacks must not add or remove on ev any more (documented). */
  ffirt__listener *deferred = ev->deferred;
  ev->deferred = NULL;
  if (deferred) finish_deferred(ev, deferred);
  size_t size = ev->map ? ev->map_mask + 1 : 0;
  for (size_t i = 0; i < size; i++)
    for (ffirt__listener *l = ev->map[i]; l; l = l->hnext)
      if (l->release) l->release(l->ud);
  /* Every listener is now findable (freed below), or gone and only in a
   * published array (a remove that could not allocate), or buried with a
   * retired array. */
  ffirt__channel *chans[2] = {&ev->wild, ev->channels};
  for (int k = 0; k < 2; k++) {
    for (ffirt__channel *c = chans[k]; c; c = k ? c->next : NULL) {
      ffirt__larray *a = atomic_load_explicit(&c->list, memory_order_relaxed);
      if (!a) continue;
      for (size_t i = 0; i < a->n; i++)
        if (!a->items[i]->findable) ffirt_free(a->items[i]);
      array_free(a);
    }
  }
  atomic_store_explicit(&ev->hazard[0], NULL, memory_order_relaxed);
  atomic_store_explicit(&ev->hazard[1], NULL, memory_order_relaxed);
  scan_retired(ev);
  for (size_t i = 0; i < size; i++) {
    ffirt__listener *l = ev->map[i];
    while (l) {
      ffirt__listener *n = l->hnext;
      ffirt_free(l);
      l = n;
    }
  }
  ffirt_free(ev->map);
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
  pthread_cond_destroy(&ev->gone_cv);
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
  scan_retired(ev);
  if (ev->next_id >= FFIRT__EV_MAX_ID) goto out;
  ffirt__channel *ch = n ? channel_get(ev, name, n, h) : &ev->wild;
  if (!ch || map_reserve(ev)) goto out;
  l->ch = ch;
  l->id = ev->next_id;
  if (rebuild(ev, ch, l, NULL)) goto out;
  id = ev->next_id++;
  l->findable = 1;
  map_insert(ev, l);
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

/* reg_lock held. Takes registered l out of its channel: removed (seq_cst,
 * the handshake with the event thread), counts, array (on ENOMEM it stays
 * in the array, flagged removed, and the next rebuild drops it). */
static void detach_locked(ffirt_events *ev, ffirt__listener *l) {
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
    /* 10 ms: a safety net only, wake-ups are signalled */
    struct timespec ts = ffirt__deadline(CLOCK_MONOTONIC, 10);
    pthread_cond_timedwait(&ev->idle_cv, &ev->idle_lock, &ts);
  }
  atomic_fetch_sub_explicit(&ev->idle_waiters, 1, memory_order_relaxed);
  pthread_mutex_unlock(&ev->idle_lock);
}

/* reg_lock held, l detaching and referenced by the caller: waits until its
 * remover made it gone. */
static void wait_gone_locked(ffirt_events *ev, ffirt__listener *l) {
  while (l->findable)
    pthread_cond_wait(&ev->gone_cv, &ev->reg_lock);
}

/* Not on the event thread, reg_lock not held: l (detached, findable) is
 * not running any more; release it and make it gone. */
static void finish(ffirt_events *ev, ffirt__listener *l) {
  if (l->release) l->release(l->ud);
  pthread_mutex_lock(&ev->reg_lock);
  map_remove(ev, l);
  pthread_cond_broadcast(&ev->gone_cv);
  pthread_mutex_unlock(&ev->reg_lock);
}

/* reg_lock held: hands l to the event thread (release at its next
 * quiescent point). */
static void defer_locked(ffirt_events *ev, ffirt__listener *l) {
  l->next = ev->deferred;
  ev->deferred = l;
}

int ffirt__events_remove(ffirt_events *ev, uint64_t id, int nowait) {
  if (!ev || !id) return FFIRT_ENOTFOUND;
  nowait = nowait || ffirt_events_on_thread(ev);
  pthread_mutex_lock(&ev->reg_lock);
  scan_retired(ev);
  ffirt__listener *l = map_find(ev, id);
  if (!l) {
    pthread_mutex_unlock(&ev->reg_lock);
    return FFIRT_ENOTFOUND;
  }
  if (atomic_load_explicit(&l->removed, memory_order_relaxed)) {
    /* Detaching: another remover finishes it. Wait like it does. */
    if (!nowait) {
      l->waiters++;
      wait_gone_locked(ev, l);
      l->waiters--;
      maybe_free(ev, l);
    }
    pthread_mutex_unlock(&ev->reg_lock);
    return FFIRT_ENOTFOUND;
  }
  detach_locked(ev, l);
  (void)rebuild(ev, l->ch, NULL, l);
  if (nowait) {
    defer_locked(ev, l);
    set_reclaim(ev);
    pthread_mutex_unlock(&ev->reg_lock);
    if (!ffirt_events_on_thread(ev)) ffirt__wake_consumer(ev);
    return 0;
  }
  pthread_mutex_unlock(&ev->reg_lock);
  wait_not_running(ev, l);
  finish(ev, l);
  return 0;
}

int ffirt_events_remove(ffirt_events *ev, uint64_t id) { return ffirt__events_remove(ev, id, 0); }

void ffirt__events_remove_all(ffirt_events *ev, int nowait) {
  if (!ev) return;
  nowait = nowait || ffirt_events_on_thread(ev);
  ffirt__listener *victims = NULL, *waitees = NULL;
  pthread_mutex_lock(&ev->reg_lock);
  scan_retired(ev);
  size_t size = ev->map ? ev->map_mask + 1 : 0;
  for (size_t i = 0; i < size; i++) {
    for (ffirt__listener *l = ev->map[i]; l; l = l->hnext) {
      if (atomic_load_explicit(&l->removed, memory_order_relaxed)) {
        if (nowait) continue;
        l->waiters++;
        l->wnext = waitees;
        waitees = l;
      } else {
        detach_locked(ev, l);
        l->wnext = victims;
        victims = l;
      }
    }
  }
  /* Every listener is removed: the arrays become NULL (no allocation). */
  ffirt__channel *chans[2] = {&ev->wild, ev->channels};
  for (int k = 0; k < 2; k++)
    for (ffirt__channel *c = chans[k]; c; c = k ? c->next : NULL)
      if (atomic_load_explicit(&c->list, memory_order_relaxed)) {
        c->stale = 1; /* drop every removed listener: all of them */
        (void)rebuild(ev, c, NULL, NULL);
      }
  if (nowait) {
    for (ffirt__listener *l = victims; l; l = l->wnext)
      defer_locked(ev, l);
    if (victims) set_reclaim(ev);
    pthread_mutex_unlock(&ev->reg_lock);
    if (victims && !ffirt_events_on_thread(ev)) ffirt__wake_consumer(ev);
    return;
  }
  pthread_mutex_unlock(&ev->reg_lock);
  for (ffirt__listener *l = victims; l;) {
    ffirt__listener *n = l->wnext; /* l may be freed by finish */
    wait_not_running(ev, l);
    finish(ev, l);
    l = n;
  }
  if (waitees) {
    pthread_mutex_lock(&ev->reg_lock);
    while (waitees) {
      ffirt__listener *n = waitees->wnext;
      wait_gone_locked(ev, waitees);
      waitees->waiters--;
      maybe_free(ev, waitees);
      waitees = n;
    }
    pthread_mutex_unlock(&ev->reg_lock);
  }
}

void ffirt_events_remove_all(ffirt_events *ev) { ffirt__events_remove_all(ev, 0); }

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

/*
 * test_events_model.c - a randomized model test: several threads add,
 * remove and emit at random; every delivery is checked against a simple
 * reference model:
 *  - no delivery after remove returned (checked in the callback);
 *  - no duplicate delivery to one listener;
 *  - each delivery has the right name, kind-specific form and payload;
 *  - no lost event: a listener still registered at the end got every
 *    accepted event of its name (or every one, if wildcard) whose emit
 *    started after its add returned.
 * The seed is printed; FFIRT_MODEL_SEED=<n> replays a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "unit/test_events_util.h"

#define THREADS 3
#define OPS 3000
#define MAXSEQ (THREADS * OPS + 16)
#define MAX_ALIVE 12

static const char *const names[2] = {"m_a", "m_b"};

static int enc_u32(ffirt_cbor_enc *e, const void *p) {
  return ffirt_cbor_enc_uint(e, *(const uint32_t *)p);
}
static const ffirt_event_type types[2] = {{"m_a", sizeof(uint32_t), NULL, NULL, enc_u32},
                                          {"m_b", sizeof(uint32_t), NULL, NULL, enc_u32}};
static const ffirt_event_type end_type = {"m_end", 0, NULL, NULL, NULL};

static atomic_uint seq_counter;
static atomic_int seq_name[MAXSEQ]; /* 1 + index into names; 0 = unused */
static atomic_int seq_ok[MAXSEQ];   /* the emit returned 0 */
static atomic_int violations;
static atomic_long deliveries;

typedef struct model_listener {
  int name; /* 0, 1, or 2 = wildcard */
  ffirt_listener_kind kind;
  uint64_t id;
  unsigned add_done; /* seq_counter right after add returned */
  atomic_int removed_returned;
  atomic_uchar got[MAXSEQ];
} model_listener;

static void violation(const char *what, unsigned seq) {
  if (atomic_fetch_add(&violations, 1) < 10)
    fprintf(stderr, "model violation: %s (seq %u)\n", what, seq);
}

/* Reads the envelope {"eventType": "m_x", "payload": uint} */
static int parse_env(const unsigned char *p, size_t len, int *name, unsigned *seq) {
  static const unsigned char head[] = {0xa2, 0x69, 'e', 'v', 'e', 'n',
                                       't',  'T',  'y', 'p', 'e', 0x63};
  if (len < 24 || memcmp(p, head, sizeof head)) return -1;
  if (p[12] != 'm' || p[13] != '_' || (p[14] != 'a' && p[14] != 'b')) return -1;
  *name = p[14] - 'a';
  if (memcmp(p + 15, "\x67payload", 8)) return -1;
  const unsigned char *v = p + 23;
  size_t rest = len - 23;
  if (v[0] < 0x18 && rest == 1)
    *seq = v[0];
  else if (v[0] == 0x18 && rest == 2)
    *seq = v[1];
  else if (v[0] == 0x19 && rest == 3)
    *seq = (unsigned)v[1] << 8 | v[2];
  else
    return -1;
  return 0;
}

static void model_cb(int ret, const char *msg, size_t len, void *ud) {
  model_listener *l = ud;
  if (atomic_load(&l->removed_returned)) violation("called after remove returned", 0);
  if (ret != RET_OK || !msg) {
    violation("bad ret/msg", 0);
    return;
  }
  int name = -1;
  unsigned seq = 0;
  /* the final drain event reaches wildcards too: not part of the model */
  if (l->kind == FFIRT_LISTENER_CBOR && len > 17 && memcmp(msg + 11, "\x65m_end", 6) == 0) return;
  if (l->kind == FFIRT_LISTENER_NATIVE && l->name == 2 && len == sizeof(FFIEventView) &&
      strcmp(((const FFIEventView *)msg)->eventType, "m_end") == 0)
    return;
  if (l->kind == FFIRT_LISTENER_CBOR) {
    if (parse_env((const unsigned char *)msg, len, &name, &seq)) {
      violation("bad envelope", 0);
      return;
    }
  } else if (l->name == 2) {
    const FFIEventView *v = (const FFIEventView *)msg;
    if (len != sizeof *v || v->payloadSize != 4) {
      violation("bad view", 0);
      return;
    }
    name = strcmp(v->eventType, "m_a") == 0 ? 0 : strcmp(v->eventType, "m_b") == 0 ? 1 : -1;
    memcpy(&seq, v->payload, 4);
  } else {
    if (len != 4) {
      violation("bad native size", 0);
      return;
    }
    name = l->name;
    memcpy(&seq, msg, 4);
  }
  if (seq >= MAXSEQ || atomic_load(&seq_name[seq]) != name + 1) {
    violation("payload does not match the emitted event", seq);
    return;
  }
  if (l->name != 2 && l->name != name) violation("event of another name", seq);
  if (atomic_exchange(&l->got[seq], 1)) violation("duplicate delivery", seq);
  atomic_fetch_add(&deliveries, 1);
}

typedef struct worker {
  ffirt_events *ev;
  unsigned rnd;
  model_listener *alive[MAX_ALIVE];
  int nalive;
  model_listener **all; /* every listener this thread created */
  int nall;
} worker;

static unsigned next_rand(unsigned *s) {
  *s = *s * 1103515245u + 12345u;
  return *s >> 8;
}

static void *worker_main(void *p) {
  worker *w = p;
  for (int op = 0; op < OPS; op++) {
    unsigned r = next_rand(&w->rnd) % 100;
    if (r < 15 && w->nalive < MAX_ALIVE) {
      model_listener *l = calloc(1, sizeof *l);
      l->name = (int)(next_rand(&w->rnd) % 3);
      l->kind = next_rand(&w->rnd) % 2 ? FFIRT_LISTENER_CBOR : FFIRT_LISTENER_NATIVE;
      l->id =
          ffirt_events_add(w->ev, l->name == 2 ? NULL : names[l->name], l->kind, model_cb, l, NULL);
      l->add_done = atomic_load(&seq_counter);
      if (!l->id) violation("add failed", 0);
      w->alive[w->nalive++] = l;
      w->all[w->nall++] = l;
    } else if (r < 27 && w->nalive) {
      int i = (int)(next_rand(&w->rnd) % (unsigned)w->nalive);
      model_listener *l = w->alive[i];
      w->alive[i] = w->alive[--w->nalive];
      if (ffirt_events_remove(w->ev, l->id) != 0) violation("remove failed", 0);
      atomic_store(&l->removed_returned, 1);
    } else {
      unsigned seq = atomic_fetch_add(&seq_counter, 1);
      int name = (int)(next_rand(&w->rnd) % 2);
      atomic_store(&seq_name[seq], name + 1);
      uint32_t v = seq;
      int rc = ffirt_events_emit(w->ev, &types[name], &v);
      if (rc != 0) violation("emit refused", seq);
      atomic_store(&seq_ok[seq], rc == 0);
    }
  }
  return NULL;
}

static void end_cb(int ret, const char *msg, size_t len, void *ud) {
  (void)ret, (void)msg, (void)len;
  atomic_store((atomic_int *)ud, 1);
}
static int flag_set(void *p) { return atomic_load((atomic_int *)p); }

static void run_model(size_t capacity) {
  const char *env = getenv("FFIRT_MODEL_SEED");
  unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
  fprintf(stderr, "model seed %u (FFIRT_MODEL_SEED to replay)\n", seed);
  atomic_store(&seq_counter, 0);
  atomic_store(&violations, 0);
  atomic_store(&deliveries, 0);
  for (unsigned i = 0; i < MAXSEQ; i++) {
    atomic_store(&seq_name[i], 0);
    atomic_store(&seq_ok[i], 0);
  }
  ffirt_events_config c = test_config();
  /* no drops: every accepted event must arrive (a small ring blocks) */
  c.capacity = capacity;
  c.overflow = FFIRT_OVERFLOW_BLOCK;
  c.block_timeout_ms = 30000;
  fprintf(stderr, "model: capacity %zu\n", capacity);
  ffirt_events *ev;
  assert_int_equal(ffirt_events_create(&c, &ev), 0);
  worker w[THREADS];
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i] = (worker){.ev = ev, .rnd = seed * 31u + (unsigned)i * 7919u};
    w[i].all = calloc(OPS, sizeof *w[i].all);
    pthread_create(&t[i], NULL, worker_main, &w[i]);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  /* Drain: an event emitted after every other emit returned is delivered
   * after all of them. */
  atomic_int ended;
  atomic_init(&ended, 0);
  ffirt_events_add(ev, "m_end", FFIRT_LISTENER_NATIVE, end_cb, &ended, NULL);
  assert_int_equal(ffirt_events_emit(ev, &end_type, NULL), 0);
  assert_true(wait_for(flag_set, &ended, 10000));
  unsigned nseq = atomic_load(&seq_counter);
  long expected_checked = 0;
  for (int i = 0; i < THREADS; i++) {
    for (int k = 0; k < w[i].nalive; k++) {
      model_listener *l = w[i].alive[k];
      for (unsigned s = l->add_done; s < nseq; s++) {
        if (!atomic_load(&seq_ok[s])) continue;
        int name = atomic_load(&seq_name[s]) - 1;
        if (l->name != 2 && l->name != name) continue;
        expected_checked++;
        if (!atomic_load(&l->got[s])) violation("lost event", s);
      }
    }
  }
  assert_int_equal(ffirt_events_dropped(ev), 0);
  assert_int_equal(ffirt_events_destroy(ev), 0);
  for (int i = 0; i < THREADS; i++) {
    for (int k = 0; k < w[i].nall; k++)
      free(w[i].all[k]);
    free(w[i].all);
  }
  fprintf(stderr, "model: %u events, %ld deliveries, %ld checked for loss\n", nseq,
          atomic_load(&deliveries), expected_checked);
  assert_true(atomic_load(&deliveries) > 0);
  assert_true(expected_checked > 0);
  assert_int_equal(atomic_load(&violations), 0);
}

static void random_add_remove_emit_matches_the_reference_model(void **state) {
  (void)state;
  run_model(MAXSEQ);
}

/* Rings of every small size, powers of two or not (capacity 1 once
 * confused "published" with "free for the next lap"). */
static void the_model_holds_with_capacities_1_2_3_and_5(void **state) {
  (void)state;
  static const size_t caps[] = {1, 2, 3, 5};
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
    run_model(caps[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(random_add_remove_emit_matches_the_reference_model),
      cmocka_unit_test(the_model_holds_with_capacities_1_2_3_and_5),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

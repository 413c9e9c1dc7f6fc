/*
 * e2e_timer.h - the my_timer fixture shared by the e2e tests: a timer
 * created natively and ready (its constructor reply received). Include after
 * <cmocka.h> and <my_timer/my_timer.h>.
 */
#ifndef FFIRT_E2E_TIMER_H
#define FFIRT_E2E_TIMER_H

#include "e2e_util.h"
#include "e2e_wait.h"

/* A timer named `name`, created natively; fails the test unless its
 * constructor answers RET_OK. */
static inline void *timer_new(const char *name) {
  e2e_reply r;
  e2e_reply_init(&r, NULL);
  TimerConfig config = {.name = name};
  void *ctx = my_timer_create(config, e2e_reply_cb, &r);
  assert_non_null(ctx);
  E2E_WAIT(&r);
  assert_int_equal(r.ret, RET_OK);
  e2e_reply_fini(&r);
  return ctx;
}

#endif /* FFIRT_E2E_TIMER_H */

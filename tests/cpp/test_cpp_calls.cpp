// The C++ binding of my_timer: every behaviour of examples.md through the
// C++ API, in the blocking and the future form, and the Result type.
#include <my_timer/my_timer.hpp>

#include <ffirt/context.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace {

std::unique_ptr<MyTimerCtx> makeTimer(const std::string &name = "t1") {
  auto r = MyTimerCtx::create(TimerConfig{name});
  EXPECT_TRUE(r.isOk()) << r.error();
  return r.take();
}

TEST(CppResult, ValueAndError) {
  Result<int> ok = Result<int>::ok(42);
  EXPECT_TRUE(ok.isOk());
  EXPECT_FALSE(ok.isErr());
  EXPECT_TRUE(static_cast<bool>(ok));
  EXPECT_EQ(ok.value(), 42);
  EXPECT_EQ(*ok, 42);
  const Result<int> &cref = ok;
  EXPECT_EQ(cref.value(), 42);
  EXPECT_EQ(ok.error(), "");

  Result<std::string> err = Result<std::string>::err("boom");
  EXPECT_TRUE(err.isErr());
  EXPECT_FALSE(err);
  EXPECT_EQ(err.error(), "boom");

  Result<std::string> s = Result<std::string>::ok("abc");
  EXPECT_EQ(s->size(), 3u);
  std::string moved = s.take();
  EXPECT_EQ(moved, "abc");

  Result<void> v = Result<void>::ok();
  EXPECT_TRUE(v.isOk());
  v.value();
  Result<void> ve = Result<void>::err("no");
  EXPECT_TRUE(ve.isErr());
  EXPECT_EQ(ve.error(), "no");
  static_assert(!std::is_convertible_v<Result<int>, bool>, "operator bool is explicit");
}

TEST(CppResultDeathTest, ValueOfErrorAsserts) {
#ifdef NDEBUG
  GTEST_SKIP() << "assert() is compiled out (NDEBUG)";
#else
  Result<int> err = Result<int>::err("boom");
  EXPECT_DEATH((void)err.value(), "value\\(\\) of an error");
#endif
}

TEST(CppCalls, AggregatesSpellLikeNimFfi) {
  TimerConfig c{"name"};
  EchoRequest r{"hi", 200};
  EXPECT_EQ(c.name, "name");
  EXPECT_EQ(r.message, "hi");
  EXPECT_EQ(r.delayMs, 200);
  // namespaced spelling of the same types
  static_assert(std::is_same_v<my_timer::EchoRequest, EchoRequest>);
  static_assert(std::is_same_v<my_timer::Ctx, MyTimerCtx>);
  static_assert(!std::is_copy_constructible_v<MyTimerCtx>);
  static_assert(!std::is_move_constructible_v<MyTimerCtx>);
}

TEST(CppCalls, VersionSyncAndAsync) {
  auto t = makeTimer();
  Result<std::string> v = t->version();
  ASSERT_TRUE(v.isOk()) << v.error();
  EXPECT_EQ(*v, "timer v0.1.0");
  std::future<Result<std::string>> f = t->versionAsync();
  Result<std::string> va = f.get();
  ASSERT_TRUE(va) << va.error();
  EXPECT_EQ(va.value(), "timer v0.1.0");
}

TEST(CppCalls, EchoSyncAndAsync) {
  auto t = makeTimer("t1");
  Result<EchoResponse> r = t->echo(EchoRequest{"hi", 0});
  ASSERT_TRUE(r.isOk()) << r.error();
  EXPECT_EQ(r->echoed, "hi");
  EXPECT_EQ(r->timerName, "t1");

  // several in flight at once; the slower one does not hold the others back
  auto slow = t->echoAsync(EchoRequest{"slow", 200});
  auto fast = t->echoAsync(EchoRequest{"fast", 0});
  auto fr = fast.get();
  ASSERT_TRUE(fr) << fr.error();
  EXPECT_EQ(fr->echoed, "fast");
  EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  auto sr = slow.get();
  ASSERT_TRUE(sr) << sr.error();
  EXPECT_EQ(sr->echoed, "slow");
}

TEST(CppCalls, EchoKeepsBytesExact) {
  auto t = makeTimer();
  std::string msg = "caf\xc3\xa9 \xe2\x82\xac, long enough not to be a short string";
  auto r = t->echo(EchoRequest{msg, 0});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->echoed, msg);
}

TEST(CppCalls, Complex) {
  auto t = makeTimer();
  ComplexRequest req;
  req.messages = {EchoRequest{"a", 1}, EchoRequest{"b", 2}, EchoRequest{"c", 3}};
  req.tags = {"x", "y"};
  req.note = "n1";
  req.retries = 4;
  auto r = t->complex(req);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->summary, "received 3 messages, note=n1, retries=4");
  EXPECT_EQ(r->itemCount, 3);
  EXPECT_TRUE(r->hasNote);

  auto r0 = t->complexAsync(ComplexRequest{}).get();
  ASSERT_TRUE(r0) << r0.error();
  EXPECT_EQ(r0->summary, "received 0 messages, note=<none>, retries=0");
  EXPECT_EQ(r0->itemCount, 0);
  EXPECT_FALSE(r0->hasNote);
}

TEST(CppCalls, ScheduleAndItsErrors) {
  auto t = makeTimer("t1");
  JobSpec job{"backup", {"a", "b"}, 5};
  RetryPolicy retry{3, 250, {"timeout"}};
  ScheduleConfig sc{1000, 15000, 7};
  auto r = t->schedule(job, retry, sc);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->jobId, "t1:backup");
  EXPECT_EQ(r->willRunCount, 4);
  EXPECT_EQ(r->firstRunAtMs, 1007);
  EXPECT_EQ(r->effectiveBackoffMs, 250);

  auto noJitter = t->schedule(job, retry, ScheduleConfig{10, 0, std::nullopt});
  ASSERT_TRUE(noJitter) << noJitter.error();
  EXPECT_EQ(noJitter->willRunCount, 1);
  EXPECT_EQ(noJitter->firstRunAtMs, 10);

  auto empty = t->schedule(JobSpec{"", {}, 0}, retry, sc);
  ASSERT_TRUE(empty.isErr());
  EXPECT_EQ(empty.error(), "job name must not be empty");

  auto bad = t->scheduleAsync(job, RetryPolicy{0, 0, {}}, sc).get();
  ASSERT_TRUE(bad.isErr());
  EXPECT_EQ(bad.error(), "retry.maxAttempts must be positive");
}

TEST(CppCalls, CreateAsync) {
  auto f = MyTimerCtx::createAsync(TimerConfig{"async"});
  auto r = f.get();
  ASSERT_TRUE(r) << r.error();
  std::unique_ptr<MyTimerCtx> t = r.take();
  auto e = t->echo(EchoRequest{"x", 0});
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->timerName, "async");
  EXPECT_NE(t->handle(), nullptr);
  EXPECT_EQ(t->callTimeout(), std::chrono::seconds(30));
}

// The constructor refused on the caller's thread (context limit): create
// and createAsync report it, nothing leaks (ASan).
TEST(CppCalls, CreateFailure) {
  auto first = makeTimer("only");
  size_t before = ffirt_ctx_max_contexts();
  ASSERT_EQ(ffirt_ctx_set_max_contexts(1), 0);
  auto r = MyTimerCtx::create(TimerConfig{"second"});
  auto fa = MyTimerCtx::createAsync(TimerConfig{"third"}).get();
  ffirt_ctx_set_max_contexts(before);
  ASSERT_TRUE(r.isErr());
  EXPECT_FALSE(r.error().empty());
  ASSERT_TRUE(fa.isErr());
  EXPECT_EQ(fa.error(), r.error());
  EXPECT_TRUE(MyTimerCtx::create(TimerConfig{"again"}).isOk());
}

TEST(CppCalls, CallsFromManyThreadsOnOneContext) {
  auto t = makeTimer();
  std::vector<std::thread> th;
  std::atomic<int> bad{0};
  for (int i = 0; i < 4; i++)
    th.emplace_back([&, i] {
      for (int k = 0; k < 50; k++) {
        std::string m = std::to_string(i) + ":" + std::to_string(k);
        auto r = t->echo(EchoRequest{m, 0});
        if (!r || r->echoed != m) bad++;
      }
    });
  for (auto &x : th)
    x.join();
  EXPECT_EQ(bad.load(), 0);
}

} // namespace

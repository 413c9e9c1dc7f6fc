// Blocking calls are bounded by the context's timeout; the reply that
// arrives after the waiter gave up finds its state alive (ASan checks it),
// also when the context is destroyed right after. RET_STALE_WARN reaches
// the progress handler.
#include <my_timer/my_timer.hpp>

#include <gtest/gtest.h>

#include <thread>

#include "cpp_test_util.hpp"

namespace {

using namespace std::chrono_literals;

TEST(CppTimeouts, LateReplyAfterTimeout) {
  auto t = MyTimerCtx::create(TimerConfig{"late"}, 100ms).take();
  Counter fired;
  auto s = t->subscribe(t->addOnEchoFiredListener([&](const EchoEvent &) { fired.bump(); }));
  auto start = std::chrono::steady_clock::now();
  auto r = t->echo(EchoRequest{"slow", 400});
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.isErr());
  EXPECT_NE(r.error().find("timed out"), std::string::npos) << r.error();
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 390ms);
  // the late reply comes (its event proves the handler finished) and is dropped safely
  EXPECT_EQ(fired.waitFor(1), 1);
  auto ok = t->echo(EchoRequest{"fast", 0});
  ASSERT_TRUE(ok) << ok.error();
}

TEST(CppTimeouts, DestroyRightAfterATimedOutCall) {
  for (int i = 0; i < 3; i++) {
    auto t = MyTimerCtx::create(TimerConfig{"gone"}, 20ms).take();
    auto r = t->echo(EchoRequest{"slow", 300});
    EXPECT_TRUE(r.isErr());
    auto pending = t->echoAsync(EchoRequest{"pending", 300});
    t.reset(); // destroy answers both calls with RET_ERR before it returns
    auto pr = pending.get();
    EXPECT_TRUE(pr.isErr());
    EXPECT_FALSE(pr.error().empty());
  }
}

TEST(CppTimeouts, ProgressHandlerSeesStaleWarn) {
  // my_timer keeps the default stale interval, 5000 ms
  auto t = MyTimerCtx::create(TimerConfig{"stale"}).take();
  Counter progress;
  std::atomic<long long> elapsed{0};
  t->setProgressHandler([&](std::chrono::milliseconds ms) {
    elapsed = ms.count();
    progress.bump();
  });
  auto r = t->echoAsync(EchoRequest{"long", 5300}).get();
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(progress.count(), 1);
  EXPECT_GE(elapsed.load(), 5000);
}

} // namespace

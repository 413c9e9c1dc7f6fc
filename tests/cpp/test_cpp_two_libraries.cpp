// Two generated C++ headers in one translation unit and both libraries in
// one process (the shared pieces are defined once; nothing clashes).
#include <my_timer/my_timer.hpp>
#include <echo/echo.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace {

TEST(CppTwoLibraries, BothInOneProcess) {
  auto t = MyTimerCtx::create(TimerConfig{"t1"});
  auto e = EchoCtx::create(EchoConfig{"pfx"});
  ASSERT_TRUE(t) << t.error();
  ASSERT_TRUE(e) << e.error();
  auto shout = (*e)->shout(ShoutRequest{"hello"});
  ASSERT_TRUE(shout) << shout.error();
  EXPECT_EQ(shout->shouted, "pfx: HELLO");
  EXPECT_EQ(shout->prefix, "pfx");
  auto ev = (*e)->versionAsync();
  auto tv = (*t)->versionAsync();
  EXPECT_EQ(*ev.get(), "echo v0.1.0");
  EXPECT_EQ(*tv.get(), "timer v0.1.0");
  // the shared Result is one type for both libraries
  static_assert(std::is_same_v<my_timer::Result<int>, echo::Result<int>>);
  static_assert(std::is_same_v<echo::Ctx, EchoCtx>);
}

TEST(CppTwoLibraries, ConcurrentCallsOnBoth) {
  auto t = MyTimerCtx::create(TimerConfig{"t"}).take();
  auto e = EchoCtx::create(EchoConfig{"p"}).take();
  std::atomic<int> bad{0};
  std::thread a([&] {
    for (int i = 0; i < 30; i++)
      if (!t->echo(EchoRequest{"m", 0})) bad++;
  });
  std::thread b([&] {
    for (int i = 0; i < 30; i++) {
      auto r = e->shout(ShoutRequest{"x"});
      if (!r || r->shouted != "p: X") bad++;
    }
  });
  a.join();
  b.join();
  EXPECT_EQ(bad.load(), 0);
}

} // namespace

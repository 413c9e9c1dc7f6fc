// The C++ equivalent of test_e2e_stress.c: threads x calls on one shared
// context (blocking and future forms, events counted), and threads that
// each create, use and destroy contexts of their own. Sized for TSan on
// 2 cores.
#include <my_timer/my_timer.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <deque>
#include <thread>

#include "cpp_test_util.hpp"

namespace {

constexpr int kSharedThreads = 4;
constexpr int kIterations = 300;
constexpr int kOwnThreads = 6;
constexpr int kOwnRounds = 4;

TEST(CppStress, SharedContext) {
  auto t = MyTimerCtx::create(TimerConfig{"shared"}).take();
  std::atomic<int> events{0};
  auto s = t->subscribe(t->addOnEchoFiredListener([&](const EchoEvent &) { events++; }));
  std::atomic<int> bad{0};
  std::vector<std::thread> th;
  for (int i = 0; i < kSharedThreads; i++)
    th.emplace_back([&, i] {
      std::deque<std::pair<std::string, std::future<Result<EchoResponse>>>> window;
      for (int k = 0; k < kIterations; k++) {
        std::string m = "t" + std::to_string(i) + "-" + std::to_string(k);
        if (k % 2) {
          auto r = t->echo(EchoRequest{m, 0});
          if (!r || r->echoed != m || r->timerName != "shared") bad++;
        } else {
          window.emplace_back(m, t->echoAsync(EchoRequest{m, 0}));
          if (window.size() > 8) {
            auto r = window.front().second.get();
            if (!r || r->echoed != window.front().first) bad++;
            window.pop_front();
          }
        }
      }
      for (auto &w : window) {
        auto r = w.second.get();
        if (!r || r->echoed != w.first) bad++;
      }
    });
  for (auto &x : th)
    x.join();
  EXPECT_EQ(bad.load(), 0);
  // every echo fires one event (the queue is large enough not to drop here)
  for (int i = 0; i < 500 && events.load() < kSharedThreads * kIterations; i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(events.load(), kSharedThreads * kIterations);
}

// Rounds of threads that each create a context (blocking or future form),
// use it and destroy it, all at once. Within a round every create comes
// before every destroy (a barrier), and rounds are joined: libuv closes its
// descriptors with a raw syscall ThreadSanitizer does not see, so a
// descriptor number reused across threads with nothing ordering the two
// owners would be reported as a race on the descriptor itself.
TEST(CppStress, ContextsPerThread) {
  std::atomic<int> bad{0};
  for (int round = 0; round < kOwnRounds; round++) {
    std::barrier created(kOwnThreads), used(kOwnThreads);
    std::vector<std::thread> th;
    for (int i = 0; i < kOwnThreads; i++)
      th.emplace_back([&, i] {
        std::string name = "own" + std::to_string(i) + "." + std::to_string(round);
        auto c = (round % 2) ? MyTimerCtx::createAsync(TimerConfig{name}).get()
                             : MyTimerCtx::create(TimerConfig{name});
        created.arrive_and_wait();
        if (!c) {
          bad++;
          used.arrive_and_wait();
          return;
        }
        auto ctx = c.take();
        Counter got;
        auto s =
            ctx->subscribe(ctx->addOnEchoFiredListener([&](const EchoEvent &) { got.bump(); }));
        auto r = ctx->echo(EchoRequest{"x", 0});
        if (!r || r->timerName != name) bad++;
        auto v = ctx->versionAsync();
        if (got.waitFor(1) != 1) bad++;
        if (!v.get()) bad++;
        used.arrive_and_wait();
        // the Subscription goes first, then the context (declaration order)
      });
    for (auto &x : th)
      x.join();
  }
  EXPECT_EQ(bad.load(), 0);
}

} // namespace

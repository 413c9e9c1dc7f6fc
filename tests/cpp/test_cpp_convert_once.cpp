// test_cpp_convert_once.cpp - the typed listeners of one event share one
// conversion of its native payload (issue 11): with three listeners on
// on_echo_fired, nothing is allocated between the first listener's return
// and the last one's call, while the payload's long message would cost one
// std::string allocation per conversion. Its own executable: it replaces the
// global operator new to count the event thread's allocations.
// GCC cannot see that the replaced operator new is malloc underneath.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <my_timer/my_timer.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>

namespace {
thread_local bool counting = false;
std::atomic<long> allocations{0};
} // namespace

void *operator new(std::size_t n) {
  if (counting) allocations.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

TEST(CppConvertOnce, TypedListenersOfOneEventShareOneConversion) {
  auto r = MyTimerCtx::create(TimerConfig{"once"});
  ASSERT_TRUE(r) << r.error();
  auto t = r.take();
  const std::string message(200, 'm'); // far past the small-string buffer
  std::atomic<int> calls{0};
  std::atomic<long> between{-1};
  std::atomic<const EchoEvent *> first{nullptr}, last{nullptr};
  t->addOnEchoFiredListener([&](const EchoEvent &e) {
    EXPECT_EQ(e.message, message);
    first = &e;
    allocations = 0;
    counting = true; // the event thread, from here to the last listener
    calls++;
  });
  t->addOnEchoFiredListener([&](const EchoEvent &e) {
    EXPECT_EQ(e.message, message);
    calls++;
  });
  t->addOnEchoFiredListener([&](const EchoEvent &e) {
    counting = false;
    between = allocations.load();
    last = &e;
    EXPECT_EQ(e.message, message);
    EXPECT_EQ(e.echoCount, 1);
    calls++;
  });
  for (int round = 0; round < 2; round++) {
    calls = 0;
    between = -1;
    auto reply = t->echo(EchoRequest{message, 0});
    ASSERT_TRUE(reply) << reply.error();
    for (int i = 0; i < 500 && calls < 3; i++)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_EQ(calls.load(), 3);
    EXPECT_EQ(between.load(), 0) << "a listener converted the payload again";
    EXPECT_EQ(first.load(), last.load()) << "the listeners saw different objects";
  }
}

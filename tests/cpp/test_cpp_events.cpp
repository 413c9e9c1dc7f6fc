// Events through the C++ binding: typed listeners (the native payload,
// converted once), the wildcard envelope + decodeEventPayload, removal from
// another thread and from inside a listener, Subscription.
#include <my_timer/my_timer.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cpp_test_util.hpp"

namespace {

std::unique_ptr<MyTimerCtx> makeTimer() {
  auto r = MyTimerCtx::create(TimerConfig{"ev"});
  EXPECT_TRUE(r.isOk()) << r.error();
  return r.take();
}

TEST(CppEvents, TypedListener) {
  auto t = makeTimer();
  Counter got;
  MyTimerCtx::ListenerHandle h = t->addOnEchoFiredListener(
      [&](const EchoEvent &e) { got.bump(e.message + "/" + std::to_string(e.echoCount)); });
  EXPECT_NE(h.id, 0u);
  ASSERT_TRUE(t->echo(EchoRequest{"hi", 0}));
  ASSERT_EQ(got.waitFor(1), 1);
  EXPECT_EQ(got.seen()[0], "hi/1");
  EXPECT_TRUE(t->removeEventListener(h));
  EXPECT_FALSE(t->removeEventListener(h)); // already gone
}

TEST(CppEvents, WildcardEnvelopeAndDecode) {
  auto t = makeTimer();
  Counter got;
  std::mutex m;
  std::vector<EchoEvent> decoded;
  std::vector<std::uint8_t> last;
  auto h =
      t->addEventListener([&](int ret, const std::string &type, std::span<const std::uint8_t> env) {
        if (type != "on_echo_fired") return; // also not_responding & co.
        EchoEvent e;
        bool ok = ret == RET_OK && decodeEventPayload<EchoEvent>(env, e);
        {
          std::lock_guard<std::mutex> lk(m);
          if (ok) decoded.push_back(e);
          last.assign(env.begin(), env.end());
        }
        got.bump(type);
      });
  ASSERT_NE(h.id, 0u);
  ASSERT_TRUE(t->echo(EchoRequest{"hi", 0}));
  ASSERT_EQ(got.waitFor(1), 1);
  std::lock_guard<std::mutex> lk(m);
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0].message, "hi");
  EXPECT_EQ(decoded[0].echoCount, 1);
  // abi.md 6: the envelope of this event, byte for byte
  const std::string want = "\xa2\x69"
                           "eventType\x6d"
                           "on_echo_fired\x67"
                           "payload\xa2\x67"
                           "message\x62"
                           "hi\x69"
                           "echoCount\x01";
  EXPECT_EQ(std::string(last.begin(), last.end()), want);
  EXPECT_EQ(ffirt::eventTypeOf(last), "on_echo_fired");
}

// The bytes of a string literal (embedded NULs included, the final one not).
template <std::size_t N> std::vector<std::uint8_t> bytes(const char (&s)[N]) {
  return std::vector<std::uint8_t>(s, s + N - 1);
}

TEST(CppEvents, DecodeEventPayloadRejectsWhatDoesNotFit) {
  EchoEvent e{"keep", 9};
  // payload of another shape: "message" is an integer
  auto wrongType = bytes("\xa2\x69"
                         "eventType\x61x\x67"
                         "payload\xa2\x67"
                         "message\x01\x69"
                         "echoCount\x01");
  EXPECT_FALSE(decodeEventPayload(wrongType, e));
  // a required field missing
  auto missing = bytes("\xa2\x69"
                       "eventType\x61x\x67"
                       "payload\xa1\x67"
                       "message\x61y");
  EXPECT_FALSE(decodeEventPayload(missing, e));
  // an unknown key
  auto unknown = bytes("\xa2\x69"
                       "eventType\x61x\x67"
                       "payload\xa3\x67"
                       "message\x61y\x69"
                       "echoCount\x01\x61z\x00");
  EXPECT_FALSE(decodeEventPayload(unknown, e));
  // truncated
  auto cut = bytes("\xa2\x69"
                   "eventType\x61x\x67"
                   "payload\xa2\x67"
                   "mess");
  EXPECT_FALSE(decodeEventPayload(cut, e));
  EXPECT_FALSE(decodeEventPayload(std::span<const std::uint8_t>(), e));
  EXPECT_EQ(e.message, "keep"); // untouched on failure
  EXPECT_EQ(e.echoCount, 9);
  // optional fields: absent or null
  ScheduleConfig sc;
  auto nullJitter = bytes("\xa2\x67"
                          "payload\xa3\x69"
                          "startAtMs\x01\x6a"
                          "intervalMs\x02\x66"
                          "jitter\xf6\x69"
                          "eventType\x61x");
  ASSERT_TRUE(decodeEventPayload(nullJitter, sc));
  EXPECT_EQ(sc.startAtMs, 1);
  EXPECT_EQ(sc.intervalMs, 2);
  EXPECT_FALSE(sc.jitter.has_value());
}

TEST(CppEvents, RemoveWhileAnotherKeepsReceiving) {
  auto t = makeTimer();
  Counter a, b;
  auto ha = t->addOnEchoFiredListener([&](const EchoEvent &) { a.bump(); });
  auto hb = t->addOnEchoFiredListener([&](const EchoEvent &) { b.bump(); });
  ASSERT_TRUE(t->echo(EchoRequest{"1", 0}));
  ASSERT_EQ(a.waitFor(1), 1);
  ASSERT_EQ(b.waitFor(1), 1);
  EXPECT_TRUE(t->removeEventListener(ha)); // waits for a running call: a is done now
  ASSERT_TRUE(t->echo(EchoRequest{"2", 0}));
  ASSERT_TRUE(t->echo(EchoRequest{"3", 0}));
  EXPECT_EQ(b.waitFor(3), 3);
  EXPECT_EQ(a.count(), 1);
  EXPECT_TRUE(t->removeEventListener(hb));
}

TEST(CppEvents, RemoveFromInsideTheListener) {
  auto t = makeTimer();
  Counter self, other;
  std::atomic<std::uint64_t> id{0};
  MyTimerCtx *ctx = t.get();
  // a capture that ASan would report if freed while the listener runs
  auto big = std::make_shared<std::string>(1000, 'x');
  auto h = t->addOnEchoFiredListener([&, ctx, big](const EchoEvent &) {
    bool removed = ctx->removeEventListener({id.load()});
    self.bump(removed ? "removed" : "not removed");
    (void)big->size(); // still alive after removing itself
  });
  id = h.id;
  auto h2 = t->addOnEchoFiredListener([&](const EchoEvent &) { other.bump(); });
  big.reset();
  ASSERT_TRUE(t->echo(EchoRequest{"1", 0}));
  ASSERT_TRUE(t->echo(EchoRequest{"2", 0}));
  EXPECT_EQ(other.waitFor(2), 2);
  EXPECT_EQ(self.count(), 1);
  EXPECT_EQ(self.seen()[0], "removed");
  EXPECT_FALSE(t->removeEventListener(h));
  EXPECT_TRUE(t->removeEventListener(h2));
}

TEST(CppEvents, SubscriptionRemovesOnScopeExit) {
  auto t = makeTimer();
  Counter got;
  {
    MyTimerCtx::Subscription s =
        t->subscribe(t->addOnEchoFiredListener([&](const EchoEvent &) { got.bump(); }));
    EXPECT_TRUE(static_cast<bool>(s));
    MyTimerCtx::Subscription moved = std::move(s);
    EXPECT_FALSE(static_cast<bool>(s));
    ASSERT_TRUE(t->echo(EchoRequest{"1", 0}));
    ASSERT_EQ(got.waitFor(1), 1);
  }
  ASSERT_TRUE(t->echo(EchoRequest{"2", 0}));
  // a listener added after the echo's event: proves that event was delivered
  Counter later;
  auto s2 = t->subscribe(t->addEventListener(
      [&](int, const std::string &type, std::span<const std::uint8_t>) { later.bump(type); }));
  ASSERT_TRUE(t->echo(EchoRequest{"3", 0}));
  ASSERT_GE(later.waitFor(1), 1);
  EXPECT_EQ(got.count(), 1);
}

TEST(CppEvents, ListenerMayCallTheLibrary) {
  auto t = makeTimer();
  Counter got;
  MyTimerCtx *ctx = t.get();
  auto s = t->subscribe(t->addOnEchoFiredListener([&, ctx](const EchoEvent &) {
    auto v = ctx->version(); // a blocking call from the event thread is fine
    got.bump(v ? *v : v.error());
  }));
  ASSERT_TRUE(t->echo(EchoRequest{"1", 0}));
  ASSERT_EQ(got.waitFor(1), 1);
  EXPECT_EQ(got.seen()[0], "timer v0.1.0");
}

TEST(CppEvents, DestroyWithListenersRegistered) {
  Counter got;
  for (int i = 0; i < 5; i++) {
    auto t = makeTimer();
    t->addOnEchoFiredListener([&](const EchoEvent &) { got.bump(); });
    t->addEventListener([&](int, const std::string &, std::span<const std::uint8_t>) {});
    ASSERT_TRUE(t->echoAsync(EchoRequest{"x", 0}).get());
  } // ~MyTimerCtx: destroy, then the listeners are freed (ASan: no leak, no use after free)
  EXPECT_EQ(got.waitFor(5), 5);
}

} // namespace

// <my_timer.h> (C) and <my_timer.hpp> in one translation unit: the C header
// first, so its C structs own the global names (::EchoRequest is the C
// struct) and the C++ types are spelled my_timer::EchoRequest. One context
// serves both APIs.
#include <my_timer/my_timer.h>
#include <my_timer/my_timer.hpp>

#include <gtest/gtest.h>

#include <future>
#include <string>

namespace {

static_assert(std::is_same_v<decltype(::EchoRequest::message), const char *>,
              "the global EchoRequest is the C struct");
static_assert(std::is_same_v<decltype(my_timer::EchoRequest::message), std::string>,
              "the C++ one is namespaced");

void onVersion(int ret, const char *msg, size_t len, void *ud) {
  auto *p = static_cast<std::promise<std::string> *>(ud);
  if (ret == RET_STALE_WARN) return;
  p->set_value(ret == RET_OK ? std::string(msg, len) : "error");
}

TEST(CppMixedTu, CAndCppOnOneContext) {
  auto t = MyTimerCtx::create(my_timer::TimerConfig{"mixed"});
  ASSERT_TRUE(t) << t.error();
  // the C++ API
  auto r = (*t)->echo(my_timer::EchoRequest{"hi", 0});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->timerName, "mixed");
  // the C API on the same handle
  std::promise<std::string> p;
  auto f = p.get_future();
  ASSERT_EQ(my_timer_version((*t)->handle(), onVersion, &p), RET_OK);
  EXPECT_EQ(f.get(), "timer v0.1.0");
  ::EchoRequest creq = {"c", 0};
  std::promise<std::string> p2;
  auto f2 = p2.get_future();
  ASSERT_EQ(my_timer_echo((*t)->handle(),
                          [](int ret, const char *msg, size_t, void *ud) {
                            auto *pp = static_cast<std::promise<std::string> *>(ud);
                            if (ret == RET_OK)
                              pp->set_value(reinterpret_cast<const ::EchoResponse *>(msg)->echoed);
                            else if (ret == RET_ERR)
                              pp->set_value("error");
                          },
                          &p2, creq),
            RET_OK);
  EXPECT_EQ(f2.get(), "c");
}

} // namespace

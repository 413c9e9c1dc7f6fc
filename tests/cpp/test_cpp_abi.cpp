// test_cpp_abi.cpp - the C++ binding checks the ABI fingerprint before its
// first call into the library. Built twice: against the library's own
// my_timer.hpp (the check passes and calls work) and, with CPP_ABI_SKEW,
// against a my_timer.hpp generated from tests/e2e/abi_skew.ffi (one field
// more): every constructor and static is then refused with the mismatch,
// and nothing is called with the wrong layout.
#include <gtest/gtest.h>

#include <my_timer/my_timer.hpp>

#include <string>

TEST(CppAbi, TheHeaderAndTheLoadedLibraryAreComparedBeforeTheFirstCall) {
  const std::string &why = my_timer::detail::abiMismatch();
#ifdef CPP_ABI_SKEW
  EXPECT_NE(why.find("my_timer: ABI mismatch"), std::string::npos) << why;
  EXPECT_NE(my_timer::detail::c::my_timer_abi_fingerprint(), my_timer::detail::abiFingerprint);
  auto ctx = MyTimerCtx::create(TimerConfig{"skew", 1});
  ASSERT_FALSE(ctx);
  EXPECT_EQ(ctx.error(), why);
  auto later = MyTimerCtx::createAsync(TimerConfig{"skew", 1}).get();
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error(), why);
#else
  EXPECT_TRUE(why.empty()) << why;
  EXPECT_EQ(my_timer::detail::c::my_timer_abi_fingerprint(), my_timer::detail::abiFingerprint);
  auto ctx = MyTimerCtx::create(TimerConfig{"abi"});
  ASSERT_TRUE(ctx) << ctx.error();
  auto v = (*ctx)->version();
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(*v, "timer v0.1.0");
#endif
}

// The namespaced spelling only: with FFIRT_NO_GLOBAL_NAMES the headers
// leave the global namespace alone (a host may have its own EchoRequest).
#define FFIRT_NO_GLOBAL_NAMES
#include <echo/echo.hpp>
#include <my_timer/my_timer.hpp>

#include <gtest/gtest.h>

struct EchoRequest { // the host's own type of the same name
  int unrelated;
};

namespace {

TEST(CppNamespaced, EverythingUnderTheLibraryNamespace) {
  my_timer::Result<std::unique_ptr<my_timer::Ctx>> t =
      my_timer::Ctx::create(my_timer::TimerConfig{"ns"}, std::chrono::seconds(5));
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ((*t)->callTimeout(), std::chrono::seconds(5));
  auto r = (*t)->echo(my_timer::EchoRequest{"hi", 0});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->echoed, "hi");
  auto e = echo::Ctx::create(echo::EchoConfig{"p"});
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ((*e)->shout(echo::ShoutRequest{"a"})->shouted, "p: A");
  EchoRequest mine{1};
  EXPECT_EQ(mine.unrelated, 1);
}

} // namespace

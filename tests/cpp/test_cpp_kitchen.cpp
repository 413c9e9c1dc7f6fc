// Every IDL type through the C++ binding: the kitchen sink's and the edge
// library's echoes (C++ -> C layout -> library -> C layout -> C++ must give
// back what went in), statics, scalar/bytes/container results and events.
// The two headers share this translation unit.
#include <edges/edges.hpp>
#include <kitchen_sink/kitchen_sink.hpp>

#include <ffirt/context.h>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cpp_test_util.hpp"

namespace {

Scalars someScalars() {
  Scalars s;
  s.flag = true;
  s.i8v = -128;
  s.i16v = -32768;
  s.i32v = std::numeric_limits<std::int32_t>::min();
  s.i64v = std::numeric_limits<std::int64_t>::min();
  s.u8v = 255;
  s.u16v = 65535;
  s.u32v = 4294967295u;
  s.u64v = std::numeric_limits<std::uint64_t>::max();
  s.f32v = 0.25f;
  s.f64v = -1.5e300;
  s.text = "t\xc3\xa9xt";
  s.blob = {0, 1, 2, 255};
  s.color = Color::violet;
  return s;
}

Containers someContainers() {
  Containers c;
  c.points = {Point{1, 2}, Point{-3, 4}};
  c.origin = Point{0, -1};
  c.maybeNames = {"a", std::nullopt, "c"};
  c.maybeNumbers = std::vector<std::int64_t>{7, 8, 9};
  c.colors = {Color::red, Color::green, Color::black};
  c.favourite = Color::blue;
  c.blobs = {{1}, {}, {2, 3}};
  c.nothing = Empty{};
  return c;
}

bool sameScalars(const Scalars &a, const Scalars &b) {
  return a.flag == b.flag && a.i8v == b.i8v && a.i16v == b.i16v && a.i32v == b.i32v &&
         a.i64v == b.i64v && a.u8v == b.u8v && a.u16v == b.u16v && a.u32v == b.u32v &&
         a.u64v == b.u64v && a.f32v == b.f32v && a.f64v == b.f64v && a.text == b.text &&
         a.blob == b.blob && a.color == b.color;
}

bool samePoints(const std::vector<Point> &a, const std::vector<Point> &b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (a[i].x != b[i].x || a[i].y != b[i].y) return false;
  return true;
}

bool sameContainers(const Containers &a, const Containers &b) {
  return samePoints(a.points, b.points) && a.origin.has_value() == b.origin.has_value() &&
         (!a.origin || (a.origin->x == b.origin->x && a.origin->y == b.origin->y)) &&
         a.maybeNames == b.maybeNames && a.maybeNumbers == b.maybeNumbers && a.colors == b.colors &&
         a.favourite == b.favourite && a.blobs == b.blobs &&
         a.nothing.has_value() == b.nothing.has_value();
}

std::unique_ptr<KitchenStateCtx> kitchen() {
  auto r = KitchenStateCtx::create(Config{"k"});
  EXPECT_TRUE(r) << r.error();
  return r.take();
}

TEST(CppKitchen, ScalarsRoundTrip) {
  auto k = kitchen();
  Scalars s = someScalars();
  auto r = k->echo_scalars(s);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(sameScalars(*r, s));
  Scalars zero;
  auto z = k->echo_scalarsAsync(zero).get();
  ASSERT_TRUE(z) << z.error();
  EXPECT_TRUE(sameScalars(*z, zero));
}

TEST(CppKitchen, ContainersRoundTrip) {
  auto k = kitchen();
  Containers c = someContainers();
  auto r = k->echo_containers(c);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(sameContainers(*r, c));
  Containers empty;
  auto e = k->echo_containers(empty);
  ASSERT_TRUE(e) << e.error();
  EXPECT_TRUE(sameContainers(*e, empty));
}

TEST(CppKitchen, EverythingRoundTripWithRecursion) {
  auto k = kitchen();
  Everything e;
  e.scalars = someScalars();
  e.containers = someContainers();
  Everything child;
  child.scalars.text = "child";
  Everything grandchild;
  grandchild.containers.colors = {Color::green};
  child.children.push_back(grandchild);
  e.children = {child, Everything{}};
  auto r = k->echo_everything(e);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(sameScalars(r->scalars, e.scalars));
  EXPECT_TRUE(sameContainers(r->containers, e.containers));
  ASSERT_EQ(r->children.size(), 2u);
  EXPECT_EQ(r->children[0].scalars.text, "child");
  ASSERT_EQ(r->children[0].children.size(), 1u);
  EXPECT_EQ(r->children[0].children[0].containers.colors, std::vector<Color>{Color::green});
}

TEST(CppKitchen, ManyParametersAndLeafResults) {
  auto k = kitchen();
  auto r = k->set_many(1, "two", {3}, Color::blue, Point{4, 5}, {"six", "seven"}, 8);
  EXPECT_TRUE(r) << r.error();
  auto bad = k->set_many(1, "two", {3}, Color::blue, Point{4, 5}, {"six", "seven"}, std::nullopt);
  ASSERT_TRUE(bad.isErr());
  EXPECT_EQ(bad.error(), "g is not 8");
  EXPECT_EQ(*k->counter(), 1u); // counts its own calls
  EXPECT_EQ(*k->counterAsync().get(), 2u);
  auto nested = k->nested();
  ASSERT_TRUE(nested) << nested.error();
  EXPECT_EQ(*nested, (std::vector<std::optional<std::string>>{"a", std::nullopt, "c"}));
  auto blob = k->maybe_blobAsync().get();
  ASSERT_TRUE(blob) << blob.error();
  EXPECT_EQ(*blob, std::optional<std::vector<std::uint8_t>>(std::vector<std::uint8_t>{1, 2, 3}));
}

TEST(CppKitchen, Statics) {
  EXPECT_EQ(*KitchenStateCtx::lib_version(), "kitchen v1");
  EXPECT_EQ(*KitchenStateCtx::add(40, 2), 42);
  EXPECT_EQ(*KitchenStateCtx::addAsync(-1, -2).get(), -3);
  EXPECT_TRUE(KitchenStateCtx::ping(std::chrono::seconds(5)).isOk());
  EXPECT_TRUE(KitchenStateCtx::pingAsync().get().isOk());
  EXPECT_EQ(*EdgeStateCtx::sum({1, 2, 3}, 10), 16);
  EXPECT_EQ(*EdgeStateCtx::sum({}, std::nullopt), 0);
}

TEST(CppKitchen, EventsTypedAndWildcard) {
  auto k = kitchen();
  Counter got;
  std::mutex m;
  Everything seen;
  PairSeenPayload pair;
  std::uint64_t tick = 0;
  Everything decoded;
  bool decodedOk = false;
  auto s1 = k->subscribe(k->addOnEverythingListener([&](const Everything &e) {
    {
      std::lock_guard<std::mutex> lk(m);
      seen = e;
    }
    got.bump("everything");
  }));
  auto s2 = k->subscribe(k->addOnPairSeenListener([&](const PairSeenPayload &p) {
    {
      std::lock_guard<std::mutex> lk(m);
      pair = p;
    }
    got.bump("pair");
  }));
  auto s3 = k->subscribe(k->addOnTickListener([&](const std::uint64_t &t) {
    {
      std::lock_guard<std::mutex> lk(m);
      tick = t;
    }
    got.bump("tick");
  }));
  auto s4 = k->subscribe(
      k->addEventListener([&](int, const std::string &type, std::span<const std::uint8_t> env) {
        if (type != "on_everything") return;
        Everything e;
        bool ok = decodeEventPayload(env, e);
        {
          std::lock_guard<std::mutex> lk(m);
          decoded = e;
          decodedOk = ok;
        }
        got.bump("wildcard");
      }));
  Everything e;
  e.scalars = someScalars();
  e.containers = someContainers();
  e.children = {Everything{}};
  ASSERT_TRUE(k->emit_all(e));
  ASSERT_EQ(got.waitFor(4), 4);
  std::lock_guard<std::mutex> lk(m);
  EXPECT_TRUE(sameScalars(seen.scalars, e.scalars));
  EXPECT_TRUE(sameContainers(seen.containers, e.containers));
  EXPECT_EQ(seen.children.size(), 1u);
  EXPECT_EQ(pair.name, "pair");
  EXPECT_EQ(pair.count, 42);
  ASSERT_TRUE(pair.where.has_value());
  EXPECT_EQ(pair.where->x, -1);
  EXPECT_EQ(pair.where->y, 2);
  EXPECT_EQ(tick, 7u);
  // the CBOR envelope decodes to the same value (enums by wire text, f32, bytes)
  ASSERT_TRUE(decodedOk);
  EXPECT_TRUE(sameScalars(decoded.scalars, e.scalars));
  EXPECT_TRUE(sameContainers(decoded.containers, e.containers));
}

// Sets the context limit so that exactly one more context fits (static
// workers of earlier tests count as live contexts too).
void roomForOne() {
  for (size_t max = 1; max < 1000; max++) {
    ASSERT_EQ(ffirt_ctx_set_max_contexts(max), 0);
    if (KitchenStateCtx::create(Config{"probe"})) return; // destroyed at once
  }
  FAIL() << "no room for a context";
}

// The constructor fails on the worker (the kitchen refuses the name
// "fail"): create reports the library's text and destroys the context at
// once; createAsync cannot destroy it from the worker, so the next create
// does. With room for one live context, a context left behind would make
// the next create fail.
TEST(CppKitchen, ConstructorFailureOnTheWorker) {
  size_t before = ffirt_ctx_max_contexts();
  roomForOne();
  auto sync = KitchenStateCtx::create(Config{"fail"});
  auto okAfterSync = KitchenStateCtx::create(Config{"fine"});
  bool okAfterSyncIsOk = okAfterSync.isOk();
  okAfterSync = KitchenStateCtx::create(Config{"x"}); // (the limit: this one fails)
  std::vector<std::string> asyncErrors, laterErrors;
  for (int i = 0; i < 20; i++) {
    auto failed = KitchenStateCtx::createAsync(Config{"fail"}).get();
    asyncErrors.push_back(failed.isErr() ? failed.error() : "created?");
    auto later = KitchenStateCtx::create(Config{"fine"});
    laterErrors.push_back(later.isOk() ? "" : later.error());
  }
  ffirt_ctx_set_max_contexts(before);
  ASSERT_TRUE(sync.isErr());
  EXPECT_EQ(sync.error(), "refusing to create a kitchen named fail");
  EXPECT_TRUE(okAfterSyncIsOk);
  for (int i = 0; i < 20; i++) {
    EXPECT_EQ(asyncErrors[i], "refusing to create a kitchen named fail");
    EXPECT_EQ(laterErrors[i], "") << "round " << i;
  }
}

TEST(CppEdges, LeafResultsAndEnums) {
  auto r = EdgeStateCtx::create();
  ASSERT_TRUE(r) << r.error();
  auto x = r.take();
  EXPECT_EQ(*x->mood(), Mood::angry);
  for (Odd o : {Odd::quote, Odd::backslash, Odd::comment, Odd::trigraph, Odd::utf8})
    EXPECT_EQ(*x->odd(o), o);
  EXPECT_TRUE(*x->yes());
  EXPECT_EQ(*x->ratio(), 0.25f);
  EXPECT_EQ(*x->raw({1, 0, 2}), (std::vector<std::uint8_t>{1, 0, 2}));
  EXPECT_EQ(*x->raw({}), std::vector<std::uint8_t>{});
  Bag bag;
  bag.grid = {{"a", "b"}, {}, {"c"}};
  bag.maybe = std::vector<std::optional<std::int32_t>>{1, std::nullopt};
  bag.blobs = {{9}};
  EXPECT_EQ(*x->grid(bag), bag.grid);
  auto mb = x->maybe_bag(bag);
  ASSERT_TRUE(mb) << mb.error();
  ASSERT_TRUE(mb->has_value());
  EXPECT_EQ((*mb)->grid, bag.grid);
  EXPECT_EQ((*mb)->maybe, bag.maybe);
  EXPECT_EQ((*mb)->blobs, bag.blobs);
  auto none = x->maybe_bagAsync(std::nullopt).get();
  ASSERT_TRUE(none) << none.error();
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(x->nothing());
}

TEST(CppEdges, EventsOfEveryPayloadKind) {
  auto x = EdgeStateCtx::create().take();
  Counter got;
  std::mutex m;
  std::vector<std::uint8_t> blob;
  std::vector<Mood> moods;
  std::optional<Bag> maybe{Bag{}};
  MixedPayload mixed;
  std::string said;
  auto a = x->subscribe(x->addOnSaidListener([&](const std::string &s) {
    std::lock_guard<std::mutex> lk(m);
    said = s;
    got.bump();
  }));
  auto b = x->subscribe(x->addOnBlobListener([&](const std::vector<std::uint8_t> &v) {
    std::lock_guard<std::mutex> lk(m);
    blob = v;
    got.bump();
  }));
  auto c = x->subscribe(x->addOnMoodsListener([&](const std::vector<Mood> &v) {
    std::lock_guard<std::mutex> lk(m);
    moods = v;
    got.bump();
  }));
  auto d = x->subscribe(x->addOnMaybeListener([&](const std::optional<Bag> &v) {
    std::lock_guard<std::mutex> lk(m);
    maybe = v;
    got.bump();
  }));
  auto e = x->subscribe(x->addOnMixedListener([&](const MixedPayload &v) {
    std::lock_guard<std::mutex> lk(m);
    mixed = v;
    got.bump();
  }));
  ASSERT_TRUE(x->fire());
  ASSERT_EQ(got.waitFor(5), 5);
  std::lock_guard<std::mutex> lk(m);
  EXPECT_EQ(said, "hi");
  EXPECT_EQ(blob, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(moods, (std::vector<Mood>{Mood::calm, Mood::angry}));
  EXPECT_FALSE(maybe.has_value());
  EXPECT_EQ(mixed.values, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(mixed.raw, std::optional<std::vector<std::uint8_t>>(std::vector<std::uint8_t>{9}));
  EXPECT_EQ(mixed.mood, Mood::angry);
  EXPECT_TRUE(mixed.flag);
  EXPECT_EQ(mixed.ratio, 0.5f);
}

} // namespace

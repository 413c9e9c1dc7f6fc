/*
 * emit_cpp.c - writes <lib>.hpp, the header-only C++20 binding of a library
 * (`ffirt-gen --lang cpp`; docs/guide-cpp.md).
 *
 * What the header holds, in this order:
 *  1. the guarded ABI block (FFICallBack, RET_*, FFIEventView), as <lib>.h;
 *  2. the pieces every binding shares (ffirt::Result, the call and listener
 *     machinery, a small CBOR reader), once per TU behind
 *     FFIRT_CPP_COMMON_DEFINED;
 *  3. the C layout and the native exports in <lib>::detail::c (the C types
 *     block of emit_c_model.c, so the layout cannot drift from <lib>.h), plus
 *     one argument struct per procedure (<lib>__<proc>_args);
 *  4. the C++ types in namespace <lib> (aggregates, enum classes);
 *  5. in <lib>::detail: converters C++ -> C layout (toC_<slug>, borrowing
 *     the C++ strings and arrays until the export returned), C layout -> C++
 *     (fromC_<slug>, deep copies made during the callback), and per
 *     procedure submit_<proc> (arguments to the C layout, then the export)
 *     and reply_<proc> (the reply's msg/len to a Result);
 *  6. the context class <State>Ctx (create/createAsync, m/mAsync, statics,
 *     listeners) and ffirt::detail::Cbor<T> for decodeEventPayload<T>;
 *  7. global aliases (the names nim-ffi's hosts spell), unless
 *     FFIRT_NO_GLOBAL_NAMES or <LIB>_NO_GLOBAL_NAMES is defined.
 *
 * Design notes:
 *  - One C layout per TU: when <lib>.h or <lib>_cbor.h was included first
 *    (<LIB>_TYPES_DEFINED), the types block is skipped, <lib>::detail::c
 *    names the global C types with using-declarations, and the global
 *    aliases of the library's C++ types are not written (the global names
 *    are the C structs then); everything stays reachable as <lib>::X.
 *  - No local of the generated code shares a scope with an IDL name:
 *    submit_<proc> takes p0, p1, ...; methods are one call (members through
 *    this->); inside <lib>::detail the library's types are spelled
 *    ::<lib>::T (a parameter or member may be named like a type). The
 *    namespaces the bodies spell (ffirt, detail, std) are reserved words of
 *    the C++ naming table, so a parameter cannot hide them.
 *  - Every identifier and type comes from the naming layer
 *    (ffirt__gen_lang_* with GEN_LANG_CPP, ffirt__gen_value_ctype and the
 *    box names for the C side).
 *  - Requests: no CBOR on the request path; a reply is converted during its
 *    callback (the graph is freed after it). The blocking form's waiter is
 *    refcounted between caller and callback (a late reply after a timeout
 *    is safe); the async form completes a std::promise from the callback.
 *    A listener's closure lives in ffirt::detail::Listeners while
 *    registered; one that removes itself is freed after its call returns.
 *  - The emitter keeps no state beyond one run (gen_cpp); all its strings
 *    live in the gen_c name pool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "c/emit_c.h"

typedef struct gen_cpp {
  gen_c c; /* the C layout (names, boxes, structs in definition order) */
  const ffirt__gen_lang *lang;
  ffirt__gen_names *n; /* == &c.names */
  ffirt__gen_writer *w;
  const char *lib;
  const char *upper; /* MY_TIMER */
  const char *cls;   /* MyTimerCtx */
} gen_cpp;

#define W(...) ffirt__gen_w_line(e->w, __VA_ARGS__)
#define F(...) ffirt__gen_fmt(e->n, __VA_ARGS__)
static const char *const common_lines[] = {
    "// What every ffirt C++ binding shares, defined once per translation unit.",
    "#ifndef FFIRT_CPP_COMMON_DEFINED",
    "#define FFIRT_CPP_COMMON_DEFINED",
    "namespace ffirt {",
    "",
    "/// The outcome of a call: a value, or the error text. No exceptions: using",
    "/// the value of an error (or the error of a value) asserts.",
    "template <class T> class Result {",
    "public:",
    "  static Result ok(T v) { return Result(std::move(v)); }",
    "  static Result err(std::string e) { return Result(std::nullopt, std::move(e)); }",
    "  bool isOk() const noexcept { return v_.has_value(); }",
    "  bool isErr() const noexcept { return !v_.has_value(); }",
    "  explicit operator bool() const noexcept { return isOk(); }",
    "  T &value() & {",
    "    assert(isOk() && \"Result::value() of an error\");",
    "    return *v_;",
    "  }",
    "  const T &value() const & {",
    "    assert(isOk() && \"Result::value() of an error\");",
    "    return *v_;",
    "  }",
    "  /// Moves the value out.",
    "  T take() {",
    "    assert(isOk() && \"Result::take() of an error\");",
    "    return std::move(*v_);",
    "  }",
    "  /// The error text (\"\" for a value).",
    "  const std::string &error() const noexcept { return e_; }",
    "  T &operator*() & { return value(); }",
    "  const T &operator*() const & { return value(); }",
    "  T *operator->() { return &value(); }",
    "  const T *operator->() const { return &value(); }",
    "",
    "private:",
    "  explicit Result(T v) : v_(std::move(v)) {}",
    "  Result(std::nullopt_t, std::string e) : e_(std::move(e)) {}",
    "  std::optional<T> v_;",
    "  std::string e_;",
    "};",
    "",
    "/// The outcome of a call without a value: success, or the error text.",
    "template <> class Result<void> {",
    "public:",
    "  static Result ok() { return Result(true, {}); }",
    "  static Result err(std::string e) { return Result(false, std::move(e)); }",
    "  bool isOk() const noexcept { return ok_; }",
    "  bool isErr() const noexcept { return !ok_; }",
    "  explicit operator bool() const noexcept { return ok_; }",
    "  void value() const { assert(ok_ && \"Result::value() of an error\"); }",
    "  const std::string &error() const noexcept { return e_; }",
    "",
    "private:",
    "  Result(bool ok, std::string e) : ok_(ok), e_(std::move(e)) {}",
    "  bool ok_;",
    "  std::string e_;",
    "};",
    "",
    "namespace detail {",
    "",
    "/// Reads the CBOR the runtime writes (event envelopes): definite lengths,",
    "/// tags skipped, any float width. Every read returns false on a mismatch.",
    "class CborReader {",
    "public:",
    "  CborReader(const std::uint8_t *p, std::size_t n) : p_(p), end_(p + n) {}",
    "  bool atEnd() const { return p_ == end_; }",
    "  bool readNull() {",
    "    skipTags();",
    "    if (p_ < end_ && (*p_ == 0xf6 || *p_ == 0xf7)) {",
    "      ++p_;",
    "      return true;",
    "    }",
    "    return false;",
    "  }",
    "  bool readBool(bool &out) {",
    "    skipTags();",
    "    if (p_ >= end_ || (*p_ != 0xf4 && *p_ != 0xf5)) return false;",
    "    out = *p_++ == 0xf5;",
    "    return true;",
    "  }",
    "  template <class I> bool readInt(I &out) {",
    "    int major;",
    "    std::uint64_t arg;",
    "    if (!head(major, arg)) return false;",
    "    if (major == 0) {",
    "      if (arg > static_cast<std::uint64_t>(std::numeric_limits<I>::max())) return false;",
    "      out = static_cast<I>(arg);",
    "      return true;",
    "    }",
    "    if (major != 1 || !std::is_signed_v<I>) return false;",
    "    // the value is -1 - arg",
    "    if (arg > static_cast<std::uint64_t>(-(std::numeric_limits<I>::min() + 1))) return false;",
    "    out = static_cast<I>(-1 - static_cast<std::int64_t>(arg));",
    "    return true;",
    "  }",
    "  bool readDouble(double &out) {",
    "    skipTags();",
    "    if (p_ >= end_) return false;",
    "    std::uint8_t ib = *p_;",
    "    if (ib >> 5 != 7) {",
    "      std::int64_t i;",
    "      if (!readInt(i)) return false;",
    "      out = static_cast<double>(i);",
    "      return true;",
    "    }",
    "    std::size_t n = (ib & 31) == 25 ? 2 : (ib & 31) == 26 ? 4 : (ib & 31) == 27 ? 8 : 0;",
    "    if (!n || static_cast<std::size_t>(end_ - p_) < n + 1) return false;",
    "    std::uint64_t bits = 0;",
    "    for (std::size_t i = 1; i <= n; ++i)",
    "      bits = bits << 8 | p_[i];",
    "    p_ += n + 1;",
    "    if (n == 8) {",
    "      std::memcpy(&out, &bits, 8);",
    "    } else if (n == 4) {",
    "      std::uint32_t b32 = static_cast<std::uint32_t>(bits);",
    "      float f;",
    "      std::memcpy(&f, &b32, 4);",
    "      out = f;",
    "    } else {",
    "      int e = static_cast<int>(bits >> 10 & 31);",
    "      double m = static_cast<double>(bits & 1023);",
    "      double v = e == 0    ? std::ldexp(m, -24)",
    "                 : e == 31 ? (m == 0 ? HUGE_VAL : NAN)",
    "                           : std::ldexp(m + 1024, e - 25);",
    "      out = bits & 0x8000 ? -v : v;",
    "    }",
    "    return true;",
    "  }",
    "  bool readText(std::string &out) {",
    "    const std::uint8_t *s;",
    "    std::size_t n;",
    "    if (!span(3, s, n)) return false;",
    "    out.assign(reinterpret_cast<const char *>(s), n);",
    "    return true;",
    "  }",
    "  bool readBytes(std::vector<std::uint8_t> &out) {",
    "    const std::uint8_t *s;",
    "    std::size_t n;",
    "    if (!span(2, s, n)) return false;",
    "    out.assign(s, s + n);",
    "    return true;",
    "  }",
    "  bool readArray(std::size_t &n) { return count(4, n); }",
    "  bool readMap(std::size_t &n) { return count(5, n); }",
    "  int peekMajor() {",
    "    skipTags();",
    "    return p_ < end_ ? *p_ >> 5 : -1;",
    "  }",
    "  /// Skips one value of any type (bounded nesting).",
    "  bool skip(int depth = 0) {",
    "    int major;",
    "    std::uint64_t arg;",
    "    if (depth > 64 || !head(major, arg)) return false;",
    "    switch (major) {",
    "    case 2:",
    "    case 3:",
    "      if (arg > static_cast<std::uint64_t>(end_ - p_)) return false;",
    "      p_ += arg;",
    "      return true;",
    "    case 4:",
    "    case 5:",
    "      for (std::uint64_t i = 0; i < (major == 5 ? 2 : 1) * arg; ++i)",
    "        if (!skip(depth + 1)) return false;",
    "      return true;",
    "    default: return true;",
    "    }",
    "  }",
    "",
    "private:",
    "  void skipTags() {",
    "    while (p_ < end_ && *p_ >> 5 == 6) {",
    "      int major;",
    "      std::uint64_t arg;",
    "      if (!head(major, arg)) return;",
    "    }",
    "  }",
    "  // The head of the next item (tags skipped): major type and argument.",
    "  bool head(int &major, std::uint64_t &arg) {",
    "    for (;;) {",
    "      if (p_ >= end_) return false;",
    "      std::uint8_t ib = *p_++;",
    "      major = ib >> 5;",
    "      int info = ib & 31;",
    "      if (info < 24) {",
    "        arg = static_cast<std::uint64_t>(info);",
    "      } else if (info <= 27) {",
    "        std::size_t n = std::size_t{1} << (info - 24);",
    "        if (static_cast<std::size_t>(end_ - p_) < n) return false;",
    "        arg = 0;",
    "        for (std::size_t i = 0; i < n; ++i)",
    "          arg = arg << 8 | *p_++;",
    "      } else {",
    "        return false; // indefinite lengths and reserved values",
    "      }",
    "      if (major != 6) return true;",
    "    }",
    "  }",
    "  bool span(int want, const std::uint8_t *&s, std::size_t &n) {",
    "    int major;",
    "    std::uint64_t arg;",
    "    if (!head(major, arg) || major != want || arg > static_cast<std::uint64_t>(end_ - p_))",
    "      return false;",
    "    s = p_;",
    "    n = static_cast<std::size_t>(arg);",
    "    p_ += n;",
    "    return true;",
    "  }",
    "  bool count(int want, std::size_t &n) {",
    "    int major;",
    "    std::uint64_t arg;",
    "    // every element takes at least one byte: a larger count cannot be real",
    "    if (!head(major, arg) || major != want || arg > static_cast<std::uint64_t>(end_ - p_))",
    "      return false;",
    "    n = static_cast<std::size_t>(arg);",
    "    return true;",
    "  }",
    "  const std::uint8_t *p_;",
    "  const std::uint8_t *end_;",
    "};",
    "",
    "/// How a C++ value is read from CBOR; specialised for each library's structs",
    "/// and enums by their headers.",
    "template <class T, class = void> struct Cbor;",
    "template <class T> struct Cbor<T, std::enable_if_t<std::is_integral_v<T> && "
    "!std::is_same_v<T, bool>>> {",
    "  static bool read(CborReader &r, T &out) { return r.readInt(out); }",
    "};",
    "template <> struct Cbor<bool> {",
    "  static bool read(CborReader &r, bool &out) { return r.readBool(out); }",
    "};",
    "template <class T> struct Cbor<T, std::enable_if_t<std::is_floating_point_v<T>>> {",
    "  static bool read(CborReader &r, T &out) {",
    "    double d;",
    "    if (!r.readDouble(d)) return false;",
    "    out = static_cast<T>(d);",
    "    return true;",
    "  }",
    "};",
    "template <> struct Cbor<std::string> {",
    "  static bool read(CborReader &r, std::string &out) { return r.readText(out); }",
    "};",
    "template <class T> struct Cbor<std::vector<T>> {",
    "  static bool read(CborReader &r, std::vector<T> &out) {",
    "    // bytes and seq<u8> are both std::vector<std::uint8_t>: accept either",
    "    if constexpr (std::is_same_v<T, std::uint8_t>)",
    "      if (r.peekMajor() == 2) return r.readBytes(out);",
    "    std::size_t n;",
    "    if (!r.readArray(n)) return false;",
    "    out.clear();",
    "    out.reserve(n);",
    "    for (std::size_t i = 0; i < n; ++i) {",
    "      T v{};",
    "      if (!Cbor<T>::read(r, v)) return false;",
    "      out.push_back(std::move(v));",
    "    }",
    "    return true;",
    "  }",
    "};",
    "template <class T> struct Cbor<std::optional<T>> {",
    "  static bool read(CborReader &r, std::optional<T> &out) {",
    "    if (r.readNull()) {",
    "      out.reset();",
    "      return true;",
    "    }",
    "    T v{};",
    "    if (!Cbor<T>::read(r, v)) return false;",
    "    out = std::move(v);",
    "    return true;",
    "  }",
    "};",
    "",
    "/// Reads the eventType of an EventEnvelope, or leaves r after \"payload\".",
    "inline bool envelope(CborReader &r, std::string *type, bool toPayload) {",
    "  std::size_t n;",
    "  if (!r.readMap(n)) return false;",
    "  for (std::size_t i = 0; i < n; ++i) {",
    "    std::string key;",
    "    if (!r.readText(key)) return false;",
    "    if (key == \"eventType\" && type) {",
    "      if (!r.readText(*type)) return false;",
    "      if (!toPayload) return true;",
    "    } else if (key == \"payload\" && toPayload) {",
    "      return true;",
    "    } else if (!r.skip()) {",
    "      return false;",
    "    }",
    "  }",
    "  return false;",
    "}",
    "",
    "/// The C arrays a call's arguments need, alive until the export returned",
    "/// (exports copy their arguments, abi.md 3.3).",
    "class Arena {",
    "public:",
    "  template <class T> T *array(std::size_t n) {",
    "    if (n == 0) return nullptr;",
    "    T *p = new T[n]();",
    "    keep_.emplace_back(p, [](void *q) { delete[] static_cast<T *>(q); });",
    "    return p;",
    "  }",
    "",
    "private:",
    "  std::vector<std::unique_ptr<void, void (*)(void *)>> keep_;",
    "};",
    "",
    "inline std::string str(const char *s) { return s ? std::string(s) : std::string(); }",
    "inline std::vector<std::uint8_t> bytes(const std::uint8_t *p, std::size_t n) {",
    "  return p && n ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();",
    "}",
    "template <class T, class C, class F> std::vector<T> seq(const C *p, std::size_t n, F f) {",
    "  std::vector<T> v;",
    "  v.reserve(n);",
    "  for (std::size_t i = 0; i < n; ++i)",
    "    v.push_back(f(p[i]));",
    "  return v;",
    "}",
    "",
    "/// A context's progress handler (RET_STALE_WARN), called with the elapsed",
    "/// time of a request still running. Set from any thread; called unlocked.",
    "class Progress {",
    "public:",
    "  void set(std::function<void(std::chrono::milliseconds)> fn) {",
    "    std::lock_guard<std::mutex> lk(m_);",
    "    fn_ = std::make_shared<const "
    "std::function<void(std::chrono::milliseconds)>>(std::move(fn));",
    "  }",
    "  void report(const char *msg, std::size_t len) {",
    "    std::shared_ptr<const std::function<void(std::chrono::milliseconds)>> fn;",
    "    {",
    "      std::lock_guard<std::mutex> lk(m_);",
    "      fn = fn_;",
    "    }",
    "    if (!fn || !*fn) return;",
    "    long long ms = 0;",
    "    for (std::size_t i = 0; i < len && msg[i] >= '0' && msg[i] <= '9'; ++i)",
    "      ms = ms * 10 + (msg[i] - '0');",
    "    (*fn)(std::chrono::milliseconds(ms));",
    "  }",
    "",
    "private:",
    "  std::mutex m_;",
    "  std::shared_ptr<const std::function<void(std::chrono::milliseconds)>> fn_;",
    "};",
    "",
    "template <class T> using Convert = Result<T> (*)(const char *msg, std::size_t len);",
    "",
    "/// One blocking call, shared by the waiter and the reply callback and freed",
    "/// by whichever lets go last: a reply arriving after the waiter timed out",
    "/// finds it alive (abi.md 3.2).",
    "template <class T> struct Waiter {",
    "  std::atomic<int> refs{2};",
    "  std::mutex m;",
    "  std::condition_variable cv;",
    "  std::optional<Result<T>> out;",
    "  Convert<T> convert;",
    "  Progress *progress;",
    "  Waiter(Convert<T> c, Progress *p) : convert(c), progress(p) {}",
    "  void release() {",
    "    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;",
    "  }",
    "  static void onReply(int ret, const char *msg, std::size_t len, void *ud) {",
    "    auto *w = static_cast<Waiter *>(ud);",
    "    if (ret == RET_STALE_WARN) {",
    "      if (w->progress) w->progress->report(msg, len);",
    "      return;",
    "    }",
    "    Result<T> r = ret == RET_OK ? w->convert(msg, len) : Result<T>::err(std::string(msg, "
    "len));",
    "    {",
    "      std::lock_guard<std::mutex> lk(w->m);",
    "      w->out.emplace(std::move(r));",
    "      w->cv.notify_one(); // under the lock: the waiter may free w once it sees `out`",
    "    }",
    "    w->release();",
    "  }",
    "};",
    "",
    "/// Submits `submit(ctx, cb, ud, args...)` (a generated call of an export)",
    "/// and waits for the terminal reply, at most `timeout`.",
    "template <class T, class Submit, class... A>",
    "Result<T> callSync(Submit submit, void *ctx, Convert<T> convert, Progress *progress,",
    "                   std::chrono::milliseconds timeout, const A &...args) {",
    "  auto *w = new Waiter<T>(convert, progress);",
    "  int rc = submit(ctx, &Waiter<T>::onReply, static_cast<void *>(w), args...);",
    "  if (rc != RET_OK && rc != RET_ERR) { // no callback will come",
    "    delete w;",
    "    return Result<T>::err(\"request refused (code \" + std::to_string(rc) + \")\");",
    "  }",
    "  std::unique_lock<std::mutex> lk(w->m);",
    "  if (!w->cv.wait_for(lk, timeout, [w] { return w->out.has_value(); })) {",
    "    lk.unlock();",
    "    w->release(); // the late reply frees it",
    "    return Result<T>::err(\"timed out after \" + std::to_string(timeout.count()) + \" ms\");",
    "  }",
    "  Result<T> r = std::move(*w->out);",
    "  lk.unlock();",
    "  w->release();",
    "  return r;",
    "}",
    "",
    "/// One asynchronous call: the reply callback completes the future (no",
    "/// thread per call).",
    "template <class T> struct Pending {",
    "  std::promise<Result<T>> promise;",
    "  Convert<T> convert;",
    "  Progress *progress;",
    "  Pending(Convert<T> c, Progress *p) : convert(c), progress(p) {}",
    "  static void onReply(int ret, const char *msg, std::size_t len, void *ud) {",
    "    auto *s = static_cast<Pending *>(ud);",
    "    if (ret == RET_STALE_WARN) {",
    "      if (s->progress) s->progress->report(msg, len);",
    "      return;",
    "    }",
    "    s->promise.set_value(ret == RET_OK ? s->convert(msg, len)",
    "                                       : Result<T>::err(std::string(msg, len)));",
    "    delete s;",
    "  }",
    "};",
    "",
    "template <class T, class Submit, class... A>",
    "std::future<Result<T>> callAsync(Submit submit, void *ctx, Convert<T> convert, Progress "
    "*progress,",
    "                                 const A &...args) {",
    "  auto *s = new Pending<T>(convert, progress);",
    "  std::future<Result<T>> f = s->promise.get_future();",
    "  int rc = submit(ctx, &Pending<T>::onReply, static_cast<void *>(s), args...);",
    "  if (rc != RET_OK && rc != RET_ERR) {",
    "    s->promise.set_value(Result<T>::err(\"request refused (code \" + std::to_string(rc) + "
    "\")\"));",
    "    delete s;",
    "  }",
    "  return f;",
    "}",
    "",
    "/// A registered listener: what the C runtime's userData points to.",
    "struct Listener {",
    "  virtual ~Listener() = default;",
    "  virtual void deliver(int ret, const char *msg, std::size_t len) = 0;",
    "  bool removedInCall = false;",
    "};",
    "inline thread_local Listener *currentListener = nullptr;",
    "",
    "inline void onEvent(int ret, const char *msg, std::size_t len, void *ud) {",
    "  auto *l = static_cast<Listener *>(ud);",
    "  Listener *outer = currentListener;",
    "  currentListener = l;",
    "  l->deliver(ret, msg, len);",
    "  currentListener = outer;",
    "  if (l->removedInCall) delete l; // it removed itself: freed once it returned",
    "}",
    "",
    "template <class F> struct TypedListener : Listener {",
    "  F fn;",
    "  explicit TypedListener(F f) : fn(std::move(f)) {}",
    "  void deliver(int ret, const char *msg, std::size_t len) override { fn(ret, msg, len); }",
    "};",
    "",
    "/// One conversion of an event's payload for all its typed listeners.",
    "/// The runtime calls the listeners of an event in registration order, on",
    "/// the context's event thread, one event at a time: a marker listener,",
    "/// registered before the first typed one, runs first and marks the value",
    "/// stale; the first typed listener converts, the others reuse it. Without",
    "/// the marker (its registration failed) every listener converts.",
    "/// Shared (std::shared_ptr) by the context and its listeners' closures, so",
    "/// listeners kept alive after a refused destroy never see it freed.",
    "template <class T> class EventCache {",
    "public:",
    "  /// reg() registers the marker and says whether that worked; called once.",
    "  template <class Register> void prepare(Register reg) {",
    "    std::call_once(once_, [&] { marked_ = reg(); });",
    "  }",
    "  void stale() { fresh_ = false; }",
    "  template <class Convert> const T &get(Convert convert) {",
    "    if (!marked_ || !fresh_) {",
    "      value_.emplace(convert());",
    "      fresh_ = marked_;",
    "    }",
    "    return *value_;",
    "  }",
    "",
    "private:",
    "  std::once_flag once_;",
    "  bool marked_ = false;         // written once, before any typed listener",
    "  bool fresh_ = false;          // event thread only",
    "  std::optional<T> value_;      // event thread only",
    "};",
    "",
    "/// The C++ side of a context's listeners: keeps each alive while registered.",
    "class Listeners {",
    "public:",
    "  using AddFn = std::uint64_t (*)(void *ctx, const char *name, FFICallBack cb, void *ud);",
    "  using RemoveFn = int (*)(void *ctx, std::uint64_t id);",
    "  template <class F> std::uint64_t add(void *ctx, AddFn addFn, const char *name, F fn) {",
    "    auto l = std::make_unique<TypedListener<F>>(std::move(fn));",
    "    std::lock_guard<std::mutex> lk(m_);",
    "    std::uint64_t id = addFn(ctx, name, &onEvent, l.get());",
    "    if (id != 0) map_.emplace(id, std::move(l));",
    "    return id;",
    "  }",
    "  bool remove(void *ctx, RemoveFn removeFn, std::uint64_t id) {",
    "    std::unique_ptr<Listener> l;",
    "    {",
    "      std::lock_guard<std::mutex> lk(m_);",
    "      auto it = map_.find(id);",
    "      if (it == map_.end()) return false;",
    "      l = std::move(it->second);",
    "      map_.erase(it);",
    "    }",
    "    // waits for a running call on another thread; not from inside one",
    "    bool removed = removeFn(ctx, id) == 0;",
    "    if (l.get() == currentListener) {",
    "      l->removedInCall = true;",
    "      l.release(); // onEvent frees it when the call returns",
    "    }",
    "    return removed;",
    "  }",
    "  /// After the context is destroyed (no listener can run any more).",
    "  void clear() {",
    "    std::lock_guard<std::mutex> lk(m_);",
    "    map_.clear();",
    "  }",
    "  /// When the context could not be destroyed: listeners must stay valid.",
    "  void leak() {",
    "    std::lock_guard<std::mutex> lk(m_);",
    "    for (auto &kv : map_)",
    "      kv.second.release();",
    "    map_.clear();",
    "  }",
    "",
    "private:",
    "  std::mutex m_;",
    "  std::unordered_map<std::uint64_t, std::unique_ptr<Listener>> map_;",
    "};",
    "",
    "inline Result<void> replyVoid(const char *, std::size_t) { return Result<void>::ok(); }",
    "",
    "/// Contexts whose asynchronous constructor failed on their worker thread",
    "/// (where they cannot be destroyed): destroyed by the next create or",
    "/// destroy of a context on a host thread.",
    "struct Graves {",
    "  using Destroy = int (*)(void *ctx);",
    "  static std::mutex &mutex() {",
    "    static std::mutex m;",
    "    return m;",
    "  }",
    "  static std::vector<std::pair<Destroy, void *>> &list() {",
    "    static std::vector<std::pair<Destroy, void *>> l;",
    "    return l;",
    "  }",
    "  static void bury(Destroy d, void *ctx) {",
    "    std::lock_guard<std::mutex> lk(mutex());",
    "    list().emplace_back(d, ctx);",
    "  }",
    "  static void drain() {",
    "    std::vector<std::pair<Destroy, void *>> l;",
    "    {",
    "      std::lock_guard<std::mutex> lk(mutex());",
    "      l.swap(list());",
    "    }",
    "    for (auto &g : l)",
    "      g.first(g.second);",
    "  }",
    "};",
    "",
    "/// The context handle in a constructor's reply (its ASCII decimal text).",
    "inline void *handleFromText(const char *msg, std::size_t len) {",
    "  std::uintptr_t v = 0;",
    "  for (std::size_t i = 0; i < len && msg[i] >= '0' && msg[i] <= '9'; ++i)",
    "    v = v * 10 + static_cast<std::uintptr_t>(msg[i] - '0');",
    "  return reinterpret_cast<void *>(v);",
    "}",
    "",
    "/// One createAsync: the constructor's callback completes the future with",
    "/// the new context (or the error); shared with the submitter, which learns",
    "/// the handle only when the export returned.",
    "template <class Ctx> struct Creation {",
    "  std::promise<Result<std::unique_ptr<Ctx>>> promise;",
    "  std::chrono::milliseconds timeout;",
    "  Graves::Destroy destroy;",
    "  std::atomic<int> refs{2};",
    "  std::atomic<bool> failed{false};",
    "  void *handle = nullptr; // written by the submitter before its release",
    "  Creation(std::chrono::milliseconds t, Graves::Destroy d) : timeout(t), destroy(d) {}",
    "  bool lastRelease() { return refs.fetch_sub(1, std::memory_order_acq_rel) == 1; }",
    "  static void onReply(int ret, const char *msg, std::size_t len, void *ud) {",
    "    auto *s = static_cast<Creation *>(ud);",
    "    if (ret == RET_STALE_WARN) return;",
    "    if (ret == RET_OK) {",
    "      s->promise.set_value(Result<std::unique_ptr<Ctx>>::ok(",
    "          std::unique_ptr<Ctx>(new Ctx(handleFromText(msg, len), s->timeout))));",
    "      if (s->lastRelease()) delete s;",
    "      return;",
    "    }",
    "    // Failed: the context is buried (or destroyed by the submitter) before",
    "    // the future is ready, so a create after get() finds the room free.",
    "    s->failed.store(true, std::memory_order_relaxed);",
    "    std::promise<Result<std::unique_ptr<Ctx>>> promise = std::move(s->promise);",
    "    if (s->lastRelease()) { // on the worker: cannot destroy its own context",
    "      if (s->handle) bury(s->destroy, s->handle);",
    "      delete s;",
    "    }",
    "    promise.set_value(Result<std::unique_ptr<Ctx>>::err(std::string(msg, len)));",
    "  }",
    "  static void bury(Graves::Destroy d, void *ctx) { Graves::bury(d, ctx); }",
    "  void submitted(void *h) {",
    "    handle = h;",
    "    if (lastRelease()) { // on the host thread: a failed context is destroyed now",
    "      if (failed.load(std::memory_order_relaxed) && h) destroy(h);",
    "      delete this;",
    "    }",
    "  }",
    "",
    "  /// Ctx::create: `submit(cb, ud, args...)` calls the constructor export.",
    "  template <class Submit, class... A>",
    "  static Result<std::unique_ptr<Ctx>> sync(Submit submit, Graves::Destroy destroy,",
    "                                           std::chrono::milliseconds timeout, const A "
    "&...args) {",
    "    Graves::drain();",
    "    void *ctx = nullptr;",
    "    auto viaCtor = [&](void *, FFICallBack cb, void *ud) {",
    "      ctx = submit(cb, ud, args...);",
    "      return ctx ? RET_OK : RET_ERR; // NULL: cb already had the error",
    "    };",
    "    Result<void> r = callSync<void>(viaCtor, nullptr, &replyVoid, nullptr, timeout);",
    "    if (!r) {",
    "      if (ctx) destroy(ctx); // also after a timeout: answers the constructor",
    "      return Result<std::unique_ptr<Ctx>>::err(r.error());",
    "    }",
    "    return Result<std::unique_ptr<Ctx>>::ok(std::unique_ptr<Ctx>(new Ctx(ctx, timeout)));",
    "  }",
    "  /// Ctx::createAsync.",
    "  template <class Submit, class... A>",
    "  static std::future<Result<std::unique_ptr<Ctx>>>",
    "  async(Submit submit, Graves::Destroy destroy, std::chrono::milliseconds timeout,",
    "        const A &...args) {",
    "    Graves::drain();",
    "    auto *s = new Creation(timeout, destroy);",
    "    auto f = s->promise.get_future();",
    "    s->submitted(submit(&Creation::onReply, s, args...));",
    "    return f;",
    "  }",
    "};",
    "",
    "} // namespace detail",
    "",
    "/// A listener that removes itself when it goes out of scope (and waits for",
    "/// a running call of it, unless destroyed inside that call). Move-only.",
    "template <class Ctx> class Subscription {",
    "public:",
    "  Subscription() = default;",
    "  Subscription(Ctx &ctx, typename Ctx::ListenerHandle h) : ctx_(&ctx), id_(h.id) {}",
    "  Subscription(Subscription &&o) noexcept : ctx_(o.ctx_), id_(o.id_) { o.ctx_ = nullptr; }",
    "  Subscription &operator=(Subscription &&o) noexcept {",
    "    if (this != &o) {",
    "      reset();",
    "      ctx_ = o.ctx_;",
    "      id_ = o.id_;",
    "      o.ctx_ = nullptr;",
    "    }",
    "    return *this;",
    "  }",
    "  Subscription(const Subscription &) = delete;",
    "  Subscription &operator=(const Subscription &) = delete;",
    "  ~Subscription() { reset(); }",
    "  /// Removes the listener now (nothing if already done).",
    "  void reset() {",
    "    if (ctx_) ctx_->removeEventListener({id_});",
    "    ctx_ = nullptr;",
    "  }",
    "  /// Gives up ownership: the listener stays registered.",
    "  typename Ctx::ListenerHandle release() {",
    "    ctx_ = nullptr;",
    "    return {id_};",
    "  }",
    "  typename Ctx::ListenerHandle handle() const { return {id_}; }",
    "  explicit operator bool() const { return ctx_ != nullptr && id_ != 0; }",
    "",
    "private:",
    "  Ctx *ctx_ = nullptr;",
    "  std::uint64_t id_ = 0;",
    "};",
    "",
    "/// Decodes the payload of a CBOR EventEnvelope (what addEventListener",
    "/// receives) into out. False when the envelope or the payload does not fit T.",
    "template <class T> bool decodeEventPayload(std::span<const std::uint8_t> envelope, T &out) {",
    "  detail::CborReader r(envelope.data(), envelope.size());",
    "  T v{};",
    "  if (!detail::envelope(r, nullptr, true) || !detail::Cbor<T>::read(r, v)) return false;",
    "  out = std::move(v);",
    "  return true;",
    "}",
    "",
    "/// The eventType of a CBOR EventEnvelope (\"\" when it has none).",
    "inline std::string eventTypeOf(std::span<const std::uint8_t> envelope) {",
    "  detail::CborReader r(envelope.data(), envelope.size());",
    "  std::string t;",
    "  return detail::envelope(r, &t, false) ? t : std::string();",
    "}",
    "",
    "} // namespace ffirt",
    "",
    "#ifndef FFIRT_NO_GLOBAL_NAMES",
    "using ffirt::decodeEventPayload;",
    "using ffirt::Result;",
    "#endif",
    "#endif // FFIRT_CPP_COMMON_DEFINED",
};

/* ------------------------------------------------------------- spellings */

static const char *cpp_type(gen_cpp *e, const ffirt__gen_type *t) {
  return ffirt__gen_lang_type(e->n, e->lang, t);
}
/* The C++ type of t spelled from any scope: the library's types as
 * ::<lib>::Name (a parameter or member may share a type's name). */
static const char *qual_type(gen_cpp *e, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_SEQ: return F(e->lang->seq_fmt, qual_type(e, t->elem));
  case GEN_OPTIONAL: return F(e->lang->optional_fmt, qual_type(e, t->elem));
  case GEN_STRUCT:
  case GEN_ENUM: return F("::%s::%s", e->lib, cpp_type(e, t));
  default: return cpp_type(e, t);
  }
}
static const char *ident(gen_cpp *e, ffirt__gen_role role, const char *idl) {
  return ffirt__gen_lang_ident(e->n, e->lang, role, idl);
}
static const char *slug(gen_cpp *e, const ffirt__gen_type *t) { return ffirt__gen_slug(e->n, t); }

/* The C type of one stored value of t, spelled from namespace <lib>::detail. */
static const char *c_value_type(gen_cpp *e, const ffirt__gen_type *t) {
  switch (t->kind) {
  case GEN_STRING: return "const char *";
  case GEN_BYTES:
  case GEN_SEQ:
  case GEN_OPTIONAL:
  case GEN_STRUCT:
  case GEN_ENUM: return F("c::%s", ffirt__gen_value_ctype(e->n, e->lib, t));
  default: return ffirt__gen_scalar_ctype(t->kind);
  }
}

/* The result type of a procedure in Result<...>. */
static const char *result_type(gen_cpp *e, const ffirt__gen_proc *p) {
  return p->result ? cpp_type(e, p->result) : "void";
}

/* Doc lines as "///" comments: the IDL's, then extra ones. A line ending in
 * a backslash would splice the next line into the comment: it gets a '.'. */
static void doc(gen_cpp *e, const ffirt__gen_doc *d, const char *const *extra, size_t nextra) {
  for (size_t i = 0; i < (d ? d->count : 0) + nextra; i++) {
    const char *line = d && i < d->count ? d->lines[i] : extra[i - (d ? d->count : 0)];
    const char *s = ffirt__gen_c_comment(e->n, line);
    size_t len = strlen(s);
    if (!len)
      W("///");
    else
      W("/// %s%s", s, s[len - 1] == '\\' ? "." : "");
  }
}
static void doc1(gen_cpp *e, const ffirt__gen_doc *d, const char *extra) {
  doc(e, d, &extra, extra ? 1 : 0);
}

static void lines(gen_cpp *e, const char *const *l, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (l[i][0])
      W("%s", l[i]);
    else
      ffirt__gen_w_blank(e->w);
  }
}

/* ------------------------------------------------- C++ -> C layout (toC) */

/* Statements storing C++ value src of t into the C lvalue dst (one stored
 * object: boxes for containers and bytes). */
static void store_value(gen_cpp *e, const ffirt__gen_type *t, const char *src, const char *dst) {
  switch (t->kind) {
  case GEN_BOOL: W("%s = %s ? 1 : 0;", dst, src); break;
  case GEN_ENUM: W("%s = static_cast<std::int32_t>(%s);", dst, src); break;
  case GEN_STRING: W("%s = %s.c_str();", dst, src); break;
  case GEN_STRUCT:
  case GEN_SEQ:
  case GEN_OPTIONAL:
  case GEN_BYTES: W("%s = toC_%s(%s, arena);", dst, slug(e, t), src); break;
  default: W("%s = %s;", dst, src);
  }
}

/* Statements storing src into the flattened C slot obj.name (abi.md 5:
 * name + name_len for seq and bytes, name_present + name for optional). */
static void store_field(gen_cpp *e, const ffirt__gen_type *t, const char *src, const char *obj,
                        const char *name) {
  switch (t->kind) {
  case GEN_BYTES:
    W("%s.%s = const_cast<std::uint8_t *>(%s.data());", obj, name, src);
    W("%s.%s_len = %s.size();", obj, name, src);
    break;
  case GEN_SEQ:
    W("{");
    ffirt__gen_w_indent(e->w);
    W("auto *items = arena.array<std::remove_pointer_t<decltype(%s.%s)>>(%s.size());", obj, name,
      src);
    W("for (std::size_t i = 0; i < %s.size(); ++i) {", src);
    ffirt__gen_w_indent(e->w);
    store_value(e, t->elem, F("%s[i]", src), "items[i]");
    ffirt__gen_w_dedent(e->w);
    W("}");
    W("%s.%s = items;", obj, name);
    W("%s.%s_len = %s.size();", obj, name, src);
    ffirt__gen_w_dedent(e->w);
    W("}");
    break;
  case GEN_OPTIONAL:
    W("%s.%s_present = %s.has_value() ? 1 : 0;", obj, name, src);
    W("if (%s) {", src);
    ffirt__gen_w_indent(e->w);
    if (ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem))
      store_value(e, t->elem, F("(*%s)", src), F("%s.%s", obj, name));
    else
      store_field(e, t->elem, F("(*%s)", src), obj, name);
    ffirt__gen_w_dedent(e->w);
    W("}");
    break;
  default: store_value(e, t, src, F("%s.%s", obj, name));
  }
}

/* The flattened arguments of C slot obj.name, as a native export takes them. */
static const char *slot_args(gen_cpp *e, const ffirt__gen_type *t, const char *obj,
                             const char *name) {
  switch (t->kind) {
  case GEN_BYTES:
  case GEN_SEQ: return F("%s.%s, %s.%s_len", obj, name, obj, name);
  case GEN_OPTIONAL:
    return F("%s.%s_present, %s", obj, name,
             ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem) ? F("%s.%s", obj, name)
                                                             : slot_args(e, t->elem, obj, name));
  default: return F("%s.%s", obj, name);
  }
}

/* ------------------------------------------------ C layout -> C++ (fromC) */

/* An expression: the C++ value of the stored C object src of t. */
static const char *read_value(gen_cpp *e, const ffirt__gen_type *t, const char *src) {
  switch (t->kind) {
  case GEN_BOOL: return F("(%s != 0)", src);
  case GEN_ENUM: return F("static_cast<%s>(%s)", qual_type(e, t), src);
  case GEN_STRING: return F("ffirt::detail::str(%s)", src);
  case GEN_STRUCT:
  case GEN_SEQ:
  case GEN_OPTIONAL:
  case GEN_BYTES: return F("fromC_%s(%s)", slug(e, t), src);
  default: return src;
  }
}

/* An expression: the C++ value of the flattened C slot obj.name. */
static const char *read_field(gen_cpp *e, const ffirt__gen_type *t, const char *obj,
                              const char *name) {
  switch (t->kind) {
  case GEN_BYTES: return F("ffirt::detail::bytes(%s.%s, %s.%s_len)", obj, name, obj, name);
  case GEN_SEQ:
    return F("ffirt::detail::seq<%s>(%s.%s, %s.%s_len, [](const auto &x) { return %s; })",
             qual_type(e, t->elem), obj, name, obj, name, read_value(e, t->elem, "x"));
  case GEN_OPTIONAL:
    return F("%s.%s_present ? std::optional<%s>(%s) : std::nullopt", obj, name,
             qual_type(e, t->elem),
             ffirt__gen_elem_is_boxed(GEN_OPTIONAL, t->elem)
                 ? read_value(e, t->elem, F("%s.%s", obj, name))
                 : read_field(e, t->elem, obj, name));
  default: return read_value(e, t, F("%s.%s", obj, name));
  }
}

/* ------------------------------------------------------------- sections */

static void c_section(gen_cpp *e) {
  gen_c *g = &e->c;
  const ffirt__gen_model *m = g->m;
  W("// ---- the C layout and the native exports (abi.md 2 and 5)");
  W("#ifdef %s_TYPES_DEFINED", e->upper);
  W("// <%s.h> or <%s_cbor.h> came first: the C types are the global ones.", e->lib, e->lib);
  W("#define %s_HPP_C_TYPES_GLOBAL 1", e->upper);
  W("#endif");
  W("namespace %s::detail::c {", e->lib);
  W("#ifdef %s_HPP_C_TYPES_GLOBAL", e->upper);
  for (size_t i = 0; i < m->nenums; i++)
    W("using ::%s;", m->enums[i].name);
  for (size_t i = 0; i < g->norder; i++)
    W("using ::%s;", g->order[i]->cname);
  W("#endif");
  W("extern \"C\" {");
  ffirt__gen_c_types_block(g, e->w);
  ffirt__gen_w_blank(e->w);
  for (size_t i = 0; i < m->nprocs; i++)
    W("%s;", ffirt__gen_c_sig_native(g, &m->procs[i]));
  W("uint64_t %s_add_event_listener(void *ctx, const char *eventName, FFICallBack cb, void *ud);",
    e->lib);
  W("uint64_t %s_add_event_listener_cbor(void *ctx, const char *eventName, FFICallBack cb, void "
    "*ud);",
    e->lib);
  W("int %s_remove_event_listener(void *ctx, uint64_t listenerId);", e->lib);
  W("uint64_t %s_abi_fingerprint(void);", e->lib);
  W("} // extern \"C\"");
  /* one struct per procedure: its parameters in the export's layout */
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    if (!p->nparams) continue;
    ffirt__gen_w_blank(e->w);
    W("struct %s__%s_args {", e->lib, p->name);
    ffirt__gen_w_indent(e->w);
    for (size_t k = 0; k < p->nparams; k++) {
      gen_field f = {p->params[k].name, p->params[k].type, 0, NULL};
      ffirt__gen_c_field_decl(g, e->w, &f);
    }
    ffirt__gen_w_dedent(e->w);
    W("};");
  }
  W("} // namespace %s::detail::c", e->lib);
}

static void types_section(gen_cpp *e) {
  const ffirt__gen_model *m = e->c.m;
  W("namespace %s {", e->lib);
  ffirt__gen_w_blank(e->w);
  W("using ffirt::Result;");
  for (size_t i = 0; i < m->nenums; i++) {
    const ffirt__gen_enum *en = &m->enums[i];
    ffirt__gen_w_blank(e->w);
    doc1(e, &en->doc, "On the wire: the enumerator's text; natively its ordinal.");
    W("enum class %s : std::int32_t {", ident(e, GEN_ROLE_TYPE, en->name));
    ffirt__gen_w_indent(e->w);
    for (size_t k = 0; k < en->nitems; k++) {
      const ffirt__gen_enumerator *it = &en->items[k];
      doc(e, &it->doc, NULL, 0);
      W("%s = %lld,", ffirt__gen_lang_enumerator(e->n, e->lang, en->name, it->name),
        (long long)it->value);
    }
    ffirt__gen_w_dedent(e->w);
    W("};");
  }
  if (m->nstructs) ffirt__gen_w_blank(e->w);
  for (size_t i = 0; i < m->nstructs; i++)
    W("struct %s;", ident(e, GEN_ROLE_TYPE, m->structs[i].name));
  for (size_t i = 0; i < m->nstructs; i++) {
    const ffirt__gen_struct *s = m->struct_order[i];
    ffirt__gen_w_blank(e->w);
    doc(e, &s->doc, NULL, 0);
    W("struct %s {", ident(e, GEN_ROLE_TYPE, s->name));
    ffirt__gen_w_indent(e->w);
    for (size_t k = 0; k < s->nfields; k++) {
      const ffirt__gen_field *f = &s->fields[k];
      doc(e, &f->doc, NULL, 0);
      W("%s %s{};", cpp_type(e, f->type), ident(e, GEN_ROLE_FIELD, f->name));
    }
    ffirt__gen_w_dedent(e->w);
    W("};");
  }
  ffirt__gen_w_blank(e->w);
  W("} // namespace %s", e->lib);
}

/* The C++ type a named C type (struct or box) converts from. */
static const char *nt_cpp_type(gen_cpp *e, const gen_nt *nt) {
  return nt->kind == NT_STRUCT ? F("::%s::%s", e->lib, ident(e, GEN_ROLE_TYPE, nt->s->name))
                               : qual_type(e, nt->type);
}
static const char *nt_slug(gen_cpp *e, const gen_nt *nt) {
  return nt->kind == NT_STRUCT ? nt->s->name : slug(e, nt->type);
}

static void convert_section(gen_cpp *e) {
  gen_c *g = &e->c;
  const ffirt__gen_model *m = g->m;
  W("namespace %s::detail {", e->lib);
  ffirt__gen_w_blank(e->w);
  W("// C++ -> C layout: the result borrows v's strings and arrays (and arena's),");
  W("// valid until the export returned. C layout -> C++: deep copies.");
  for (size_t i = 0; i < g->norder; i++) {
    const gen_nt *nt = g->order[i];
    W("inline c::%s toC_%s(const %s &v, ffirt::detail::Arena &arena);", nt->cname, nt_slug(e, nt),
      nt_cpp_type(e, nt));
    W("inline %s fromC_%s(const c::%s &v);", nt_cpp_type(e, nt), nt_slug(e, nt), nt->cname);
  }
  for (size_t i = 0; i < g->norder; i++) {
    const gen_nt *nt = g->order[i];
    const char *ct = nt->cname, *cpp = nt_cpp_type(e, nt), *sl = nt_slug(e, nt);
    ffirt__gen_w_blank(e->w);
    W("inline c::%s toC_%s([[maybe_unused]] const %s &v,", ct, sl, cpp);
    W("                    [[maybe_unused]] ffirt::detail::Arena &arena) {");
    ffirt__gen_w_indent(e->w);
    W("c::%s r{};", ct);
    if (nt->kind == NT_STRUCT) {
      for (size_t k = 0; k < nt->s->nfields; k++) {
        const ffirt__gen_field *f = &nt->s->fields[k];
        store_field(e, f->type, F("v.%s", ident(e, GEN_ROLE_FIELD, f->name)), "r", f->name);
      }
    } else {
      store_field(e, nt->type, "v", "r", ffirt__gen_box_member(nt->type));
    }
    W("return r;");
    ffirt__gen_w_dedent(e->w);
    W("}");
    W("inline %s fromC_%s([[maybe_unused]] const c::%s &v) {", cpp, sl, ct);
    ffirt__gen_w_indent(e->w);
    if (nt->kind == NT_STRUCT) {
      W("%s r;", cpp);
      for (size_t k = 0; k < nt->s->nfields; k++) {
        const ffirt__gen_field *f = &nt->s->fields[k];
        W("r.%s = %s;", ident(e, GEN_ROLE_FIELD, f->name), read_field(e, f->type, "v", f->name));
      }
      W("return r;");
    } else {
      W("return %s;", read_field(e, nt->type, "v", ffirt__gen_box_member(nt->type)));
    }
    ffirt__gen_w_dedent(e->w);
    W("}");
  }
  /* the ABI check (issue: a header and a library of two IDLs are UB) */
  ffirt__gen_w_blank(e->w);
  W("/// The fingerprint of the IDL this header was generated from (docs/abi.md).");
  W("inline constexpr std::uint64_t abiFingerprint = 0x%016llxull;",
    (unsigned long long)ffirt__gen_fingerprint(m));
  W("/// Empty when the loaded library was built from that IDL, else why this");
  W("/// header refuses to call it. Read once; every constructor and static checks");
  W("/// it before calling into the library.");
  W("inline const std::string &abiMismatch() {");
  ffirt__gen_w_indent(e->w);
  W("static const std::string why = [] {");
  ffirt__gen_w_indent(e->w);
  W("const std::uint64_t library = c::%s_abi_fingerprint();", e->lib);
  W("if (library == abiFingerprint) return std::string();");
  W("char text[192];");
  W("std::snprintf(text, sizeof text,");
  W("              \"%s: ABI mismatch: this header was generated with fingerprint %%016llx, \"",
    e->lib);
  W("              \"the loaded library has %%016llx; regenerate the binding\",");
  W("              static_cast<unsigned long long>(abiFingerprint),");
  W("              static_cast<unsigned long long>(library));");
  W("return std::string(text);");
  ffirt__gen_w_dedent(e->w);
  W("}();");
  W("return why;");
  ffirt__gen_w_dedent(e->w);
  W("}");
  /* per procedure: arguments to the C layout, reply to C++ */
  for (size_t i = 0; i < m->nprocs; i++) {
    const ffirt__gen_proc *p = &m->procs[i];
    if (p->kind == GEN_DTOR) continue;
    /* submit_<proc>: the arguments to the C layout, then the export; the
     * parameters are p0, p1, ... so no IDL name meets a local */
    const char *params = "", *cargs = "";
    for (size_t k = 0; k < p->nparams; k++) {
      params = F("%s, const %s &p%zu", params, qual_type(e, p->params[k].type), k);
      cargs = F("%s, %s", cargs, slot_args(e, p->params[k].type, "args", p->params[k].name));
    }
    ffirt__gen_w_blank(e->w);
    if (p->kind == GEN_CTOR)
      W("inline void *submit_%s(FFICallBack cb, void *ud%s) {", p->name, params);
    else
      W("inline int submit_%s(%svoid *ctx, FFICallBack cb, void *ud%s) {", p->name,
        p->kind == GEN_STATIC ? "[[maybe_unused]] " : "", params);
    ffirt__gen_w_indent(e->w);
    if (p->kind == GEN_CTOR || p->kind == GEN_STATIC) {
      /* refused like any entry error: the callback on this thread */
      W("if (const std::string &why = abiMismatch(); !why.empty()) {");
      W("  cb(RET_ERR, why.data(), why.size(), ud);");
      W("  return %s;", p->kind == GEN_CTOR ? "nullptr" : "RET_ERR");
      W("}");
    }
    if (p->nparams) {
      W("[[maybe_unused]] ffirt::detail::Arena arena;");
      W("c::%s__%s_args args{};", e->lib, p->name);
      for (size_t k = 0; k < p->nparams; k++)
        store_field(e, p->params[k].type, F("p%zu", k), "args", p->params[k].name);
    }
    if (p->kind == GEN_CTOR)
      W("return c::%s_%s(%s%scb, ud);", e->lib, p->name, *cargs ? cargs + 2 : "",
        *cargs ? ", " : "");
    else
      W("return c::%s_%s(%scb, ud%s);", e->lib, p->name, p->kind == GEN_STATIC ? "" : "ctx, ",
        cargs);
    ffirt__gen_w_dedent(e->w);
    W("}");
    if (p->kind == GEN_CTOR) continue;
    const char *rt = p->result ? qual_type(e, p->result) : "void";
    ffirt__gen_w_blank(e->w);
    W("inline ffirt::Result<%s> reply_%s([[maybe_unused]] const char *msg,", rt, p->name);
    W("                    [[maybe_unused]] std::size_t len) {");
    ffirt__gen_w_indent(e->w);
    const ffirt__gen_type *t = p->result;
    if (!t) {
      W("return ffirt::Result<void>::ok();");
    } else if (t->kind == GEN_STRING) {
      W("return ffirt::Result<std::string>::ok(std::string(msg, len));");
    } else if (t->kind == GEN_BYTES) {
      W("const auto *p = reinterpret_cast<const std::uint8_t *>(msg);");
      W("return ffirt::Result<%s>::ok(std::vector<std::uint8_t>(p, p + len));", rt);
    } else {
      const char *ct = c_value_type(e, t);
      W("%s v;", ct);
      W("if (len < sizeof v) return ffirt::Result<%s>::err(\"%s: short reply\");", rt, p->name);
      W("std::memcpy(&v, msg, sizeof v);");
      W("return ffirt::Result<%s>::ok(%s);", rt, read_value(e, t, "v"));
    }
    ffirt__gen_w_dedent(e->w);
    W("}");
  }
  ffirt__gen_w_blank(e->w);
  W("} // namespace %s::detail", e->lib);
}

/* "const A &a, const B &b" (leading ", " when lead) */
static const char *cpp_params(gen_cpp *e, const ffirt__gen_proc *p) {
  const char *s = "";
  for (size_t k = 0; k < p->nparams; k++)
    s = F("%s%sconst %s &%s", s, k ? ", " : "", cpp_type(e, p->params[k].type),
          ident(e, GEN_ROLE_PARAM, p->params[k].name));
  return s;
}
/* ", a, b" : the C++ parameters passed on */
static const char *cpp_args(gen_cpp *e, const ffirt__gen_proc *p) {
  const char *s = "";
  for (size_t k = 0; k < p->nparams; k++)
    s = F("%s, %s", s, ident(e, GEN_ROLE_PARAM, p->params[k].name));
  return s;
}

/* A method or static: bodies are one call (no locals beside the IDL's
 * parameter names; members through this->). */
static void method(gen_cpp *e, const ffirt__gen_proc *p) {
  int is_static = p->kind == GEN_STATIC;
  const char *rt = result_type(e, p);
  const char *name = ident(e, GEN_ROLE_METHOD, p->name);
  const char *params = cpp_params(e, p), *args = cpp_args(e, p);
  ffirt__gen_w_blank(e->w);
  doc1(e, &p->doc,
       is_static ? "Blocks until the reply, at most `timeout`; needs no context."
                 : "Blocks until the reply, at most the context's timeout.");
  if (is_static) {
    W("static ffirt::Result<%s> %s(%s%sstd::chrono::milliseconds timeout = "
      "std::chrono::seconds{30}) {",
      rt, name, params, *params ? ", " : "");
    W("  return ffirt::detail::callSync<%s>(&detail::submit_%s, nullptr, &detail::reply_%s,", rt,
      p->name, p->name);
    W("                                     nullptr, timeout%s);", args);
  } else {
    W("ffirt::Result<%s> %s(%s) const {", rt, name, params);
    W("  return ffirt::detail::callSync<%s>(&detail::submit_%s, this->handle_, &detail::reply_%s,",
      rt, p->name, p->name);
    W("                                     &this->progress_, this->callTimeout_%s);", args);
  }
  W("}");
  doc1(e, NULL, "The same, completed from the reply callback (no thread per call).");
  W("%sstd::future<ffirt::Result<%s>> %s(%s)%s {", is_static ? "static " : "", rt,
    ffirt__gen_lang_async(e->n, e->lang, p->name), params, is_static ? "" : " const");
  W("  return ffirt::detail::callAsync<%s>(&detail::submit_%s, %s, &detail::reply_%s, %s%s);", rt,
    p->name, is_static ? "nullptr" : "this->handle_", p->name,
    is_static ? "nullptr" : "&this->progress_", args);
  W("}");
}

static void ctor(gen_cpp *e, const ffirt__gen_proc *p) {
  const char *cls = e->cls, *params = cpp_params(e, p), *args = cpp_args(e, p);
  const char *sep = *params ? ", " : "";
  const char *ptr = F("std::unique_ptr<%s>", cls);
  const char *dtor = F("&detail::c::%s_%s", e->lib, e->c.m->dtor->name);
  ffirt__gen_w_blank(e->w);
  static const char *const create_doc[] = {
      "Creates a context and waits for its constructor, at most `timeout`",
      "(also the bound of every blocking call on the context)."};
  doc(e, &p->doc, create_doc, 2);
  W("static ffirt::Result<%s> create(%s%sstd::chrono::milliseconds timeout = "
    "std::chrono::seconds{30}) {",
    ptr, params, sep);
  W("  return ffirt::detail::Creation<%s>::sync(&detail::submit_%s, %s, timeout%s);", cls, p->name,
    dtor, args);
  W("}");
  doc1(e, NULL, "The same, completed from the constructor's callback (no thread).");
  W("static std::future<ffirt::Result<%s>> createAsync(%s%sstd::chrono::milliseconds timeout = "
    "std::chrono::seconds{30}) {",
    ptr, params, sep);
  W("  return ffirt::detail::Creation<%s>::async(&detail::submit_%s, %s, timeout%s);", cls, p->name,
    dtor, args);
  W("}");
}

static void events(gen_cpp *e) {
  const ffirt__gen_model *m = e->c.m;
  for (size_t i = 0; i < m->nevents; i++) {
    const ffirt__gen_event *ev = &m->events[i];
    const ffirt__gen_type *t = ev->payload;
    const char *fn_type =
        t ? F("std::function<void(const %s &)>", cpp_type(e, t)) : "std::function<void()>";
    ffirt__gen_w_blank(e->w);
    doc1(e, &ev->doc, "Calls fn on the event thread with the payload, converted once per event.");
    W("ListenerHandle %s(%s fn) {", ffirt__gen_lang_event_subscribe(e->n, e->lang, ev->wire),
      fn_type);
    ffirt__gen_w_indent(e->w);
    const char *wire = ffirt__gen_c_string(e->n, ev->wire);
    if (t) {
      W("auto cache = this->cache_%zu_;", i);
      W("cache->prepare([&] {");
      W("  return this->listeners_.add(this->handle_, &detail::c::%s_add_event_listener, %s,",
        e->lib, wire);
      W("                              [cache](int, const char *, std::size_t) { "
        "cache->stale(); }) != 0;");
      W("});");
    }
    W("return {listeners_.add(");
    W("    handle_, &detail::c::%s_add_event_listener, %s,", e->lib, wire);
    W("    [fn = std::move(fn)%s](int ret, [[maybe_unused]] const char *msg, "
      "[[maybe_unused]] std::size_t len) {",
      t ? ", cache" : "");
    ffirt__gen_w_indent(e->w);
    ffirt__gen_w_indent(e->w);
    if (t) {
      const char *ct = t->kind == GEN_BYTES ? F("c::%s", ffirt__gen_c_event_ctype(&e->c, ev))
                                            : c_value_type(e, t);
      if (strncmp(ct, "c::", 3) == 0) ct = F("detail::%s", ct);
      W("if (ret != RET_OK || len < sizeof(%s)) return;", ct);
      W("fn(cache->get([msg] {");
      W("  %s v;", ct);
      W("  std::memcpy(&v, msg, sizeof v);");
      if (t->kind == GEN_BYTES)
        W("  return detail::fromC_bytes(v);");
      else if (t->kind == GEN_STRUCT || t->kind == GEN_SEQ || t->kind == GEN_OPTIONAL)
        W("  return detail::%s;", read_value(e, t, "v"));
      else
        W("  return %s;", read_value(e, t, "v"));
      W("}));");
    } else {
      W("if (ret == RET_OK) fn();");
    }
    ffirt__gen_w_dedent(e->w);
    W("})};");
    ffirt__gen_w_dedent(e->w);
    ffirt__gen_w_dedent(e->w);
    W("}");
  }
}

static void ctx_section(gen_cpp *e) {
  const ffirt__gen_model *m = e->c.m;
  const char *cls = e->cls;
  const char *dtor = F("%s_%s", e->lib, m->dtor->name);
  W("namespace %s {", e->lib);
  ffirt__gen_w_blank(e->w);
  doc(e, &m->state_doc, NULL, 0);
  W("/// A %s context: its own worker and event threads. Not copyable or movable;", e->lib);
  W("/// the destructor destroys it (answering calls still running with an error).");
  W("/// Every member may be called from any thread.");
  W("class %s {", cls);
  W("public:");
  ffirt__gen_w_indent(e->w);
  W("/// A registered listener (removeEventListener, subscribe).");
  W("struct ListenerHandle {");
  W("  std::uint64_t id;");
  W("};");
  W("/// Removes its listener when it goes out of scope; move-only.");
  W("using Subscription = ffirt::Subscription<%s>;", cls);
  ctor(e, m->ctor);
  ffirt__gen_w_blank(e->w);
  W("%s(const %s &) = delete;", cls, cls);
  W("%s &operator=(const %s &) = delete;", cls, cls);
  W("~%s() {", cls);
  W("  if (detail::c::%s(this->handle_) == 0)", dtor);
  W("    listeners_.clear();");
  W("  else // refused (called from one of its own callbacks): keep listeners valid");
  W("    listeners_.leak();");
  W("  ffirt::detail::Graves::drain();");
  W("}");
  for (size_t i = 0; i < m->nprocs; i++)
    if (m->procs[i].kind == GEN_METHOD || m->procs[i].kind == GEN_STATIC) method(e, &m->procs[i]);
  events(e);
  ffirt__gen_w_blank(e->w);
  static const char *const wild_doc[] = {
      "Calls fn for every event (the library's and the runtime's not_responding,",
      "responding, dropped_events) with the CBOR EventEnvelope",
      "{\"eventType\": name, \"payload\": ...}; decodeEventPayload<T> reads it."};
  doc(e, NULL, wild_doc, 3);
  W("ListenerHandle addEventListener(");
  W("    std::function<void(int ret, const std::string &eventType,");
  W("                       std::span<const std::uint8_t> envelope)> fn) {");
  W("  return {listeners_.add(handle_, &detail::c::%s_add_event_listener_cbor, \"\",", e->lib);
  W("                         [fn = std::move(fn)](int ret, const char *msg, std::size_t len) {");
  W("                           std::span<const std::uint8_t> env(");
  W("                               reinterpret_cast<const std::uint8_t *>(msg), len);");
  W("                           fn(ret, ffirt::eventTypeOf(env), env);");
  W("                         })};");
  W("}");
  static const char *const remove_doc[] = {
      "Removes a listener; false when it was not registered. From another thread",
      "it waits for a running call of it; from inside a listener it does not."};
  doc(e, NULL, remove_doc, 2);
  W("bool removeEventListener(ListenerHandle h) {");
  W("  return listeners_.remove(handle_, &detail::c::%s_remove_event_listener, h.id);", e->lib);
  W("}");
  W("/// Owns h: the listener is removed when the Subscription goes.");
  W("[[nodiscard]] Subscription subscribe(ListenerHandle h) { return Subscription(*this, h); }");
  W("/// Called with the elapsed time while a request runs longer than the");
  W("/// library's stale interval (RET_STALE_WARN); on the worker thread.");
  W("void setProgressHandler(std::function<void(std::chrono::milliseconds elapsed)> fn) {");
  W("  progress_.set(std::move(fn));");
  W("}");
  W("/// The C handle, for the C API of <%s.h>.", e->lib);
  W("void *handle() const noexcept { return handle_; }");
  W("/// The bound of blocking calls (create's timeout).");
  W("std::chrono::milliseconds callTimeout() const noexcept { return callTimeout_; }");
  ffirt__gen_w_dedent(e->w);
  ffirt__gen_w_blank(e->w);
  W("private:");
  ffirt__gen_w_indent(e->w);
  W("friend struct ffirt::detail::Creation<%s>;", cls);
  W("%s(void *ctx, std::chrono::milliseconds timeout) : handle_(ctx), callTimeout_(timeout) {}",
    cls);
  W("void *handle_;");
  W("std::chrono::milliseconds callTimeout_;");
  W("mutable ffirt::detail::Progress progress_;");
  W("ffirt::detail::Listeners listeners_;");
  for (size_t i = 0; i < m->nevents; i++) {
    if (!m->events[i].payload) continue;
    const char *pt = cpp_type(e, m->events[i].payload);
    W("std::shared_ptr<ffirt::detail::EventCache<%s>> cache_%zu_ = // %s", pt, i,
      m->events[i].wire);
    W("    std::make_shared<ffirt::detail::EventCache<%s>>();", pt);
  }
  ffirt__gen_w_dedent(e->w);
  W("};");
  ffirt__gen_w_blank(e->w);
  W("/// The context class under its short name.");
  W("using Ctx = %s;", cls);
  ffirt__gen_w_blank(e->w);
  W("} // namespace %s", e->lib);
}

static void cbor_section(gen_cpp *e) {
  const ffirt__gen_model *m = e->c.m;
  if (!m->nstructs && !m->nenums) return;
  W("// ---- reading the library's types from CBOR (decodeEventPayload<T>)");
  W("namespace ffirt::detail {");
  for (size_t i = 0; i < m->nenums + m->nstructs; i++) {
    const char *name = i < m->nenums ? m->enums[i].name : m->structs[i - m->nenums].name;
    const char *t = F("::%s::%s", e->lib, ident(e, GEN_ROLE_TYPE, name));
    W("template <> struct Cbor<%s> {", t);
    W("  static bool read(CborReader &r, %s &out);", t);
    W("};");
  }
  for (size_t i = 0; i < m->nenums; i++) {
    const ffirt__gen_enum *en = &m->enums[i];
    const char *t = F("::%s::%s", e->lib, ident(e, GEN_ROLE_TYPE, en->name));
    ffirt__gen_w_blank(e->w);
    W("inline bool Cbor<%s>::read(CborReader &r, %s &out) {", t, t);
    ffirt__gen_w_indent(e->w);
    W("std::string s;");
    W("if (!r.readText(s)) return false;");
    for (size_t k = 0; k < en->nitems; k++) {
      W("if (s == %s) {", ffirt__gen_c_string(e->n, en->items[k].wire));
      W("  out = %s::%s;", t,
        ffirt__gen_lang_enumerator(e->n, e->lang, en->name, en->items[k].name));
      W("  return true;");
      W("}");
    }
    W("return false;");
    ffirt__gen_w_dedent(e->w);
    W("}");
  }
  for (size_t i = 0; i < m->nstructs; i++) {
    const ffirt__gen_struct *s = &m->structs[i];
    const char *t = F("::%s::%s", e->lib, ident(e, GEN_ROLE_TYPE, s->name));
    ffirt__gen_w_blank(e->w);
    W("inline bool Cbor<%s>::read(CborReader &r, %s &out) {", t, t);
    ffirt__gen_w_indent(e->w);
    W("std::size_t n;");
    W("if (!r.readMap(n)) return false;");
    if (!s->nfields) {
      W("(void)out;");
      W("return n == 0;");
      ffirt__gen_w_dedent(e->w);
      W("}");
      continue;
    }
    W("bool seen[%zu] = {};", s->nfields);
    W("for (std::size_t i = 0; i < n; ++i) {");
    ffirt__gen_w_indent(e->w);
    W("std::string key;");
    W("if (!r.readText(key)) return false;");
    for (size_t k = 0; k < s->nfields; k++) {
      const char *f = ident(e, GEN_ROLE_FIELD, s->fields[k].name);
      W("%sif (key == %s) {", k ? "} else " : "", ffirt__gen_c_string(e->n, s->fields[k].name));
      W("  if (seen[%zu] || !Cbor<decltype(out.%s)>::read(r, out.%s)) return false;", k, f, f);
      W("  seen[%zu] = true;", k);
    }
    W("} else {");
    W("  return false; // unknown key");
    W("}");
    ffirt__gen_w_dedent(e->w);
    W("}");
    const char *req = "";
    for (size_t k = 0; k < s->nfields; k++)
      if (s->fields[k].type->kind != GEN_OPTIONAL) req = F("%s && seen[%zu]", req, k);
    W("return true%s;", req);
    ffirt__gen_w_dedent(e->w);
    W("}");
  }
  ffirt__gen_w_blank(e->w);
  W("} // namespace ffirt::detail");
}

static void globals_section(gen_cpp *e) {
  const ffirt__gen_model *m = e->c.m;
  W("// ---- the global names (nim-ffi's spelling); off with FFIRT_NO_GLOBAL_NAMES");
  W("// or %s_NO_GLOBAL_NAMES. The types stay namespaced when the C header", e->upper);
  W("// came first (its C structs own the global names then).");
  W("#if !defined(FFIRT_NO_GLOBAL_NAMES) && !defined(%s_NO_GLOBAL_NAMES)", e->upper);
  W("using %s::%s;", e->lib, e->cls);
  if (m->nstructs || m->nenums) {
    W("#ifndef %s_HPP_C_TYPES_GLOBAL", e->upper);
    for (size_t i = 0; i < m->nenums; i++)
      W("using %s::%s;", e->lib, ident(e, GEN_ROLE_TYPE, m->enums[i].name));
    for (size_t i = 0; i < m->nstructs; i++)
      W("using %s::%s;", e->lib, ident(e, GEN_ROLE_TYPE, m->structs[i].name));
    W("#endif");
  }
  W("#endif");
}

static const char *const includes[] = {"#include <stddef.h>",
                                       "#include <stdint.h>",
                                       "",
                                       "#include <atomic>",
                                       "#include <cassert>",
                                       "#include <chrono>",
                                       "#include <cmath>",
                                       "#include <condition_variable>",
                                       "#include <cstddef>",
                                       "#include <cstdint>",
                                       "#include <cstdio>",
                                       "#include <cstring>",
                                       "#include <functional>",
                                       "#include <future>",
                                       "#include <limits>",
                                       "#include <memory>",
                                       "#include <mutex>",
                                       "#include <optional>",
                                       "#include <span>",
                                       "#include <string>",
                                       "#include <type_traits>",
                                       "#include <unordered_map>",
                                       "#include <utility>",
                                       "#include <vector>"};

int ffirt__gen_emit_cpp(const ffirt__gen_model *m, const char *outdir) {
  gen_cpp e0, *e = &e0;
  memset(e, 0, sizeof *e);
  if (ffirt__gen_c_analyse(&e->c, m, 0) != 0) return -1;
  ffirt__gen_writer w;
  ffirt__gen_w_init(&w);
  e->w = &w;
  e->n = &e->c.names;
  e->lang = ffirt__gen_lang_get(GEN_LANG_CPP);
  e->lib = e->c.lib;
  e->upper = ffirt__gen_upper(e->n, e->lib);
  e->cls = ffirt__gen_lang_ctx_class(e->n, e->lang, m->state);
  const char *file = F("%s.hpp", e->lib);

  W("// %s - the C++20 binding of %s (header-only; docs/guide-cpp.md).", file, e->lib);
  W("// Generated by ffirt-gen from %s; do not edit.",
    m->file ? ffirt__gen_c_comment(e->n, ffirt__gen_base_name(m->file)) : "the IDL");
  doc(e, &m->library_doc, NULL, 0);
  W("//");
  W("// Link the library (lib%s.so). It may share a translation unit with other", e->lib);
  W("// libraries' .hpp files and with <%s.h>, included before this header.", e->lib);
  W("#ifndef %s_HPP", e->upper);
  W("#define %s_HPP", e->upper);
  ffirt__gen_w_blank(e->w);
  lines(e, includes, sizeof includes / sizeof includes[0]);
  ffirt__gen_w_blank(e->w);
  ffirt__gen_c_abi_block(e->w);
  ffirt__gen_w_blank(e->w);
  lines(e, common_lines, sizeof common_lines / sizeof common_lines[0]);
  ffirt__gen_w_blank(e->w);
  c_section(e);
  ffirt__gen_w_blank(e->w);
  types_section(e);
  ffirt__gen_w_blank(e->w);
  convert_section(e);
  ffirt__gen_w_blank(e->w);
  ctx_section(e);
  ffirt__gen_w_blank(e->w);
  cbor_section(e);
  ffirt__gen_w_blank(e->w);
  globals_section(e);
  ffirt__gen_w_blank(e->w);
  W("#endif // %s_HPP", e->upper);

  int oom = e->n->oom || w.oom;
  int rc = oom ? -1 : ffirt__gen_w_save(&w, outdir, file);
  if (oom) fprintf(stderr, "ffirt-gen: out of memory\n");
  ffirt__gen_w_free(&w);
  ffirt__gen_c_free(&e->c);
  return rc;
}

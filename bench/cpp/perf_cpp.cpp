// perf_cpp.cpp - what the C++ binding costs over the C native host, in the
// same process and the same run: my_timer's `echo` (delayMs 0) through
//
//   c-native  my_timer_echo() with a C callback that copies the reply out
//             and a mutex + condition variable the caller waits on (what
//             bench/perf_e2e.c and a hand-written C host do);
//   cpp       MyTimerCtx::echo() / echoAsync() of <my_timer/my_timer.hpp>
//             (C++ -> C layout, reply -> EchoResponse, Result).
//
//   sync   round trip p50/p99/max: call -> the caller holds the reply;
//   async  throughput: a window of 64 requests in flight (C: callbacks
//          counted, each copying its reply out; C++: std::future per
//          request).
//
// The two hosts alternate in rounds (C, C++, C, C++, ...) so that the
// load of a shared machine hits both alike; the rows aggregate the rounds.
// Every reply is checked; a wrong or missing one exits 1. Prints a table
// and one `csv,` line per row; `vs_c` is cpp / c-native (latency ratio for
// sync, throughput ratio for async).
//
// Usage: perf_cpp [SCALE]   (SCALE multiplies the iteration counts)
//
// This TU includes the C header first and the C++ header after it: the
// global EchoRequest is the C struct, the C++ one is my_timer::EchoRequest.
#include <my_timer/my_timer.h>
#include <my_timer/my_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <pthread.h>
#include <time.h>

namespace {

constexpr int kRounds = 5;
constexpr std::size_t kWindow = 64;
double scale = 1.0;
int failures = 0;

std::uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

void fail(const char *what) {
  if (failures++ < 5) std::fprintf(stderr, "perf_cpp: %s\n", what);
}

std::string payload(std::size_t n) {
  std::string s(n, 'x');
  for (std::size_t i = 0; i < n; i++)
    s[i] = static_cast<char>('a' + i % 26);
  return s;
}

// ---------------------------------------------------------------- C host

struct CWait {
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
  int done = 0;
  int ok = 0;
  char *echoed = nullptr; // copied out of the reply, as a C host must
  size_t inflight = 0;
  size_t completed = 0;
  const char *expect = nullptr;
};

void onCReply(int ret, const char *msg, size_t, void *ud) {
  auto *w = static_cast<CWait *>(ud);
  if (ret == RET_STALE_WARN) return;
  char *copy = nullptr;
  if (ret == RET_OK) copy = strdup(reinterpret_cast<const ::EchoResponse *>(msg)->echoed);
  pthread_mutex_lock(&w->mu);
  w->echoed = copy;
  w->ok = ret == RET_OK;
  w->done = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

void cSync(void *ctx, const std::string &msg, std::vector<std::uint64_t> &lat, std::size_t n) {
  CWait w;
  ::EchoRequest req = {msg.c_str(), 0};
  for (std::size_t i = 0; i < n; i++) {
    std::uint64_t t0 = nowNs();
    w.done = 0;
    if (my_timer_echo(ctx, onCReply, &w, req) != RET_OK) fail("c echo refused");
    pthread_mutex_lock(&w.mu);
    while (!w.done)
      pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    lat.push_back(nowNs() - t0);
    if (!w.ok || !w.echoed || msg != w.echoed) fail("c echo: wrong reply");
    free(w.echoed);
    w.echoed = nullptr;
  }
}

void onCAsyncReply(int ret, const char *msg, size_t, void *ud) {
  auto *w = static_cast<CWait *>(ud);
  if (ret == RET_STALE_WARN) return;
  // copied out as a C host that keeps the reply must (as the sync one does)
  char *copy =
      ret == RET_OK ? strdup(reinterpret_cast<const ::EchoResponse *>(msg)->echoed) : nullptr;
  bool good = copy && std::strcmp(copy, w->expect) == 0;
  free(copy);
  pthread_mutex_lock(&w->mu);
  if (!good) w->ok = 0;
  w->inflight--;
  w->completed++;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

double cAsync(void *ctx, const std::string &msg, std::size_t n) {
  CWait w;
  w.ok = 1;
  w.expect = msg.c_str();
  ::EchoRequest req = {msg.c_str(), 0};
  std::uint64_t t0 = nowNs();
  for (std::size_t i = 0; i < n; i++) {
    pthread_mutex_lock(&w.mu);
    while (w.inflight >= kWindow)
      pthread_cond_wait(&w.cv, &w.mu);
    w.inflight++;
    pthread_mutex_unlock(&w.mu);
    if (my_timer_echo(ctx, onCAsyncReply, &w, req) != RET_OK) fail("c async echo refused");
  }
  pthread_mutex_lock(&w.mu);
  while (w.inflight > 0)
    pthread_cond_wait(&w.cv, &w.mu);
  pthread_mutex_unlock(&w.mu);
  double s = static_cast<double>(nowNs() - t0) / 1e9;
  if (!w.ok || w.completed != n) fail("c async echo: wrong reply");
  return static_cast<double>(n) / s;
}

// ---------------------------------------------------------------- C++ host

void cppSync(const MyTimerCtx &t, const std::string &msg, std::vector<std::uint64_t> &lat,
             std::size_t n) {
  for (std::size_t i = 0; i < n; i++) {
    std::uint64_t t0 = nowNs();
    Result<my_timer::EchoResponse> r = t.echo(my_timer::EchoRequest{msg, 0});
    lat.push_back(nowNs() - t0);
    if (!r || r->echoed != msg) fail("c++ echo: wrong reply");
  }
}

double cppAsync(const MyTimerCtx &t, const std::string &msg, std::size_t n) {
  std::deque<std::future<Result<my_timer::EchoResponse>>> window;
  bool ok = true;
  std::uint64_t t0 = nowNs();
  for (std::size_t i = 0; i < n; i++) {
    if (window.size() >= kWindow) {
      auto r = window.front().get();
      ok = ok && r && r->echoed == msg;
      window.pop_front();
    }
    window.push_back(t.echoAsync(my_timer::EchoRequest{msg, 0}));
  }
  for (auto &f : window) {
    auto r = f.get();
    ok = ok && r && r->echoed == msg;
  }
  double s = static_cast<double>(nowNs() - t0) / 1e9;
  if (!ok) fail("c++ async echo: wrong reply");
  return static_cast<double>(n) / s;
}

// ---------------------------------------------------------------- report

double pct(std::vector<std::uint64_t> v, double p) {
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1000.0;
}

void syncRow(const char *host, std::size_t size, const std::vector<std::uint64_t> &lat,
             double baseP50) {
  double p50 = pct(lat, 50), p99 = pct(lat, 99), mx = pct(lat, 100);
  double vs = baseP50 > 0 ? p50 / baseP50 : 1.0;
  std::printf("%-6s %-9s %6zu %8zu %9.1f %9.1f %9.1f %12s %6.2f\n", "sync", host, size, lat.size(),
              p50, p99, mx, "-", vs);
  std::printf("csv,sync,%s,%zu,%zu,%.2f,%.2f,%.2f,,%.3f\n", host, size, lat.size(), p50, p99, mx,
              vs);
}

void asyncRow(const char *host, std::size_t size, std::size_t n, double rate, double baseRate) {
  double vs = baseRate > 0 ? rate / baseRate : 1.0;
  std::printf("%-6s %-9s %6zu %8zu %9s %9s %9s %12.0f %6.2f\n", "async", host, size, n, "-", "-",
              "-", rate, vs);
  std::printf("csv,async,%s,%zu,%zu,,,,%.0f,%.3f\n", host, size, n, rate, vs);
}

} // namespace

int main(int argc, char **argv) {
  if (argc > 1) scale = std::atof(argv[1]);
  if (scale <= 0) scale = 1.0;
  auto created = MyTimerCtx::create(my_timer::TimerConfig{"perf"});
  if (!created) {
    std::fprintf(stderr, "perf_cpp: create: %s\n", created.error().c_str());
    return 1;
  }
  std::unique_ptr<MyTimerCtx> t = created.take();
  double load[3] = {0, 0, 0};
  if (FILE *f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    std::fclose(f);
  }
  std::printf("perf_cpp: my_timer echo, C native host vs C++ binding, %d alternating rounds, "
              "load average %.2f %.2f %.2f\n",
              kRounds, load[0], load[1], load[2]);
  std::printf("%-6s %-9s %6s %8s %9s %9s %9s %12s %6s\n", "mode", "host", "bytes", "calls",
              "p50_us", "p99_us", "max_us", "calls/s", "vs_c");
  std::printf("csv,mode,host,bytes,calls,p50_us,p99_us,max_us,calls_per_s,vs_c\n");
  for (std::size_t size : {std::size_t{64}, std::size_t{4096}}) {
    std::string msg = payload(size);
    std::size_t syncN = static_cast<std::size_t>(2000 * scale) + 1;
    std::size_t asyncN = static_cast<std::size_t>(20000 * scale) + 1;
    std::vector<std::uint64_t> cLat, cppLat;
    double cRate = 0, cppRate = 0;
    cSync(t->handle(), msg, cLat, syncN / 10 + 1); // warm-up, not counted
    cppSync(*t, msg, cppLat, syncN / 10 + 1);
    cLat.clear();
    cppLat.clear();
    for (int r = 0; r < kRounds; r++) {
      cSync(t->handle(), msg, cLat, syncN);
      cppSync(*t, msg, cppLat, syncN);
      cRate += cAsync(t->handle(), msg, asyncN) / kRounds;
      cppRate += cppAsync(*t, msg, asyncN) / kRounds;
    }
    double base = pct(cLat, 50);
    syncRow("c-native", size, cLat, base);
    syncRow("cpp", size, cppLat, base);
    asyncRow("c-native", size, asyncN * kRounds, cRate, cRate);
    asyncRow("cpp", size, asyncN * kRounds, cppRate, cRate);
  }
  if (failures) {
    std::fprintf(stderr, "perf_cpp: %d wrong or missing replies\n", failures);
    return 1;
  }
  return 0;
}

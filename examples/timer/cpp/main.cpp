// A C++ host of the my_timer example library, through the generated
// header-only binding <my_timer/my_timer.hpp> (docs/guide-cpp.md).
//
//   build/bin/my_timer_cpp_demo
//
// It creates a timer, calls it in the blocking and the future form, listens
// to its event both typed and as CBOR envelopes, and shows how errors come
// back. No exceptions anywhere: every call returns a Result.
#include <my_timer/my_timer.hpp>

#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <string>
#include <vector>

int main() {
  // The context: its constructor runs on the context's own worker thread;
  // create() waits for it (at most the timeout, also the bound of every
  // blocking call on this context).
  Result<std::unique_ptr<MyTimerCtx>> created =
      MyTimerCtx::create(TimerConfig{"demo"}, std::chrono::seconds{5});
  if (!created) {
    std::fprintf(stderr, "create failed: %s\n", created.error().c_str());
    return 1;
  }
  std::unique_ptr<MyTimerCtx> timer = created.take();

  // Events arrive on the context's event thread: guard what they share.
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::string> log;
  auto note = [&](std::string line) {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(std::move(line));
    changed.notify_all();
  };

  // A typed listener gets the payload as a C++ struct. The Subscription
  // removes it when it goes out of scope.
  MyTimerCtx::Subscription fired = timer->subscribe(timer->addOnEchoFiredListener(
      [&](const EchoEvent &e) { note("event on_echo_fired: " + e.message); }));

  // A wildcard listener gets every event as a CBOR envelope; decode what
  // you know.
  MyTimerCtx::Subscription all = timer->subscribe(timer->addEventListener(
      [&](int, const std::string &type, std::span<const std::uint8_t> envelope) {
        EchoEvent e;
        if (type == "on_echo_fired" && decodeEventPayload(envelope, e))
          note("envelope " + type + ": echoCount " + std::to_string(e.echoCount));
      }));

  // A blocking call.
  Result<std::string> version = timer->version();
  std::printf("version: %s\n", version ? version->c_str() : version.error().c_str());

  Result<EchoResponse> echoed = timer->echo(EchoRequest{"hello", 0});
  if (echoed)
    std::printf("echo: %s (from %s)\n", echoed->echoed.c_str(), echoed->timerName.c_str());

  // The future form: several requests in flight, completed by their replies
  // (no thread per call). The slow one does not hold up the quick one.
  std::future<Result<EchoResponse>> slow = timer->echoAsync(EchoRequest{"slow", 50});
  std::future<Result<EchoResponse>> quick = timer->echoAsync(EchoRequest{"quick", 0});
  std::printf("first answer: %s\n", quick.get()->echoed.c_str());
  std::printf("second answer: %s\n", slow.get()->echoed.c_str());

  // Structs with sequences and optionals are plain aggregates.
  ComplexRequest batch;
  batch.messages = {EchoRequest{"a", 0}, EchoRequest{"b", 0}};
  batch.note = "two of them";
  Result<ComplexResponse> summary = timer->complex(batch);
  if (summary) std::printf("complex: %s\n", summary->summary.c_str());

  // Errors are values: the library's text, no exception.
  Result<ScheduleResult> refused =
      timer->schedule(JobSpec{"", {}, 0}, RetryPolicy{1, 0, {}}, ScheduleConfig{0, 0, {}});
  if (refused.isErr()) std::printf("schedule refused: %s\n", refused.error().c_str());

  // Every echo fired one event, seen by both listeners. Events are
  // delivered after the reply, on their own thread: wait for them.
  {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait_for(lock, std::chrono::seconds{5}, [&] { return log.size() >= 6; });
    std::printf("%zu event lines (3 echoes x 2 listeners)\n", log.size());
    if (log.size() != 6) return 1;
  }
  fired.reset(); // removes the listener now (the destructor would too)
  return 0;
} // ~MyTimerCtx destroys the context

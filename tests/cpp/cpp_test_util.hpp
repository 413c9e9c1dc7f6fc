// Helpers of the C++ binding tests: a counter that listeners bump on the
// event thread and the test thread waits for.
#ifndef FFIRT_TESTS_CPP_TEST_UTIL_HPP
#define FFIRT_TESTS_CPP_TEST_UTIL_HPP

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

class Counter {
public:
  void bump(const std::string &what = {}) {
    std::lock_guard<std::mutex> lk(m_);
    ++n_;
    seen_.push_back(what);
    cv_.notify_all();
  }
  // Waits until the count reaches n (at most ms); returns the count.
  int waitFor(int n, int ms = 5000) {
    std::unique_lock<std::mutex> lk(m_);
    cv_.wait_for(lk, std::chrono::milliseconds(ms), [&] { return n_ >= n; });
    return n_;
  }
  int count() {
    std::lock_guard<std::mutex> lk(m_);
    return n_;
  }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> lk(m_);
    return seen_;
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  int n_ = 0;
  std::vector<std::string> seen_;
};

#endif

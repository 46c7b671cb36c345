#include "runtime/background_runner.hpp"

#include <sched.h>

#include <future>
#include <string>

#include "runtime/event_loop.hpp"
#include "util/error.hpp"

namespace sluice::runtime {

BackgroundRunner::~BackgroundRunner() {
  try {
    stop();
  } catch (...) {
    // A destructor must not throw; the failure was the caller's to collect with stop().
  }
}

void BackgroundRunner::start(int core, Body body) {
  if (core >= 0) check_core_usable(core);
  stop_.store(false);
  failure_ = nullptr;
  std::promise<void> readiness;
  std::future<void> ready_future = readiness.get_future();
  thread_ = std::thread([this, core, body = std::move(body), readiness = std::move(readiness)]() mutable {
    bool reported = false;
    try {
      if (core >= 0) pin_current_thread(core);
      body(stop_, [&] {
        reported = true;
        readiness.set_value();
      });
      if (!reported) readiness.set_value();
    } catch (...) {
      if (reported) {
        failure_ = std::current_exception();
      } else {
        readiness.set_exception(std::current_exception());
      }
    }
  });
  try {
    ready_future.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

void BackgroundRunner::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  thread_.join();
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
}

void run_pinned(int core, const std::function<void()>& body) {
  if (core >= 0) check_core_usable(core);
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      if (core >= 0) pin_current_thread(core);
      body();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

void check_core_usable(int core) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) throw_errno(errno, "sched_getaffinity");
  if (core >= CPU_SETSIZE || !CPU_ISSET(core, &allowed)) {
    throw Error(EINVAL, "core " + std::to_string(core) + " is not online or not allowed for this process");
  }
}

}  // namespace sluice::runtime

#pragma once
// Runs one data-path loop on its own thread, pinned to a core, until asked to stop. start() returns
// once the loop reports it is ready (sockets bound, device open), or rethrows what failed before.
#include <atomic>
#include <exception>
#include <functional>
#include <thread>

namespace sluice::runtime {

class BackgroundRunner {
 public:
  using Ready = std::function<void()>;
  using Body = std::function<void(const std::atomic<bool>& stop, const Ready& ready)>;

  BackgroundRunner() = default;
  ~BackgroundRunner();
  BackgroundRunner(const BackgroundRunner&) = delete;
  BackgroundRunner& operator=(const BackgroundRunner&) = delete;

  /// Pins the new thread to `core` (none when negative) before `body` runs.
  void start(int core, Body body);
  /// Asks the loop to stop and joins it; rethrows an error the loop ended with.
  void stop();
  bool running() const { return thread_.joinable(); }

 private:
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::exception_ptr failure_;
};

/// Runs `body` to completion on a new thread pinned to `core` (none when negative), so the caller's
/// thread (for example a libuv worker) keeps its own affinity; rethrows what `body` threw.
void run_pinned(int core, const std::function<void()>& body);

/// Throws sluice::Error(EINVAL) unless `core` is a CPU this process may run on.
void check_core_usable(int core);

}  // namespace sluice::runtime

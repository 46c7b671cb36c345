#pragma once
// The run-to-completion loop of one instance: one clock read per iteration, receive a burst, let the
// app work, finish. Busy-polls, or sleeps on the device's descriptor when idle.
#include <atomic>
#include <cstdint>

#include "runtime/counter_table.hpp"
#include "runtime/stack_instance.hpp"
#include "runtime/stats_file.hpp"

namespace sluice::runtime {

/// What an app does in each iteration, after the stack has processed the received burst.
class App {
 public:
  virtual ~App() = default;
  virtual void step(Instant now, StackInstance& instance) = 0;
  /// Called once before the loop starts (bind sockets, ...). Throws sluice::Error on failure.
  virtual void start(Instant now, StackInstance& instance) = 0;
  /// Called once after the loop stops, before the instance is torn down.
  virtual void stop(StackInstance& instance) = 0;
  /// Adds the app's own counters (group "app") to the instance's table.
  virtual void describe_counters(CounterTable& table) const = 0;
};

struct LoopOptions {
  bool busy_poll = true;
  /// Idle polls in a row before sleeping when not busy-polling.
  std::uint32_t idle_polls_before_sleep = 64;
  /// Longest single sleep, which bounds how quickly a stop request is seen.
  std::uint32_t max_sleep_ms = 50;
  /// Where to publish counters for the agent, and how often; none when null.
  StatsFile* stats = nullptr;
  Duration stats_interval = Duration::millis(100);
};

/// Runs until `stop` becomes true. The caller pins the thread beforehand.
void run_event_loop(StackInstance& instance, App& app, const LoopOptions& options, const std::atomic<bool>& stop);

/// Pins the calling thread to one CPU; throws sluice::Error naming the core when it cannot.
void pin_current_thread(int core);

}  // namespace sluice::runtime

#include "runtime/event_loop.hpp"

#include <poll.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <string>

#include "util/error.hpp"

namespace sluice::runtime {

namespace {
int sleep_timeout_ms(const StackInstance& instance, Instant now, std::uint32_t max_sleep_ms) {
  const Instant deadline = instance.next_deadline();
  if (deadline.is_never()) return static_cast<int>(max_sleep_ms);
  const std::uint64_t until = (deadline - now).nanos / 1000'000;
  return static_cast<int>(std::min<std::uint64_t>(until, max_sleep_ms));
}
}  // namespace

void run_event_loop(StackInstance& instance, App& app, const LoopOptions& options, const std::atomic<bool>& stop) {
  std::uint32_t idle_in_a_row = 0;
  Instant next_stats{};
  while (!stop.load(std::memory_order_relaxed)) {
    const Instant now = monotonic_now();
    const std::size_t received = instance.receive(now);
    app.step(now, instance);
    instance.finish(now);
    if (options.stats != nullptr && now >= next_stats) {
      instance.device().counters();  // some devices refresh kernel-side statistics here
      options.stats->publish(now);
      next_stats = now + options.stats_interval;
    }

    idle_in_a_row = received == 0 ? idle_in_a_row + 1 : 0;
    const int fd = instance.device().wait_fd();
    if (options.busy_poll || fd < 0 || idle_in_a_row < options.idle_polls_before_sleep) continue;
    pollfd waiter{fd, POLLIN, 0};
    ++instance.counters().sleeps;
    std::uint32_t max_sleep_ms = options.max_sleep_ms;
    if (options.stats != nullptr) max_sleep_ms = std::min<std::uint32_t>(max_sleep_ms, options.stats_interval.nanos / 1000'000);
    ::poll(&waiter, 1, sleep_timeout_ms(instance, now, max_sleep_ms));
    idle_in_a_row = 0;
  }
  if (options.stats != nullptr) {
    instance.device().counters();
    options.stats->mark_stopped(monotonic_now());
  }
}

void pin_current_thread(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (rc != 0) throw_errno(rc, "cannot pin to core " + std::to_string(core));
}

}  // namespace sluice::runtime

#include "preload/stats.hpp"

#include <cstdio>
#include <cstdlib>

#include "capi/process_libos.hpp"
#include "libos/stack_provider.hpp"
#include "runtime/counter_table.hpp"
#include "runtime/stats_file.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

namespace sluice::preload {
namespace {

constexpr Duration publish_interval{100'000'000};
// Made once at start and never freed: exit handlers of the program may still run the stack.
runtime::CounterTable* table = nullptr;
runtime::StatsFile* file = nullptr;
Instant next_publish{};

}  // namespace

void start_stats() {
  const char* path = std::getenv("SLUICE_STATS_FILE");
  libos::LibOS* libos = libos::process_libos();
  if (path == nullptr || *path == '\0' || libos == nullptr) return;
  auto* stack = dynamic_cast<libos::StackProvider*>(&libos->provider());
  if (stack == nullptr) return;
  table = new runtime::CounterTable();
  runtime::add_instance_counters(*table, stack->instance());
  table->add("libos", "polls", libos->counters().polls);
  table->add("libos", "completions", libos->counters().completions);
  try {
    file = new runtime::StatsFile(path, *table);
  } catch (const Error& e) {
    std::fprintf(stderr, "sluice preload: no stats: %s\n", e.what());
  }
}

bool stats_enabled() { return file != nullptr; }

void maybe_publish_stats() {
  if (file == nullptr) return;
  const Instant now = monotonic_now();
  if (now < next_publish) return;
  file->publish(now);
  next_publish = now + publish_interval;
}

void stop_stats() {
  if (file != nullptr) file->mark_stopped(monotonic_now());
}

}  // namespace sluice::preload

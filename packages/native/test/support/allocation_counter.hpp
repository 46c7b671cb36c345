#pragma once
// Counts calls to the global operator new between start() and stop(), to check that a data path
// does not allocate in steady state. The replacement operators live in allocation_counter.cpp;
// one test binary can have only one set, so every test uses this header rather than its own.
#include <cstdint>

namespace sluice::test {

struct AllocationCounter {
  static void start();
  /// Allocations since start().
  static std::uint64_t stop();
};

}  // namespace sluice::test

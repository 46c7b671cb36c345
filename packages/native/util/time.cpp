#include "util/time.hpp"

#include <ctime>

namespace sluice {

Instant monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return {static_cast<std::uint64_t>(ts.tv_sec) * 1000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec)};
}

}  // namespace sluice

#pragma once
// Time is passed into the stack, never read inside it, so simulations replay exactly.
#include <compare>
#include <cstdint>

namespace sluice {

/// A point in time in nanoseconds since an arbitrary epoch (CLOCK_MONOTONIC on real devices).
struct Instant {
  std::uint64_t nanos = 0;

  static constexpr Instant from_micros(std::uint64_t us) { return {us * 1000}; }
  static constexpr Instant from_millis(std::uint64_t ms) { return {ms * 1000'000}; }
  static constexpr Instant never() { return {~std::uint64_t{0}}; }
  constexpr bool is_never() const { return nanos == ~std::uint64_t{0}; }
  constexpr std::uint64_t millis() const { return nanos / 1000'000; }
  friend constexpr auto operator<=>(Instant, Instant) = default;
};

/// A span of time in nanoseconds.
struct Duration {
  std::uint64_t nanos = 0;

  static constexpr Duration micros(std::uint64_t us) { return {us * 1000}; }
  static constexpr Duration millis(std::uint64_t ms) { return {ms * 1000'000}; }
  static constexpr Duration seconds(std::uint64_t s) { return {s * 1000'000'000}; }
  friend constexpr auto operator<=>(Duration, Duration) = default;
};

constexpr Instant operator+(Instant at, Duration d) { return at.is_never() ? at : Instant{at.nanos + d.nanos}; }
constexpr Duration operator-(Instant later, Instant earlier) {
  return {later.nanos > earlier.nanos ? later.nanos - earlier.nanos : 0};
}

/// Reads CLOCK_MONOTONIC. Only runtimes and apps call this, once per loop iteration.
Instant monotonic_now();

}  // namespace sluice

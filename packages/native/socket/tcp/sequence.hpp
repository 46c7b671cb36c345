#pragma once
// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 3.4). Two numbers compare by
// the sign of their difference, so the order holds across wrap-around as long as they are less
// than 2^31 apart, which windows guarantee. Not a total order: there is no <=>.
#include <cstdint>

namespace sluice::socket::tcp {

struct Seq {
  std::uint32_t value = 0;

  constexpr Seq operator+(std::uint32_t n) const { return {value + n}; }
  constexpr Seq operator-(std::uint32_t n) const { return {value - n}; }
  constexpr Seq& operator+=(std::uint32_t n) {
    value += n;
    return *this;
  }
  /// Signed distance a - b; meaningful when |a - b| < 2^31.
  friend constexpr std::int32_t operator-(Seq a, Seq b) { return static_cast<std::int32_t>(a.value - b.value); }
  friend constexpr bool operator==(Seq a, Seq b) { return a.value == b.value; }
  friend constexpr bool operator<(Seq a, Seq b) { return (a - b) < 0; }
  friend constexpr bool operator<=(Seq a, Seq b) { return (a - b) <= 0; }
  friend constexpr bool operator>(Seq a, Seq b) { return (a - b) > 0; }
  friend constexpr bool operator>=(Seq a, Seq b) { return (a - b) >= 0; }
};

constexpr Seq seq_max(Seq a, Seq b) { return a < b ? b : a; }
constexpr Seq seq_min(Seq a, Seq b) { return a < b ? a : b; }

/// Bytes from `from` up to `to`, 0 when `to` is not after `from`.
constexpr std::uint32_t seq_span(Seq from, Seq to) { return to > from ? static_cast<std::uint32_t>(to - from) : 0; }

/// left <= s < left + length.
constexpr bool seq_in_window(Seq s, Seq left, std::uint32_t length) {
  return static_cast<std::uint32_t>(s.value - left.value) < length;
}

}  // namespace sluice::socket::tcp

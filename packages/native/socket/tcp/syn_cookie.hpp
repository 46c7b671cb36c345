#pragma once
// SYN cookies (RFC 4987 section 3.6): when a listener's SYN queue is full, or no connection slot is
// left, the SYN-ACK carries all the state in its ISN and nothing is kept. The peer's ACK gives it back
// (acknowledgment - 1) and, if genuine, the connection is created then.
//
// The 32-bit cookie: | t: 5 bits | m: 3 bits | s: 24 bits |
//   t  a counter of 64-second ticks (mod 32); a cookie is valid during its tick and the next one,
//      so 64 to 128 s, long enough for any handshake and short enough to go stale;
//   m  the index of the largest table MSS not above the peer's announced MSS;
//   s  SipHash-2-4 (keyed from the stack's secret) of the 4-tuple, the peer's ISN, t and m.
// A forged ACK must guess 24 bits of s for one tuple and tick.
//
// Only MSS survives: window scaling, SACK and timestamps are not announced in a cookie SYN-ACK and a
// cookie connection runs without them (Linux hides them in the timestamp instead; we chose the
// simpler rule, which costs throughput only while under a SYN flood).
#include <cstdint>
#include <optional>

#include "socket/tcp/four_tuple.hpp"
#include "util/siphash.hpp"
#include "util/time.hpp"

namespace sluice::socket::tcp {

class SynCookies {
 public:
  static constexpr Duration tick = Duration::seconds(64);

  explicit SynCookies(std::uint64_t secret);

  /// The ISN of a cookie SYN-ACK answering a SYN with sequence `peer_isn` and MSS `peer_mss`.
  std::uint32_t make(Instant now, const FourTuple& tuple, std::uint32_t peer_isn, std::uint16_t peer_mss) const;
  /// The MSS the cookie encodes if `cookie` (the ACK's acknowledgment - 1) is genuine for this
  /// tuple and peer ISN (the ACK's sequence - 1) and not stale; nullopt otherwise.
  std::optional<std::uint16_t> check(Instant now, const FourTuple& tuple, std::uint32_t peer_isn,
                                     std::uint32_t cookie) const;
  /// The MSS a cookie sent for `peer_mss` will carry (the table entry, never above the peer's).
  static std::uint16_t encodable_mss(std::uint16_t peer_mss);

 private:
  std::uint32_t signature(const FourTuple& tuple, std::uint32_t peer_isn, std::uint32_t t, std::uint32_t m) const;

  SipKey key_;
};

}  // namespace sluice::socket::tcp

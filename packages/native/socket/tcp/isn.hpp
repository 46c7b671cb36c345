#pragma once
// Initial sequence numbers per RFC 6528: ISN = M + F(4-tuple, secret), where M is a clock ticking
// every 4 microseconds (from the time passed in) and F a keyed hash (SipHash-2-4), so ISNs of one
// 4-tuple keep increasing while those of other 4-tuples cannot be guessed. The same key also
// gives each connection its own timestamp offset (RFC 7323 section 5.4).
#include <cstdint>

#include "socket/tcp/four_tuple.hpp"
#include "util/siphash.hpp"
#include "util/time.hpp"

namespace sluice::socket::tcp {

class IsnGenerator {
 public:
  /// The key comes from the stack's seed: a deployment sets a secret seed, a simulation a fixed one.
  explicit IsnGenerator(std::uint64_t seed);

  std::uint32_t initial_sequence(Instant now, const FourTuple& tuple) const;
  std::uint32_t timestamp_offset(const FourTuple& tuple) const;

 private:
  SipKey isn_key_;
  SipKey timestamp_key_;
};

}  // namespace sluice::socket::tcp

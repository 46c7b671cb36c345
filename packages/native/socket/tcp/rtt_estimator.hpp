#pragma once
// The retransmission timeout of RFC 6298: SRTT and RTTVAR from round-trip samples, RTO = SRTT +
// max(G, 4 * RTTVAR) clamped to [min, max], doubled per consecutive timeout (backoff).
#include <cstdint>

#include "util/time.hpp"

namespace sluice::socket::tcp {

struct RttConfig {
  Duration initial_rto = Duration::seconds(1);  ///< before the first sample (RFC 6298 2.1)
  Duration min_rto = Duration::millis(200);     ///< RFC 6298 says 1 s (SHOULD); 200 ms as Linux
  Duration max_rto = Duration::seconds(120);    ///< at least 60 s (RFC 6298 2.5)
  Duration granularity = Duration::millis(1);   ///< G, the clock granularity
};

class RttEstimator {
 public:
  explicit RttEstimator(const RttConfig& config = {}) { reset(config); }

  void reset(const RttConfig& config);
  /// Takes one round-trip measurement (RFC 6298 2.2 and 2.3) and clears the backoff.
  void sample(Duration rtt);
  /// Doubles the timeout after an expiry (RFC 6298 5.5); returns the new backoff count.
  std::uint32_t back_off() { return ++backoff_; }
  void clear_backoff() { backoff_ = 0; }
  /// RFC 6298 5.7: a SYN timed out and no sample exists yet, so data starts with RTO >= 3 s.
  void after_syn_timeout();

  /// The timeout to arm now: the base RTO doubled `backoff` times, at most max_rto.
  Duration timeout() const;
  Duration base_rto() const { return rto_; }
  std::uint32_t backoff() const { return backoff_; }
  bool has_sample() const { return has_sample_; }
  Duration srtt() const { return srtt_; }
  Duration rttvar() const { return rttvar_; }
  Duration min_rtt() const { return min_rtt_; }

 private:
  void clamp_rto(std::uint64_t nanos);

  RttConfig config_;
  bool has_sample_ = false;
  Duration srtt_{};
  Duration rttvar_{};
  Duration rto_{};
  Duration min_rtt_{};
  std::uint32_t backoff_ = 0;
};

}  // namespace sluice::socket::tcp

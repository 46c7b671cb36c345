#include "socket/tcp/rtt_estimator.hpp"

#include <algorithm>

namespace sluice::socket::tcp {

void RttEstimator::reset(const RttConfig& config) {
  config_ = config;
  has_sample_ = false;
  srtt_ = rttvar_ = min_rtt_ = Duration{};
  backoff_ = 0;
  clamp_rto(config_.initial_rto.nanos);
}

void RttEstimator::sample(Duration rtt) {
  const std::uint64_t r = rtt.nanos;
  if (!has_sample_) {
    srtt_ = {r};
    rttvar_ = {r / 2};
    min_rtt_ = {r};
    has_sample_ = true;
  } else {
    const std::uint64_t deviation = srtt_.nanos > r ? srtt_.nanos - r : r - srtt_.nanos;
    rttvar_ = {(3 * rttvar_.nanos + deviation) / 4};  // beta = 1/4
    srtt_ = {(7 * srtt_.nanos + r) / 8};              // alpha = 1/8
    min_rtt_ = {std::min(min_rtt_.nanos, r)};
  }
  clamp_rto(srtt_.nanos + std::max(config_.granularity.nanos, 4 * rttvar_.nanos));
  backoff_ = 0;
}

void RttEstimator::after_syn_timeout() {
  if (!has_sample_) clamp_rto(std::max<std::uint64_t>(rto_.nanos, Duration::seconds(3).nanos));
}

Duration RttEstimator::timeout() const {
  std::uint64_t t = rto_.nanos;
  for (std::uint32_t i = 0; i < backoff_ && t < config_.max_rto.nanos; ++i) t *= 2;
  return {std::min(t, config_.max_rto.nanos)};
}

void RttEstimator::clamp_rto(std::uint64_t nanos) {
  rto_ = {std::clamp(nanos, config_.min_rto.nanos, std::max(config_.min_rto.nanos, config_.max_rto.nanos))};
}

}  // namespace sluice::socket::tcp

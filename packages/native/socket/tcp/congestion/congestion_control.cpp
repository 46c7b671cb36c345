#include "socket/tcp/congestion/congestion_control.hpp"

#include <algorithm>

namespace sluice::socket::tcp {

const char* congestion_algorithm_name(CongestionAlgorithm algorithm) {
  switch (algorithm) {
    case CongestionAlgorithm::newreno:
      return "newreno";
    case CongestionAlgorithm::cubic:
      return "cubic";
  }
  return "unknown";
}

std::uint32_t CongestionControl::slow_start(std::uint32_t acked) {
  const std::uint32_t room = ssthresh_ > cwnd_ ? ssthresh_ - cwnd_ : 0;
  const std::uint32_t grow = std::min({acked, mss_, room});
  cwnd_ = std::min(cwnd_ + grow, max_window);
  return acked - grow;
}

}  // namespace sluice::socket::tcp

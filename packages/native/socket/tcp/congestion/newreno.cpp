#include "socket/tcp/congestion/newreno.hpp"

#include <algorithm>

namespace sluice::socket::tcp {

void NewReno::start(std::uint32_t mss, std::uint32_t initial_window) {
  CongestionControl::start(mss, initial_window);
  bytes_acked_ = 0;
}

void NewReno::on_ack(const AckEvent& ack) {
  if (!ack.cwnd_limited) return;
  std::uint32_t acked = ack.acked_bytes;
  if (in_slow_start()) acked = slow_start(acked);
  if (acked == 0 || in_slow_start()) return;
  bytes_acked_ += acked;  // RFC 5681 3.1, equation (3)'s byte-counting alternative
  if (bytes_acked_ >= cwnd_) {
    bytes_acked_ -= cwnd_;
    cwnd_ = std::min(cwnd_ + mss_, max_window);
  }
}

std::uint32_t NewReno::halved(std::uint32_t flight) const { return std::max(flight / 2, 2 * mss_); }

void NewReno::on_loss(Instant, std::uint32_t flight) {
  ssthresh_ = halved(flight);  // RFC 5681 equation (4)
  cwnd_ = ssthresh_;
  bytes_acked_ = 0;
}

void NewReno::on_timeout(Instant, std::uint32_t flight) {
  ssthresh_ = halved(flight);
  cwnd_ = mss_;
  bytes_acked_ = 0;
}

}  // namespace sluice::socket::tcp

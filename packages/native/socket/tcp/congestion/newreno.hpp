#pragma once
// NewReno's window (RFC 5681 with appropriate byte counting in congestion avoidance, RFC 6582 for
// recovery): halve on loss, one segment per window of acknowledged bytes in avoidance.
#include "socket/tcp/congestion/congestion_control.hpp"

namespace sluice::socket::tcp {

class NewReno final : public CongestionControl {
 public:
  CongestionAlgorithm algorithm() const override { return CongestionAlgorithm::newreno; }
  void start(std::uint32_t mss, std::uint32_t initial_window) override;
  void on_ack(const AckEvent& ack) override;
  void on_loss(Instant now, std::uint32_t flight) override;
  void on_timeout(Instant now, std::uint32_t flight) override;

 private:
  std::uint32_t halved(std::uint32_t flight) const;
  std::uint32_t bytes_acked_ = 0;  ///< towards the next one-segment increase in avoidance
};

}  // namespace sluice::socket::tcp

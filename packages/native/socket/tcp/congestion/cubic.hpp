#pragma once
// CUBIC (RFC 9438): after a loss the window follows W(t) = C (t - K)^3 + W_max, concave up to the
// window where the loss happened and convex beyond it, never below the Reno-friendly estimate.
// Fast convergence releases bandwidth to newer flows. Times in seconds, windows in segments (as
// the RFC writes them), converted to bytes for cwnd.
#include "socket/tcp/congestion/congestion_control.hpp"

namespace sluice::socket::tcp {

class Cubic final : public CongestionControl {
 public:
  static constexpr double c = 0.4;
  static constexpr double beta = 0.7;

  CongestionAlgorithm algorithm() const override { return CongestionAlgorithm::cubic; }
  void start(std::uint32_t mss, std::uint32_t initial_window) override;
  void on_ack(const AckEvent& ack) override;
  void on_loss(Instant now, std::uint32_t flight) override;
  void on_timeout(Instant now, std::uint32_t flight) override;

  /// W_max and K of the current epoch, for tests.
  double w_max_segments() const { return w_max_; }
  double k_seconds() const { return k_; }
  /// W_cubic(t) for t seconds into the current epoch.
  double window_at(double t) const;

 private:
  void reduce();
  void begin_epoch(Instant now);
  void set_cwnd_segments(double segments);

  double cwnd_segments_ = 0;  ///< cwnd with its fraction
  double w_max_ = 0;
  double w_last_max_ = 0;  ///< W_max before the last reduction, for fast convergence
  double k_ = 0;
  double w_est_ = 0;  ///< Reno-friendly estimate
  bool epoch_started_ = false;
  Instant epoch_start_{};
};

}  // namespace sluice::socket::tcp

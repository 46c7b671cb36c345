#include "socket/tcp/congestion/cubic.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::socket::tcp {

namespace {
constexpr double alpha_reno_friendly = 3.0 * (1.0 - Cubic::beta) / (1.0 + Cubic::beta);  // RFC 9438 4.3
}

void Cubic::start(std::uint32_t mss, std::uint32_t initial_window) {
  CongestionControl::start(mss, initial_window);
  cwnd_segments_ = static_cast<double>(initial_window) / mss;
  w_max_ = w_last_max_ = k_ = w_est_ = 0;
  epoch_started_ = false;
}

double Cubic::window_at(double t) const { return c * std::pow(t - k_, 3.0) + w_max_; }

void Cubic::set_cwnd_segments(double segments) {
  cwnd_segments_ = std::clamp(segments, 1.0, static_cast<double>(max_window / mss_));
  cwnd_ = static_cast<std::uint32_t>(cwnd_segments_ * mss_);
}

void Cubic::begin_epoch(Instant now) {
  epoch_started_ = true;
  epoch_start_ = now;
  if (w_max_ < cwnd_segments_) {  // no loss yet, or the window already passed W_max: start on the plateau
    w_max_ = cwnd_segments_;
    k_ = 0;
  } else {
    k_ = std::cbrt((w_max_ - cwnd_segments_) / c);  // RFC 9438 equation (2)
  }
  w_est_ = cwnd_segments_;
}

void Cubic::on_ack(const AckEvent& ack) {
  if (!ack.cwnd_limited) return;
  std::uint32_t acked = ack.acked_bytes;
  if (in_slow_start()) {
    acked = slow_start(acked);
    cwnd_segments_ = static_cast<double>(cwnd_) / mss_;
    if (acked == 0 || in_slow_start()) return;
  }
  if (!epoch_started_) begin_epoch(ack.now);
  const double acked_segments = static_cast<double>(acked) / mss_;
  const double t = static_cast<double>((ack.now - epoch_start_).nanos) / 1e9;
  const double rtt = static_cast<double>(ack.srtt.nanos) / 1e9;

  // Reno-friendly estimate (RFC 9438 4.3): alpha until W_max is reached, then 1.
  const double alpha = w_est_ >= w_max_ ? 1.0 : alpha_reno_friendly;
  w_est_ += alpha * acked_segments / cwnd_segments_;

  const double cubic_now = window_at(t);
  if (cubic_now < w_est_) {
    set_cwnd_segments(w_est_);
    return;
  }
  // Concave and convex regions (RFC 9438 4.4, 4.5): aim at W_cubic one RTT ahead, at most 1.5x.
  const double target = std::clamp(window_at(t + rtt), cwnd_segments_, 1.5 * cwnd_segments_);
  set_cwnd_segments(cwnd_segments_ + (target - cwnd_segments_) * acked_segments / cwnd_segments_);
}

void Cubic::reduce() {
  // Fast convergence (RFC 9438 4.7): a flow that lost before reaching its last maximum yields.
  w_max_ = cwnd_segments_ < w_last_max_ ? cwnd_segments_ * (1.0 + beta) / 2.0 : cwnd_segments_;
  w_last_max_ = cwnd_segments_;
  epoch_started_ = false;
  const double reduced = std::max(cwnd_segments_ * beta, 2.0);  // RFC 9438 4.6
  ssthresh_ = static_cast<std::uint32_t>(reduced * mss_);
}

void Cubic::on_loss(Instant, std::uint32_t) {
  reduce();
  set_cwnd_segments(static_cast<double>(ssthresh_) / mss_);
}

void Cubic::on_timeout(Instant, std::uint32_t) {
  reduce();
  set_cwnd_segments(1.0);  // RFC 9438 4.8: back to slow start from one segment
}

}  // namespace sluice::socket::tcp

#pragma once
// The congestion controller interface: the connection reports acknowledgments, losses and
// timeouts; the controller owns cwnd and ssthresh (in bytes). Loss recovery itself (what to
// retransmit, how much is in flight) stays in the connection, so controllers only shape the window.
#include <cstdint>

#include "util/time.hpp"

namespace sluice::socket::tcp {

enum class CongestionAlgorithm : std::uint8_t { newreno, cubic };

const char* congestion_algorithm_name(CongestionAlgorithm algorithm);

struct AckEvent {
  Instant now;
  std::uint32_t acked_bytes = 0;  ///< newly acknowledged by this ACK
  bool cwnd_limited = true;       ///< the window, not the application, limited sending (RFC 7661)
  Duration srtt{};                ///< smoothed RTT; zero before the first sample
};

class CongestionControl {
 public:
  static constexpr std::uint32_t max_window = 1u << 30;

  virtual ~CongestionControl() = default;
  virtual CongestionAlgorithm algorithm() const = 0;

  /// A new connection: cwnd = initial window, ssthresh unbounded (RFC 5681 3.1).
  virtual void start(std::uint32_t mss, std::uint32_t initial_window) {
    mss_ = mss;
    cwnd_ = initial_window;
    ssthresh_ = max_window;
  }
  /// New data acknowledged outside loss recovery.
  virtual void on_ack(const AckEvent& ack) = 0;
  /// Loss detected by duplicate ACKs or SACK: sets ssthresh, and cwnd = ssthresh (RFC 6675 5(4)).
  virtual void on_loss(Instant now, std::uint32_t flight) = 0;
  /// The retransmission timer fired: ssthresh from the window, cwnd = one segment (RFC 5681 3.1).
  virtual void on_timeout(Instant now, std::uint32_t flight) = 0;

  std::uint32_t cwnd() const { return cwnd_; }
  std::uint32_t ssthresh() const { return ssthresh_; }
  std::uint32_t mss() const { return mss_; }
  bool in_slow_start() const { return cwnd_ < ssthresh_; }

 protected:
  /// Slow start (RFC 5681 3.1): cwnd += min(acked, SMSS); returns the bytes not used, which
  /// count towards congestion avoidance when the ACK crosses ssthresh.
  std::uint32_t slow_start(std::uint32_t acked);

  std::uint32_t mss_ = 1460;
  std::uint32_t cwnd_ = 0;
  std::uint32_t ssthresh_ = max_window;
};

}  // namespace sluice::socket::tcp

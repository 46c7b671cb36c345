#pragma once
// A connection's timers as plain deadlines. The connection arms and cancels them; its owner only
// asks for the earliest (to file the connection in a timer wheel) and calls back when it is due.
#include <algorithm>
#include <array>
#include <cstddef>

#include "util/time.hpp"

namespace sluice::socket::tcp {

enum class TimerKind : std::size_t {
  retransmission,  ///< RTO (RFC 6298), also for SYN and FIN
  persist,         ///< zero-window probes and the sender's SWS override (RFC 9293 3.8.6.1)
  delayed_ack,     ///< RFC 1122 4.2.3.2
  keepalive,       ///< RFC 1122 4.2.3.6
  linger,          ///< TIME-WAIT, or FIN-WAIT-2 of a closed connection
  count,
};

class TcpTimers {
 public:
  void arm(TimerKind kind, Instant at) { at_[index(kind)] = at; }
  /// Arms only when not already armed (RFC 6298 5.1: "if the timer is not running").
  void arm_if_idle(TimerKind kind, Instant at) {
    if (!armed(kind)) arm(kind, at);
  }
  void cancel(TimerKind kind) { at_[index(kind)] = Instant::never(); }
  void cancel_all() { at_.fill(Instant::never()); }
  bool armed(TimerKind kind) const { return !at_[index(kind)].is_never(); }
  Instant at(TimerKind kind) const { return at_[index(kind)]; }
  bool due(TimerKind kind, Instant now) const { return at_[index(kind)] <= now; }
  Instant earliest() const { return *std::min_element(at_.begin(), at_.end()); }

 private:
  static constexpr std::size_t index(TimerKind kind) { return static_cast<std::size_t>(kind); }
  std::array<Instant, static_cast<std::size_t>(TimerKind::count)> at_{
      Instant::never(), Instant::never(), Instant::never(), Instant::never(), Instant::never()};
};

}  // namespace sluice::socket::tcp

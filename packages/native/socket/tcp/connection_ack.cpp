// Acknowledgments: validation (RFC 9293, RFC 5961 5.2), the send window, RTT samples, SACK, and
// loss recovery (RFC 6675 with SACK; RFC 6582 NewReno partial ACKs without).
#include <algorithm>

#include "socket/tcp/connection.hpp"

namespace sluice::socket::tcp {

bool Connection::on_ack(Instant now, const wire::TcpSegment& segment, const wire::TcpOptions& options) {
  const Seq ack{segment.acknowledgment()};
  const Seq seq{segment.sequence()};
  if (state_ == TcpState::syn_received) {
    if (!(snd_una_ < ack && ack <= snd_nxt_)) {
      send_rst(now, ack);
      return false;
    }
    snd_wnd_ = std::uint32_t{segment.window()} << snd_wscale_;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    snd_wl1_ = seq;
    snd_wl2_ = ack;
    establish(now);
  }
  if (ack > snd_nxt_) {
    counters_.acks_of_unsent += 1;
    send_ack(now);
    return false;
  }
  if (ack < snd_una_ - max_snd_wnd_) {
    challenge_ack(now);  // RFC 5961 5.2: older than any window we could have sent
    return false;
  }
  const std::uint32_t newly_sacked = sack_enabled_ ? take_sack_blocks(options) : 0;
  const std::uint32_t window = std::uint32_t{segment.window()} << snd_wscale_;
  if (ack > snd_una_) {
    on_new_ack(now, ack, options);
  } else if (ack == snd_una_ && snd_nxt_ > snd_una_ &&
             ((segment.payload().empty() && !segment.fin() && window == snd_wnd_) || newly_sacked > 0)) {
    on_duplicate_ack(now);
  }
  if (snd_wl1_ < seq || (snd_wl1_ == seq && snd_wl2_ <= ack)) {
    snd_wnd_ = window;
    max_snd_wnd_ = std::max(max_snd_wnd_, window);
    snd_wl1_ = seq;
    snd_wl2_ = ack;
  }
  if (recovery_ == Recovery::none && sack_enabled_ && snd_nxt_ > snd_una_ && lost_boundary() > snd_una_) {
    enter_fast_recovery(now);  // RFC 6675 5: IsLost(HighACK + 1)
  }
  after_fin_acked(now);
  return true;
}

std::uint32_t Connection::take_sack_blocks(const wire::TcpOptions& options) {
  std::uint32_t newly = 0;
  for (const wire::SackBlock& block : options.sacks()) {
    newly += scoreboard_.add(Seq{block.left}, Seq{block.right}, snd_una_, snd_nxt_);
  }
  counters_.sacked_bytes += newly;
  return newly;
}

void Connection::on_new_ack(Instant now, Seq ack, const wire::TcpOptions& options) {
  const std::uint32_t flight_before = seq_span(snd_una_, snd_nxt_);
  const auto acked_data =
      static_cast<std::uint32_t>(std::min<std::size_t>(seq_span(data_begin(), ack), send_.size()));
  send_.acknowledge(acked_data);
  take_rtt_sample(now, ack, options);
  snd_una_ = ack;
  scoreboard_.acknowledge(snd_una_);
  rtt_.clear_backoff();
  persist_backoff_ = 0;
  dupacks_ = 0;

  CongestionControl& congestion = congestion_.get();
  const AckEvent event{now, acked_data, flight_before + effective_mss() >= congestion.cwnd(), rtt_.srtt()};
  if (recovery_ == Recovery::none) {
    congestion.on_ack(event);
    reno_dupacks_ = 0;
  } else if (snd_una_ >= recovery_point_) {
    if (recovery_ == Recovery::timeout) congestion.on_ack(event);
    recovery_ = Recovery::none;  // RFC 6675 / RFC 6582: everything sent before the loss is in
    reno_dupacks_ = 0;
    retransmit_head_ = false;
    lost_floor_ = snd_una_;
  } else {
    if (recovery_ == Recovery::timeout) congestion.on_ack(event);  // slow start while repairing
    if (!sack_enabled_) {
      // RFC 6582 3.2 step 5: a partial ACK shows the next segment was lost too.
      const std::uint32_t mss = effective_mss();
      const std::uint32_t segments = (acked_data + mss - 1) / mss;
      reno_dupacks_ = reno_dupacks_ > segments ? reno_dupacks_ - segments : 0;
      if (recovery_ == Recovery::fast) {
        lost_floor_ = seq_max(lost_floor_, snd_una_ + mss);
        retransmit_head_ = true;
      }
    }
  }

  if (snd_una_ == snd_nxt_) {
    timers_.cancel(TimerKind::retransmission);
  } else {
    timers_.arm(TimerKind::retransmission, now + rtt_.timeout());  // RFC 6298 5.3
  }
  if (writer_blocked_ && send_.free() > 0) {
    writer_blocked_ = false;
    sink_->on_event(*this, TcpEventKind::writable, 0);
  }
}

void Connection::take_rtt_sample(Instant now, Seq ack, const wire::TcpOptions& options) {
  if (timing_ && ack > timed_seq_) {
    timing_ = false;
    rtt_.sample(now - timed_at_);
    counters_.rtt_samples += 1;
    sink_->on_rtt_sample(*this, now - timed_at_);
    return;
  }
  // RTTM (RFC 7323 4.1): the echoed timestamp dates the segment this ACK answers, retransmitted
  // or not, at the timestamp clock's millisecond granularity. An echo from before the last
  // timeout dates a transmission whose ACK was lost or held behind a hole: it measures the
  // recovery, not the path, and would feed the backed-off RTO back into SRTT.
  if (ts_enabled_ && options.has_timestamps && options.ts_echo_reply != 0 &&
      !(timed_out_ && static_cast<std::int32_t>(options.ts_echo_reply - ts_at_timeout_) < 0)) {
    const auto elapsed = static_cast<std::int32_t>(ts_clock(now) - options.ts_echo_reply);
    if (elapsed >= 0) {
      const Duration rtt = Duration::millis(static_cast<std::uint64_t>(elapsed));
      rtt_.sample(rtt);
      counters_.rtt_samples += 1;
      sink_->on_rtt_sample(*this, rtt);
    }
  }
}

void Connection::on_duplicate_ack(Instant now) {
  dupacks_ += 1;
  counters_.duplicate_acks += 1;
  if (!sack_enabled_) reno_dupacks_ += 1;
  if (recovery_ == Recovery::none && dupacks_ >= config_->dupack_threshold) enter_fast_recovery(now);
}

void Connection::enter_fast_recovery(Instant now) {
  recovery_ = Recovery::fast;
  recovery_point_ = snd_nxt_;
  high_rxt_ = snd_una_;
  lost_floor_ = snd_una_ + effective_mss();  // RFC 6675 5(3): the first segment is retransmitted
  retransmit_head_ = true;
  timing_ = false;
  congestion_.get().on_loss(now, seq_span(snd_una_, snd_nxt_));
  counters_.fast_recoveries += 1;
}

void Connection::after_fin_acked(Instant now) {
  if (!fin_queued_ || !(snd_una_ > fin_seq_)) return;
  switch (state_) {
    case TcpState::fin_wait_1:
      timers_.cancel(TimerKind::retransmission);
      set_state(TcpState::fin_wait_2);
      if (app_closed_) timers_.arm(TimerKind::linger, now + config_->fin_wait_2_timeout);
      return;
    case TcpState::closing:
      enter_time_wait(now);
      return;
    case TcpState::last_ack:
      enter_closed(0);
      return;
    default:
      return;
  }
}

Seq Connection::lost_boundary() const {
  Seq boundary = sack_enabled_ ? scoreboard_.lost_boundary(snd_una_, effective_mss(), config_->dupack_threshold)
                               : snd_una_;
  if (recovery_ != Recovery::none) boundary = seq_max(boundary, lost_floor_);
  return seq_min(boundary, snd_nxt_);
}

std::uint32_t Connection::pipe() const {
  // RFC 6675 SetPipe(): unSACKed bytes not yet deemed lost, plus those retransmitted.
  const Seq lost = lost_boundary();
  std::uint32_t bytes = scoreboard_.unsacked_bytes(lost, snd_nxt_) +
                        scoreboard_.unsacked_bytes(snd_una_, seq_min(seq_max(high_rxt_, snd_una_), snd_nxt_));
  if (!sack_enabled_) bytes -= std::min(bytes, reno_dupacks_ * effective_mss());
  return bytes;
}

}  // namespace sluice::socket::tcp

// Segment arrival (RFC 9293 3.10.7): SYN-SENT, then the synchronized states in the RFC's order of
// checks: PAWS (RFC 7323), sequence acceptability, RST and SYN (RFC 5961), ACK, text, FIN.
#include <cerrno>

#include "socket/tcp/connection.hpp"

namespace sluice::socket::tcp {

namespace {
constexpr Duration paws_idle_limit = Duration::seconds(24 * 24 * 3600);  // RFC 7323 5.5: 24 days
}

void Connection::on_segment(Instant now, const wire::TcpSegment& segment, const wire::TcpOptions& options) {
  counters_.segments_received += 1;
  if (state_ == TcpState::closed) return;
  if (state_ == TcpState::syn_sent) {
    on_segment_syn_sent(now, segment, options);
    return;
  }
  if (state_ == TcpState::syn_received && segment.syn() && !segment.ack() && !segment.rst() &&
      Seq{segment.sequence()} == irs_) {
    send_syn(now);  // the peer did not get our SYN-ACK: its SYN came again
    return;
  }
  if (paws_rejects(now, segment, options)) {
    counters_.paws_rejected += 1;
    send_ack(now);
    return;
  }
  if (!acceptable(segment)) {
    if (segment.rst()) return;
    counters_.out_of_window += 1;
    if (state_ == TcpState::time_wait && segment.fin()) {
      timers_.arm(TimerKind::linger, now + config_->time_wait);  // the peer lost our ACK of its FIN
    }
    send_ack(now);
    return;
  }
  note_segment_received(now);
  if (ts_enabled_ && options.has_timestamps && static_cast<std::int32_t>(options.ts_value - ts_recent_) >= 0 &&
      Seq{segment.sequence()} <= last_ack_sent_) {
    ts_recent_ = options.ts_value;  // RFC 7323 4.3
    ts_recent_at_ = now;
  }
  if (segment.rst()) {
    on_reset(now, segment);
    return;
  }
  if (segment.syn()) {
    challenge_ack(now);  // RFC 5961 4.2: a SYN in a synchronized state
    return;
  }
  if (!segment.ack()) return;
  if (!on_ack(now, segment, options)) return;
  if (state_ == TcpState::closed) return;
  receive_text(now, segment);
  output(now);
}

void Connection::on_segment_syn_sent(Instant now, const wire::TcpSegment& segment, const wire::TcpOptions& options) {
  const Seq ack{segment.acknowledgment()};
  bool ack_acceptable = false;
  if (segment.ack()) {
    if (ack <= iss_ || ack > snd_nxt_) {
      if (!segment.rst()) send_rst(now, ack);
      return;
    }
    ack_acceptable = true;
  }
  if (segment.rst()) {
    if (ack_acceptable) enter_closed(ECONNREFUSED);  // RFC 5961 3.2: only with an acceptable ACK
    return;
  }
  if (!segment.syn()) return;
  irs_ = Seq{segment.sequence()};
  rcv_nxt_ = irs_ + 1;
  rcv_adv_ = rcv_nxt_;
  last_ack_sent_ = rcv_nxt_;
  negotiate(options, now);
  note_segment_received(now);
  if (!ack_acceptable) {
    set_state(TcpState::syn_received);  // simultaneous open: answer with SYN-ACK
    send_syn(now);
    timers_.arm(TimerKind::retransmission, now + rtt_.timeout());
    return;
  }
  snd_wnd_ = max_snd_wnd_ = segment.window();
  snd_wl1_ = irs_;
  snd_wl2_ = ack;
  take_rtt_sample(now, ack, options);
  snd_una_ = ack;
  establish(now);
  ack_now_ = true;
  output(now);
}

bool Connection::acceptable(const wire::TcpSegment& segment) const {
  const Seq seq{segment.sequence()};
  const std::uint32_t length = segment.sequence_length();
  const std::uint32_t window = seq_span(rcv_nxt_, rcv_adv_);
  if (length == 0) return window == 0 ? seq == rcv_nxt_ : seq_in_window(seq, rcv_nxt_, window);
  if (window == 0) return seq == rcv_nxt_;  // its data is cut, but its ACK and RST still count
  return seq_in_window(seq, rcv_nxt_, window) || seq_in_window(seq + (length - 1), rcv_nxt_, window);
}

bool Connection::paws_rejects(Instant now, const wire::TcpSegment& segment, const wire::TcpOptions& options) const {
  if (!ts_enabled_ || !options.has_timestamps || segment.rst()) return false;
  if (now - ts_recent_at_ > paws_idle_limit) return false;
  return static_cast<std::int32_t>(options.ts_value - ts_recent_) < 0;
}

void Connection::on_reset(Instant now, const wire::TcpSegment& segment) {
  if (Seq{segment.sequence()} != rcv_nxt_) {
    challenge_ack(now);  // RFC 5961 3.2: in the window but not exact
    return;
  }
  counters_.resets_received += 1;
  switch (state_) {
    case TcpState::syn_received:
      enter_closed(passive_ ? 0 : ECONNREFUSED);
      return;
    case TcpState::established:
    case TcpState::fin_wait_1:
    case TcpState::fin_wait_2:
    case TcpState::close_wait:
      enter_closed(ECONNRESET);
      return;
    default:
      enter_closed(0);
      return;
  }
}

void Connection::receive_text(Instant now, const wire::TcpSegment& segment) {
  const bool can_receive =
      state_ == TcpState::established || state_ == TcpState::fin_wait_1 || state_ == TcpState::fin_wait_2;
  if (!can_receive) return;
  const std::span<const std::uint8_t> payload = segment.payload();
  const Seq seq{segment.sequence()};
  bool whole_segment_held = true;
  if (!payload.empty()) {
    const std::uint32_t skip = seq < rcv_nxt_ ? static_cast<std::uint32_t>(rcv_nxt_ - seq) : 0;
    if (skip >= payload.size()) {
      schedule_ack(now, true);  // only old bytes (a zero-window probe can be one)
    } else {
      const std::uint32_t offset = seq > rcv_nxt_ ? static_cast<std::uint32_t>(seq - rcv_nxt_) : 0;
      const std::span<const std::uint8_t> fresh = payload.subspan(skip);
      const ReceiveBuffer::StoreResult stored = receive_.store(offset, fresh);
      whole_segment_held = stored.stored == fresh.size();
      if (offset == 0) {
        rcv_nxt_ += stored.advanced;
        counters_.bytes_received += stored.advanced;
        if (stored.advanced > 0) sink_->on_event(*this, TcpEventKind::readable, 0);
        // RFC 5681 4.2: ACK at once when a segment fills (part of) a hole, or was cut.
        const bool filled_hole = stored.advanced > stored.stored || receive_.out_of_order_ranges() > 0;
        schedule_ack(now, filled_hole || !whole_segment_held);
      } else {
        counters_.out_of_order_segments += 1;
        if (stored.rejected) counters_.out_of_order_dropped += 1;
        schedule_ack(now, true);  // duplicate ACK (with SACK blocks) at once
      }
    }
  }
  if (segment.fin() && !peer_fin_) {
    const Seq fin_at = seq + static_cast<std::uint32_t>(payload.size());
    if (fin_at == rcv_nxt_) {
      receive_fin(now);
    } else if (fin_at > rcv_nxt_ && whole_segment_held) {
      peer_fin_held_ = true;  // ahead of a hole: honoured when the hole fills
      peer_fin_seq_ = fin_at;
    }
  }
  if (peer_fin_held_ && !peer_fin_ && rcv_nxt_ == peer_fin_seq_) receive_fin(now);
}

void Connection::receive_fin(Instant now) {
  peer_fin_ = true;
  peer_fin_held_ = false;
  rcv_nxt_ += 1;
  schedule_ack(now, true);
  sink_->on_event(*this, TcpEventKind::readable, 0);
  switch (state_) {
    case TcpState::established:
      timers_.cancel(TimerKind::keepalive);
      set_state(TcpState::close_wait);
      if (keepalive_) timers_.arm(TimerKind::keepalive, now + config_->keepalive_idle);
      return;
    case TcpState::fin_wait_1:
      set_state(TcpState::closing);  // our FIN is not acknowledged yet
      return;
    case TcpState::fin_wait_2:
      enter_time_wait(now);
      return;
    default:
      return;
  }
}

void Connection::challenge_ack(Instant now) {
  if (now - challenge_window_start_ >= Duration::seconds(1)) {
    challenge_window_start_ = now;
    challenge_acks_in_window_ = 0;
  }
  if (challenge_acks_in_window_ >= config_->challenge_acks_per_second) {
    counters_.challenge_acks_limited += 1;
    return;
  }
  challenge_acks_in_window_ += 1;
  counters_.challenge_acks += 1;
  send_ack(now);
}

}  // namespace sluice::socket::tcp

// Timer expiries: retransmission (RFC 6298 5.4-5.7, with the abort limit), SYN retransmission,
// persist (zero-window probes and the SWS override), delayed ACK, keepalive, TIME-WAIT and the
// FIN-WAIT-2 limit of closed connections.
#include <algorithm>
#include <cerrno>

#include "socket/tcp/connection.hpp"

namespace sluice::socket::tcp {

void Connection::on_timer(Instant now) {
  if (timers_.due(TimerKind::linger, now)) {
    timers_.cancel(TimerKind::linger);
    if (state_ == TcpState::time_wait || state_ == TcpState::fin_wait_2) {
      enter_closed(0);
      return;
    }
  }
  if (timers_.due(TimerKind::retransmission, now)) on_retransmission_timeout(now);
  if (state_ == TcpState::closed) return;
  if (timers_.due(TimerKind::persist, now)) on_persist_timeout(now);
  if (timers_.due(TimerKind::delayed_ack, now)) {
    timers_.cancel(TimerKind::delayed_ack);
    counters_.delayed_acks += 1;
    ack_now_ = true;
    output(now);
  }
  if (timers_.due(TimerKind::keepalive, now)) on_keepalive_timeout(now);
}

void Connection::on_retransmission_timeout(Instant now) {
  timers_.cancel(TimerKind::retransmission);
  if (state_ == TcpState::syn_sent || state_ == TcpState::syn_received) {
    on_syn_timeout(now);
    return;
  }
  if (snd_nxt_ == snd_una_ || !can_send_data()) {
    output(now);  // nothing outstanding: a send that failed for want of a frame is retried
    return;
  }
  if (rtt_.backoff() >= config_->max_retransmissions) {
    enter_closed(ETIMEDOUT);
    return;
  }
  rtt_.back_off();
  counters_.timeouts += 1;
  timed_out_ = true;
  ts_at_timeout_ = ts_clock(now);
  congestion_.get().on_timeout(now, seq_span(snd_una_, snd_nxt_));
  // Everything unSACKed up to SND.NXT is lost; repair it in slow start from SND.UNA.
  recovery_ = Recovery::timeout;
  recovery_point_ = snd_nxt_;
  lost_floor_ = snd_nxt_;
  high_rxt_ = snd_una_;
  retransmit_head_ = true;
  dupacks_ = reno_dupacks_ = 0;
  timing_ = false;
  // A second timeout in a row: the receiver may have dropped what it SACKed (RFC 2018 section 8).
  if (rtt_.backoff() >= 2) scoreboard_.clear();
  output(now);
  timers_.arm_if_idle(TimerKind::retransmission, now + rtt_.timeout());
}

void Connection::on_syn_timeout(Instant now) {
  if (rtt_.backoff() >= config_->max_syn_retransmissions) {
    enter_closed(ETIMEDOUT);
    return;
  }
  rtt_.back_off();
  counters_.timeouts += 1;
  syn_retransmitted_ = true;
  timing_ = false;
  if (!send_syn(now)) counters_.send_failures += 1;
  timers_.arm(TimerKind::retransmission, now + rtt_.timeout());
}

void Connection::on_persist_timeout(Instant now) {
  timers_.cancel(TimerKind::persist);
  if (!can_send_data()) return;
  const std::uint32_t unsent = seq_span(snd_nxt_, data_end());
  if (unsent == 0 || snd_nxt_ != snd_una_) return;
  const std::uint32_t window_room = seq_span(snd_nxt_, snd_una_ + snd_wnd_);
  if (window_room > 0) {
    // The SWS override (RFC 9293 3.8.6.2.1): send what the small window takes.
    const std::uint32_t length = std::min({window_room, unsent, effective_mss()});
    if (!send_cut(now, {snd_nxt_, length, false, false})) counters_.send_failures += 1;
  } else {
    send_probe(now);  // RFC 9293 3.8.6.1: probe the zero window, backing off
    counters_.window_probes += 1;
  }
  persist_backoff_ = std::min(persist_backoff_ + 1, 16u);
  update_persist_timer(now, false);
}

void Connection::on_keepalive_timeout(Instant now) {
  timers_.cancel(TimerKind::keepalive);
  if (!keepalive_ || (state_ != TcpState::established && state_ != TcpState::close_wait)) return;
  const Instant idle_until = last_received_ + config_->keepalive_idle;
  if (keepalive_probes_sent_ == 0 && now < idle_until) {
    timers_.arm(TimerKind::keepalive, idle_until);
    return;
  }
  if (keepalive_probes_sent_ >= config_->keepalive_probes) {
    enter_closed(ETIMEDOUT);
    return;
  }
  send_probe(now);
  keepalive_probes_sent_ += 1;
  counters_.keepalive_probes += 1;
  timers_.arm(TimerKind::keepalive, now + config_->keepalive_interval);
}

void Connection::note_segment_received(Instant now) {
  last_received_ = now;
  keepalive_probes_sent_ = 0;
}

}  // namespace sluice::socket::tcp

// Opening, the application's calls, and the lifecycle of a connection.
#include <algorithm>
#include <cerrno>

#include "socket/tcp/connection.hpp"

namespace sluice::socket::tcp {

void Connection::attach(SegmentSink& sink, const TcpConfig& config, int id) {
  sink_ = &sink;
  config_ = &config;
  id_ = id;
}

void Connection::prepare(const FourTuple& tuple, std::span<std::uint8_t> send_memory,
                         std::span<std::uint8_t> receive_memory, std::uint32_t timestamp_offset) {
  tuple_ = tuple;
  state_ = TcpState::closed;
  passive_ = app_closed_ = false;
  error_ = 0;
  snd_wnd_ = max_snd_wnd_ = 0;
  fin_queued_ = peer_fin_ = peer_fin_held_ = false;
  snd_mss_ = 536;
  snd_wscale_ = rcv_wscale_ = 0;
  ws_enabled_ = ts_enabled_ = sack_enabled_ = false;
  ts_offset_ = timestamp_offset;
  ts_recent_ = 0;
  send_.attach(send_memory);
  receive_.attach(receive_memory, config_->out_of_order_ranges);
  recovery_ = Recovery::none;
  dupacks_ = reno_dupacks_ = 0;
  retransmit_head_ = false;
  scoreboard_.clear();
  congestion_.select(config_->congestion);
  rtt_.reset(config_->rtt);
  timing_ = syn_retransmitted_ = timed_out_ = false;
  ack_now_ = false;
  unacked_segments_ = 0;
  quickacks_left_ = config_->quickack_segments;
  timers_.cancel_all();
  persist_backoff_ = keepalive_probes_sent_ = 0;
  challenge_acks_in_window_ = 0;
  challenge_window_start_ = Instant{};
  nodelay_ = config_->nodelay;
  keepalive_ = config_->keepalive;
  writer_blocked_ = false;
  counters_ = {};
}

void Connection::release_buffers() {
  send_.detach();
  receive_.detach();
}

void Connection::connect(Instant now, std::uint32_t iss) {
  iss_ = Seq{iss};
  snd_una_ = iss_;
  snd_nxt_ = iss_ + 1;
  rcv_wscale_ = config_->window_scaling ? wanted_receive_scale() : 0;
  set_state(TcpState::syn_sent);
  last_received_ = now;
  timing_ = true;
  timed_seq_ = iss_;
  timed_at_ = now;
  if (!send_syn(now)) counters_.send_failures += 1;
  timers_.arm(TimerKind::retransmission, now + rtt_.timeout());
}

void Connection::accept_syn(Instant now, std::uint32_t iss, const wire::TcpSegment& syn,
                            const wire::TcpOptions& options) {
  begin_passive(now, iss, syn.sequence(), syn.window(), options);
  timing_ = true;
  timed_seq_ = iss_;
  timed_at_ = now;
  if (!send_syn(now)) counters_.send_failures += 1;
  timers_.arm(TimerKind::retransmission, now + rtt_.timeout());
}

void Connection::accept_cookie(Instant now, std::uint32_t iss, const wire::TcpSegment& ack, std::uint16_t mss) {
  // The SYN-ACK left long ago (its time is unknown, so no RTT sample); the ACK that carried the
  // cookie is processed next by on_segment() and completes the handshake as in SYN-RECEIVED.
  wire::TcpOptions options;
  options.has_mss = true;
  options.mss = mss;
  begin_passive(now, iss, ack.sequence() - 1, ack.window(), options);
  counters_.segments_received -= 1;  // on_segment() counts the ACK itself
}

void Connection::begin_passive(Instant now, std::uint32_t iss, std::uint32_t peer_isn, std::uint16_t window,
                               const wire::TcpOptions& options) {
  passive_ = true;
  iss_ = Seq{iss};
  snd_una_ = iss_;
  snd_nxt_ = iss_ + 1;
  irs_ = Seq{peer_isn};
  rcv_nxt_ = irs_ + 1;
  rcv_adv_ = rcv_nxt_;
  last_ack_sent_ = rcv_nxt_;
  negotiate(options, now);
  snd_wnd_ = max_snd_wnd_ = window;  // never scaled in a SYN (RFC 7323 2.2), nor without scaling
  snd_wl1_ = irs_;
  snd_wl2_ = iss_;
  counters_.segments_received += 1;
  set_state(TcpState::syn_received);
  last_received_ = now;
}

void Connection::negotiate(const wire::TcpOptions& peer, Instant now) {
  snd_mss_ = static_cast<std::uint16_t>(std::min<std::uint32_t>(peer.has_mss ? peer.mss : 536, config_->mss));
  snd_mss_ = std::max<std::uint16_t>(snd_mss_, 64);  // a tiny announced MSS would only make segments absurd
  ws_enabled_ = config_->window_scaling && peer.has_window_scale;
  if (ws_enabled_) {
    snd_wscale_ = std::min(peer.window_scale, max_window_scale);
    rcv_wscale_ = wanted_receive_scale();
  } else {
    snd_wscale_ = rcv_wscale_ = 0;
  }
  sack_enabled_ = config_->sack && peer.sack_permitted;
  ts_enabled_ = config_->timestamps && peer.has_timestamps;
  if (ts_enabled_) {
    ts_recent_ = peer.ts_value;
    ts_recent_at_ = now;
  }
}

std::uint8_t Connection::wanted_receive_scale() const {
  std::uint8_t scale = 0;
  while (scale < max_window_scale && (std::uint64_t{config_->receive_buffer} >> scale) > max_unscaled_window) ++scale;
  return scale;
}

std::uint32_t Connection::effective_mss() const { return snd_mss_ - (ts_enabled_ ? 12u : 0u); }

std::uint32_t Connection::ts_clock(Instant now) const { return static_cast<std::uint32_t>(now.millis()) + ts_offset_; }

void Connection::start_congestion_control() {
  const std::uint32_t mss = effective_mss();
  congestion_.get().start(mss, std::max(config_->initial_window_segments, 1u) * mss);
}

void Connection::establish(Instant now) {
  start_congestion_control();
  if (syn_retransmitted_) rtt_.after_syn_timeout();
  rtt_.clear_backoff();
  timers_.cancel(TimerKind::retransmission);
  if (keepalive_) timers_.arm(TimerKind::keepalive, now + config_->keepalive_idle);
  set_state(TcpState::established);
  sink_->on_event(*this, TcpEventKind::connected, 0);
  if (fin_queued_) set_state(TcpState::fin_wait_1);  // shutdown() during the handshake
}

void Connection::set_keepalive(bool on) {
  keepalive_ = on;
  if (!on) {
    timers_.cancel(TimerKind::keepalive);
  } else if (state_ == TcpState::established || state_ == TcpState::close_wait) {
    timers_.arm(TimerKind::keepalive, last_received_ + config_->keepalive_idle);
  }
}

long Connection::send(Instant now, std::span<const std::uint8_t> bytes) {
  switch (state_) {
    case TcpState::closed:
      return error_ != 0 ? -error_ : -ENOTCONN;
    case TcpState::syn_sent:
    case TcpState::syn_received:
    case TcpState::established:
    case TcpState::close_wait:
      break;
    default:
      return -EPIPE;
  }
  if (fin_queued_) return -EPIPE;
  const std::size_t accepted = send_.write(bytes);
  if (accepted < bytes.size() || send_.free() == 0) writer_blocked_ = true;  // owed a writable event
  if (accepted == 0 && !bytes.empty()) return -EAGAIN;
  if (state_ == TcpState::established || state_ == TcpState::close_wait) output(now);
  return static_cast<long>(accepted);
}

long Connection::receive(std::span<std::uint8_t> out) {
  const std::size_t n = receive_.read(out);
  if (n > 0) {
    // Window update (as Linux's cleanup_rbuf): worth an ACK once the window can at least double.
    if (state_ == TcpState::established || state_ == TcpState::fin_wait_1 || state_ == TcpState::fin_wait_2) {
      const std::uint32_t advertised = seq_span(rcv_nxt_, rcv_adv_);
      const auto possible = static_cast<std::uint32_t>(receive_.free_space());
      if (possible >= 2 * advertised && possible - advertised >= snd_mss_) ack_now_ = true;
    }
    return static_cast<long>(n);
  }
  if (peer_fin_) return 0;
  if (error_ != 0) return -error_;
  if (state_ == TcpState::closed) return 0;
  return -EAGAIN;
}

int Connection::shutdown(Instant now) {
  switch (state_) {
    case TcpState::closed:
      return -ENOTCONN;
    case TcpState::syn_sent:
      enter_closed(0);  // RFC 9293 3.10.4: nothing was synchronized, delete the TCB
      return 0;
    case TcpState::syn_received:
      if (!fin_queued_) {
        fin_queued_ = true;
        fin_seq_ = data_end();
      }
      return 0;  // the FIN goes out once established
    case TcpState::established:
    case TcpState::close_wait:
      fin_queued_ = true;
      fin_seq_ = data_end();
      set_state(state_ == TcpState::established ? TcpState::fin_wait_1 : TcpState::last_ack);
      output(now);
      return 0;
    default:
      return 0;  // already closing
  }
}

void Connection::close(Instant now) {
  app_closed_ = true;
  if (receive_.readable() > 0 && state_ != TcpState::closed && state_ != TcpState::time_wait) {
    abort(now);  // unread data: tell the peer it was not consumed (RFC 9293 3.10.4, RFC 2525 2.17)
    return;
  }
  switch (state_) {
    case TcpState::closed:
    case TcpState::time_wait:
      return;
    case TcpState::fin_wait_2:
      timers_.arm(TimerKind::linger, now + config_->fin_wait_2_timeout);
      return;
    default:
      shutdown(now);
      return;
  }
}

void Connection::abort(Instant now) {
  switch (state_) {
    case TcpState::syn_received:
    case TcpState::established:
    case TcpState::fin_wait_1:
    case TcpState::fin_wait_2:
    case TcpState::close_wait:
      send_rst(now, snd_nxt_);
      break;
    default:
      break;
  }
  if (state_ != TcpState::closed) enter_closed(0);
}

void Connection::flush(Instant now) {
  if (!ack_now_) return;
  if (state_ == TcpState::closed || state_ == TcpState::syn_sent) {
    ack_now_ = false;
    return;
  }
  output(now);
}

bool Connection::accepts_new_syn(const wire::TcpSegment& syn, const wire::TcpOptions& options) const {
  if (state_ != TcpState::time_wait) return false;
  if (ts_enabled_ && options.has_timestamps) return static_cast<std::int32_t>(options.ts_value - ts_recent_) > 0;
  return Seq{syn.sequence()} > rcv_nxt_;
}

void Connection::set_state(TcpState next) {
  if (next == state_) return;
  const TcpState from = state_;
  state_ = next;
  sink_->on_state_change(*this, from);
}

void Connection::enter_closed(int error) {
  timers_.cancel_all();
  ack_now_ = false;
  if (error != 0) error_ = error;
  set_state(TcpState::closed);
  if (error == ECONNRESET || error == ECONNREFUSED) sink_->on_event(*this, TcpEventKind::reset, error);
  if (error == ETIMEDOUT) sink_->on_event(*this, TcpEventKind::error, error);
  sink_->on_event(*this, TcpEventKind::closed, error);
}

void Connection::enter_time_wait(Instant now) {
  timers_.cancel_all();
  timers_.arm(TimerKind::linger, now + config_->time_wait);
  set_state(TcpState::time_wait);
}

}  // namespace sluice::socket::tcp

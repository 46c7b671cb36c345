// What to send next and how: RFC 6675 NextSeg() during loss recovery, new data under the send
// window, cwnd, Nagle and sender-side SWS avoidance (RFC 9293 3.8.6.2.1) otherwise; ACKs with the
// receive window (receiver-side SWS avoidance, 3.8.6.2.2), timestamps and SACK blocks.
#include <algorithm>

#include "socket/tcp/connection.hpp"

namespace sluice::socket::tcp {

namespace {
// Far more than any window allows per call; only a guard against a bookkeeping bug looping forever.
constexpr int max_segments_per_output = 8192;
}  // namespace

bool Connection::can_send_data() const {
  switch (state_) {
    case TcpState::established:
    case TcpState::close_wait:
    case TcpState::fin_wait_1:
    case TcpState::closing:
    case TcpState::last_ack:
      return true;
    default:
      return false;
  }
}

void Connection::output(Instant now) {
  if (can_send_data()) {
    bool sent = false;
    Cut cut;
    for (int i = 0; i < max_segments_per_output && next_cut(cut); ++i) {
      if (!send_cut(now, cut)) {
        counters_.send_failures += 1;
        timers_.arm_if_idle(TimerKind::retransmission, now + rtt_.timeout());  // try again later
        break;
      }
      sent = true;
    }
    update_persist_timer(now, sent);
  }
  if (ack_now_ && state_ != TcpState::closed && state_ != TcpState::syn_sent) send_ack(now);
}

bool Connection::next_cut(Cut& cut) const {
  const CongestionControl& congestion = congestion_.get();
  const std::uint32_t mss = effective_mss();
  if (recovery_ != Recovery::none) {
    if (retransmit_head_ && next_retransmission(cut, true)) return true;
    const std::uint32_t in_pipe = pipe();
    if (congestion.cwnd() < in_pipe + mss) return false;  // RFC 6675 5(C): cwnd - pipe >= 1 SMSS
    return next_retransmission(cut, true) || next_new_data(cut) ||
           (sack_enabled_ && next_retransmission(cut, false));
  }
  return next_new_data(cut);
}

bool Connection::next_retransmission(Cut& cut, bool only_lost) const {
  const Seq from = seq_max(high_rxt_, snd_una_);
  const Seq limit = only_lost ? lost_boundary() : scoreboard_.highest_sacked(snd_una_);
  Seq start;
  Seq end;
  if (!scoreboard_.next_hole(from, limit, start, end)) return false;
  const Seq data_stop = data_end();
  cut.seq = start;
  cut.data_len = std::min(seq_span(start, seq_min(end, data_stop)), effective_mss());
  cut.fin = fin_queued_ && start + cut.data_len == fin_seq_ && end > fin_seq_;
  cut.retransmission = true;
  return cut.data_len > 0 || cut.fin;
}

bool Connection::next_new_data(Cut& cut) const {
  const CongestionControl& congestion = congestion_.get();
  const std::uint32_t mss = effective_mss();
  const std::uint32_t unsent = seq_span(snd_nxt_, data_end());
  const std::uint32_t window_room = seq_span(snd_nxt_, snd_una_ + snd_wnd_);
  std::uint32_t budget = 0;
  if (recovery_ != Recovery::none) {
    budget = congestion.cwnd() - std::min(congestion.cwnd(), pipe());
  } else {
    // Limited transmit (RFC 3042): one new segment for each of the first two duplicate ACKs.
    const std::uint32_t allowance = dupacks_ < config_->dupack_threshold ? dupacks_ * mss : 0;
    const std::uint32_t flight = seq_span(snd_una_, snd_nxt_);
    const std::uint32_t limit = congestion.cwnd() + allowance;
    budget = limit > flight ? limit - flight : 0;
  }
  const std::uint32_t length = std::min({unsent, mss, window_room, budget});
  if (length == 0) {
    if (fin_queued_ && unsent == 0 && snd_nxt_ == fin_seq_) {
      cut = {snd_nxt_, 0, true, false};  // a lone FIN needs no window
      return true;
    }
    return false;
  }
  const bool everything_queued = length == unsent;
  const bool nothing_in_flight = snd_nxt_ == snd_una_;
  const bool send = length == mss || (everything_queued && (nodelay_ || nothing_in_flight || fin_queued_)) ||
                    (max_snd_wnd_ > 0 && length >= max_snd_wnd_ / 2 && nothing_in_flight);
  if (!send) return false;
  cut = {snd_nxt_, length, fin_queued_ && snd_nxt_ + length == fin_seq_, false};
  return true;
}

bool Connection::send_cut(Instant now, const Cut& cut) {
  const auto pieces = send_.view(seq_span(data_begin(), cut.seq), cut.data_len);
  std::uint8_t flags = wire::tcp_flags::ack;
  if (cut.fin) flags |= wire::tcp_flags::fin;
  if (cut.data_len > 0 && cut.seq + cut.data_len == data_end()) flags |= wire::tcp_flags::psh;
  if (!transmit(now, cut.seq, flags, pieces[0], pieces[1], true)) return false;
  const Seq end = cut.seq + cut.data_len + (cut.fin ? 1u : 0u);
  if (cut.retransmission) {
    high_rxt_ = seq_max(high_rxt_, end);
    retransmit_head_ = false;
    counters_.segments_retransmitted += 1;
    counters_.bytes_retransmitted += cut.data_len;
    sink_->on_retransmission(*this, cut.data_len);
    timing_ = false;  // Karn: a retransmission makes the timed segment's sample ambiguous
  } else {
    counters_.bytes_sent += cut.data_len;
    if (!timing_ && cut.data_len > 0) {
      timing_ = true;
      timed_seq_ = cut.seq;
      timed_at_ = now;
    }
  }
  snd_nxt_ = seq_max(snd_nxt_, end);
  timers_.arm_if_idle(TimerKind::retransmission, now + rtt_.timeout());
  return true;
}

bool Connection::send_syn(Instant now) {
  SegmentOut out;
  wire::TcpHeader& header = out.header;
  header.source_port = tuple_.local.port;
  header.destination_port = tuple_.remote.port;
  header.sequence = iss_.value;
  header.flags = wire::tcp_flags::syn;
  const bool answering = state_ == TcpState::syn_received;
  if (answering) {
    header.flags |= wire::tcp_flags::ack;
    header.acknowledgment = rcv_nxt_.value;
  }
  const auto window = static_cast<std::uint32_t>(std::min<std::size_t>(receive_.free_space(), max_unscaled_window));
  header.window = static_cast<std::uint16_t>(window);  // never scaled in a SYN (RFC 7323 2.2)
  header.options.has_mss = true;
  header.options.mss = config_->mss;
  // An active SYN offers what the config allows; a SYN-ACK answers only what the SYN offered.
  const bool offer_scale = answering ? ws_enabled_ : config_->window_scaling;
  const bool offer_sack = answering ? sack_enabled_ : config_->sack;
  const bool offer_timestamps = answering ? ts_enabled_ : config_->timestamps;
  if (offer_scale) {
    header.options.has_window_scale = true;
    header.options.window_scale = rcv_wscale_;
  }
  header.options.sack_permitted = offer_sack;
  if (offer_timestamps) {
    header.options.has_timestamps = true;
    header.options.ts_value = ts_clock(now);
    header.options.ts_echo_reply = answering ? ts_recent_ : 0;
  }
  if (!sink_->send_segment(now, *this, out)) return false;
  counters_.segments_sent += 1;
  if (answering) {
    rcv_adv_ = rcv_nxt_ + window;
    last_ack_sent_ = rcv_nxt_;
  }
  return true;
}

bool Connection::send_ack(Instant now) {
  if (!transmit(now, snd_nxt_, wire::tcp_flags::ack, {}, {}, true)) {
    counters_.send_failures += 1;
    return false;
  }
  counters_.pure_acks_sent += 1;
  return true;
}

bool Connection::send_probe(Instant now) { return transmit(now, snd_una_ - 1, wire::tcp_flags::ack, {}, {}, true); }

void Connection::send_rst(Instant now, Seq seq) {
  SegmentOut out;
  out.header.source_port = tuple_.local.port;
  out.header.destination_port = tuple_.remote.port;
  out.header.sequence = seq.value;
  out.header.flags = wire::tcp_flags::rst;
  if (sink_->send_segment(now, *this, out)) counters_.segments_sent += 1;
}

bool Connection::transmit(Instant now, Seq seq, std::uint8_t flags, std::span<const std::uint8_t> first,
                          std::span<const std::uint8_t> second, bool with_options) {
  SegmentOut out;
  wire::TcpHeader& header = out.header;
  header.source_port = tuple_.local.port;
  header.destination_port = tuple_.remote.port;
  header.sequence = seq.value;
  header.flags = flags;
  header.acknowledgment = rcv_nxt_.value;
  header.window = advertise_window();
  if (with_options && ts_enabled_) {
    header.options.has_timestamps = true;
    header.options.ts_value = ts_clock(now);
    header.options.ts_echo_reply = ts_recent_;
  }
  const std::size_t payload = first.size() + second.size();
  if (with_options && sack_enabled_) {
    // Options and payload share the MSS (RFC 9293 3.7.1): full segments leave no room for SACK.
    fill_sack_blocks(header.options, std::min<std::size_t>(40, snd_mss_ > payload ? snd_mss_ - payload : 0));
  }
  out.payload = {first, second};
  if (!sink_->send_segment(now, *this, out)) return false;
  counters_.segments_sent += 1;
  last_ack_sent_ = rcv_nxt_;
  ack_now_ = false;
  unacked_segments_ = 0;
  timers_.cancel(TimerKind::delayed_ack);
  return true;
}

void Connection::fill_sack_blocks(wire::TcpOptions& options, std::size_t room) const {
  if (receive_.out_of_order_ranges() == 0) return;
  std::array<ReceiveBuffer::Range, wire::TcpOptions::max_sack_blocks> ranges{};
  const std::size_t fit = options.has_timestamps ? 3 : 4;
  std::size_t count = receive_.recent_ranges(std::span(ranges).first(fit));
  const std::size_t base = options.emitted_length();
  while (count > 0 && base + 4 + 8 * count > room) --count;
  options.sack_block_count = static_cast<std::uint8_t>(count);
  for (std::size_t i = 0; i < count; ++i) {
    options.sack_blocks[i] = {(rcv_nxt_ + ranges[i].begin).value, (rcv_nxt_ + ranges[i].end).value};
  }
}

std::uint16_t Connection::advertise_window() {
  if (receive_.capacity() == 0) return 0;
  const Seq edge = rcv_nxt_ + static_cast<std::uint32_t>(receive_.free_space());
  // Receiver SWS avoidance: the right edge moves in steps of at least min(buffer / 2, MSS).
  const std::uint32_t step = std::min<std::uint32_t>(static_cast<std::uint32_t>(receive_.capacity() / 2), config_->mss);
  if (edge > rcv_adv_ && seq_span(rcv_adv_, edge) >= step) rcv_adv_ = edge;
  const std::uint32_t window = seq_span(rcv_nxt_, rcv_adv_);
  return static_cast<std::uint16_t>(std::min<std::uint32_t>(window >> rcv_wscale_, max_unscaled_window));
}

void Connection::schedule_ack(Instant now, bool immediately) {
  unacked_segments_ += 1;
  if (immediately || quickacks_left_ > 0 || unacked_segments_ >= 2) {
    if (!immediately && quickacks_left_ > 0) quickacks_left_ -= 1;
    ack_now_ = true;
    return;
  }
  timers_.arm_if_idle(TimerKind::delayed_ack, now + config_->delayed_ack);
}

void Connection::update_persist_timer(Instant now, bool sent_something) {
  const bool waiting = seq_span(snd_nxt_, data_end()) > 0;
  if (!waiting || snd_nxt_ != snd_una_) {
    timers_.cancel(TimerKind::persist);
    return;
  }
  if (!sent_something) {
    const std::uint32_t shift = std::min(persist_backoff_, 16u);
    const Duration interval{std::min(rtt_.base_rto().nanos << shift, config_->rtt.max_rto.nanos)};
    timers_.arm_if_idle(TimerKind::persist, now + interval);
  }
}

}  // namespace sluice::socket::tcp

#pragma once
// One TCP connection (RFC 9293) as a pure state machine: inputs are segments with the time they
// arrived, application calls with the time they were made, and timer expiries; outputs are
// segments and events through a SegmentSink. No device, no interface, no clock: tests feed exact
// segments at exact times and check the exact replies.
//
// Implemented: active, passive and simultaneous open and close; MSS, window scaling, timestamps
// (RTTM, PAWS), SACK; RFC 6298 retransmission with backoff and an abort limit; RFC 6675 SACK loss
// recovery (NewReno-style partial-ACK recovery when SACK is off); limited transmit (RFC 3042);
// delayed ACKs with quick-ack at start; Nagle with nodelay; zero-window probes; keepalive;
// RFC 5961 challenge ACKs; bounded reassembly. The owner supplies the buffer memory and the ISN.
//
// Split by concern: connection.cpp (opening, application calls, lifecycle), connection_input.cpp
// (segment arrival), connection_ack.cpp (acknowledgments and loss recovery),
// connection_output.cpp (what to send and how), connection_timers.cpp.
#include <cstdint>
#include <span>

#include "socket/tcp/config.hpp"
#include "socket/tcp/congestion/any_congestion_control.hpp"
#include "socket/tcp/counters.hpp"
#include "socket/tcp/four_tuple.hpp"
#include "socket/tcp/receive_buffer.hpp"
#include "socket/tcp/rtt_estimator.hpp"
#include "socket/tcp/sack_scoreboard.hpp"
#include "socket/tcp/segment_sink.hpp"
#include "socket/tcp/send_buffer.hpp"
#include "socket/tcp/sequence.hpp"
#include "socket/tcp/state.hpp"
#include "socket/tcp/timers.hpp"
#include "wire/tcp.hpp"

namespace sluice::socket::tcp {

class Connection {
 public:
  /// How many bytes SYN segments may carry before a window scale is needed: 65535.
  static constexpr std::uint32_t max_unscaled_window = 0xffff;
  static constexpr std::uint8_t max_window_scale = 14;  ///< RFC 7323 2.3

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Once, when the owner builds its table: where output goes, the shared config, and an id the
  /// owner recognises the connection by.
  void attach(SegmentSink& sink, const TcpConfig& config, int id);

  /// Readies a CLOSED connection for a new life on `tuple` with the given buffer memory.
  /// `timestamp_offset` randomises this connection's TSval clock (RFC 7323 5.4).
  void prepare(const FourTuple& tuple, std::span<std::uint8_t> send_memory, std::span<std::uint8_t> receive_memory,
               std::uint32_t timestamp_offset);
  /// Gives the buffer memory back (the owner reuses it); the connection must be CLOSED or in
  /// TIME-WAIT, where no byte is sent or received any more.
  void release_buffers();
  bool has_buffers() const { return send_.capacity() != 0; }

  // Opening.
  /// Active open: sends a SYN with sequence number `iss` and enters SYN-SENT.
  void connect(Instant now, std::uint32_t iss);
  /// Passive open from a listener: `syn` is a SYN without ACK or RST. Sends the SYN-ACK.
  void accept_syn(Instant now, std::uint32_t iss, const wire::TcpSegment& syn, const wire::TcpOptions& options);
  /// Passive open from a validated SYN cookie (see SynCookies): SYN-RECEIVED as if the cookie's
  /// SYN-ACK had been sent, with only MSS negotiated. The caller then feeds `ack` to on_segment().
  void accept_cookie(Instant now, std::uint32_t iss, const wire::TcpSegment& ack, std::uint16_t mss);

  // The application.
  /// Copies into the send buffer; bytes accepted, or -EAGAIN (full), -EPIPE (after shutdown),
  /// -ENOTCONN (never connected), -ECONNRESET / -ETIMEDOUT (the connection failed).
  long send(Instant now, std::span<const std::uint8_t> bytes);
  /// Copies received bytes out; bytes read, 0 at end of stream, -EAGAIN, or the error that closed
  /// the connection. A window update it makes worth sending waits for flush().
  long receive(std::span<std::uint8_t> out);
  /// Half-close: FIN after the queued bytes. 0, or -ENOTCONN.
  int shutdown(Instant now);
  /// The application lets go: as shutdown, but unread received bytes abort with a RST (RFC 9293
  /// 3.10.4), and an unanswered FIN-WAIT-2 ends after fin_wait_2_timeout.
  void close(Instant now);
  /// Sends a RST if synchronized and goes to CLOSED at once.
  void abort(Instant now);

  // The network and time.
  void on_segment(Instant now, const wire::TcpSegment& segment, const wire::TcpOptions& options);
  void on_timer(Instant now);
  /// The earliest armed timer, Instant::never() when none.
  Instant next_deadline() const { return timers_.earliest(); }
  /// Sends an ACK or window update that receive() left pending.
  void flush(Instant now);
  bool wants_flush() const { return ack_now_; }
  /// RFC 6191 / RFC 9293 TIME-WAIT reuse: in TIME-WAIT, a new SYN with a later sequence number
  /// (or a later timestamp) may open a new connection on the same 4-tuple.
  bool accepts_new_syn(const wire::TcpSegment& syn, const wire::TcpOptions& options) const;

  // Per-connection choices.
  void set_nodelay(bool nodelay) { nodelay_ = nodelay; }
  /// Only before connect() or accept_syn(): the controller starts when the handshake completes.
  void set_congestion(CongestionAlgorithm algorithm) { congestion_.select(algorithm); }
  void set_keepalive(bool on);

  // Queries.
  int id() const { return id_; }
  TcpState state() const { return state_; }
  const FourTuple& tuple() const { return tuple_; }
  const TcpConnectionCounters& counters() const { return counters_; }
  /// The errno that ended the connection (ECONNRESET, ECONNREFUSED, ETIMEDOUT), 0 if none.
  int error() const { return error_; }
  bool passive() const { return passive_; }
  bool closed_by_application() const { return app_closed_; }
  std::size_t readable() const { return receive_.readable(); }
  std::size_t send_space() const { return send_.free(); }
  std::size_t unsent_or_unacked() const { return send_.size(); }
  bool peer_finished() const { return peer_fin_; }
  Seq snd_una() const { return snd_una_; }
  Seq snd_nxt() const { return snd_nxt_; }
  Seq rcv_nxt() const { return rcv_nxt_; }
  std::uint32_t send_window() const { return snd_wnd_; }
  std::uint16_t send_mss() const { return snd_mss_; }
  bool sack_enabled() const { return sack_enabled_; }
  bool timestamps_enabled() const { return ts_enabled_; }
  std::uint8_t send_window_scale() const { return snd_wscale_; }
  std::uint8_t receive_window_scale() const { return rcv_wscale_; }
  const CongestionControl& congestion() const { return congestion_.get(); }
  const RttEstimator& rtt() const { return rtt_; }
  bool in_recovery() const { return recovery_ != Recovery::none; }
  const TcpTimers& timers() const { return timers_; }

 private:
  enum class Recovery : std::uint8_t { none, fast, timeout };

  /// The next thing output() would send: a range of sequence space, data and perhaps FIN.
  struct Cut {
    Seq seq;
    std::uint32_t data_len = 0;
    bool fin = false;
    bool retransmission = false;
  };

  // connection.cpp
  void set_state(TcpState next);
  /// Goes to CLOSED, cancelling every timer; reports `error` (0: a normal close) to the sink.
  void enter_closed(int error);
  void enter_time_wait(Instant now);
  void begin_passive(Instant now, std::uint32_t iss, std::uint32_t peer_isn, std::uint16_t window,
                     const wire::TcpOptions& options);
  void negotiate(const wire::TcpOptions& peer, Instant now);
  void start_congestion_control();
  void establish(Instant now);
  std::uint8_t wanted_receive_scale() const;
  Seq data_begin() const { return syn_acked() ? snd_una_ : iss_ + 1; }
  Seq data_end() const { return data_begin() + static_cast<std::uint32_t>(send_.size()); }
  bool syn_acked() const { return snd_una_ != iss_; }
  std::uint32_t effective_mss() const;
  std::uint32_t ts_clock(Instant now) const;

  // connection_input.cpp
  void on_segment_syn_sent(Instant now, const wire::TcpSegment& segment, const wire::TcpOptions& options);
  bool acceptable(const wire::TcpSegment& segment) const;
  bool paws_rejects(Instant now, const wire::TcpSegment& segment, const wire::TcpOptions& options) const;
  void on_reset(Instant now, const wire::TcpSegment& segment);
  void receive_text(Instant now, const wire::TcpSegment& segment);
  void receive_fin(Instant now);
  void challenge_ack(Instant now);

  // connection_ack.cpp
  /// Returns false when the segment must be dropped (the ACK was unacceptable).
  bool on_ack(Instant now, const wire::TcpSegment& segment, const wire::TcpOptions& options);
  void on_new_ack(Instant now, Seq ack, const wire::TcpOptions& options);
  void on_duplicate_ack(Instant now);
  void enter_fast_recovery(Instant now);
  void after_fin_acked(Instant now);
  std::uint32_t take_sack_blocks(const wire::TcpOptions& options);
  void take_rtt_sample(Instant now, Seq ack, const wire::TcpOptions& options);
  Seq lost_boundary() const;
  std::uint32_t pipe() const;

  // connection_output.cpp
  void output(Instant now);
  bool next_cut(Cut& cut) const;
  bool next_retransmission(Cut& cut, bool only_lost) const;
  bool next_new_data(Cut& cut) const;
  bool send_cut(Instant now, const Cut& cut);
  bool send_syn(Instant now);
  bool send_ack(Instant now);
  /// A segment at SND.UNA - 1 without data: the peer answers it with an ACK showing its window.
  bool send_probe(Instant now);
  void send_rst(Instant now, Seq seq);
  bool transmit(Instant now, Seq seq, std::uint8_t flags, std::span<const std::uint8_t> first,
                std::span<const std::uint8_t> second, bool with_options);
  std::uint16_t advertise_window();
  void fill_sack_blocks(wire::TcpOptions& options, std::size_t room) const;
  void schedule_ack(Instant now, bool immediately);
  void update_persist_timer(Instant now, bool sent_something);
  bool can_send_data() const;

  // connection_timers.cpp
  void on_retransmission_timeout(Instant now);
  void on_syn_timeout(Instant now);
  void on_persist_timeout(Instant now);
  void on_keepalive_timeout(Instant now);
  void note_segment_received(Instant now);

  SegmentSink* sink_ = nullptr;
  const TcpConfig* config_ = nullptr;
  int id_ = -1;

  FourTuple tuple_;
  TcpState state_ = TcpState::closed;
  bool passive_ = false;
  bool app_closed_ = false;
  int error_ = 0;

  // Send sequence space (RFC 9293 3.3.1). SND.NXT is the highest sequence sent: retransmissions
  // never move it back.
  Seq iss_;
  Seq snd_una_;
  Seq snd_nxt_;
  std::uint32_t snd_wnd_ = 0;
  std::uint32_t max_snd_wnd_ = 0;
  Seq snd_wl1_;
  Seq snd_wl2_;
  bool fin_queued_ = false;
  Seq fin_seq_;  ///< sequence number of our FIN, fixed when it is queued

  // Receive sequence space.
  Seq irs_;
  Seq rcv_nxt_;
  Seq rcv_adv_;  ///< right edge of the window we advertised; never moves left
  bool peer_fin_ = false;
  bool peer_fin_held_ = false;  ///< a FIN arrived ahead of missing data, at peer_fin_seq_
  Seq peer_fin_seq_;

  // Negotiated options.
  std::uint16_t snd_mss_ = 536;
  std::uint8_t snd_wscale_ = 0;
  std::uint8_t rcv_wscale_ = 0;
  bool ws_enabled_ = false;
  bool ts_enabled_ = false;
  bool sack_enabled_ = false;
  std::uint32_t ts_offset_ = 0;
  std::uint32_t ts_recent_ = 0;
  Instant ts_recent_at_{};
  Seq last_ack_sent_;

  SendBuffer send_;
  ReceiveBuffer receive_;

  // Loss recovery (RFC 6675 names: RecoveryPoint, HighRxt).
  Recovery recovery_ = Recovery::none;
  Seq recovery_point_;
  Seq high_rxt_;
  Seq lost_floor_;  ///< unSACKed bytes below this are taken as lost whatever the scoreboard says
  std::uint32_t dupacks_ = 0;
  std::uint32_t reno_dupacks_ = 0;  ///< without SACK, each duplicate ACK stands for one segment gone
  /// RFC 6675 5(3) and RFC 6582 3.2(5): the first lost segment goes out whatever pipe says.
  bool retransmit_head_ = false;
  SackScoreboard scoreboard_;
  AnyCongestionControl congestion_;
  RttEstimator rtt_;
  bool timing_ = false;  ///< one segment timed at a time (Karn's algorithm)
  Seq timed_seq_;
  Instant timed_at_{};
  bool syn_retransmitted_ = false;
  bool timed_out_ = false;  ///< a retransmission timeout happened, at TSval ts_at_timeout_
  std::uint32_t ts_at_timeout_ = 0;

  // Acknowledging.
  bool ack_now_ = false;
  std::uint32_t unacked_segments_ = 0;
  std::uint32_t quickacks_left_ = 0;

  TcpTimers timers_;
  std::uint32_t persist_backoff_ = 0;
  std::uint32_t keepalive_probes_sent_ = 0;
  Instant last_received_{};
  Instant challenge_window_start_{};
  std::uint32_t challenge_acks_in_window_ = 0;

  bool nodelay_ = false;
  bool keepalive_ = false;
  bool writer_blocked_ = false;
  TcpConnectionCounters counters_;
};

}  // namespace sluice::socket::tcp

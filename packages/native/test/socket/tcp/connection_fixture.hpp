#pragma once
// Segment-level harness for one Connection: exact segments in at explicit times, every segment,
// event and state change out recorded, so tests assert exact replies (smoltcp style).
//
// Our side is 198.18.0.1:80 with ISS 1000; the peer is 198.18.0.2:40000 with ISS 5000. The
// timestamp offset is 0, so our TSval is the time in milliseconds.
#include <gtest/gtest.h>

#include <deque>
#include <utility>
#include <vector>

#include "socket/tcp/connection.hpp"
#include "wire/tcp.hpp"

namespace sluice::testing {

using Bytes = std::vector<std::uint8_t>;
using socket::tcp::Connection;
using socket::tcp::Seq;
using socket::tcp::TcpConfig;
using socket::tcp::TcpEventKind;
using socket::tcp::TcpState;
namespace flags = wire::tcp_flags;

inline constexpr std::uint32_t our_iss = 1000;
inline constexpr std::uint32_t peer_iss = 5000;

struct SentSegment {
  wire::TcpHeader header;
  Bytes payload;
  std::uint32_t seq() const { return header.sequence; }
  std::uint32_t ack() const { return header.acknowledgment; }
  std::uint8_t flags() const { return header.flags; }
};

class RecordingSink : public socket::tcp::SegmentSink {
 public:
  bool send_segment(Instant, const Connection&, const socket::tcp::SegmentOut& out) override {
    if (refuse) return false;
    SentSegment segment{out.header, {}};
    for (const auto& piece : out.payload) segment.payload.insert(segment.payload.end(), piece.begin(), piece.end());
    sent.push_back(std::move(segment));
    return true;
  }
  void on_event(Connection&, TcpEventKind kind, int error) override { events.emplace_back(kind, error); }
  void on_state_change(Connection& connection, TcpState) override { states.push_back(connection.state()); }

  std::deque<SentSegment> sent;
  std::vector<std::pair<TcpEventKind, int>> events;
  std::vector<TcpState> states;
  bool refuse = false;
};

/// A segment from the peer.
struct PeerSegment {
  std::uint32_t seq = peer_iss + 1;
  std::uint32_t ack = our_iss + 1;
  std::uint8_t flags = flags::ack;
  std::uint16_t window = 65535;
  wire::TcpOptions options{};
  Bytes payload{};
};

inline Bytes pattern_bytes(std::size_t n, std::uint8_t seed = 0) {
  Bytes bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(seed + i * 13);
  return bytes;
}

inline wire::TcpOptions timestamps(std::uint32_t value, std::uint32_t echo) {
  wire::TcpOptions options;
  options.has_timestamps = true;
  options.ts_value = value;
  options.ts_echo_reply = echo;
  return options;
}

inline Instant ms(std::uint64_t n) { return Instant::from_millis(n); }

class ConnectionTest : public ::testing::Test {
 protected:
  static TcpConfig small_config() {
    TcpConfig config;
    config.send_buffer = 64 * 1024;
    config.receive_buffer = 32 * 1024;  // window scale 0: window fields are plain bytes
    config.congestion = socket::tcp::CongestionAlgorithm::newreno;
    return config;
  }

  void SetUp() override { make(small_config()); }

  void make(const TcpConfig& config) {
    config_ = config;
    send_memory_.assign(config_.send_buffer, 0);
    receive_memory_.assign(config_.receive_buffer, 0);
    connection = std::make_unique<Connection>();
    connection->attach(sink, config_, 7);
    connection->prepare({{wire::Ipv4Address::from_octets(198, 18, 0, 1), 80},
                         {wire::Ipv4Address::from_octets(198, 18, 0, 2), 40000}},
                        send_memory_, receive_memory_, 0);
  }

  void TearDown() override { EXPECT_TRUE(sink.sent.empty()) << sink.sent.size() << " sent segments were not checked"; }

  void deliver(Instant now, const PeerSegment& in) {
    wire::TcpHeader header;
    header.source_port = 40000;
    header.destination_port = 80;
    header.sequence = in.seq;
    header.acknowledgment = in.ack;
    header.flags = in.flags;
    header.window = in.window;
    header.options = in.options;
    Bytes bytes(header.header_len() + in.payload.size());
    header.emit(bytes);
    std::copy(in.payload.begin(), in.payload.end(), bytes.begin() + static_cast<std::ptrdiff_t>(header.header_len()));
    const auto segment = wire::TcpSegment::parse(bytes);
    ASSERT_TRUE(segment.has_value());
    connection->on_segment(now, *segment, segment->options());
  }

  SentSegment pop() {
    if (sink.sent.empty()) {
      ADD_FAILURE() << "expected a sent segment";
      return {};
    }
    SentSegment segment = std::move(sink.sent.front());
    sink.sent.pop_front();
    return segment;
  }

  /// Runs the connection's timers at its next deadline, which must be at `expected`.
  void fire_timer_at(Instant expected) {
    ASSERT_EQ(connection->next_deadline(), expected);
    connection->on_timer(expected);
  }

  /// The peer's options on its SYN or SYN-ACK: MSS 1460, SACK-permitted, timestamps, scale 7.
  static wire::TcpOptions peer_syn_options(std::uint32_t ts_value, std::uint32_t ts_echo) {
    wire::TcpOptions options = timestamps(ts_value, ts_echo);
    options.has_mss = true;
    options.mss = 1460;
    options.sack_permitted = true;
    options.has_window_scale = true;
    options.window_scale = 7;
    return options;
  }

  /// Active open at t = 0 answered by a SYN-ACK at 1 ms (window 512 << 7 = 65536 once scaled);
  /// the SYN and the handshake ACK are popped.
  void open_active() {
    connection->connect(ms(0), our_iss);
    pop();
    deliver(ms(1), {.seq = peer_iss, .ack = our_iss + 1, .flags = flags::syn | flags::ack, .window = 65535,
                    .options = peer_syn_options(100, 0)});
    const SentSegment ack = pop();
    ASSERT_EQ(connection->state(), TcpState::established);
    ASSERT_EQ(ack.flags(), flags::ack);
    settle_window();
    sink.events.clear();
    sink.states.clear();
  }

  /// The peer's first ACK after the handshake, with the scaled window its later segments keep
  /// (512 << 7 = 65536 bytes), so that later ACKs count as duplicates when they repeat.
  void settle_window() {
    deliver(ms(2), from_peer(0));
    ASSERT_TRUE(sink.sent.empty());
  }

  /// What the peer sends after the handshake, with timestamps.
  PeerSegment from_peer(std::uint32_t seq_offset, Bytes payload = {}, std::uint32_t ack_offset = 1,
                        std::uint32_t ts = 101) const {
    return {.seq = peer_iss + 1 + seq_offset, .ack = our_iss + ack_offset, .flags = flags::ack, .window = 512,
            .options = timestamps(ts, 1), .payload = std::move(payload)};
  }

  TcpConfig config_;
  RecordingSink sink;
  std::unique_ptr<Connection> connection;
  Bytes send_memory_;
  Bytes receive_memory_;
};

}  // namespace sluice::testing

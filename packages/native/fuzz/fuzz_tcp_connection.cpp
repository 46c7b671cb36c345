// Drives one TCP Connection with arbitrary segments, application calls and timer expiries, and
// checks invariants after every step. Segment numbers are drawn relative to the connection's own
// RCV.NXT and SND.UNA, so inputs reach every state instead of bouncing off the window checks.
// Input layout:
//   byte 0: bit 0 active (else passive) open; bits 1-3 peer offers SACK, timestamps, window scale;
//           bit 4 the sink refuses every 4th segment (no frame); bit 5 NewReno (else CUBIC);
//           bit 6 (passive only) opened from a SYN cookie: accept_cookie and the cookie's ACK
//   then operations, each an opcode byte and its arguments, until the input ends:
//     0 segment: flags, seq delta (int16), ack delta (int16), window (u16), payload length (u8 * 8),
//                SACK block count (u8 % 5, each block two int16 deltas from SND.UNA)
//     1 send (u16 bytes)  2 receive (u16 bytes)  3 shutdown  4 close  5 abort
//     6 advance time (u16 ms) and run due timers   7 flush
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "socket/tcp/connection.hpp"

namespace {

using namespace sluice;
using namespace sluice::socket::tcp;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_tcp_connection: %s\n", what);
  std::abort();
}

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>((byte() << 8) | byte()); }
  std::int16_t i16() { return static_cast<std::int16_t>(u16()); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

class FuzzSink : public SegmentSink {
 public:
  bool send_segment(Instant, const Connection&, const SegmentOut& segment) override {
    if (segment.header.header_len() > 60) fail("options beyond 40 bytes");
    if (segment.payload_size() > 65535) fail("payload beyond 64 KiB");
    ++sent;
    return !(refuse_some && sent % 4 == 0);
  }
  void on_event(Connection& connection, TcpEventKind kind, int) override {
    if (kind == TcpEventKind::closed && connection.state() != TcpState::closed) fail("closed event while open");
  }
  void on_state_change(Connection& connection, TcpState from) override {
    if (connection.state() == from) fail("state change to the same state");
  }

  bool refuse_some = false;
  std::uint64_t sent = 0;
};

wire::TcpOptions syn_options(std::uint8_t setup, std::uint32_t ts) {
  wire::TcpOptions options;
  options.has_mss = true;
  options.mss = 1400;
  options.sack_permitted = (setup & 2) != 0;
  options.has_timestamps = (setup & 4) != 0;
  options.ts_value = ts;
  options.has_window_scale = (setup & 8) != 0;
  options.window_scale = 7;
  return options;
}

void deliver(Connection& connection, Instant now, const wire::TcpHeader& header, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> bytes(header.header_len() + payload.size());
  if (header.emit(bytes) == 0) return;
  std::copy(payload.begin(), payload.end(), bytes.begin() + static_cast<std::ptrdiff_t>(header.header_len()));
  const auto segment = wire::TcpSegment::parse(bytes);
  if (!segment) fail("emitted segment does not parse");
  connection.on_segment(now, *segment, segment->options());
}

void check(const Connection& connection) {
  if (connection.snd_nxt() < connection.snd_una()) fail("SND.NXT behind SND.UNA");
  if (connection.unsent_or_unacked() + connection.send_space() != 8192) fail("send buffer lost bytes");
  if (connection.state() == TcpState::closed && !connection.next_deadline().is_never()) fail("timer left in CLOSED");
  if (connection.congestion().cwnd() == 0 && connection.state() == TcpState::established) fail("zero cwnd");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Input input(data, size);
  const std::uint8_t setup = input.byte();
  TcpConfig config;
  config.send_buffer = 8192;
  config.receive_buffer = 8192;
  config.out_of_order_ranges = 4;
  config.congestion = (setup & 32) != 0 ? CongestionAlgorithm::newreno : CongestionAlgorithm::cubic;
  config.quickack_segments = 2;
  std::vector<std::uint8_t> send_memory(config.send_buffer);
  std::vector<std::uint8_t> receive_memory(config.receive_buffer);
  std::vector<std::uint8_t> scratch(65536, 0x5a);
  FuzzSink sink;
  sink.refuse_some = (setup & 16) != 0;
  Connection connection;
  connection.attach(sink, config, 0);
  connection.prepare({{wire::Ipv4Address::from_octets(198, 18, 0, 1), 80},
                      {wire::Ipv4Address::from_octets(198, 18, 0, 2), 40000}},
                     send_memory, receive_memory, 0);
  Instant now = Instant::from_millis(1000);
  std::uint32_t peer_ts = 100;
  const std::uint32_t peer_iss = 5000;
  if (setup & 1) {
    connection.connect(now, 1000);
    wire::TcpHeader syn_ack;
    syn_ack.source_port = 40000;
    syn_ack.destination_port = 80;
    syn_ack.sequence = peer_iss;
    syn_ack.acknowledgment = 1001;
    syn_ack.flags = wire::tcp_flags::syn | wire::tcp_flags::ack;
    syn_ack.window = 65535;
    syn_ack.options = syn_options(setup, peer_ts);
    deliver(connection, now, syn_ack, {});
  } else {
    wire::TcpHeader syn;
    syn.source_port = 40000;
    syn.destination_port = 80;
    syn.sequence = peer_iss;
    syn.flags = wire::tcp_flags::syn;
    syn.window = 65535;
    syn.options = syn_options(setup, peer_ts);
    if (setup & 64) {
      wire::TcpHeader ack;
      ack.source_port = 40000;
      ack.destination_port = 80;
      ack.sequence = peer_iss + 1;
      ack.acknowledgment = 1001;
      ack.flags = wire::tcp_flags::ack;
      ack.window = 65535;
      std::vector<std::uint8_t> bytes(ack.header_len());
      ack.emit(bytes);
      const auto segment = wire::TcpSegment::parse(bytes);
      connection.accept_cookie(now, 1000, *segment, 1360);
      connection.on_segment(now, *segment, segment->options());
    } else {
      std::vector<std::uint8_t> bytes(syn.header_len());
      syn.emit(bytes);
      const auto segment = wire::TcpSegment::parse(bytes);
      connection.accept_syn(now, 1000, *segment, segment->options());
    }
  }
  check(connection);

  for (int op = 0; op < 512 && !input.empty(); ++op) {
    switch (input.byte() % 8) {
      case 0: {
        wire::TcpHeader header;
        header.source_port = 40000;
        header.destination_port = 80;
        header.flags = input.byte();
        header.sequence = (connection.rcv_nxt() + static_cast<std::uint32_t>(input.i16())).value;
        header.acknowledgment = (connection.snd_una() + static_cast<std::uint32_t>(input.i16())).value;
        header.window = input.u16();
        const std::size_t length = std::size_t{input.byte()} * 8;
        const std::uint8_t blocks = input.byte() % 5;
        if ((setup & 4) != 0) {
          header.options.has_timestamps = true;
          peer_ts += input.byte() % 3;
          header.options.ts_value = peer_ts - 1;  // sometimes older than the last: PAWS
          header.options.ts_echo_reply = static_cast<std::uint32_t>(now.millis());
        }
        const std::size_t fit = header.options.has_timestamps ? 3 : 4;
        for (std::uint8_t i = 0; i < blocks && i < fit; ++i) {
          const Seq left = connection.snd_una() + static_cast<std::uint32_t>(input.i16());
          const Seq right = left + (input.u16() % 4096);
          header.options.sack_blocks[header.options.sack_block_count++] = {left.value, right.value};
        }
        deliver(connection, now, header, std::span(scratch).first(length));
        break;
      }
      case 1:
        connection.send(now, std::span(scratch).first(input.u16() % 20000));
        break;
      case 2:
        connection.receive(std::span(scratch).first(input.u16()));
        break;
      case 3:
        connection.shutdown(now);
        break;
      case 4:
        connection.close(now);
        break;
      case 5:
        connection.abort(now);
        break;
      case 6:
        now = now + Duration::millis(input.u16());
        if (connection.next_deadline() <= now) connection.on_timer(now);
        break;
      case 7:
        connection.flush(now);
        break;
    }
    check(connection);
  }
  // Let every timer run out: the connection must end, or wait with a timer armed.
  for (int i = 0; i < 64 && !connection.next_deadline().is_never(); ++i) {
    now = std::max(now, connection.next_deadline());
    connection.on_timer(now);
    check(connection);
  }
  return 0;
}

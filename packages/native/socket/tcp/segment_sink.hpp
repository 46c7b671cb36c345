#pragma once
// What a connection produces: segments and events, handed to its owner through this small
// interface. The owner (the interface layer, or a test) frames and sends segments and queues
// events; it must not call back into the connection from these callbacks.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "socket/tcp/state.hpp"
#include "util/time.hpp"
#include "wire/tcp.hpp"

namespace sluice::socket::tcp {

class Connection;

/// One segment to send: the header (ports included) and the payload in up to two pieces (the send
/// buffer is a ring). The sink copies the payload; the pieces are valid only during the call.
struct SegmentOut {
  wire::TcpHeader header;
  std::array<std::span<const std::uint8_t>, 2> payload{};

  std::size_t payload_size() const { return payload[0].size() + payload[1].size(); }
};

class SegmentSink {
 public:
  virtual ~SegmentSink() = default;
  /// Sends one segment of `connection` to its remote endpoint; false when it could not (no frame).
  virtual bool send_segment(Instant now, const Connection& connection, const SegmentOut& segment) = 0;
  /// Something the application may want to know about (errno in `error` for reset and error).
  virtual void on_event(Connection& connection, TcpEventKind kind, int error) = 0;
  /// The state changed from `from` to connection.state().
  virtual void on_state_change(Connection& connection, TcpState from) = 0;
  /// A segment carrying `bytes` of data (or a SYN/FIN) was sent again. For stack-wide accounting;
  /// the connection keeps its own counters too.
  virtual void on_retransmission(const Connection& connection, std::size_t bytes) {
    (void)connection;
    (void)bytes;
  }
  /// A round-trip time was measured (RFC 6298 or RFC 7323 RTTM), about once per round trip.
  virtual void on_rtt_sample(const Connection& connection, Duration rtt) {
    (void)connection;
    (void)rtt;
  }
};

}  // namespace sluice::socket::tcp

#pragma once
// A received UDP datagram, still in the frame it arrived in: sockets queue frames, never copies.
#include <cstdint>
#include <span>

#include "device/device.hpp"
#include "socket/endpoint.hpp"

namespace sluice::socket {

struct UdpDatagram {
  /// The received frame; empty (data == nullptr) when the datagram was reassembled from fragments
  /// and its payload lives in a reassembly slot instead.
  device::Frame frame;
  std::span<std::uint8_t> payload;
  Endpoint from;
  Endpoint to;
  /// Reassembly slot holding the payload, or -1. The slot stays reserved until the datagram is released.
  std::int32_t reassembly_slot = -1;
  /// Where the UDP header starts inside `frame` (Ethernet + IP header with options).
  std::uint16_t udp_offset = 0;
  /// The socket it was queued on, so a reply is counted there.
  std::int32_t socket_id = -1;

  bool empty() const { return frame.data == nullptr && reassembly_slot < 0; }
};

}  // namespace sluice::socket

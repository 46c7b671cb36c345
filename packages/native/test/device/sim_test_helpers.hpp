#pragma once
// Frame builders and a simulation loop shared by the sim, fault and pcap tests.
#include <cstdint>
#include <ostream>
#include <span>

#include "device/device.hpp"
#include "device/sim/sim_wire.hpp"
#include "wire/bytes.hpp"
#include "wire/ethernet.hpp"

namespace sluice {
// gtest prints Instants as nanoseconds instead of raw bytes.
inline void PrintTo(Instant at, std::ostream* os) { *os << at.nanos << " ns"; }
}  // namespace sluice

namespace sluice::test {

inline wire::MacAddress mac(std::uint8_t last) { return {{0x02, 0x00, 0x00, 0x00, 0x00, last}}; }

/// The byte at `offset` of test frame `id`: differs between frames and between offsets.
inline std::uint8_t pattern_byte(std::uint32_t id, std::size_t offset) {
  return static_cast<std::uint8_t>(id * 131 + offset * 7 + 3);
}

/// Fills an allocated frame: Ethernet header (local experimental ethertype 0x88b5), the id as a
/// big-endian u32, then pattern bytes up to `len`.
inline void fill_frame(device::Frame& frame, const wire::MacAddress& dst, const wire::MacAddress& src,
                       std::uint32_t id, std::uint32_t len) {
  wire::EthernetFrame::emit(frame.writable(), dst, src, wire::EtherType{0x88b5});
  wire::store_be32(frame.data + 14, id);
  for (std::size_t i = 18; i < len; ++i) frame.data[i] = pattern_byte(id, i);
  frame.len = len;
}

/// Allocates, fills and transmits one frame; false when the pool or the transmit path refused it.
inline bool send_frame(device::Device& device, const wire::MacAddress& dst, std::uint32_t id,
                       std::uint32_t len = 64) {
  device::Frame frame;
  if (device.allocate({&frame, 1}) != 1) return false;
  fill_frame(frame, dst, device.info().mac, id, len);
  if (device.transmit({&frame, 1}) == 1) return true;
  device.release({&frame, 1});
  return false;
}

inline std::uint32_t frame_id(const device::Frame& frame) { return wire::load_be32(frame.data + 14); }

/// Receives everything queued on `device`, calls visit(frame) for each, then releases it.
template <typename Visit>
std::size_t drain(device::Device& device, Visit&& visit) {
  device::Frame frames[32];
  std::size_t total = 0;
  for (;;) {
    const std::size_t n = device.receive(frames);
    for (std::size_t i = 0; i < n; ++i) visit(frames[i]);
    device.release({frames, n});
    total += n;
    if (n < std::size(frames)) return total;
  }
}

/// FNV-1a, to compare long delivery sequences between runs.
struct SequenceHash {
  std::uint64_t value = 0xcbf29ce484222325u;
  void add(std::span<const std::uint8_t> bytes) {
    for (std::uint8_t b : bytes) value = (value ^ b) * 0x100000001b3u;
  }
  void add(std::uint64_t word) {
    std::uint8_t bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(word >> (8 * i));
    add(bytes);
  }
};

}  // namespace sluice::test

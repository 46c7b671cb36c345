#pragma once
// The one small interface every backend implements: receive a burst, allocate transmit frames,
// transmit a burst, release frames. Ownership of a frame is always with exactly one party.
//
// Ownership rules:
//  - Frames returned by receive() or allocate() belong to the caller.
//  - transmit() takes ownership of the first N frames it reports as accepted; the caller still owns
//    the rest (ring full) and must transmit them later or release() them.
//  - release() returns frames the caller owns to the device's pool.
//  - A received frame may be transmitted as is (in-place forwarding) on the same device.
//  - flush() is called once per burst, after transmit(); backends that need a kick (AF_XDP copy
//    mode) batch it there, never per frame.
//  - Kept frames (zero-copy lending, where lends_frames() is true): a frame whose `kept` flag is set
//    when it is transmitted or released does not go back to the pool. The device reads it until
//    it is done (AF_XDP: the completion ring returns it; sim and TAP copy at transmit, so at once)
//    and then hands it back through reclaim_kept(): the caller owns it again, and finally returns
//    it with release() with `kept` cleared. This lets the LibOS lend frames to applications and
//    transmit an application's buffer itself.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "wire/ethernet.hpp"

namespace sluice::device {

struct Frame {
  std::uint8_t* data = nullptr;  ///< first byte of the Ethernet frame
  std::uint32_t len = 0;         ///< bytes in the frame
  std::uint32_t capacity = 0;    ///< bytes writable from `data`
  std::uint64_t handle = 0;      ///< backend-private identity (UMEM address, mbuf pointer, pool index)
  bool kept = false;             ///< come back through reclaim_kept() instead of the pool (see above)

  std::span<std::uint8_t> bytes() const { return {data, len}; }
  std::span<std::uint8_t> writable() const { return {data, capacity}; }
};

struct DeviceInfo {
  std::string backend;  ///< "xdp", "dpdk", "tap", "sim"
  std::string name;     ///< interface or port name
  std::uint32_t queue = 0;
  std::uint32_t mtu = 1500;  ///< largest IP packet; frames are up to mtu + 14 bytes
  wire::MacAddress mac;
  std::string mode;  ///< backend detail, e.g. "xdp-drv", "xdp-skb", "copy", "zerocopy"
};

/// Monotonic counters, written by the device's single owner thread only.
struct DeviceCounters {
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t tx_ring_full = 0;    ///< transmit() refused frames: ring or queue full
  std::uint64_t tx_dropped = 0;      ///< accepted by transmit() but discarded by the device or kernel
  std::uint64_t fill_ring_empty = 0;  ///< receive side starved of buffers (AF_XDP fill ring)
  std::uint64_t alloc_failures = 0;   ///< allocate() returned fewer frames than asked: pool empty
  std::uint64_t rx_dropped = 0;       ///< dropped by the device or kernel before we saw them
  std::uint64_t kicks = 0;            ///< syscalls made to start transmission
  std::uint64_t wakeups = 0;          ///< syscalls made to wake the receive side
};

class Device {
 public:
  virtual ~Device() = default;
  Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  virtual const DeviceInfo& info() const = 0;
  virtual const DeviceCounters& counters() const = 0;

  /// Up to out.size() received frames; returns how many were written to `out`.
  virtual std::size_t receive(std::span<Frame> out) = 0;
  /// Up to out.size() empty frames (len 0, capacity set) for transmission.
  virtual std::size_t allocate(std::span<Frame> out) = 0;
  /// Queues frames for transmission; returns how many the device accepted (a prefix of `frames`).
  virtual std::size_t transmit(std::span<const Frame> frames) = 0;
  /// Returns owned frames to the pool without sending them.
  virtual void release(std::span<const Frame> frames) = 0;
  /// Starts transmission of everything queued since the last flush, and reclaims completed frames.
  virtual void flush() = 0;

  // Zero-copy lending (optional; see the kept-frame rule above).
  /// True when the device honours Frame::kept and the three calls below.
  virtual bool lends_frames() const { return false; }
  /// Kept frames the device is done with (transmitted or released), oldest first; each is
  /// identified by handle and frame_index(), its bytes are the caller's again.
  virtual std::size_t reclaim_kept(std::span<Frame> /*out*/) { return 0; }
  /// A dense index below pool_capacity() naming a frame this device handed out.
  virtual std::uint32_t frame_index(const Frame& /*frame*/) const { return 0; }
  /// The memory every frame lies in (tests check that lent buffers point into it).
  virtual std::span<const std::uint8_t> frame_memory() const { return {}; }

  /// A descriptor that becomes readable when frames arrive (for sleeping when idle), or -1.
  virtual int wait_fd() const { return -1; }
  /// Frames the pool holds in all; with the number free, tests check nothing leaked.
  virtual std::size_t pool_capacity() const = 0;
  virtual std::size_t pool_available() const = 0;
};

}  // namespace sluice::device

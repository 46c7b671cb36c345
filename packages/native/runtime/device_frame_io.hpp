#pragma once
// Adapts a device::Device to the stack's FrameIo with batching: the stack hands over one frame at a
// time, the device sees bursts. One instance per device queue, single-threaded.
#include <array>
#include <cstddef>
#include <cstdint>

#include "device/device.hpp"
#include "iface/frame_io.hpp"

namespace sluice::runtime {

struct FrameIoCounters {
  std::uint64_t tx_dropped_ring_full = 0;  ///< frames released because the device's TX stayed full
  std::uint64_t flushes = 0;
};

class DeviceFrameIo final : public iface::FrameIo {
 public:
  static constexpr std::size_t kBurst = 64;

  explicit DeviceFrameIo(device::Device& device) : device_(device) {}
  ~DeviceFrameIo() override;
  DeviceFrameIo(const DeviceFrameIo&) = delete;
  DeviceFrameIo& operator=(const DeviceFrameIo&) = delete;

  bool allocate(device::Frame& out) override;
  void transmit(const device::Frame& frame) override;
  void release(const device::Frame& frame) override;

  /// Hands queued frames to the device and kicks it once. Call once per loop iteration.
  void flush();

  /// Frames held here (allocation cache + queued for TX); they count as in use in pool accounting.
  std::size_t frames_held() const { return alloc_count_ + tx_count_ + release_count_; }
  /// Returns cached frames to the device (before pool accounting checks, or when going idle).
  void return_cached();
  const FrameIoCounters& counters() const { return counters_; }

 private:
  void push_transmit_batch();
  void push_release_batch();

  device::Device& device_;
  std::array<device::Frame, kBurst> alloc_cache_{};
  std::size_t alloc_count_ = 0;
  // TX holds up to two bursts, so frames a full ring refused can wait for the next flush.
  std::array<device::Frame, 2 * kBurst> tx_batch_{};
  std::size_t tx_count_ = 0;
  std::array<device::Frame, kBurst> release_batch_{};
  std::size_t release_count_ = 0;
  FrameIoCounters counters_;
};

}  // namespace sluice::runtime

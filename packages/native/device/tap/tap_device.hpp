#pragma once
// A TAP interface: the kernel sees an Ethernet interface, we read and write whole frames on a file
// descriptor. One read()/write() per frame is inherent to TAP; reads stop at EAGAIN.
//
// Addressing: the TAP interface's kernel-side MAC belongs to the kernel, which is our peer on this
// virtual wire; our own MAC is configured or generated (locally administered).
//
// Lifetime: an interface we create disappears when the device closes, and starts down: whoever
// configures addresses brings it up. An existing (persistent) TAP is attached to and left in place.
#include <memory>
#include <vector>

#include "device/device.hpp"
#include "device/fixed_queue.hpp"
#include "device/frame_pool.hpp"
#include "device/open.hpp"

namespace sluice::device::tap {

/// Opens or creates the TAP interface config.iface; throws sluice::Error.
std::unique_ptr<Device> open_tap(const DeviceConfig& config);

/// A locally administered unicast MAC derived from the interface name, so runs are reproducible.
wire::MacAddress generated_mac(const std::string& iface);

class TapDevice final : public Device {
 public:
  /// Takes ownership of `fd` (non-blocking, attached to the interface).
  TapDevice(int fd, DeviceInfo info, std::uint32_t frame_count, std::uint32_t frame_size);
  ~TapDevice() override;

  const DeviceInfo& info() const override { return info_; }
  const DeviceCounters& counters() const override { return counters_; }

  std::size_t receive(std::span<Frame> out) override;
  std::size_t allocate(std::span<Frame> out) override;
  std::size_t transmit(std::span<const Frame> frames) override;
  void release(std::span<const Frame> frames) override;
  /// Nothing to do: transmit() already wrote each frame.
  void flush() override {}

  int wait_fd() const override { return fd_; }
  std::size_t pool_capacity() const override { return pool_.capacity(); }
  std::size_t pool_available() const override { return pool_.available(); }
  bool lends_frames() const override { return true; }
  std::size_t reclaim_kept(std::span<Frame> out) override { return kept_done_.pop_into(out); }
  std::uint32_t frame_index(const Frame& frame) const override { return static_cast<std::uint32_t>(frame.handle); }
  std::span<const std::uint8_t> frame_memory() const override { return buffers_; }

 private:
  Frame frame_for(std::uint32_t index, std::uint32_t len) const;
  /// A frame the caller gave up (write() copied it, or it was released): pool, or kept_done_.
  void give_back(const Frame& frame);

  int fd_;
  DeviceInfo info_;
  DeviceCounters counters_;
  std::vector<std::uint8_t> buffers_;
  FramePool pool_;
  FixedQueue<Frame> kept_done_;  ///< kept frames written or released, for reclaim_kept()
};

}  // namespace sluice::device::tap

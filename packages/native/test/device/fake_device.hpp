#pragma once
// A tiny scripted device for decorator tests: frames are injected for receive(), transmitted
// frames are recorded, and the transmit ring can be made to refuse. The probe outlives the device
// (decorators own it) so tests can see what happened at destruction.
#include <deque>
#include <limits>
#include <vector>

#include "device/device.hpp"
#include "device/frame_pool.hpp"
#include "sim_test_helpers.hpp"

namespace sluice::test {

struct FakeDeviceProbe {
  std::vector<std::vector<std::uint8_t>> transmitted;
  std::size_t flushes = 0;
  std::size_t available_at_destruction = 0;
  std::size_t capacity = 0;

  std::vector<std::uint32_t> transmitted_ids() const {
    std::vector<std::uint32_t> ids;
    for (const auto& bytes : transmitted) ids.push_back(wire::load_be32(bytes.data() + 14));
    return ids;
  }
};

class FakeDevice final : public device::Device {
 public:
  static constexpr std::uint32_t kFrameSize = 2048;

  FakeDevice(std::uint32_t frames, FakeDeviceProbe* probe)
      : memory_(std::size_t{frames} * kFrameSize), pool_(memory_.data(), frames, kFrameSize), probe_(probe) {
    info_.backend = "fake";
    info_.name = "fake0";
    info_.mac = mac(1);
    probe_->capacity = frames;
  }
  ~FakeDevice() override { probe_->available_at_destruction = pool_.available(); }

  /// Queues test frame `id` (from mac(2) to mac(1)) for receive(); false when the pool is empty.
  bool inject(std::uint32_t id, std::uint32_t len = 64) {
    std::uint32_t index = 0;
    if (!pool_.take(index)) return false;
    device::Frame frame{pool_.address(index), 0, kFrameSize, index};
    fill_frame(frame, mac(1), mac(2), id, len);
    rx_.push_back(frame);
    return true;
  }

  /// How many more frames transmit() accepts before reporting a full ring.
  std::size_t tx_room = std::numeric_limits<std::size_t>::max();

  const device::DeviceInfo& info() const override { return info_; }
  const device::DeviceCounters& counters() const override { return counters_; }
  std::size_t receive(std::span<device::Frame> out) override {
    std::size_t n = 0;
    while (n < out.size() && !rx_.empty()) {
      out[n++] = rx_.front();
      rx_.pop_front();
    }
    counters_.rx_packets += n;
    return n;
  }
  std::size_t allocate(std::span<device::Frame> out) override {
    std::size_t n = 0;
    std::uint32_t index = 0;
    while (n < out.size() && pool_.take(index)) out[n++] = {pool_.address(index), 0, kFrameSize, index};
    if (n < out.size()) ++counters_.alloc_failures;
    return n;
  }
  std::size_t transmit(std::span<const device::Frame> frames) override {
    const std::size_t n = std::min(frames.size(), tx_room);
    tx_room -= n;
    for (std::size_t i = 0; i < n; ++i) {
      probe_->transmitted.emplace_back(frames[i].data, frames[i].data + frames[i].len);
      pool_.give(static_cast<std::uint32_t>(frames[i].handle));
    }
    counters_.tx_packets += n;
    if (n < frames.size()) ++counters_.tx_ring_full;
    return n;
  }
  void release(std::span<const device::Frame> frames) override {
    for (const auto& f : frames) pool_.give(static_cast<std::uint32_t>(f.handle));
  }
  void flush() override { ++probe_->flushes; }
  std::size_t pool_capacity() const override { return pool_.capacity(); }
  std::size_t pool_available() const override { return pool_.available(); }

 private:
  std::vector<std::uint8_t> memory_;
  device::FramePool pool_;
  FakeDeviceProbe* probe_;
  std::deque<device::Frame> rx_;
  device::DeviceInfo info_;
  device::DeviceCounters counters_{};
};

}  // namespace sluice::test

#pragma once
// A decorator that records every frame received from and transmitted to any device into a pcap
// file (see PcapWriter). Received frames are recorded as receive() returns them; transmitted
// frames are recorded before they are handed on, and the records of frames the inner device
// refused are taken back, so the file shows exactly what was sent. The clock is read once per
// burst, not per frame. Counters, pool and wait_fd are the inner device's.
#include <functional>
#include <memory>
#include <string>

#include "device/device.hpp"
#include "device/pcap/pcap_writer.hpp"

namespace sluice::device::pcap {

struct PcapOptions {
  std::string path;
  std::uint32_t snap_length = 262144;
  TimestampPrecision precision = TimestampPrecision::nanoseconds;
  std::size_t buffer_bytes = 1 << 20;
  /// flush() writes buffered records at most this often (a full buffer is written at once).
  Duration flush_interval = Duration::millis(100);
  /// Capture timestamps: wall-clock time by default, virtual time in simulations.
  std::function<Instant()> clock = wall_clock_now;
};

class PcapDevice final : public Device {
 public:
  /// Throws sluice::Error when the file cannot be created.
  PcapDevice(std::unique_ptr<Device> inner, PcapOptions options);

  const DeviceInfo& info() const override { return inner_->info(); }
  const DeviceCounters& counters() const override { return inner_->counters(); }
  std::size_t receive(std::span<Frame> out) override;
  std::size_t allocate(std::span<Frame> out) override { return inner_->allocate(out); }
  std::size_t transmit(std::span<const Frame> frames) override;
  void release(std::span<const Frame> frames) override { inner_->release(frames); }
  void flush() override;
  int wait_fd() const override { return inner_->wait_fd(); }
  std::size_t pool_capacity() const override { return inner_->pool_capacity(); }
  std::size_t pool_available() const override { return inner_->pool_available(); }
  bool lends_frames() const override { return inner_->lends_frames(); }
  std::size_t reclaim_kept(std::span<Frame> out) override { return inner_->reclaim_kept(out); }
  std::uint32_t frame_index(const Frame& frame) const override { return inner_->frame_index(frame); }
  std::span<const std::uint8_t> frame_memory() const override { return inner_->frame_memory(); }

  /// Writes every buffered record to the file now (also done on destruction).
  void flush_capture() { writer_.flush(); }
  const PcapCounters& capture_counters() const { return writer_.counters(); }
  Device& inner() { return *inner_; }

 private:
  static constexpr std::size_t kChunk = 64;

  std::unique_ptr<Device> inner_;
  PcapOptions options_;
  PcapWriter writer_;
};

}  // namespace sluice::device::pcap

#pragma once
// A decorator that injects seeded faults (drop, duplicate, reorder, corrupt) into any device, on
// receive and on transmit: the same faults the simulated wire has, for real devices (the CLI's
// --fault on AF_XDP). Both directions draw from their own stream of one seed, so the receive
// pattern does not depend on how much is transmitted and vice versa.
//
// Held (reordered) frames leave after reorder_gap later frames, or after reorder_hold_ms by the
// clock, checked in receive() and flush(); the clock is only read while a frame is held. With no
// fault enabled in a direction, that direction passes straight through to the inner device.
//
// Counters, pool and wait_fd are the inner device's: frames held here count as taken from the pool.
#include <array>
#include <memory>

#include "device/device.hpp"
#include "device/fault/fault_spec.hpp"
#include "device/fault/fault_stage.hpp"
#include "device/fault/frame_batch.hpp"

namespace sluice::device::fault {

class FaultDevice final : public Device {
 public:
  /// `clock` times held frames: monotonic by default, the simulation's virtual time in tests.
  FaultDevice(std::unique_ptr<Device> inner, const FaultSpec& spec, Clock clock = monotonic_now);
  /// Returns every frame held here to the inner device's pool.
  ~FaultDevice() override;

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

  const FaultCounters& receive_faults() const { return rx_.counters(); }
  const FaultCounters& transmit_faults() const { return tx_.counters(); }
  const FaultSpec& spec() const { return spec_; }
  Device& inner() { return *inner_; }

 private:
  static constexpr std::size_t kChunk = 32;
  static constexpr std::size_t kBatchCapacity = 2 * kChunk + 3 * FaultStage::kHoldCapacity;

  /// Hands decided transmit frames to the inner device; true when none are left waiting.
  bool drain_transmit_backlog();
  void release_expired_transmit_holds();

  std::unique_ptr<Device> inner_;
  FaultSpec spec_;
  Clock clock_;
  bool rx_faults_;
  bool tx_faults_;
  FaultStage rx_;
  FaultStage tx_;
  FrameBatch rx_ready_;  ///< received and decided, not yet returned by receive()
  FrameBatch tx_ready_;  ///< decided, not yet accepted by the inner device (its ring was full)
  std::array<Frame, kChunk> scratch_{};
};

}  // namespace sluice::device::fault

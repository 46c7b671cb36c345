#pragma once
// One endpoint of a SimWire: a device::Device with its own MAC, MTU and fixed frame pool. Frames
// it transmits are copied onto the wire and return to its pool at once; frames the wire delivers
// are copied into frames of this pool. Nothing is shared between endpoints, so each pool's
// accounting is exact. Create endpoints with SimWire::attach(). wait_fd() is -1: a simulation
// loop does not sleep, it jumps time to SimWire::next_delivery().
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "device/device.hpp"
#include "device/frame_pool.hpp"
#include "device/fixed_queue.hpp"

namespace sluice::device::sim {

class SimWire;

struct SimEndpointConfig {
  std::string name = "sim0";
  wire::MacAddress mac;
  std::uint32_t mtu = 1500;
  std::uint32_t pool_frames = 1024;
  std::uint32_t frame_size = 2048;  ///< bytes per pool frame; at least mtu + 14
};

/// Misuse the stack should never cause; a non-zero value in a simulation test is a bug to chase.
struct SimEndpointCounters {
  std::uint64_t tx_invalid = 0;        ///< transmitted frame shorter than 14 bytes or above mtu + 14
  std::uint64_t foreign_frames = 0;    ///< transmit/release of a frame this endpoint does not own
  std::uint64_t tx_unattached = 0;     ///< transmitted after the wire was destroyed
  std::uint64_t unknown_destination = 0;  ///< unicast to a MAC no other endpoint has
};

class SimDevice final : public Device {
 public:
  ~SimDevice() override;

  const DeviceInfo& info() const override { return info_; }
  const DeviceCounters& counters() const override { return counters_; }
  std::size_t receive(std::span<Frame> out) override;
  std::size_t allocate(std::span<Frame> out) override;
  std::size_t transmit(std::span<const Frame> frames) override;
  void release(std::span<const Frame> frames) override;
  void flush() override {}
  std::size_t pool_capacity() const override { return pool_.capacity(); }
  std::size_t pool_available() const override { return pool_.available(); }
  bool lends_frames() const override { return true; }
  std::size_t reclaim_kept(std::span<Frame> out) override { return kept_done_.pop_into(out); }
  std::uint32_t frame_index(const Frame& frame) const override { return static_cast<std::uint32_t>(frame.handle); }
  std::span<const std::uint8_t> frame_memory() const override { return memory_; }

  const SimEndpointCounters& sim_counters() const { return sim_counters_; }
  /// Frames delivered by the wire and not yet returned by receive().
  std::size_t rx_queued() const { return rx_queue_.size(); }
  std::uint32_t endpoint_id() const { return id_; }

 private:
  friend class SimWire;
  SimDevice(SimWire* wire, std::uint32_t id, const SimEndpointConfig& config);

  /// Called by the wire: copies `bytes` into a pool frame and queues it for receive(). False (and
  /// rx_dropped counted) when the pool is empty.
  bool deliver(std::span<const std::uint8_t> bytes);
  /// Pool index of a frame this endpoint lent out, or -1 for a frame it does not own.
  std::int64_t owned_index(const Frame& frame) const;
  Frame frame_at(std::uint32_t index, std::uint32_t len) const;
  /// A frame the caller gave up: to the pool, or to kept_done_ when it is kept.
  void give_back(const Frame& frame, std::uint32_t index);

  SimWire* wire_;
  std::uint32_t id_;
  DeviceInfo info_;
  DeviceCounters counters_{};
  SimEndpointCounters sim_counters_{};
  std::vector<std::uint8_t> memory_;
  FramePool pool_;
  std::vector<std::uint8_t> lent_;  ///< per pool frame: 1 while the caller owns it
  FixedQueue<std::uint32_t> rx_queue_;
  std::vector<std::uint32_t> rx_lengths_;  ///< per pool frame: bytes delivered into it
  FixedQueue<Frame> kept_done_;            ///< kept frames transmitted or released, for reclaim_kept()
};

}  // namespace sluice::device::sim

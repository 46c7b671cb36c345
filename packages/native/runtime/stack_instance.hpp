#pragma once
// One stack instance: a device queue, the interface layer and its sockets, driven by poll(now).
// Single-threaded and run to completion; nothing here is shared with another instance.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "device/device.hpp"
#include "iface/interface.hpp"
#include "runtime/device_frame_io.hpp"
#include "util/time.hpp"

namespace sluice::runtime {

struct InstanceCounters {
  std::uint64_t polls = 0;
  std::uint64_t idle_polls = 0;  ///< polls that received nothing
  std::uint64_t sleeps = 0;      ///< times the loop slept on the device's descriptor
};

class StackInstance {
 public:
  static constexpr std::size_t kRxBurst = DeviceFrameIo::kBurst;

  StackInstance(std::unique_ptr<device::Device> device, const iface::InterfaceConfig& config);
  ~StackInstance();
  StackInstance(const StackInstance&) = delete;
  StackInstance& operator=(const StackInstance&) = delete;

  /// Receives one burst and runs it through the stack; returns the number of frames received.
  /// Apps then drain their sockets and call finish(), so replies leave in the same burst.
  std::size_t receive(Instant now);
  /// Runs due timers (ARP, reassembly, TCP: the interface's timer wheel) and flushes transmit
  /// batches to the device.
  void finish(Instant now);
  /// The earliest time finish() has timer work to do.
  Instant next_deadline() const { return interface_.next_deadline(); }

  iface::Interface& interface() { return interface_; }
  const iface::Interface& interface() const { return interface_; }
  device::Device& device() { return *device_; }
  const device::Device& device() const { return *device_; }
  DeviceFrameIo& frame_io() { return frame_io_; }
  const DeviceFrameIo& frame_io() const { return frame_io_; }
  InstanceCounters& counters() { return counters_; }
  const InstanceCounters& counters() const { return counters_; }

 private:
  std::unique_ptr<device::Device> device_;
  DeviceFrameIo frame_io_;
  iface::Interface interface_;
  InstanceCounters counters_;
  // A member, not a local: a local array of Frames is zeroed on every poll (1.5 KB of memset, 11 %
  // of a spinning loop's time in a profile).
  std::array<device::Frame, kRxBurst> rx_burst_{};
};

}  // namespace sluice::runtime

#pragma once
// One DPDK ethdev port with one receive/transmit queue pair. Frames are mbufs: Frame.handle is the
// rte_mbuf*, Frame.data points into its data room. Single-segment frames only.
//
// Pool accounting: some drivers keep mbufs of the pool for themselves (net_af_xdp lends a fill
// ring's worth to the kernel). pool_capacity() is the pool minus what the driver held right after
// start, so pool_available() == pool_capacity() again once the caller released everything.
//
// wait_fd() is -1: the vdev drivers used here have no receive interrupt, the runtime polls.
// See eal.hpp for the once-per-process EAL.
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <memory>

#include "device/device.hpp"
#include "device/open.hpp"

namespace sluice::device::dpdk {

/// Probes the port the configuration names (vdev or PCI), configures and starts it; throws
/// sluice::Error.
std::unique_ptr<Device> open_dpdk(const DeviceConfig& config);

struct Port {
  std::uint16_t id = 0;
  std::uint16_t queue = 0;
  std::string device_name;  ///< what rte_dev_probe() was given, to hot-unplug on close ("" = leave it)
  rte_mempool* pool = nullptr;
  std::size_t driver_reserve = 0;  ///< mbufs the driver held right after start
};

class DpdkDevice final : public Device {
 public:
  DpdkDevice(Port port, DeviceInfo info);
  ~DpdkDevice() override;

  const DeviceInfo& info() const override { return info_; }
  const DeviceCounters& counters() const override;

  std::size_t receive(std::span<Frame> out) override;
  std::size_t allocate(std::span<Frame> out) override;
  std::size_t transmit(std::span<const Frame> frames) override;
  void release(std::span<const Frame> frames) override;
  void flush() override;

  std::size_t pool_capacity() const override { return port_.pool->size - port_.driver_reserve; }
  std::size_t pool_available() const override { return rte_mempool_avail_count(port_.pool); }

 private:
  Port port_;
  DeviceInfo info_;
  mutable DeviceCounters counters_;
};

/// Stops, closes and unplugs a port and frees its pool; safe on partly opened ports.
void close_port(const Port& port, bool started);

}  // namespace sluice::device::dpdk

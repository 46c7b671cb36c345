#pragma once
// One entry point that turns configuration into a running device, whichever backend it names.
// Errors are sluice::Error with an errno code: ENODEV and EINVAL mean the configuration is wrong
// (a usage error); EBUSY, ENOBUFS, ENOMEM, EOPNOTSUPP, EPERM, ENOSYS and the rest mean the host
// refused (a device error).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device/device.hpp"
#include "wire/ethernet.hpp"

namespace sluice::device {

struct DeviceConfig {
  std::string backend;  ///< "xdp" | "dpdk" | "tap"
  std::string iface;    ///< kernel interface (xdp, tap, dpdk default vdev) or PCI address (dpdk)
  /// Kernel queue to bind (xdp; start_queue of the default dpdk vdev) or port queue (dpdk PCI).
  std::uint32_t queue = 0;
  std::string xdp_mode = "auto";  ///< auto (native, else generic) | drv | skb
  /// false = need-wakeup mode: the runtime sleeps on wait_fd() when idle.
  bool busy_poll = true;
  std::uint32_t frame_count = 4096;  ///< frames in the pool (UMEM, TAP buffers, mbufs)
  std::uint32_t ring_size = 2048;    ///< AF_XDP ring entries (power of two); DPDK descriptors
  std::uint32_t mtu = 0;             ///< 0 = the interface's; otherwise at most the interface's
  std::vector<std::string> dpdk_args;  ///< extra EAL arguments, used by the first DPDK open only
  /// e.g. "net_af_xdp0,iface=eth0,start_queue=0"; empty + iface = a default vdev on iface;
  /// a PCI address in iface = a real port.
  std::string dpdk_vdev;
  /// Our MAC address on TAP (the kernel side of a TAP has its own); generated when absent.
  std::optional<wire::MacAddress> mac;
};

/// Opens the backend the configuration names. Throws sluice::Error (see above).
std::unique_ptr<Device> open_device(const DeviceConfig& config);

/// Throws Error(EINVAL) naming the first field that cannot work; open_device() calls it first.
void validate_config(const DeviceConfig& config);

}  // namespace sluice::device

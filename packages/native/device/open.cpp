#include "device/open.hpp"

#include <cerrno>

#include "device/afxdp/afxdp_device.hpp"
#include "device/tap/tap_device.hpp"
#include "util/error.hpp"
#ifdef SLUICE_HAVE_DPDK
#include "device/dpdk/dpdk_device.hpp"
#endif

namespace sluice::device {

namespace {

bool is_power_of_two(std::uint32_t value) { return value != 0 && (value & (value - 1)) == 0; }

[[noreturn]] void reject(const DeviceConfig& config, const std::string& why) {
  throw Error(EINVAL, (config.backend.empty() ? std::string("device") : config.backend) + ": " + why);
}

}  // namespace

void validate_config(const DeviceConfig& config) {
  if (config.backend != "xdp" && config.backend != "dpdk" && config.backend != "tap") {
    reject(config, "unknown backend \"" + config.backend + "\" (use xdp, dpdk or tap)");
  }
  if (config.backend == "dpdk") {
    if (config.iface.empty() && config.dpdk_vdev.empty()) reject(config, "set iface or dpdk_vdev");
  } else if (config.iface.empty()) {
    reject(config, "no interface given (set iface)");
  }
  if (config.xdp_mode != "auto" && config.xdp_mode != "drv" && config.xdp_mode != "skb") {
    reject(config, "xdp_mode \"" + config.xdp_mode + "\" is not one of auto, drv, skb");
  }
  if (config.frame_count < 64 || config.frame_count > (1u << 20)) {
    reject(config, "frame_count " + std::to_string(config.frame_count) + " is outside 64..1048576");
  }
  if (!is_power_of_two(config.ring_size) || config.ring_size < 64 || config.ring_size > 32768) {
    reject(config, "ring_size " + std::to_string(config.ring_size) + " must be a power of two in 64..32768");
  }
  if (config.mtu != 0 && (config.mtu < 68 || config.mtu > 65535)) {
    reject(config, "mtu " + std::to_string(config.mtu) + " is outside 68..65535 (0 = the interface's)");
  }
  if (config.backend == "tap" && config.queue != 0) {
    reject(config, "queue " + std::to_string(config.queue) + ": a TAP device has one queue, use 0");
  }
}

std::unique_ptr<Device> open_device(const DeviceConfig& config) {
  validate_config(config);
  if (config.backend == "xdp") return afxdp::open_af_xdp(config);
  if (config.backend == "tap") return tap::open_tap(config);
#ifdef SLUICE_HAVE_DPDK
  return dpdk::open_dpdk(config);
#else
  throw Error(ENOSYS, "dpdk: this build has no DPDK (install dpdk-dev so pkg-config finds libdpdk, then re-run cmake)");
#endif
}

}  // namespace sluice::device

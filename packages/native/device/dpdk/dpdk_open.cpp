// Opening a DPDK port: make sure the EAL is up, hot-plug the vdev (or find the PCI port), give it
// an mbuf pool and one queue pair, start it.
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <regex>

#include "device/dpdk/dpdk_device.hpp"
#include "device/dpdk/eal.hpp"
#include "device/dpdk/log_capture.hpp"
#include "device/netdev.hpp"
#include "util/error.hpp"

namespace sluice::device::dpdk {

namespace {

bool looks_like_pci_address(const std::string& text) {
  static const std::regex pci(R"(^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$)");
  return std::regex_match(text, pci);
}

std::string value_of(const std::string& devargs, const std::string& key) {
  const std::size_t at = devargs.find("," + key + "=");
  if (at == std::string::npos) return {};
  const std::size_t start = at + key.size() + 2;
  return devargs.substr(start, devargs.find(',', start) - start);
}

std::string unique_suffix() {
  static std::atomic<unsigned> next{0};
  return std::to_string(::getpid()) + "_" + std::to_string(next++);
}

std::string error_text(int rc) { return rte_strerror(rc < 0 ? -rc : rc); }

// Undoes a half-opened port when a later step throws.
struct PortGuard {
  Port& port;
  bool probed = false;
  bool started = false;
  bool armed = true;
  ~PortGuard() {
    if (!armed) return;
    if (probed) {
      close_port(port, started);
    } else if (port.pool != nullptr) {
      rte_mempool_free(port.pool);
    }
  }
};

std::uint32_t parse_queue(const std::string& text, const std::string& owner) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw Error(EINVAL, owner + ": start_queue \"" + text + "\" is not a queue number");
  }
  return value;
}

struct Plan {
  bool pci = false;
  std::string devargs;      // what rte_dev_probe() gets
  std::string device_name;  // the ethdev / vdev name
  std::string owner;        // message prefix
};

Plan plan_for(const DeviceConfig& config) {
  Plan plan;
  if (!config.dpdk_vdev.empty()) {
    plan.devargs = config.dpdk_vdev;
    plan.device_name = plan.devargs.substr(0, plan.devargs.find(','));
    if (!plan.device_name.starts_with("net_")) {
      throw Error(EINVAL, "dpdk: dpdk_vdev \"" + plan.devargs + "\" does not name a net_* virtual device driver");
    }
    const std::string iface = value_of(plan.devargs, "iface");
    if (!iface.empty()) netdev::query_interface(iface, "dpdk");  // ENODEV with the interface named
  } else if (looks_like_pci_address(config.iface)) {
    plan.pci = true;
    plan.devargs = config.iface;
    plan.device_name = config.iface;
  } else {
    netdev::query_interface(config.iface, "dpdk");
    plan.device_name = "net_af_xdp_sluice" + unique_suffix();
    plan.devargs = plan.device_name + ",iface=" + config.iface + ",start_queue=" + std::to_string(config.queue) +
                   ",queue_count=1";
  }
  plan.owner = "dpdk " + plan.device_name;
  return plan;
}

// DPDK 22.11's net_af_xdp never closes its AF_XDP socket, so its queue stays bound until the
// process exits: refuse a second use in one process with the reason instead of the driver's EINVAL.
class AfXdpClaim {
 public:
  explicit AfXdpClaim(const Plan& plan) {
    if (!plan.device_name.starts_with("net_af_xdp")) return;
    iface_ = value_of(plan.devargs, "iface");
    const std::string start_queue = value_of(plan.devargs, "start_queue");
    queue_ = start_queue.empty() ? 0 : parse_queue(start_queue, plan.owner);
    if (!claim_af_xdp_queue(iface_, queue_)) {
      throw Error(EBUSY, plan.owner + ": " + iface_ + " queue " + std::to_string(queue_) + " was already bound by "
                             "net_af_xdp in this process, and DPDK 22.11's net_af_xdp keeps its AF_XDP socket open "
                             "after close until the process exits; reopen it from a new process, or use backend xdp "
                             "or net_af_packet");
    }
    claimed_ = true;
  }
  ~AfXdpClaim() {
    if (claimed_ && !socket_created_) unclaim_af_xdp_queue(iface_, queue_);
  }
  AfXdpClaim(const AfXdpClaim&) = delete;
  AfXdpClaim& operator=(const AfXdpClaim&) = delete;
  /// From here on the driver may have bound the queue.
  void socket_created() { socket_created_ = true; }

 private:
  std::string iface_;
  std::uint32_t queue_ = 0;
  bool claimed_ = false;
  bool socket_created_ = false;
};

std::uint16_t find_or_probe_port(const Plan& plan, Port& port, PortGuard& guard, DpdkLogCapture& log) {
  std::uint16_t port_id = 0;
  if (rte_eth_dev_get_port_by_name(plan.device_name.c_str(), &port_id) == 0) {
    // rte_dev_probe() reports success for a device that is already plugged, so ask first.
    if (!plan.pci || port_in_use(port_id)) {
      throw Error(EBUSY, plan.owner + ": " + plan.device_name + " is already open in this process" +
                             (plan.pci ? "" : "; give each dpdk_vdev its own name (net_af_xdp0, net_af_xdp1, ...)"));
    }
    port.id = port_id;  // a PCI port the EAL probed at start-up
    guard.probed = true;
    return port_id;
  }
  const int rc = rte_dev_probe(plan.devargs.c_str());
  if (rc != 0) {
    throw Error(plan.pci ? ENODEV : EIO, plan.owner + ": rte_dev_probe(\"" + plan.devargs + "\") failed: " +
                                             error_text(rc) + log.last_complaint() +
                                             (plan.pci ? "; is the NIC bound to vfio-pci?" : ""));
  }
  if (rte_eth_dev_get_port_by_name(plan.device_name.c_str(), &port_id) != 0) {
    if (!plan.pci) rte_eal_hotplug_remove("vdev", plan.device_name.c_str());
    throw Error(ENODEV, plan.owner + ": probing succeeded but no ethdev port is named " + plan.device_name);
  }
  port.id = port_id;
  if (!plan.pci) port.device_name = plan.device_name;
  guard.probed = true;
  return port_id;
}

void check(int rc, const std::string& step, DpdkLogCapture& log) {
  if (rc < 0) throw Error(-rc, step + ": " + error_text(rc) + log.last_complaint());
}

}  // namespace

std::unique_ptr<Device> open_dpdk(const DeviceConfig& config) {
  const Plan plan = plan_for(config);
  if (!plan.pci && config.queue != 0 && !config.dpdk_vdev.empty()) {
    throw Error(EINVAL, plan.owner + ": with dpdk_vdev the kernel queue is chosen in the vdev arguments "
                            "(start_queue=...); leave queue at 0");
  }
  // net_af_xdp lends half its 2048-entry fill ring (1024 mbufs) to the kernel before anything runs.
  if (plan.device_name.starts_with("net_af_xdp") && config.frame_count < 2048) {
    throw Error(EINVAL, plan.owner + ": net_af_xdp keeps 1024 mbufs in its fill ring; frame_count " +
                            std::to_string(config.frame_count) + " must be at least 2048");
  }
  AfXdpClaim claim(plan);
  DpdkLogCapture log;
  ensure_eal({plan.pci, plan.pci ? plan.devargs : "", config.dpdk_args});

  Port port;
  port.queue = plan.pci ? static_cast<std::uint16_t>(config.queue) : 0;
  PortGuard guard{port};
  find_or_probe_port(plan, port, guard, log);

  std::uint16_t port_mtu = 0;
  check(rte_eth_dev_get_mtu(port.id, &port_mtu), plan.owner + ": reading the MTU", log);
  if (config.mtu > port_mtu) {
    throw Error(EINVAL, plan.owner + ": mtu " + std::to_string(config.mtu) + " is above the port's MTU " +
                            std::to_string(port_mtu));
  }
  const std::uint32_t frame_room = std::max<std::uint32_t>(2048, (port_mtu + 14u + 4u + 63u) / 64u * 64u);
  const int socket = rte_eth_dev_socket_id(port.id);
  const std::string pool_name = "sluice" + unique_suffix();
  port.pool = rte_pktmbuf_pool_create(pool_name.c_str(), config.frame_count, 0, 0,
                                      static_cast<std::uint16_t>(RTE_PKTMBUF_HEADROOM + frame_room),
                                      socket < 0 ? static_cast<int>(SOCKET_ID_ANY) : socket);
  if (port.pool == nullptr) {
    throw Error(ENOMEM, plan.owner + ": creating a pool of " + std::to_string(config.frame_count) + " mbufs of " +
                            std::to_string(frame_room) + " B failed: " + rte_strerror(rte_errno) + log.last_complaint() +
                            "; lower frame_count or raise -m in dpdk_args");
  }

  const std::uint16_t queues = static_cast<std::uint16_t>(port.queue + 1);
  rte_eth_conf port_config{};
  check(rte_eth_dev_configure(port.id, queues, queues, &port_config), plan.owner + ": rte_eth_dev_configure", log);
  std::uint16_t rx_descriptors = static_cast<std::uint16_t>(std::min<std::uint32_t>(config.ring_size, 32768));
  std::uint16_t tx_descriptors = rx_descriptors;
  check(rte_eth_dev_adjust_nb_rx_tx_desc(port.id, &rx_descriptors, &tx_descriptors),
        plan.owner + ": adjusting ring sizes", log);
  claim.socket_created();
  for (std::uint16_t q = 0; q < queues; ++q) {
    check(rte_eth_rx_queue_setup(port.id, q, rx_descriptors, static_cast<unsigned>(socket), nullptr, port.pool),
          plan.owner + ": setting up receive queue " + std::to_string(q), log);
    check(rte_eth_tx_queue_setup(port.id, q, tx_descriptors, static_cast<unsigned>(socket), nullptr),
          plan.owner + ": setting up transmit queue " + std::to_string(q), log);
  }
  check(rte_eth_dev_start(port.id), plan.owner + ": rte_eth_dev_start", log);
  guard.started = true;
  port.driver_reserve = port.pool->size - rte_mempool_avail_count(port.pool);

  DeviceInfo info;
  info.backend = "dpdk";
  info.name = plan.device_name;
  info.queue = config.queue;
  info.mtu = config.mtu != 0 ? config.mtu : port_mtu;
  rte_ether_addr mac{};
  check(rte_eth_macaddr_get(port.id, &mac), plan.owner + ": reading the MAC address", log);
  std::memcpy(info.mac.octets.data(), mac.addr_bytes, info.mac.octets.size());
  rte_eth_dev_info device_info{};
  if (rte_eth_dev_info_get(port.id, &device_info) == 0 && device_info.driver_name != nullptr) {
    info.mode = device_info.driver_name;
  }
  guard.armed = false;
  return std::make_unique<DpdkDevice>(std::move(port), std::move(info));
}

}  // namespace sluice::device::dpdk

#include "runtime/instance_config.hpp"

#include "device/fault/fault_device.hpp"
#include "device/fault/fault_spec.hpp"
#include "device/pcap/pcap_device.hpp"
#include "iface/config.hpp"
#include "util/error.hpp"

#include <sys/random.h>

#include <cerrno>

namespace sluice::runtime {

namespace {
/// The TCP secret (ISNs, timestamp offsets, connection hash) of a real instance: unpredictable.
std::uint64_t random_tcp_secret() {
  std::uint64_t secret = 0;
  while (secret == 0) {
    if (getrandom(&secret, sizeof secret, 0) != static_cast<ssize_t>(sizeof secret)) {
      throw_errno(errno, "cannot read the TCP secret from getrandom()");
    }
  }
  return secret;
}
}  // namespace

iface::InterfaceConfig interface_config(const InstanceConfig& config) {
  iface::InterfaceConfig interface;
  interface.address = config.address;
  interface.prefix_length = config.prefix_length;
  interface.gateway = config.gateway;
  interface.static_arp = config.static_arp;
  interface.rx_checksum = config.rx_checksum;
  interface.learn_neighbours_from_ipv4 = config.learn_neighbours_from_ipv4;
  interface.tcp_secret = random_tcp_secret();
  interface.tcp_connections = config.tcp_connections;
  interface.tcp_buffer_pairs = config.tcp_connections;
  interface.tcp.send_buffer = config.tcp_buffer;
  interface.tcp.receive_buffer = config.tcp_receive_buffer != 0 ? config.tcp_receive_buffer : config.tcp_buffer;
  interface.tcp.nodelay = config.tcp_nodelay;
  interface.tcp.keepalive = config.tcp_keepalive;
  interface.tcp.congestion = config.tcp_congestion;
  interface.tcp.time_wait = config.tcp_time_wait;
  if (config.tcp_mss != 0) interface.tcp.mss = config.tcp_mss;
  // Until the device is open its MAC is unknown; a stand-in lets everything else be validated now.
  interface.mac = config.mac.value_or(wire::MacAddress{{0x02, 0, 0, 0, 0, 1}});
  iface::validate(interface);
  return interface;
}

std::unique_ptr<StackInstance> build_instance(std::unique_ptr<device::Device> device, const InstanceConfig& config,
                                              iface::InterfaceConfig interface) {
  if (!config.fault_spec.empty()) {
    device = std::make_unique<device::fault::FaultDevice>(std::move(device), device::fault::parse_fault_spec(config.fault_spec));
  }
  if (!config.pcap_path.empty()) {
    device::pcap::PcapOptions pcap;
    pcap.path = config.pcap_path;
    device = std::make_unique<device::pcap::PcapDevice>(std::move(device), std::move(pcap));
  }
  if (!config.mac) interface.mac = device->info().mac;
  interface.mtu = device->info().mtu;
  return std::make_unique<StackInstance>(std::move(device), interface);
}

std::unique_ptr<StackInstance> open_instance(const InstanceConfig& config) {
  // Everything that can be checked without touching the device is checked first, so a typo never
  // costs an attach/detach of an XDP program.
  if (!config.fault_spec.empty()) device::fault::parse_fault_spec(config.fault_spec);
  iface::InterfaceConfig interface = interface_config(config);
  return build_instance(device::open_device(config.device), config, std::move(interface));
}

}  // namespace sluice::runtime

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

std::unique_ptr<StackInstance> open_instance(const InstanceConfig& config) {
  // Everything that can be checked without touching the device is checked first, so a typo never
  // costs an attach/detach of an XDP program.
  std::optional<device::fault::FaultSpec> faults;
  if (!config.fault_spec.empty()) faults = device::fault::parse_fault_spec(config.fault_spec);
  iface::InterfaceConfig interface;
  interface.address = config.address;
  interface.prefix_length = config.prefix_length;
  interface.gateway = config.gateway;
  interface.rx_checksum = config.rx_checksum;
  interface.tcp_secret = random_tcp_secret();
  interface.tcp_connections = config.tcp_connections;
  interface.tcp_buffer_pairs = config.tcp_connections;
  interface.tcp.send_buffer = config.tcp_buffer;
  interface.tcp.receive_buffer = config.tcp_buffer;
  // Until the device is open its MAC is unknown; a stand-in lets everything else be validated now.
  interface.mac = config.mac.value_or(wire::MacAddress{{0x02, 0, 0, 0, 0, 1}});
  iface::validate(interface);

  std::unique_ptr<device::Device> device = device::open_device(config.device);
  if (faults) device = std::make_unique<device::fault::FaultDevice>(std::move(device), *faults);
  if (!config.pcap_path.empty()) {
    device::pcap::PcapOptions pcap;
    pcap.path = config.pcap_path;
    device = std::make_unique<device::pcap::PcapDevice>(std::move(device), std::move(pcap));
  }
  if (!config.mac) interface.mac = device->info().mac;
  interface.mtu = device->info().mtu;
  return std::make_unique<StackInstance>(std::move(device), interface);
}

}  // namespace sluice::runtime

#include "iface/config.hpp"

#include <cerrno>
#include <string>

#include "util/error.hpp"

namespace sluice::iface {

namespace {
[[noreturn]] void reject(const InterfaceConfig& config, const std::string& what) {
  throw Error(EINVAL, "interface " + config.address.to_string() + "/" + std::to_string(config.prefix_length) +
                          " (" + config.mac.to_string() + "): " + what);
}
}  // namespace

void validate(const InterfaceConfig& config) {
  const wire::Ipv4Cidr subnet{config.address, config.prefix_length};
  if (config.address.is_unspecified() || config.address.is_multicast() || config.address.is_broadcast()) {
    reject(config, "address must be a unicast address, got " + config.address.to_string());
  }
  if (config.prefix_length > 32) reject(config, "prefix_length must be 0..32");
  if (config.mac.is_multicast() || config.mac == wire::MacAddress{}) {
    reject(config, "mac must be a unicast, non-zero address, got " + config.mac.to_string());
  }
  if (config.gateway && !subnet.contains(*config.gateway)) {
    reject(config, "gateway " + config.gateway->to_string() + " is outside the subnet; use an on-link gateway");
  }
  if (config.mtu < 68 || config.mtu > 65535) reject(config, "mtu must be 68..65535, got " + std::to_string(config.mtu));
  if (config.ttl == 0) reject(config, "ttl must be at least 1 (RFC 1122 3.2.1.7)");
  if (config.arp_cache_size == 0 || config.static_arp.size() > config.arp_cache_size) {
    reject(config, "arp_cache_size must be at least 1 and hold all " + std::to_string(config.static_arp.size()) +
                       " static entries");
  }
  if (config.arp_retry_interval.nanos == 0) reject(config, "arp_retry_interval must be positive");
  if (config.arp_entry_lifetime.nanos == 0) reject(config, "arp_entry_lifetime must be positive");
  if (config.arp_pending_per_address == 0 || config.arp_pending_total < config.arp_pending_per_address) {
    reject(config, "arp_pending_per_address must be >= 1 and <= arp_pending_total");
  }
  if (config.reassembly_max_datagram < 68 || config.reassembly_max_datagram > 65535) {
    reject(config, "reassembly_max_datagram must be 68..65535");
  }
  if (config.reassembly_timeout.nanos == 0) reject(config, "reassembly_timeout must be positive");
  if (config.udp_socket_count == 0 || config.udp_socket_count > 0xfffe) {
    reject(config, "udp_socket_count must be 1..65534");
  }
  if (config.udp_receive_queue_depth == 0) reject(config, "udp_receive_queue_depth must be at least 1");
  for (const auto& [ip, mac] : config.static_arp) {
    if (mac.is_multicast() || ip.is_unspecified()) {
      reject(config, "static ARP entry " + ip.to_string() + " -> " + mac.to_string() + " is not a unicast pair");
    }
  }
}

}  // namespace sluice::iface

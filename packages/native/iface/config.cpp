#include "iface/config.hpp"

#include <cerrno>
#include <string>

#include "socket/tcp/receive_buffer.hpp"
#include "util/error.hpp"

namespace sluice::iface {

namespace {
[[noreturn]] void reject(const InterfaceConfig& config, const std::string& what) {
  throw Error(EINVAL, "interface " + config.address.to_string() + "/" + std::to_string(config.prefix_length) +
                          " (" + config.mac.to_string() + "): " + what);
}

void validate_tcp(const InterfaceConfig& config) {
  const socket::tcp::TcpConfig& tcp = config.tcp;
  if (config.tcp_connections == 0 || config.tcp_connections > 0xffff) reject(config, "tcp_connections must be 1..65535");
  if (config.tcp_listeners == 0 || config.tcp_listeners > 0x7fff) reject(config, "tcp_listeners must be 1..32767");
  if (config.tcp_buffer_pairs == 0) reject(config, "tcp_buffer_pairs must be at least 1 (it is the TCP memory budget)");
  if (config.tcp_max_backlog == 0) reject(config, "tcp_max_backlog must be at least 1");
  // The budget is allocated in one go at the first listen/connect: refuse here, with the numbers,
  // rather than fail an allocation later on the data-path thread.
  constexpr std::uint64_t max_budget = std::uint64_t{16} << 30;
  const std::uint64_t budget =
      std::uint64_t{config.tcp_buffer_pairs} * (std::uint64_t{tcp.send_buffer} + tcp.receive_buffer);
  if (budget > max_budget) {
    reject(config, "the TCP buffer budget (" + std::to_string(config.tcp_buffer_pairs) + " buffer pairs of " +
                       std::to_string(tcp.send_buffer) + " + " + std::to_string(tcp.receive_buffer) +
                       " bytes) exceeds 16 GiB; use fewer connections or smaller buffers");
  }
  if (config.tcp_timer_slots == 0 || (config.tcp_timer_slots & (config.tcp_timer_slots - 1)) != 0) {
    reject(config, "tcp_timer_slots must be a power of two, got " + std::to_string(config.tcp_timer_slots));
  }
  if (config.tcp_timer_granularity.nanos == 0) reject(config, "tcp_timer_granularity must be positive");
  if (tcp.mss < 64) reject(config, "tcp.mss must be at least 64");
  constexpr std::uint32_t max_buffer = 1u << 30;  // what a window scale of 14 can advertise
  if (tcp.send_buffer < 2048 || tcp.send_buffer > max_buffer) reject(config, "tcp.send_buffer must be 2 KiB..1 GiB");
  if (tcp.receive_buffer < 2048 || tcp.receive_buffer > max_buffer) {
    reject(config, "tcp.receive_buffer must be 2 KiB..1 GiB");
  }
  if (tcp.out_of_order_ranges == 0 || tcp.out_of_order_ranges > socket::tcp::ReceiveBuffer::max_ranges) {
    reject(config, "tcp.out_of_order_ranges must be 1.." + std::to_string(socket::tcp::ReceiveBuffer::max_ranges));
  }
  if (tcp.initial_window_segments == 0) reject(config, "tcp.initial_window_segments must be at least 1");
  if (tcp.dupack_threshold == 0) reject(config, "tcp.dupack_threshold must be at least 1");
  if (tcp.rtt.initial_rto.nanos == 0 || tcp.rtt.min_rto.nanos == 0 || tcp.rtt.min_rto > tcp.rtt.max_rto) {
    reject(config, "tcp.rtt needs positive initial_rto and min_rto, and min_rto <= max_rto");
  }
  if (tcp.delayed_ack.nanos == 0 || tcp.delayed_ack > Duration::millis(500)) {
    reject(config, "tcp.delayed_ack must be positive and at most 500 ms (RFC 1122 4.2.3.2)");
  }
  if (tcp.time_wait.nanos == 0) reject(config, "tcp.time_wait must be positive");
  if (tcp.keepalive_interval.nanos == 0 || tcp.keepalive_idle.nanos == 0) {
    reject(config, "tcp.keepalive_idle and tcp.keepalive_interval must be positive");
  }
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
  validate_tcp(config);
  for (const auto& [ip, mac] : config.static_arp) {
    if (mac.is_multicast() || ip.is_unspecified()) {
      reject(config, "static ARP entry " + ip.to_string() + " -> " + mac.to_string() + " is not a unicast pair");
    }
  }
}

}  // namespace sluice::iface

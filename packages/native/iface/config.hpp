#pragma once
// Everything an Interface needs to know, with every bound and timeout explicit: memory is sized
// from these numbers once, at construction.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "socket/tcp/config.hpp"
#include "util/time.hpp"
#include "wire/checksum_policy.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4_address.hpp"

namespace sluice::iface {

struct InterfaceConfig {
  wire::MacAddress mac;
  wire::Ipv4Address address;
  std::uint8_t prefix_length = 24;
  std::optional<wire::Ipv4Address> gateway;  ///< must be inside the subnet
  std::vector<std::pair<wire::Ipv4Address, wire::MacAddress>> static_arp;  ///< never expire
  std::uint32_t mtu = 1500;  ///< largest IP packet sent; 68..65535
  wire::ChecksumPolicy rx_checksum = wire::ChecksumPolicy::verify;
  std::uint8_t ttl = 64;

  // ARP. A resolution sends one request, then arp_retry_count more at arp_retry_interval, and
  // fails one interval after the last (defaults as Linux: 3 requests, fail after 3 s).
  std::uint32_t arp_cache_size = 64;
  Duration arp_retry_interval = Duration::seconds(1);
  std::uint32_t arp_retry_count = 2;
  Duration arp_entry_lifetime = Duration::seconds(60);
  std::uint32_t arp_pending_per_address = 8;  ///< frames waiting for one address
  std::uint32_t arp_pending_total = 64;       ///< frames waiting for any address
  /// Also learn an on-link sender's MAC from the IPv4 frames it sends us. Multi-queue instances need
  /// it: the NIC steers a peer's ARP replies to one queue only, so the instance that asked may never
  /// see the answer, while every instance sees the peer's own frames.
  bool learn_neighbours_from_ipv4 = false;

  // IPv4 reassembly: slots of reassembly_max_datagram bytes each, allocated up front.
  std::uint32_t reassembly_slots = 4;
  std::uint32_t reassembly_max_datagram = 65535;  ///< total IP length incl. a 20-byte header; 68..65535
  Duration reassembly_timeout = Duration::seconds(15);

  // ICMP errors (port unreachable): a token bucket. Echo replies are not limited (as Linux).
  std::uint32_t icmp_errors_per_second = 1000;  ///< 0 disables ICMP errors
  std::uint32_t icmp_error_burst = 50;

  std::uint32_t udp_socket_count = 64;
  std::uint32_t udp_receive_queue_depth = 256;

  // TCP. Connection slots (TIME-WAIT included) and the buffer budget are sized here, once: the
  // stack refuses connections rather than allocate. tcp.mss is capped at mtu - 40.
  std::uint32_t tcp_connections = 64;
  std::uint32_t tcp_listeners = 16;
  std::uint32_t tcp_buffer_pairs = 64;  ///< connections that can hold buffers at once
  std::uint32_t tcp_max_backlog = 1024;
  socket::tcp::TcpConfig tcp;
  Duration tcp_timer_granularity = Duration::millis(1);
  std::uint32_t tcp_timer_slots = 4096;       ///< a power of two
  std::uint32_t tcp_resets_per_second = 1000;  ///< RSTs for segments to closed ports; 0 sends none
  std::uint32_t tcp_reset_burst = 50;

  /// Seeds the IP identification counter and the ephemeral port cursor: runs replay exactly.
  std::uint32_t seed = 1;
  /// Keys TCP initial sequence numbers (RFC 6528), timestamp offsets and the connection hash. 0
  /// derives it from `seed` (simulations, tests); deployments set a random value.
  std::uint64_t tcp_secret = 0;
};

/// Throws sluice::Error(EINVAL, ...) naming the offending field and what to do about it.
void validate(const InterfaceConfig& config);

}  // namespace sluice::iface

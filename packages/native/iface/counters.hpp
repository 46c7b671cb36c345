#pragma once
// Plain counters, written only by the interface's owner thread. Every frame the interface is
// handed ends up in exactly one outcome, and every drop has a reason.
#include <cstdint>

namespace sluice::iface {

struct InterfaceCounters {
  // Receive.
  std::uint64_t rx_frames = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t drop_too_short = 0;          ///< shorter than an Ethernet header
  std::uint64_t drop_not_our_mac = 0;        ///< unicast to another MAC, or unsubscribed multicast
  std::uint64_t drop_bad_source_mac = 0;     ///< multicast/broadcast source MAC
  std::uint64_t drop_own_source_mac = 0;     ///< our own frame reflected back to us
  std::uint64_t drop_unknown_ethertype = 0;
  std::uint64_t drop_bad_arp = 0;            ///< truncated, not Ethernet/IPv4, bad operation
  std::uint64_t drop_bad_ip_header = 0;      ///< version, IHL or total length wrong
  std::uint64_t drop_bad_ip_checksum = 0;
  std::uint64_t drop_martian_source = 0;     ///< source is 0, broadcast, multicast, 127/8, or us (from the wire)
  std::uint64_t drop_not_our_ip = 0;         ///< destination is not us, nor a broadcast
  std::uint64_t drop_unknown_protocol = 0;
  std::uint64_t drop_bad_icmp = 0;           ///< shorter than 8 bytes
  std::uint64_t drop_bad_icmp_checksum = 0;
  std::uint64_t drop_bad_udp_header = 0;     ///< length field < 8 or beyond the IP payload
  std::uint64_t drop_bad_udp_checksum = 0;
  std::uint64_t rx_udp_checksum_partial = 0; ///< accepted under accept_partial
  std::uint64_t drop_no_socket = 0;
  std::uint64_t drop_socket_queue_full = 0;

  // Fragments.
  std::uint64_t rx_fragments = 0;
  std::uint64_t reassembled = 0;
  std::uint64_t drop_reassembly_full = 0;    ///< no free slot for a new datagram
  std::uint64_t drop_fragment_duplicate = 0; ///< exact repeat of bytes already held (fragment dropped)
  std::uint64_t drop_fragment_overlap = 0;   ///< conflicting overlap: the whole datagram is dropped
  std::uint64_t drop_fragment_too_big = 0;   ///< beyond reassembly_max_datagram
  std::uint64_t drop_fragment_malformed = 0; ///< non-last fragment not a multiple of 8, or inconsistent end
  std::uint64_t drop_fragment_timeout = 0;   ///< datagrams (not fragments) given up on timeout

  // ICMP.
  std::uint64_t icmp_echo_requests = 0;
  std::uint64_t icmp_echo_replies_sent = 0;
  std::uint64_t icmp_echo_broadcast_ignored = 0;
  std::uint64_t icmp_port_unreachable_sent = 0;
  std::uint64_t icmp_rate_limited = 0;       ///< errors not sent because the bucket was empty
  std::uint64_t icmp_rx_other = 0;           ///< echo replies, errors and other types received

  // ARP.
  std::uint64_t arp_requests_received = 0;
  std::uint64_t arp_replies_received = 0;
  std::uint64_t arp_requests_sent = 0;
  std::uint64_t arp_replies_sent = 0;
  std::uint64_t arp_not_for_us = 0;          ///< valid ARP whose target is another host
  std::uint64_t arp_address_conflicts = 0;   ///< someone else claims our address
  std::uint64_t arp_cache_full = 0;          ///< no entry could be made (all static or resolving)
  std::uint64_t arp_learned_from_ipv4 = 0;   ///< neighbours learned or refreshed from their IPv4 frames
  std::uint64_t drop_arp_pending_full = 0;   ///< frame not queued: per-address or total bound
  std::uint64_t drop_arp_failed = 0;         ///< queued frames dropped when resolution timed out

  // Transmit.
  std::uint64_t drop_no_route = 0;           ///< off-subnet destination and no gateway
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t tx_fragments = 0;            ///< frames that carried a fragment of a larger datagram
  std::uint64_t tx_alloc_failures = 0;       ///< pool empty, or frame capacity too small
};

}  // namespace sluice::iface

#include "runtime/counter_report.hpp"

#include "runtime/instance_config.hpp"

namespace sluice::runtime {

#define SLUICE_COUNTER(group, source, field) group.values.emplace_back(#field, (source).field)

namespace {

CounterGroup device_counters(const device::DeviceCounters& c) {
  CounterGroup g{"device", {}};
  SLUICE_COUNTER(g, c, rx_packets);
  SLUICE_COUNTER(g, c, rx_bytes);
  SLUICE_COUNTER(g, c, tx_packets);
  SLUICE_COUNTER(g, c, tx_bytes);
  SLUICE_COUNTER(g, c, tx_ring_full);
  SLUICE_COUNTER(g, c, tx_dropped);
  SLUICE_COUNTER(g, c, fill_ring_empty);
  SLUICE_COUNTER(g, c, alloc_failures);
  SLUICE_COUNTER(g, c, rx_dropped);
  SLUICE_COUNTER(g, c, kicks);
  SLUICE_COUNTER(g, c, wakeups);
  return g;
}

CounterGroup interface_counters(const iface::InterfaceCounters& c) {
  CounterGroup g{"interface", {}};
  SLUICE_COUNTER(g, c, rx_frames);
  SLUICE_COUNTER(g, c, rx_bytes);
  SLUICE_COUNTER(g, c, drop_too_short);
  SLUICE_COUNTER(g, c, drop_not_our_mac);
  SLUICE_COUNTER(g, c, drop_bad_source_mac);
  SLUICE_COUNTER(g, c, drop_unknown_ethertype);
  SLUICE_COUNTER(g, c, drop_bad_arp);
  SLUICE_COUNTER(g, c, drop_bad_ip_header);
  SLUICE_COUNTER(g, c, drop_bad_ip_checksum);
  SLUICE_COUNTER(g, c, drop_martian_source);
  SLUICE_COUNTER(g, c, drop_not_our_ip);
  SLUICE_COUNTER(g, c, drop_unknown_protocol);
  SLUICE_COUNTER(g, c, drop_bad_icmp);
  SLUICE_COUNTER(g, c, drop_bad_icmp_checksum);
  SLUICE_COUNTER(g, c, drop_bad_udp_header);
  SLUICE_COUNTER(g, c, drop_bad_udp_checksum);
  SLUICE_COUNTER(g, c, rx_udp_checksum_partial);
  SLUICE_COUNTER(g, c, drop_no_socket);
  SLUICE_COUNTER(g, c, drop_socket_queue_full);
  SLUICE_COUNTER(g, c, rx_fragments);
  SLUICE_COUNTER(g, c, reassembled);
  SLUICE_COUNTER(g, c, drop_reassembly_full);
  SLUICE_COUNTER(g, c, drop_fragment_duplicate);
  SLUICE_COUNTER(g, c, drop_fragment_overlap);
  SLUICE_COUNTER(g, c, drop_fragment_too_big);
  SLUICE_COUNTER(g, c, drop_fragment_malformed);
  SLUICE_COUNTER(g, c, drop_fragment_timeout);
  SLUICE_COUNTER(g, c, icmp_echo_requests);
  SLUICE_COUNTER(g, c, icmp_echo_replies_sent);
  SLUICE_COUNTER(g, c, icmp_echo_broadcast_ignored);
  SLUICE_COUNTER(g, c, icmp_port_unreachable_sent);
  SLUICE_COUNTER(g, c, icmp_rate_limited);
  SLUICE_COUNTER(g, c, icmp_rx_other);
  SLUICE_COUNTER(g, c, arp_requests_received);
  SLUICE_COUNTER(g, c, arp_replies_received);
  SLUICE_COUNTER(g, c, arp_requests_sent);
  SLUICE_COUNTER(g, c, arp_replies_sent);
  SLUICE_COUNTER(g, c, arp_not_for_us);
  SLUICE_COUNTER(g, c, arp_address_conflicts);
  SLUICE_COUNTER(g, c, arp_cache_full);
  SLUICE_COUNTER(g, c, drop_arp_pending_full);
  SLUICE_COUNTER(g, c, drop_arp_failed);
  SLUICE_COUNTER(g, c, drop_no_route);
  SLUICE_COUNTER(g, c, tx_frames);
  SLUICE_COUNTER(g, c, tx_bytes);
  SLUICE_COUNTER(g, c, tx_fragments);
  SLUICE_COUNTER(g, c, tx_alloc_failures);
  return g;
}

CounterGroup tcp_counters(const iface::TcpStackCounters& c) {
  CounterGroup g{"tcp", {}};
  SLUICE_COUNTER(g, c, rx_segments);
  SLUICE_COUNTER(g, c, drop_bad_header);
  SLUICE_COUNTER(g, c, drop_bad_checksum);
  SLUICE_COUNTER(g, c, rx_checksum_partial);
  SLUICE_COUNTER(g, c, drop_broadcast);
  SLUICE_COUNTER(g, c, drop_no_socket);
  SLUICE_COUNTER(g, c, drop_listener);
  SLUICE_COUNTER(g, c, syns_received);
  SLUICE_COUNTER(g, c, drop_backlog_full);
  SLUICE_COUNTER(g, c, drop_no_memory);
  SLUICE_COUNTER(g, c, passive_opens);
  SLUICE_COUNTER(g, c, active_opens);
  SLUICE_COUNTER(g, c, accepted);
  SLUICE_COUNTER(g, c, time_wait_reused);
  SLUICE_COUNTER(g, c, resets_sent);
  SLUICE_COUNTER(g, c, resets_rate_limited);
  SLUICE_COUNTER(g, c, tx_segments);
  SLUICE_COUNTER(g, c, tx_no_frame);
  SLUICE_COUNTER(g, c, loopback_dropped);
  return g;
}

CounterGroup loop_counters(const StackInstance& instance) {
  CounterGroup g{"instance", {}};
  SLUICE_COUNTER(g, instance.counters(), polls);
  SLUICE_COUNTER(g, instance.counters(), idle_polls);
  SLUICE_COUNTER(g, instance.counters(), sleeps);
  SLUICE_COUNTER(g, instance.frame_io().counters(), tx_dropped_ring_full);
  SLUICE_COUNTER(g, instance.frame_io().counters(), flushes);
  return g;
}

}  // namespace

#undef SLUICE_COUNTER

CounterReport report_counters(const StackInstance& instance) {
  return {device_counters(instance.device().counters()), interface_counters(instance.interface().counters()),
          tcp_counters(instance.interface().tcp_counters()), loop_counters(instance)};
}

}  // namespace sluice::runtime

#include "runtime/counter_table.hpp"

#include <algorithm>

#include "runtime/instance_config.hpp"

namespace sluice::runtime {

#define SLUICE_COUNTER(group, source, field) table.add(group, #field, (source).field)

namespace {

void add_device_counters(CounterTable& table, const device::DeviceCounters& c) {
  const char* g = "device";
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
}

void add_interface_counters(CounterTable& table, const iface::InterfaceCounters& c) {
  const char* g = "interface";
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
}

void add_tcp_counters(CounterTable& table, const iface::TcpStackCounters& c) {
  const char* g = "tcp";
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
  SLUICE_COUNTER(g, c, syn_cookies_sent);
  SLUICE_COUNTER(g, c, syn_cookies_accepted);
  SLUICE_COUNTER(g, c, syn_cookies_rejected);
  SLUICE_COUNTER(g, c, syn_cookies_no_room);
  SLUICE_COUNTER(g, c, passive_opens);
  SLUICE_COUNTER(g, c, active_opens);
  SLUICE_COUNTER(g, c, accepted);
  SLUICE_COUNTER(g, c, time_wait_reused);
  SLUICE_COUNTER(g, c, resets_sent);
  SLUICE_COUNTER(g, c, resets_rate_limited);
  SLUICE_COUNTER(g, c, tx_segments);
  SLUICE_COUNTER(g, c, tx_no_frame);
  SLUICE_COUNTER(g, c, loopback_dropped);
  SLUICE_COUNTER(g, c, segments_retransmitted);
  SLUICE_COUNTER(g, c, bytes_retransmitted);
  SLUICE_COUNTER(g, c, connections_open);
}

// Group tcp_rtt_us, one counter per bucket named by its upper bound (le_8, le_16, ..., le_inf; not
// cumulative), then the sum of all samples in microseconds.
void add_tcp_rtt_counters(CounterTable& table, const iface::TcpRttHistogram& histogram) {
  for (std::size_t bucket = 0; bucket < iface::TcpRttHistogram::kBuckets; ++bucket) {
    const bool last = bucket + 1 == iface::TcpRttHistogram::kBuckets;
    std::string name = last ? "le_inf" : "le_" + std::to_string(iface::TcpRttHistogram::upper_bound_us(bucket));
    table.add("tcp_rtt_us", std::move(name), histogram.counts[bucket]);
  }
  table.add("tcp_rtt_us", "sum", histogram.sum_us);
}

void add_loop_counters(CounterTable& table, const StackInstance& instance) {
  const char* g = "instance";
  SLUICE_COUNTER(g, instance.counters(), polls);
  SLUICE_COUNTER(g, instance.counters(), idle_polls);
  SLUICE_COUNTER(g, instance.counters(), sleeps);
  SLUICE_COUNTER(g, instance.frame_io().counters(), tx_dropped_ring_full);
  SLUICE_COUNTER(g, instance.frame_io().counters(), flushes);
}

}  // namespace

#undef SLUICE_COUNTER

void add_instance_counters(CounterTable& table, const StackInstance& instance) {
  add_device_counters(table, instance.device().counters());
  add_interface_counters(table, instance.interface().counters());
  add_tcp_counters(table, instance.interface().tcp_counters());
  add_tcp_rtt_counters(table, instance.interface().tcp_rtt_histogram());
  add_loop_counters(table, instance);
}

CounterReport CounterTable::report() const {
  CounterReport report;
  for (const CounterRef& entry : entries_) {
    auto group = std::find_if(report.begin(), report.end(), [&](const CounterGroup& g) { return g.name == entry.group; });
    if (group == report.end()) group = report.insert(report.end(), CounterGroup{entry.group, {}});
    group->values.emplace_back(entry.name, *entry.value);
  }
  return report;
}

}  // namespace sluice::runtime

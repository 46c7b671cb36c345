#include "iface/interface.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "iface/layout.hpp"

namespace sluice::iface {

namespace {
constexpr std::size_t tcp_loopback_depth = 256;

const InterfaceConfig& validated(const InterfaceConfig& config) {
  validate(config);
  return config;
}

socket::tcp::TcpConfig tcp_config_for(const InterfaceConfig& config) {
  socket::tcp::TcpConfig tcp = config.tcp;
  const std::uint32_t mtu_mss = config.mtu - wire::Ipv4Packet::min_header_len - wire::TcpSegment::min_header_len;
  tcp.mss = static_cast<std::uint16_t>(std::min<std::uint32_t>(tcp.mss, mtu_mss));
  return tcp;
}

std::uint64_t tcp_secret_for(const InterfaceConfig& config) {
  return config.tcp_secret != 0 ? config.tcp_secret : 0x5eed000000000000u ^ config.seed;
}
}  // namespace

Interface::Interface(InterfaceConfig config, FrameIo& io)
    : config_(validated(config)),
      io_(io),
      router_({config_.address, config_.prefix_length}, config_.gateway),
      arp_(config_.arp_cache_size),
      pending_(config_.arp_pending_total),
      reassembler_(config_.reassembly_slots, config_.reassembly_max_datagram, config_.reassembly_timeout),
      icmp_errors_(config_.icmp_errors_per_second, config_.icmp_error_burst),
      sockets_(config_.udp_socket_count, config_.udp_receive_queue_depth, config_.seed),
      next_ip_id_(static_cast<std::uint16_t>(config_.seed * 2654435761u >> 16)),
      tcp_config_(tcp_config_for(config_)),
      tcp_sink_(*this),
      tcp_({config_.tcp_connections, config_.tcp_listeners, config_.tcp_buffer_pairs, config_.tcp_max_backlog},
           tcp_config_, tcp_sink_, tcp_secret_for(config_)),
      tcp_isn_(tcp_secret_for(config_)),
      tcp_cookies_(tcp_secret_for(config_)),
      tcp_timers_(config_.tcp_connections, config_.tcp_timer_slots, config_.tcp_timer_granularity),
      // Twice the sockets: a slot freed and reused before the queue is drained may appear twice.
      tcp_events_(2 * (std::size_t{config_.tcp_connections} + config_.tcp_listeners)),
      tcp_flushes_(2 * std::size_t{config_.tcp_connections}),
      tcp_resets_(config_.tcp_resets_per_second, config_.tcp_reset_burst),
      tcp_loopback_(tcp_loopback_depth) {
  for (const auto& [ip, mac] : config_.static_arp) {
    ArpEntry* entry = arp_.find(ip);
    if (entry == nullptr) entry = arp_.insert(ip, ArpState::permanent);
    entry->mac = mac;
  }
}

Interface::~Interface() {
  for (ArpEntry& entry : arp_.entries()) {
    PendingFrame pending;
    while (pending_.pop(entry.pending, pending)) io_.release(pending.frame);
  }
  for (std::size_t id = 0; id < sockets_.size(); ++id) udp_close(static_cast<int>(id));
  for (; tcp_loopback_size_ > 0; --tcp_loopback_size_) {
    io_.release(tcp_loopback_[tcp_loopback_head_]);
    tcp_loopback_head_ = (tcp_loopback_head_ + 1) % tcp_loopback_.size();
  }
}

void Interface::receive(Instant now, const device::Frame& frame) {
  counters_.rx_frames += 1;
  counters_.rx_bytes += frame.len;
  const auto ethernet = wire::EthernetFrame::parse(frame.bytes());
  if (!ethernet) {
    counters_.drop_too_short += 1;
    io_.release(frame);
    return;
  }
  const wire::MacAddress destination = ethernet->destination();
  if (destination != config_.mac && !destination.is_broadcast()) {
    counters_.drop_not_our_mac += 1;
    io_.release(frame);
    return;
  }
  if (ethernet->source().is_multicast()) {
    counters_.drop_bad_source_mac += 1;
    io_.release(frame);
    return;
  }
  if (ethernet->source() == config_.mac && !in_loopback_) {
    counters_.drop_own_source_mac += 1;
    io_.release(frame);
    return;
  }
  switch (static_cast<wire::EtherType>(ethernet->ethertype())) {
    case wire::EtherType::ipv4:
      handle_ipv4(now, frame, *ethernet);
      return;
    case wire::EtherType::arp:
      handle_arp(now, frame, ethernet->payload());
      return;
    default:
      counters_.drop_unknown_ethertype += 1;
      io_.release(frame);
      return;
  }
}

void Interface::poll(Instant now) {
  poll_arp(now);
  counters_.drop_fragment_timeout += reassembler_.expire(now);
  poll_tcp(now);
}

Instant Interface::next_deadline() const {
  if (!tcp_flushes_.empty() || tcp_loopback_size_ > 0) return Instant{};  // due at once
  Instant earliest = std::min(reassembler_.next_deadline(), tcp_timers_.next_deadline());
  if (arp_.incomplete_count() != 0) {
    for (const ArpEntry& entry : arp_.entries()) {
      if (entry.state == ArpState::incomplete) earliest = std::min(earliest, entry.next_request_at);
    }
  }
  return earliest;
}

std::optional<wire::MacAddress> Interface::arp_lookup(Instant now, wire::Ipv4Address ip) const {
  const ArpEntry* entry = arp_.find(ip);
  if (entry == nullptr) return std::nullopt;
  if (entry->state == ArpState::permanent || (entry->state == ArpState::reachable && now < entry->expires_at)) {
    return entry->mac;
  }
  return std::nullopt;
}

void Interface::transmit(const device::Frame& frame) {
  counters_.tx_frames += 1;
  counters_.tx_bytes += frame.len;
  io_.transmit(frame);
}

bool Interface::allocate_frame(std::size_t min_len, device::Frame& out) {
  if (!io_.allocate(out)) {
    counters_.tx_alloc_failures += 1;
    return false;
  }
  if (out.capacity < min_len) {
    io_.release(out);
    counters_.tx_alloc_failures += 1;
    return false;
  }
  return true;
}

void Interface::discard(const Inbound& inbound) {
  if (inbound.frame.data != nullptr) io_.release(inbound.frame);
  if (inbound.slot >= 0) reassembler_.release(inbound.slot);
}

int Interface::output_ipv4(Instant now, const device::Frame& frame, wire::Ipv4Address destination,
                           const TxOwner& owner) {
  const Route route = router_.route(destination);
  auto send_to = [&](const wire::MacAddress& mac) {
    std::copy(mac.octets.begin(), mac.octets.end(), frame.data);
    transmit(frame);
    count_udp_sent(owner);
    return 0;
  };
  switch (route.kind) {
    case Route::Kind::neighbor:
      return send_to_neighbor(now, frame, route.next_hop, owner);
    case Route::Kind::broadcast:
      return send_to(wire::MacAddress::broadcast());
    case Route::Kind::multicast:
      return send_to(Router::multicast_mac(destination));
    case Route::Kind::local:
      // Loopback: the frame goes straight back up through receive(), as if it came off the wire.
      std::copy(config_.mac.octets.begin(), config_.mac.octets.end(), frame.data);
      count_udp_sent(owner);
      in_loopback_ = true;
      receive(now, frame);
      in_loopback_ = false;
      return 0;
    case Route::Kind::unreachable:
      break;
  }
  counters_.drop_no_route += 1;
  io_.release(frame);
  return -EHOSTUNREACH;
}

int Interface::transmit_fragmented(const wire::MacAddress& peer_mac, wire::Ipv4Address destination,
                                   wire::IpProtocol protocol, std::span<const std::uint8_t> ip_payload) {
  const std::size_t max_chunk = (config_.mtu - wire::Ipv4Packet::min_header_len) / 8 * 8;
  const bool fragmented = ip_payload.size() > max_chunk;
  wire::Ipv4Header header;
  header.source = config_.address;
  header.destination = destination;
  header.protocol = static_cast<std::uint8_t>(protocol);
  header.ttl = config_.ttl;
  header.identification = next_ip_identification();
  for (std::size_t offset = 0; offset < ip_payload.size();) {
    const std::size_t chunk = std::min(max_chunk, ip_payload.size() - offset);
    device::Frame frame;
    if (!allocate_frame(layout::transport + chunk, frame)) return -ENOBUFS;
    wire::EthernetFrame::emit(frame.writable(), peer_mac, config_.mac, wire::EtherType::ipv4);
    header.fragment_offset = static_cast<std::uint32_t>(offset);
    header.more_fragments = offset + chunk < ip_payload.size();
    header.payload_length = static_cast<std::uint16_t>(chunk);
    header.emit(frame.writable().subspan(layout::ip));
    std::memcpy(frame.data + layout::transport, ip_payload.data() + offset, chunk);
    frame.len = static_cast<std::uint32_t>(layout::transport + chunk);
    if (fragmented) counters_.tx_fragments += 1;
    transmit(frame);
    offset += chunk;
  }
  return 0;
}

}  // namespace sluice::iface

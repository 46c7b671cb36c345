// ICMP: echo replies (in place when the request fits one frame; from the reassembly slot, and
// fragmented if needed, when it arrived in fragments) and rate-limited port unreachables. ICMP
// errors are only ever generated for UDP, so an error is never answered with an error; nothing
// addressed to a broadcast is answered at all.
#include <algorithm>
#include <cstring>

#include "iface/interface.hpp"
#include "iface/layout.hpp"
#include "wire/icmp.hpp"

namespace sluice::iface {

void Interface::handle_icmp(Instant now, Inbound& inbound) {
  (void)now;
  const auto icmp = wire::IcmpPacket::parse(inbound.payload);
  if (!icmp) {
    counters_.drop_bad_icmp += 1;
    discard(inbound);
    return;
  }
  if (config_.rx_checksum != wire::ChecksumPolicy::skip && !icmp->checksum_valid()) {
    counters_.drop_bad_icmp_checksum += 1;
    discard(inbound);
    return;
  }
  if (icmp->type() != static_cast<std::uint8_t>(wire::IcmpType::echo_request)) {
    counters_.icmp_rx_other += 1;
    discard(inbound);
    return;
  }
  counters_.icmp_echo_requests += 1;
  if (inbound.quiet) {
    counters_.icmp_echo_broadcast_ignored += 1;
    discard(inbound);
    return;
  }
  reply_to_echo(inbound);
}

void Interface::reply_to_echo(Inbound& inbound) {
  const std::span<std::uint8_t> message = inbound.payload;
  const std::uint32_t identifier_and_sequence = wire::load_be32(message.data() + 4);
  const bool fits_one_frame = wire::Ipv4Packet::min_header_len + message.size() <= config_.mtu;
  if (inbound.slot >= 0 || !fits_one_frame) {
    wire::IcmpPacket::emit(message, wire::IcmpType::echo_reply, 0, identifier_and_sequence);
    if (transmit_fragmented(inbound.peer_mac, inbound.source, wire::IpProtocol::icmp, message) == 0) {
      counters_.icmp_echo_replies_sent += 1;
    }
    discard(inbound);
    return;
  }
  // In place: options (if any) are dropped by moving the message up to a 20-byte header.
  device::Frame reply = inbound.frame;
  std::uint8_t* const icmp_at = reply.data + layout::transport;
  std::memmove(icmp_at, message.data(), message.size());
  wire::IcmpPacket::emit({icmp_at, message.size()}, wire::IcmpType::echo_reply, 0, identifier_and_sequence);
  wire::Ipv4Header header;
  header.source = config_.address;
  header.destination = inbound.source;
  header.protocol = static_cast<std::uint8_t>(wire::IpProtocol::icmp);
  header.ttl = config_.ttl;
  header.identification = next_ip_identification();
  header.payload_length = static_cast<std::uint16_t>(message.size());
  header.emit(reply.writable().subspan(layout::ip));
  wire::EthernetFrame::emit(reply.writable(), inbound.peer_mac, config_.mac, wire::EtherType::ipv4);
  reply.len = static_cast<std::uint32_t>(layout::transport + message.size());
  counters_.icmp_echo_replies_sent += 1;
  transmit(reply);
}

void Interface::send_port_unreachable(Instant now, Inbound& inbound) {
  if (inbound.quiet) {
    discard(inbound);
    return;
  }
  if (!icmp_errors_.try_take(now)) {
    counters_.icmp_rate_limited += 1;
    discard(inbound);
    return;
  }
  const std::size_t quoted_payload = std::min(inbound.payload.size(), wire::IcmpPacket::quoted_payload_len);
  const std::size_t quote_len = inbound.ip_header.size() + quoted_payload;
  const std::size_t frame_len = layout::icmp_data + quote_len;

  device::Frame reply;
  const std::uint8_t* quote = nullptr;
  if (inbound.frame.data != nullptr && inbound.frame.capacity >= frame_len) {
    reply = inbound.frame;  // header and payload are contiguous in the received frame
    quote = inbound.ip_header.data();
  } else {
    if (!allocate_frame(frame_len, reply)) {
      discard(inbound);
      return;
    }
    std::uint8_t* copy_at = reply.data + layout::icmp_data;
    std::memcpy(copy_at, inbound.ip_header.data(), inbound.ip_header.size());
    std::memcpy(copy_at + inbound.ip_header.size(), inbound.payload.data(), quoted_payload);
    quote = copy_at;
    discard(inbound);
  }
  const std::size_t icmp_len = wire::IcmpPacket::emit_destination_unreachable(
      reply.writable().subspan(layout::transport), wire::UnreachableCode::port, {quote, quote_len});
  wire::Ipv4Header header;
  header.source = config_.address;
  header.destination = inbound.source;
  header.protocol = static_cast<std::uint8_t>(wire::IpProtocol::icmp);
  header.ttl = config_.ttl;
  header.identification = next_ip_identification();
  header.payload_length = static_cast<std::uint16_t>(icmp_len);
  header.emit(reply.writable().subspan(layout::ip));
  wire::EthernetFrame::emit(reply.writable(), inbound.peer_mac, config_.mac, wire::EtherType::ipv4);
  reply.len = static_cast<std::uint32_t>(frame_len);
  counters_.icmp_port_unreachable_sent += 1;
  transmit(reply);
}

}  // namespace sluice::iface

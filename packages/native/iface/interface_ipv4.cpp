// IPv4 input: validation, the for-us decision, reassembly, and dispatch to ICMP, UDP and TCP.
//
// TTL is not checked on input: this is a host, it never forwards, and RFC 1122 3.2.1.7 says a host
// must not discard a datagram just because its TTL is below 2.
#include "iface/interface.hpp"
#include "iface/layout.hpp"

namespace sluice::iface {

void Interface::handle_ipv4(Instant now, const device::Frame& frame, const wire::EthernetFrame& ethernet) {
  const auto ip = wire::Ipv4Packet::parse(ethernet.payload());
  if (!ip) {
    counters_.drop_bad_ip_header += 1;
    io_.release(frame);
    return;
  }
  if (config_.rx_checksum != wire::ChecksumPolicy::skip && !ip->header_checksum_valid()) {
    counters_.drop_bad_ip_checksum += 1;
    io_.release(frame);
    return;
  }
  const wire::Ipv4Address source = ip->source();
  if (source.is_unspecified() || source.is_multicast() || source.is_loopback() || router_.is_broadcast(source) ||
      (source == config_.address && !in_loopback_)) {
    counters_.drop_martian_source += 1;
    io_.release(frame);
    return;
  }
  const wire::Ipv4Address destination = ip->destination();
  const bool ip_broadcast = router_.is_broadcast(destination);
  if (destination != config_.address && !ip_broadcast) {
    counters_.drop_not_our_ip += 1;
    io_.release(frame);
    return;
  }
  if (config_.learn_neighbours_from_ipv4 && !in_loopback_) learn_from_ipv4(now, source, ethernet.source());
  if (ip->is_fragment()) {
    handle_fragment(now, frame, *ip, ethernet.source());
    return;
  }
  Inbound inbound;
  inbound.frame = frame;
  inbound.peer_mac = ethernet.source();
  inbound.source = source;
  inbound.destination = destination;
  inbound.protocol = ip->protocol();
  inbound.quiet = ip_broadcast || ethernet.destination().is_broadcast() || in_loopback_;
  inbound.ip_header = ip->header();
  inbound.payload = ip->payload();
  deliver(now, inbound);
}

void Interface::handle_fragment(Instant now, const device::Frame& frame, const wire::Ipv4Packet& ip,
                                const wire::MacAddress& peer_mac) {
  counters_.rx_fragments += 1;
  int slot = -1;
  const Reassembler::Result result = reassembler_.add(now, ip, peer_mac, slot);
  io_.release(frame);  // the bytes now live in the slot
  switch (result) {
    case Reassembler::Result::incomplete:
      return;
    case Reassembler::Result::duplicate:
      counters_.drop_fragment_duplicate += 1;
      return;
    case Reassembler::Result::overlap:
      counters_.drop_fragment_overlap += 1;
      return;
    case Reassembler::Result::too_big:
      counters_.drop_fragment_too_big += 1;
      return;
    case Reassembler::Result::malformed:
      counters_.drop_fragment_malformed += 1;
      return;
    case Reassembler::Result::no_slot:
      counters_.drop_reassembly_full += 1;
      return;
    case Reassembler::Result::complete:
      break;
  }
  counters_.reassembled += 1;
  Inbound inbound;
  inbound.slot = slot;
  inbound.peer_mac = reassembler_.peer_mac(slot);
  inbound.ip_header = reassembler_.header(slot);
  inbound.source = wire::Ipv4Address::load(inbound.ip_header.data() + 12);
  inbound.destination = wire::Ipv4Address::load(inbound.ip_header.data() + 16);
  inbound.protocol = inbound.ip_header[9];
  inbound.quiet = router_.is_broadcast(inbound.destination);
  inbound.payload = reassembler_.payload(slot);
  deliver(now, inbound);
}

void Interface::deliver(Instant now, Inbound& inbound) {
  switch (static_cast<wire::IpProtocol>(inbound.protocol)) {
    case wire::IpProtocol::icmp:
      handle_icmp(now, inbound);
      return;
    case wire::IpProtocol::udp:
      handle_udp(now, inbound);
      return;
    case wire::IpProtocol::tcp:
      handle_tcp(now, inbound);
      return;
    default:
      // No ICMP protocol unreachable: optional for hosts, and it would advertise what is not served.
      counters_.drop_unknown_protocol += 1;
      discard(inbound);
      return;
  }
}

}  // namespace sluice::iface

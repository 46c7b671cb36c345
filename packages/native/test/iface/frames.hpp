#pragma once
// Builders for test input frames and small readers for output frames. The builders use the wire
// emitters, which the wire tests pin down byte for byte against hand-written fixtures.
#include <algorithm>
#include <vector>

#include "wire/arp.hpp"
#include "wire/bytes.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"
#include "wire/udp.hpp"

namespace sluice::testing {

using Bytes = std::vector<std::uint8_t>;

inline const wire::MacAddress host_mac{{0x02, 0, 0, 0, 0, 0x01}};
inline const wire::MacAddress peer_mac{{0x02, 0, 0, 0, 0, 0x02}};
inline const wire::MacAddress gateway_mac{{0x02, 0, 0, 0, 0, 0xfe}};
inline const wire::Ipv4Address host_ip = wire::Ipv4Address::from_octets(198, 18, 0, 1);
inline const wire::Ipv4Address peer_ip = wire::Ipv4Address::from_octets(198, 18, 0, 2);
inline const wire::Ipv4Address gateway_ip = wire::Ipv4Address::from_octets(198, 18, 0, 254);
inline const wire::Ipv4Address far_ip = wire::Ipv4Address::from_octets(198, 19, 7, 7);  // off-subnet

inline Bytes ethernet(const wire::MacAddress& dst, const wire::MacAddress& src, wire::EtherType type,
                      const Bytes& payload) {
  Bytes frame(14 + payload.size());
  wire::EthernetFrame::emit(frame, dst, src, type);
  std::copy(payload.begin(), payload.end(), frame.data() + 14);
  return frame;
}

inline Bytes arp(wire::ArpOperation op, const wire::MacAddress& sender_mac, wire::Ipv4Address sender_ip,
                 const wire::MacAddress& target_mac, wire::Ipv4Address target_ip,
                 const wire::MacAddress& eth_dst = wire::MacAddress::broadcast()) {
  Bytes body(28);
  wire::ArpPacket::emit(body, {op, sender_mac, sender_ip, target_mac, target_ip});
  return ethernet(eth_dst, sender_mac, wire::EtherType::arp, body);
}

struct IpFields {
  wire::Ipv4Address source = peer_ip;
  wire::Ipv4Address destination = host_ip;
  std::uint16_t identification = 0x1000;
  bool more_fragments = false;
  std::uint32_t fragment_offset = 0;
};

inline Bytes ipv4(const IpFields& f, wire::IpProtocol protocol, const Bytes& payload) {
  Bytes packet(20 + payload.size());
  wire::Ipv4Header header;
  header.source = f.source;
  header.destination = f.destination;
  header.protocol = static_cast<std::uint8_t>(protocol);
  header.identification = f.identification;
  header.more_fragments = f.more_fragments;
  header.fragment_offset = f.fragment_offset;
  header.payload_length = static_cast<std::uint16_t>(payload.size());
  header.emit(packet);
  std::copy(payload.begin(), payload.end(), packet.data() + 20);
  return packet;
}

inline Bytes udp(wire::Ipv4Address source, wire::Ipv4Address destination, std::uint16_t source_port,
                 std::uint16_t destination_port, const Bytes& payload) {
  Bytes datagram(8 + payload.size());
  std::copy(payload.begin(), payload.end(), datagram.data() + 8);
  wire::UdpPacket::emit_header(datagram, source_port, destination_port, static_cast<std::uint16_t>(payload.size()));
  wire::UdpPacket::fill_checksum(datagram, source, destination);
  return datagram;
}

/// A whole frame peer -> host carrying UDP.
inline Bytes udp_frame(std::uint16_t source_port, std::uint16_t destination_port, const Bytes& payload,
                       IpFields ip = {}, const wire::MacAddress& eth_dst = host_mac) {
  return ethernet(eth_dst, peer_mac, wire::EtherType::ipv4,
                  ipv4(ip, wire::IpProtocol::udp, udp(ip.source, ip.destination, source_port, destination_port, payload)));
}

inline Bytes echo_request(std::uint16_t identifier, std::uint16_t sequence, const Bytes& data) {
  Bytes message(8 + data.size());
  std::copy(data.begin(), data.end(), message.data() + 8);
  wire::IcmpPacket::emit(message, wire::IcmpType::echo_request, 0,
                         (std::uint32_t{identifier} << 16) | sequence);
  return message;
}

inline Bytes pattern(std::size_t len, std::uint8_t seed = 0) {
  Bytes bytes(len);
  for (std::size_t i = 0; i < len; ++i) bytes[i] = static_cast<std::uint8_t>(seed + i * 7);
  return bytes;
}

inline Bytes slice(const Bytes& bytes, std::size_t from, std::size_t len) {
  return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(from), bytes.begin() + static_cast<std::ptrdiff_t>(from + len));
}

inline void set_be16(Bytes& bytes, std::size_t at, std::uint16_t value) { wire::store_be16(bytes.data() + at, value); }

}  // namespace sluice::testing

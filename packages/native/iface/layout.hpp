#pragma once
// Offsets of the frames the stack builds: Ethernet, a 20-byte IPv4 header, then the transport.
#include <cstddef>

#include "wire/ethernet.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"
#include "wire/udp.hpp"

namespace sluice::iface::layout {

constexpr std::size_t ip = wire::EthernetFrame::header_len;                  // 14
constexpr std::size_t transport = ip + wire::Ipv4Packet::min_header_len;     // 34
constexpr std::size_t udp_payload = transport + wire::UdpPacket::header_len; // 42
constexpr std::size_t icmp_data = transport + wire::IcmpPacket::header_len;  // 42
constexpr std::size_t arp_frame = ip + 28;                                   // 42

}  // namespace sluice::iface::layout

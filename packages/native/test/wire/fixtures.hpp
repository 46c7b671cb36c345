#pragma once
// Hand-written frames shared by the wire and interface tests. Every checksum below was computed
// independently (Python, RFC 1071 by the book) and is written out as a literal, so the tests compare
// the stack against numbers it did not produce.
//
// Addresses: host 198.18.0.1 (02:00:00:00:00:01), peer 198.18.0.2 (02:00:00:00:00:02).
#include <cstdint>
#include <vector>

namespace sluice::fixtures {

using Bytes = std::vector<std::uint8_t>;

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

/// Ethernet header peer -> host, IPv4.
inline const Bytes eth_peer_to_host_ipv4 = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00,
                                            0x00, 0x00, 0x00, 0x02, 0x08, 0x00};

/// ARP who-has 198.18.0.1 tell 198.18.0.2, broadcast, as sent by the peer.
inline const Bytes arp_request_for_host = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06,  // ethernet
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,                                      // eth/ipv4, request
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x02,                          // sender
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x01};                         // target

/// IPv4 header 198.18.0.2 -> 198.18.0.1, id 0x1c46, DF, TTL 64, UDP, total 33; checksum 0x925e.
inline const Bytes ipv4_udp_header = {0x45, 0x00, 0x00, 0x21, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
                                      0x92, 0x5e, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01};

/// The same with IHL 6 (options NOP NOP NOP EOL), id 0x1c47, total 37; checksum 0x8f58.
inline const Bytes ipv4_udp_header_with_options = {0x46, 0x00, 0x00, 0x25, 0x1c, 0x47, 0x40, 0x00,
                                                   0x40, 0x11, 0x8f, 0x58, 0xc6, 0x12, 0x00, 0x02,
                                                   0xc6, 0x12, 0x00, 0x01, 0x01, 0x01, 0x01, 0x00};

/// UDP 40000 -> 7, "hello"; checksum 0x9392 over 198.18.0.2 -> 198.18.0.1.
inline const Bytes udp_hello = {0x9c, 0x40, 0x00, 0x07, 0x00, 0x0d, 0x93, 0x92,
                                0x68, 0x65, 0x6c, 0x6c, 0x6f};
/// The folded (uncomplemented) pseudo-header sum Linux leaves in a CHECKSUM_PARTIAL datagram.
constexpr std::uint16_t udp_hello_partial_checksum = 0x8c46;

/// IPv4 header 198.18.0.2 -> 198.18.0.1, id 0x2b00, DF, TTL 64, ICMP, total 36; checksum 0x83b1.
inline const Bytes ipv4_icmp_header = {0x45, 0x00, 0x00, 0x24, 0x2b, 0x00, 0x40, 0x00, 0x40, 0x01,
                                       0x83, 0xb1, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01};

/// ICMP echo request id 0x42 seq 1, data "abcdefgh"; checksum 0x6627.
inline const Bytes icmp_echo_request = {0x08, 0x00, 0x66, 0x27, 0x00, 0x42, 0x00, 0x01,
                                        0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68};

/// Checksum of a port unreachable quoting ipv4_udp_header + the first 8 bytes of udp_hello.
constexpr std::uint16_t port_unreachable_for_udp_hello_checksum = 0xcd15;

/// RFC 1071 the slow way, as an independent reference inside tests.
inline std::uint16_t reference_checksum(const Bytes& bytes) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    std::uint32_t word = std::uint32_t{bytes[i]} << 8;
    if (i + 1 < bytes.size()) word |= bytes[i + 1];
    sum += word;
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

}  // namespace sluice::fixtures

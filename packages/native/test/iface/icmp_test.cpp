#include <gtest/gtest.h>

#include "iface/interface_fixture.hpp"
#include "wire/fixtures.hpp"

using namespace sluice;
using namespace sluice::testing;
using fixtures::concat;

namespace {
/// Fills in the IPv4 header checksum (bytes 24..26 of a frame) with the independent reference.
Bytes with_ip_checksum(Bytes frame) {
  const Bytes header = slice(frame, 14, 20);
  const std::uint16_t checksum = fixtures::reference_checksum(header);
  frame[24] = static_cast<std::uint8_t>(checksum >> 8);
  frame[25] = static_cast<std::uint8_t>(checksum);
  return frame;
}

const Bytes eth_host_to_peer_ipv4 = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00,
                                     0x00, 0x00, 0x00, 0x01, 0x08, 0x00};
}  // namespace

class InterfaceIcmp : public InterfaceTest {};

TEST_F(InterfaceIcmp, PingGetsByteExactEchoReplyInTheSameFrame) {
  receive(at_ms(0), concat({fixtures::eth_peer_to_host_ipv4, fixtures::ipv4_icmp_header, fixtures::icmp_echo_request}));
  const Bytes expected = with_ip_checksum(concat({
      eth_host_to_peer_ipv4,
      {0x45, 0x00, 0x00, 0x24, 0x9e, 0x37, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12,
       0x00, 0x02},
      {0x00, 0x00, 0x6e, 0x27, 0x00, 0x42, 0x00, 0x01, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'},
  }));
  EXPECT_EQ(io.pop_sent(), expected);
  EXPECT_EQ(counters().icmp_echo_requests, 1u);
  EXPECT_EQ(counters().icmp_echo_replies_sent, 1u);
  EXPECT_EQ(counters().tx_frames, 1u);
  EXPECT_EQ(io.released_count, 0u);
}

TEST_F(InterfaceIcmp, PingWithIpOptionsAndPaddingIsAnsweredWithoutThem) {
  Bytes header = {0x46, 0x00, 0x00, 0x28, 0x2b, 0x00, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00,
                  0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x01, 0x01, 0x01, 0x00};
  const std::uint16_t checksum = fixtures::reference_checksum(header);
  header[10] = static_cast<std::uint8_t>(checksum >> 8);
  header[11] = static_cast<std::uint8_t>(checksum);
  receive(at_ms(0), concat({fixtures::eth_peer_to_host_ipv4, header, fixtures::icmp_echo_request, Bytes(6, 0)}));
  const Bytes sent = io.pop_sent();
  ASSERT_EQ(sent.size(), 14u + 20 + 16);
  EXPECT_EQ(sent[14], 0x45);
  EXPECT_EQ(slice(sent, 34, 16), (Bytes{0x00, 0x00, 0x6e, 0x27, 0x00, 0x42, 0x00, 0x01, 'a', 'b', 'c', 'd', 'e', 'f',
                                       'g', 'h'}));
  EXPECT_EQ(fixtures::reference_checksum(slice(sent, 14, 20)), 0);
}

TEST_F(InterfaceIcmp, BroadcastPingIsIgnored) {
  IpFields ip;
  ip.destination = wire::Ipv4Address::from_octets(198, 18, 0, 255);
  receive(at_ms(0), ethernet(wire::MacAddress::broadcast(), peer_mac, wire::EtherType::ipv4,
                             ipv4(ip, wire::IpProtocol::icmp, echo_request(1, 1, {1, 2}))));
  EXPECT_TRUE(io.sent.empty());
  EXPECT_EQ(counters().icmp_echo_broadcast_ignored, 1u);
}

TEST_F(InterfaceIcmp, BadIcmpChecksumIsDroppedUnderVerify) {
  Bytes request = concat({fixtures::eth_peer_to_host_ipv4, fixtures::ipv4_icmp_header, fixtures::icmp_echo_request});
  request.back() ^= 0xff;
  receive(at_ms(0), request);
  EXPECT_TRUE(io.sent.empty());
  EXPECT_EQ(counters().drop_bad_icmp_checksum, 1u);
}

TEST_F(InterfaceIcmp, IcmpErrorsAndRepliesReceivedAreNeverAnswered) {
  Bytes unreachable(8 + 28);
  wire::IcmpPacket::emit(unreachable, wire::IcmpType::destination_unreachable, 3, 0);
  Bytes reply = echo_request(1, 1, {});
  wire::IcmpPacket::emit(reply, wire::IcmpType::echo_reply, 0, 0x00010001);
  receive(at_ms(0), ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4({}, wire::IpProtocol::icmp, unreachable)));
  receive(at_ms(0), ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4({}, wire::IpProtocol::icmp, reply)));
  EXPECT_TRUE(io.sent.empty());
  EXPECT_EQ(counters().icmp_rx_other, 2u);
}

TEST_F(InterfaceIcmp, UdpToClosedPortGetsPortUnreachableQuotingTheOriginal) {
  receive(at_ms(0), concat({fixtures::eth_peer_to_host_ipv4, fixtures::ipv4_udp_header, fixtures::udp_hello}));
  const Bytes expected = with_ip_checksum(concat({
      eth_host_to_peer_ipv4,
      {0x45, 0x00, 0x00, 0x38, 0x9e, 0x37, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12,
       0x00, 0x02},
      {0x03, 0x03, 0xcd, 0x15, 0x00, 0x00, 0x00, 0x00},  // checksum computed independently
      fixtures::ipv4_udp_header,
      slice(fixtures::udp_hello, 0, 8),
  }));
  EXPECT_EQ(io.pop_sent(), expected);
  EXPECT_EQ(counters().drop_no_socket, 1u);
  EXPECT_EQ(counters().icmp_port_unreachable_sent, 1u);
}

TEST_F(InterfaceIcmp, PortUnreachableQuotesOptionsToo) {
  receive(at_ms(0),
          concat({fixtures::eth_peer_to_host_ipv4, fixtures::ipv4_udp_header_with_options, fixtures::udp_hello}));
  const Bytes sent = io.pop_sent();
  ASSERT_EQ(sent.size(), 14u + 20 + 8 + 24 + 8);
  EXPECT_EQ(slice(sent, 42, 24), fixtures::ipv4_udp_header_with_options);
  EXPECT_EQ(slice(sent, 66, 8), slice(fixtures::udp_hello, 0, 8));
  EXPECT_EQ(fixtures::reference_checksum(slice(sent, 34, sent.size() - 34)), 0);
}

TEST_F(InterfaceIcmp, PortUnreachableIsRateLimitedByATokenBucket) {
  auto config = default_config();
  config.icmp_errors_per_second = 2;  // one token every 500 ms
  config.icmp_error_burst = 2;
  make(config);
  const Bytes datagram = udp_frame(40000, 9, {1});
  for (int i = 0; i < 4; ++i) receive(at_ms(1000), datagram);
  EXPECT_EQ(io.sent.size(), 2u) << "the burst";
  EXPECT_EQ(counters().icmp_rate_limited, 2u);
  receive(at_ms(1499), datagram);
  EXPECT_EQ(io.sent.size(), 2u) << "no token yet";
  receive(at_ms(1500), datagram);
  EXPECT_EQ(io.sent.size(), 3u) << "one token after 500 ms";
  receive(at_ms(1500), datagram);
  EXPECT_EQ(io.sent.size(), 3u);
  receive(at_ms(60'000), datagram);
  receive(at_ms(60'000), datagram);
  receive(at_ms(60'000), datagram);
  EXPECT_EQ(io.sent.size(), 5u) << "an idle minute refills only up to the burst";
  EXPECT_EQ(counters().icmp_rate_limited, 5u);
  EXPECT_EQ(counters().drop_no_socket, 10u);
  io.sent.clear();
}

TEST_F(InterfaceIcmp, ZeroRateDisablesIcmpErrors) {
  auto config = default_config();
  config.icmp_errors_per_second = 0;
  make(config);
  receive(at_ms(0), udp_frame(40000, 9, {1}));
  EXPECT_TRUE(io.sent.empty());
  EXPECT_EQ(counters().icmp_rate_limited, 1u);
}

TEST_F(InterfaceIcmp, UdpToClosedPortOnBroadcastGetsNoError) {
  IpFields ip;
  ip.destination = wire::Ipv4Address::broadcast();
  receive(at_ms(0), udp_frame(68, 67, {1, 2, 3}, ip, wire::MacAddress::broadcast()));
  IpFields unicast_ip_on_broadcast_mac;
  receive(at_ms(0), udp_frame(68, 67, {1, 2, 3}, unicast_ip_on_broadcast_mac, wire::MacAddress::broadcast()));
  EXPECT_TRUE(io.sent.empty());
  EXPECT_EQ(counters().drop_no_socket, 2u);
  EXPECT_EQ(counters().icmp_port_unreachable_sent, 0u);
}

TEST_F(InterfaceIcmp, LargeFragmentedPingIsAnsweredWithFragments) {
  const Bytes request = echo_request(0x1234, 7, pattern(3000));  // 3008-byte ICMP message
  IpFields ip;
  ip.identification = 0x4242;
  for (std::size_t offset : {1480u, 0u, 2960u}) {  // out of order
    const std::size_t len = std::min<std::size_t>(1480, request.size() - offset);
    ip.fragment_offset = static_cast<std::uint32_t>(offset);
    ip.more_fragments = offset + len < request.size();
    receive(at_ms(0), ethernet(host_mac, peer_mac, wire::EtherType::ipv4,
                               ipv4(ip, wire::IpProtocol::icmp, slice(request, offset, len))));
  }
  ASSERT_EQ(io.sent.size(), 3u);
  Bytes expected_reply = request;
  expected_reply[0] = 0;
  expected_reply[2] = expected_reply[3] = 0;
  const std::uint16_t checksum = fixtures::reference_checksum(expected_reply);
  expected_reply[2] = static_cast<std::uint8_t>(checksum >> 8);
  expected_reply[3] = static_cast<std::uint8_t>(checksum);

  Bytes reassembled;
  for (std::size_t i = 0; i < 3; ++i) {
    const Bytes frame = io.pop_sent();
    EXPECT_EQ(slice(frame, 0, 14), eth_host_to_peer_ipv4);
    Bytes copy = frame;
    const auto ip_view = wire::Ipv4Packet::parse(std::span(copy).subspan(14));
    ASSERT_TRUE(ip_view.has_value());
    EXPECT_TRUE(ip_view->header_checksum_valid());
    EXPECT_EQ(ip_view->identification(), first_ip_id);
    EXPECT_EQ(ip_view->fragment_offset(), i * 1480);
    EXPECT_EQ(ip_view->more_fragments(), i < 2);
    EXPECT_EQ(ip_view->total_length(), i < 2 ? 1500 : 20 + 48);
    EXPECT_EQ(ip_view->destination(), peer_ip);
    reassembled.insert(reassembled.end(), ip_view->payload().begin(), ip_view->payload().end());
  }
  EXPECT_EQ(reassembled, expected_reply);
  EXPECT_EQ(counters().reassembled, 1u);
  EXPECT_EQ(counters().tx_fragments, 3u);
  EXPECT_EQ(counters().icmp_echo_replies_sent, 1u);
  EXPECT_EQ(iface->reassembly_slots_in_use(), 0u) << "the slot is freed once the reply is out";
}

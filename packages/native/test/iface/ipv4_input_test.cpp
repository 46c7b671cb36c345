#include <gtest/gtest.h>

#include "iface/interface_fixture.hpp"
#include "wire/fixtures.hpp"

using namespace sluice;
using namespace sluice::testing;
using fixtures::concat;

class InterfaceInput : public InterfaceTest {
 protected:
  int bind_echo_port() {
    const int sock = iface->udp_bind({{}, 7});
    EXPECT_GE(sock, 0);
    return sock;
  }
  /// Drains one datagram from `sock` and returns its payload.
  Bytes take_payload(int sock) {
    socket::UdpDatagram datagram;
    if (!iface->udp_receive(sock, datagram)) return {};
    Bytes payload(datagram.payload.begin(), datagram.payload.end());
    iface->release(datagram);
    return payload;
  }
  Bytes hello_frame_with_udp_checksum(std::uint16_t checksum) {
    Bytes frame = concat({fixtures::eth_peer_to_host_ipv4, fixtures::ipv4_udp_header, fixtures::udp_hello});
    set_be16(frame, 34 + 6, checksum);
    return frame;
  }
};

TEST_F(InterfaceInput, DropsEachMalformationWithItsOwnCounter) {
  bind_echo_port();
  const Bytes good = concat({fixtures::eth_peer_to_host_ipv4, fixtures::ipv4_udp_header, fixtures::udp_hello});
  receive(at_ms(0), slice(good, 0, 13));
  EXPECT_EQ(counters().drop_too_short, 1u);

  Bytes other_mac = good;
  other_mac[5] = 0x09;
  receive(at_ms(0), other_mac);
  EXPECT_EQ(counters().drop_not_our_mac, 1u);

  Bytes multicast_source = good;
  multicast_source[6] = 0x01;
  receive(at_ms(0), multicast_source);
  EXPECT_EQ(counters().drop_bad_source_mac, 1u);

  Bytes ipv6 = good;
  ipv6[12] = 0x86;
  ipv6[13] = 0xdd;
  receive(at_ms(0), ipv6);
  EXPECT_EQ(counters().drop_unknown_ethertype, 1u);

  Bytes version6 = good;
  version6[14] = 0x65;
  receive(at_ms(0), version6);
  Bytes total_too_long = good;
  total_too_long[17] = 0x22;  // 34 > 33 bytes present
  receive(at_ms(0), total_too_long);
  EXPECT_EQ(counters().drop_bad_ip_header, 2u);

  Bytes bad_ip_checksum = good;
  bad_ip_checksum[24] ^= 0x01;
  receive(at_ms(0), bad_ip_checksum);
  EXPECT_EQ(counters().drop_bad_ip_checksum, 1u);

  IpFields not_ours;
  not_ours.destination = wire::Ipv4Address::from_octets(198, 18, 0, 77);
  receive(at_ms(0), udp_frame(40000, 7, {1}, not_ours));
  EXPECT_EQ(counters().drop_not_our_ip, 1u);

  IpFields martian;
  martian.source = wire::Ipv4Address::from_octets(224, 0, 0, 1);
  receive(at_ms(0), udp_frame(40000, 7, {1}, martian));
  martian.source = wire::Ipv4Address::from_octets(198, 18, 0, 255);
  receive(at_ms(0), udp_frame(40000, 7, {1}, martian));
  martian.source = wire::Ipv4Address::from_octets(127, 0, 0, 1);
  receive(at_ms(0), udp_frame(40000, 7, {1}, martian));
  martian.source = host_ip;
  receive(at_ms(0), udp_frame(40000, 7, {1}, martian));
  EXPECT_EQ(counters().drop_martian_source, 4u) << "our own address, arriving from the wire";

  Bytes own_mac = good;
  own_mac[11] = 0x01;  // source MAC = ours: a reflection of our own frame
  receive(at_ms(0), own_mac);
  EXPECT_EQ(counters().drop_own_source_mac, 1u);

  receive(at_ms(0), ethernet(host_mac, peer_mac, wire::EtherType::ipv4,
                            ipv4({}, static_cast<wire::IpProtocol>(47), Bytes(20, 0))));  // GRE
  EXPECT_EQ(counters().drop_unknown_protocol, 1u);

  receive(at_ms(0), ethernet(host_mac, peer_mac, wire::EtherType::ipv4, ipv4({}, wire::IpProtocol::icmp, Bytes(7, 0))));
  EXPECT_EQ(counters().drop_bad_icmp, 1u);

  Bytes udp_length_too_big = good;
  udp_length_too_big[34 + 5] = 14;
  receive(at_ms(0), udp_length_too_big);
  EXPECT_EQ(counters().drop_bad_udp_header, 1u);

  EXPECT_EQ(counters().rx_frames, 16u);
  EXPECT_EQ(iface->udp_queued(0), 0u);
  EXPECT_TRUE(io.sent.empty());
}

TEST_F(InterfaceInput, TtlOfOneIsDeliveredToAHost) {
  const int sock = bind_echo_port();
  Bytes frame = concat({fixtures::eth_peer_to_host_ipv4, fixtures::ipv4_udp_header, fixtures::udp_hello});
  frame[14 + 8] = 1;
  frame[24] = frame[25] = 0;
  set_be16(frame, 24, fixtures::reference_checksum(slice(frame, 14, 20)));
  receive(at_ms(0), frame);
  EXPECT_EQ(take_payload(sock), (Bytes{'h', 'e', 'l', 'l', 'o'})) << "RFC 1122 3.2.1.7";
}

TEST_F(InterfaceInput, BadUdpChecksumDroppedUnderVerify) {
  const int sock = bind_echo_port();
  receive(at_ms(0), hello_frame_with_udp_checksum(0x9393));
  EXPECT_EQ(counters().drop_bad_udp_checksum, 1u);
  EXPECT_EQ(iface->udp_queued(sock), 0u);
}

TEST_F(InterfaceInput, BadChecksumsAcceptedUnderSkip) {
  auto config = default_config();
  config.rx_checksum = wire::ChecksumPolicy::skip;
  make(config);
  const int sock = bind_echo_port();
  Bytes frame = hello_frame_with_udp_checksum(0x9393);
  frame[24] ^= 0x01;  // and a bad IP header checksum
  receive(at_ms(0), frame);
  EXPECT_EQ(take_payload(sock), (Bytes{'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(counters().drop_bad_udp_checksum + counters().drop_bad_ip_checksum, 0u);
}

TEST_F(InterfaceInput, PartialChecksumAcceptedOnlyUnderAcceptPartial) {
  int sock = bind_echo_port();
  receive(at_ms(0), hello_frame_with_udp_checksum(fixtures::udp_hello_partial_checksum));
  EXPECT_EQ(counters().drop_bad_udp_checksum, 1u) << "verify rejects an offload-partial checksum";

  auto config = default_config();
  config.rx_checksum = wire::ChecksumPolicy::accept_partial;
  make(config);
  sock = bind_echo_port();
  receive(at_ms(0), hello_frame_with_udp_checksum(fixtures::udp_hello_partial_checksum));
  EXPECT_EQ(take_payload(sock), (Bytes{'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(counters().rx_udp_checksum_partial, 1u);
  receive(at_ms(0), hello_frame_with_udp_checksum(0x1234));
  EXPECT_EQ(counters().drop_bad_udp_checksum, 1u) << "anything else is still rejected";
  receive(at_ms(0), hello_frame_with_udp_checksum(fixtures::udp_hello[6] << 8 | fixtures::udp_hello[7]));
  EXPECT_EQ(take_payload(sock).size(), 5u) << "and full checksums still pass";
}

TEST_F(InterfaceInput, ZeroUdpChecksumMeansNoneAndIsAccepted) {
  const int sock = bind_echo_port();
  receive(at_ms(0), hello_frame_with_udp_checksum(0));
  EXPECT_EQ(take_payload(sock).size(), 5u);
}

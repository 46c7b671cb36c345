#include <gtest/gtest.h>

#include "wire/arp.hpp"
#include "wire/fixtures.hpp"

using namespace sluice::wire;
using sluice::fixtures::arp_request_for_host;
using sluice::fixtures::Bytes;

namespace {
Bytes arp_body() { return Bytes(arp_request_for_host.begin() + 14, arp_request_for_host.end()); }
}  // namespace

TEST(ArpPacket, ParsesRequestFixture) {
  Bytes body = arp_body();
  const auto arp = ArpPacket::parse(body);
  ASSERT_TRUE(arp.has_value());
  EXPECT_EQ(arp->operation(), ArpOperation::request);
  EXPECT_EQ(arp->sender_mac().to_string(), "02:00:00:00:00:02");
  EXPECT_EQ(arp->sender_ip().to_string(), "198.18.0.2");
  EXPECT_EQ(arp->target_mac(), MacAddress{});
  EXPECT_EQ(arp->target_ip().to_string(), "198.18.0.1");
}

TEST(ArpPacket, AcceptsEthernetPaddingAfterThePacket) {
  Bytes body = arp_body();
  body.resize(46, 0);  // a minimum-size Ethernet frame pads ARP to 46 bytes
  EXPECT_TRUE(ArpPacket::parse(body).has_value());
}

TEST(ArpPacket, RejectsTruncatedAndForeignTypes) {
  Bytes body = arp_body();
  EXPECT_FALSE(ArpPacket::parse(std::span(body).first(27)).has_value());
  const std::pair<std::size_t, std::uint8_t> corruptions[] = {
      {1, 0x06},  // hardware type 6 (IEEE 802)
      {2, 0x86},  // protocol type 0x86dd
      {4, 8},     // hardware length 8
      {5, 16},    // protocol length 16
      {7, 3},     // operation 3 (RARP request)
  };
  for (const auto& [offset, value] : corruptions) {
    Bytes bad = arp_body();
    bad[offset] = value;
    EXPECT_FALSE(ArpPacket::parse(bad).has_value()) << "offset " << offset;
  }
}

TEST(ArpPacket, EmitReproducesTheFixtureByteForByte) {
  Bytes out(28, 0xee);
  ArpPacket::emit(out, {ArpOperation::request, *MacAddress::parse("02:00:00:00:00:02"),
                        Ipv4Address::from_octets(198, 18, 0, 2), MacAddress{}, Ipv4Address::from_octets(198, 18, 0, 1)});
  EXPECT_EQ(out, arp_body());
}

TEST(ArpPacket, EmitsReply) {
  Bytes out(28, 0);
  ArpPacket::emit(out, {ArpOperation::reply, *MacAddress::parse("02:00:00:00:00:01"),
                        Ipv4Address::from_octets(198, 18, 0, 1), *MacAddress::parse("02:00:00:00:00:02"),
                        Ipv4Address::from_octets(198, 18, 0, 2)});
  const Bytes expected = {0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
                          0xc6, 0x12, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x02};
  EXPECT_EQ(out, expected);
}

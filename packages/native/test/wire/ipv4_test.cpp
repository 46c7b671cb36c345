#include <gtest/gtest.h>

#include "wire/fixtures.hpp"
#include "wire/checksum_policy.hpp"
#include "wire/ipv4.hpp"

using namespace sluice::wire;
using namespace sluice::fixtures;

TEST(Ipv4Packet, ParsesUdpFixture) {
  Bytes bytes = concat({ipv4_udp_header, udp_hello});
  const auto ip = Ipv4Packet::parse(bytes);
  ASSERT_TRUE(ip.has_value());
  EXPECT_EQ(ip->version(), 4);
  EXPECT_EQ(ip->header_len(), 20u);
  EXPECT_EQ(ip->total_length(), 33);
  EXPECT_EQ(ip->identification(), 0x1c46);
  EXPECT_TRUE(ip->dont_fragment());
  EXPECT_FALSE(ip->more_fragments());
  EXPECT_EQ(ip->fragment_offset(), 0u);
  EXPECT_FALSE(ip->is_fragment());
  EXPECT_EQ(ip->ttl(), 64);
  EXPECT_EQ(ip->protocol(), 17);
  EXPECT_EQ(ip->header_checksum(), 0x925e);
  EXPECT_TRUE(ip->header_checksum_valid());
  EXPECT_EQ(ip->source().to_string(), "198.18.0.2");
  EXPECT_EQ(ip->destination().to_string(), "198.18.0.1");
  EXPECT_EQ(Bytes(ip->payload().begin(), ip->payload().end()), udp_hello);
}

TEST(Ipv4Packet, SkipsOptionsViaIhl) {
  Bytes bytes = concat({ipv4_udp_header_with_options, udp_hello});
  const auto ip = Ipv4Packet::parse(bytes);
  ASSERT_TRUE(ip.has_value());
  EXPECT_EQ(ip->header_len(), 24u);
  EXPECT_EQ(Bytes(ip->options().begin(), ip->options().end()), (Bytes{0x01, 0x01, 0x01, 0x00}));
  EXPECT_TRUE(ip->header_checksum_valid()) << "checksum 0x8f58 covers the options";
  EXPECT_EQ(Bytes(ip->payload().begin(), ip->payload().end()), udp_hello);
}

TEST(Ipv4Packet, ExcludesEthernetPaddingFromPayload) {
  Bytes bytes = concat({ipv4_udp_header, udp_hello, Bytes(13, 0)});  // padded to 46 bytes
  const auto ip = Ipv4Packet::parse(bytes);
  ASSERT_TRUE(ip.has_value());
  EXPECT_EQ(ip->bytes().size(), 33u);
  EXPECT_EQ(ip->payload().size(), 13u);
}

TEST(Ipv4Packet, RejectsEachMalformationWithItsReason) {
  const Bytes good = concat({ipv4_udp_header, udp_hello});
  struct Case {
    const char* name;
    std::size_t keep;
    std::size_t offset;
    std::uint8_t value;
    Ipv4ParseError expected;
  };
  const Case cases[] = {
      {"19 bytes", 19, 0, 0x45, Ipv4ParseError::truncated},
      {"version 6", 33, 0, 0x65, Ipv4ParseError::bad_version},
      {"IHL 4", 33, 0, 0x44, Ipv4ParseError::bad_header_length},
      {"IHL 15 beyond the buffer", 33, 0, 0x4f, Ipv4ParseError::truncated},
      {"total length 19 < IHL*4", 33, 3, 19, Ipv4ParseError::bad_total_length},
      {"total length 34 > buffer", 33, 3, 34, Ipv4ParseError::bad_total_length},
      {"truncated payload", 30, 0, 0x45, Ipv4ParseError::bad_total_length},
  };
  for (const Case& c : cases) {
    Bytes bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(c.keep));
    bytes[c.offset] = c.value;
    Ipv4ParseError error = Ipv4ParseError::none;
    EXPECT_FALSE(Ipv4Packet::parse(bytes, &error).has_value()) << c.name;
    EXPECT_EQ(error, c.expected) << c.name;
  }
}

TEST(Ipv4Packet, DetectsBadHeaderChecksum) {
  Bytes bytes = concat({ipv4_udp_header, udp_hello});
  bytes[8] = 63;  // TTL changed without fixing the checksum
  const auto ip = Ipv4Packet::parse(bytes);
  ASSERT_TRUE(ip.has_value()) << "parse checks structure only";
  EXPECT_FALSE(ip->header_checksum_valid());
  fill_ipv4_header_checksum(bytes);
  EXPECT_TRUE(Ipv4Packet::parse(bytes)->header_checksum_valid());
  bytes[10] = bytes[11] = 0;
  const Bytes header(bytes.begin(), bytes.begin() + 20);
  EXPECT_EQ(load_be16(Ipv4Packet::parse(bytes)->header().data() + 10), 0);
  fill_ipv4_header_checksum(bytes);
  EXPECT_EQ(load_be16(bytes.data() + 10), reference_checksum(header));
}

TEST(Ipv4Packet, ReadsFragmentFields) {
  Bytes bytes = concat({ipv4_udp_header, udp_hello});
  bytes[6] = 0x20 | 0x01;  // MF, offset high bits
  bytes[7] = 0x02;         // offset 0x102 * 8
  const auto ip = Ipv4Packet::parse(bytes);
  ASSERT_TRUE(ip.has_value());
  EXPECT_TRUE(ip->more_fragments());
  EXPECT_FALSE(ip->dont_fragment());
  EXPECT_EQ(ip->fragment_offset(), 0x102u * 8);
  EXPECT_TRUE(ip->is_fragment());
}

TEST(Ipv4Header, EmitReproducesTheFixtureByteForByte) {
  Bytes out(20, 0xee);
  Ipv4Header header;
  header.source = Ipv4Address::from_octets(198, 18, 0, 2);
  header.destination = Ipv4Address::from_octets(198, 18, 0, 1);
  header.protocol = 17;
  header.identification = 0x1c46;
  header.dont_fragment = true;
  header.payload_length = 13;
  header.emit(out);
  EXPECT_EQ(out, ipv4_udp_header);
}

TEST(Ipv4Header, EmitsFragmentFields) {
  Bytes out(20, 0);
  Ipv4Header header;
  header.source = Ipv4Address::from_octets(198, 18, 0, 1);
  header.destination = Ipv4Address::from_octets(198, 18, 0, 2);
  header.protocol = 1;
  header.ttl = 7;
  header.identification = 0xbeef;
  header.more_fragments = true;
  header.fragment_offset = 1480;
  header.payload_length = 1480;
  header.emit(out);
  Bytes expected = {0x45, 0x00, 0x05, 0xdc, 0xbe, 0xef, 0x20, 0xb9, 0x07, 0x01,
                    0x00, 0x00, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02};
  const std::uint16_t checksum = reference_checksum(expected);
  expected[10] = static_cast<std::uint8_t>(checksum >> 8);
  expected[11] = static_cast<std::uint8_t>(checksum);
  EXPECT_EQ(out, expected);
}

TEST(Ipv4PseudoHeader, SumsAddressesProtocolAndLength) {
  const std::uint64_t sum = ipv4_pseudo_header_sum(Ipv4Address::from_octets(198, 18, 0, 2),
                                                   Ipv4Address::from_octets(198, 18, 0, 1), 17, 13);
  EXPECT_EQ(checksum_fold(sum), udp_hello_partial_checksum);
}

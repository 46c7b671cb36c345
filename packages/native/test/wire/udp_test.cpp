#include <gtest/gtest.h>

#include "wire/fixtures.hpp"
#include "wire/udp.hpp"

using namespace sluice::wire;
using namespace sluice::fixtures;

namespace {
const Ipv4Address peer = Ipv4Address::from_octets(198, 18, 0, 2);
const Ipv4Address host = Ipv4Address::from_octets(198, 18, 0, 1);

Bytes with_checksum(std::uint16_t checksum) {
  Bytes bytes = udp_hello;
  bytes[6] = static_cast<std::uint8_t>(checksum >> 8);
  bytes[7] = static_cast<std::uint8_t>(checksum);
  return bytes;
}
}  // namespace

TEST(UdpPacket, ParsesFixture) {
  Bytes bytes = udp_hello;
  const auto udp = UdpPacket::parse(bytes);
  ASSERT_TRUE(udp.has_value());
  EXPECT_EQ(udp->source_port(), 40000);
  EXPECT_EQ(udp->destination_port(), 7);
  EXPECT_EQ(udp->length(), 13);
  EXPECT_EQ(udp->checksum(), 0x9392);
  EXPECT_EQ(Bytes(udp->payload().begin(), udp->payload().end()), Bytes({'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(udp->judge_checksum(peer, host, ChecksumPolicy::verify), ChecksumVerdict::valid);
}

TEST(UdpPacket, LengthFieldBoundsTheView) {
  Bytes bytes = concat({udp_hello, Bytes(4, 0)});
  EXPECT_EQ(UdpPacket::parse(bytes)->payload().size(), 5u) << "trailing bytes are not payload";
  EXPECT_FALSE(UdpPacket::parse(std::span(bytes).first(7)).has_value()) << "shorter than a header";
  EXPECT_FALSE(UdpPacket::parse(std::span(bytes).first(12)).has_value()) << "length 13 > 12 bytes";
  bytes[5] = 7;
  EXPECT_FALSE(UdpPacket::parse(bytes).has_value()) << "length 7 < 8";
  bytes[5] = 8;
  EXPECT_EQ(UdpPacket::parse(bytes)->payload().size(), 0u);
}

TEST(UdpPacket, BadChecksumIsInvalidUnderVerifyAndUncheckedUnderSkip) {
  Bytes bytes = with_checksum(0x9393);
  const auto udp = UdpPacket::parse(bytes);
  EXPECT_EQ(udp->judge_checksum(peer, host, ChecksumPolicy::verify), ChecksumVerdict::invalid);
  EXPECT_EQ(udp->judge_checksum(peer, host, ChecksumPolicy::accept_partial), ChecksumVerdict::invalid);
  EXPECT_EQ(udp->judge_checksum(peer, host, ChecksumPolicy::skip), ChecksumVerdict::unchecked);
  Bytes good = udp_hello;
  const auto good_udp = UdpPacket::parse(good);
  EXPECT_EQ(good_udp->judge_checksum(host, peer, ChecksumPolicy::verify), ChecksumVerdict::valid)
      << "swapping the addresses leaves the pseudo-header sum unchanged";
  EXPECT_EQ(good_udp->judge_checksum(Ipv4Address::from_octets(198, 18, 0, 3), host, ChecksumPolicy::verify),
            ChecksumVerdict::invalid)
      << "the pseudo-header covers the source address";
}

TEST(UdpPacket, PartialChecksumAcceptedOnlyUnderAcceptPartial) {
  Bytes bytes = with_checksum(udp_hello_partial_checksum);
  const auto udp = UdpPacket::parse(bytes);
  EXPECT_EQ(udp->judge_checksum(peer, host, ChecksumPolicy::verify), ChecksumVerdict::invalid);
  EXPECT_EQ(udp->judge_checksum(peer, host, ChecksumPolicy::accept_partial), ChecksumVerdict::partial);
  Bytes complement = with_checksum(static_cast<std::uint16_t>(~udp_hello_partial_checksum));
  EXPECT_EQ(UdpPacket::parse(complement)->judge_checksum(peer, host, ChecksumPolicy::accept_partial),
            ChecksumVerdict::invalid)
      << "Linux writes the uncomplemented sum; the complement is not what offload leaves";
}

TEST(UdpPacket, ZeroChecksumMeansNone) {
  Bytes bytes = with_checksum(0);
  EXPECT_EQ(UdpPacket::parse(bytes)->judge_checksum(peer, host, ChecksumPolicy::verify), ChecksumVerdict::absent);
}

TEST(UdpPacket, EmitAndFillReproduceTheFixture) {
  Bytes out = {0, 0, 0, 0, 0, 0, 0xee, 0xee, 'h', 'e', 'l', 'l', 'o'};
  UdpPacket::emit_header(out, 40000, 7, 5);
  UdpPacket::fill_checksum(out, peer, host);
  EXPECT_EQ(out, udp_hello);
}

TEST(UdpPacket, ComputedZeroChecksumIsSentAsAllOnes) {
  // Choose the payload so the checksum comes out 0: start from the fixture with payload "hello",
  // then adjust the last two payload bytes so the sum becomes 0xffff.
  Bytes out = {0x9c, 0x40, 0x00, 0x07, 0x00, 0x0e, 0x00, 0x00, 'h', 'e', 'l', 'l', 0, 0};
  // Pseudo-header + segment with zero payload tail; make the 16-bit word at 12 the complement.
  Bytes scratch = {0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x11, 0x00, 0x0e};
  scratch.insert(scratch.end(), out.begin(), out.end());
  const std::uint16_t without_tail = reference_checksum(scratch);  // ~sum
  out[12] = static_cast<std::uint8_t>(without_tail >> 8);
  out[13] = static_cast<std::uint8_t>(without_tail);
  UdpPacket::fill_checksum(out, peer, host);
  EXPECT_EQ(load_be16(out.data() + 6), 0xffff);
}

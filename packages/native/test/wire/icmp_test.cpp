#include <gtest/gtest.h>

#include "wire/fixtures.hpp"
#include "wire/icmp.hpp"

using namespace sluice::wire;
using namespace sluice::fixtures;

TEST(IcmpPacket, ParsesEchoRequestFixture) {
  Bytes bytes = icmp_echo_request;
  const auto icmp = IcmpPacket::parse(bytes);
  ASSERT_TRUE(icmp.has_value());
  EXPECT_EQ(icmp->type(), static_cast<std::uint8_t>(IcmpType::echo_request));
  EXPECT_EQ(icmp->code(), 0);
  EXPECT_EQ(icmp->checksum(), 0x6627);
  EXPECT_EQ(icmp->identifier(), 0x42);
  EXPECT_EQ(icmp->sequence(), 1);
  EXPECT_TRUE(icmp->checksum_valid());
  EXPECT_EQ(Bytes(icmp->data().begin(), icmp->data().end()), Bytes({'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}));
}

TEST(IcmpPacket, RejectsTruncatedAndDetectsBadChecksum) {
  Bytes bytes = icmp_echo_request;
  EXPECT_FALSE(IcmpPacket::parse(std::span(bytes).first(7)).has_value());
  bytes[15] ^= 1;
  EXPECT_FALSE(IcmpPacket::parse(bytes)->checksum_valid());
}

TEST(IcmpPacket, EmitsEchoReplyWithIndependentlyComputedChecksum) {
  Bytes bytes = icmp_echo_request;
  IcmpPacket::emit(bytes, IcmpType::echo_reply, 0, 0x00420001);
  Bytes expected = icmp_echo_request;
  expected[0] = 0;
  expected[2] = expected[3] = 0;
  const std::uint16_t checksum = reference_checksum(expected);
  EXPECT_EQ(checksum, 0x6e27) << "type 8 -> 0 adds 0x0800 to the checksum";
  expected[2] = 0x6e;
  expected[3] = 0x27;
  EXPECT_EQ(bytes, expected);
}

TEST(IcmpPacket, EmitsPortUnreachableQuotingHeaderAndEightBytesInPlace) {
  // In place: the quote starts where the ICMP header will go, as when a received frame is reused.
  const Bytes quote = concat({ipv4_udp_header, Bytes(udp_hello.begin(), udp_hello.begin() + 8)});
  Bytes buffer = concat({quote, Bytes(8, 0xaa)});
  const std::size_t len = IcmpPacket::emit_destination_unreachable(buffer, UnreachableCode::port, quote);
  ASSERT_EQ(len, 36u);
  const Bytes expected = concat({{0x03, 0x03, 0xcd, 0x15, 0x00, 0x00, 0x00, 0x00}, quote});
  EXPECT_EQ(Bytes(buffer.begin(), buffer.begin() + 36), expected);
  EXPECT_EQ(port_unreachable_for_udp_hello_checksum, 0xcd15);

  Bytes moved = concat({quote, Bytes(8, 0)});
  std::span<const std::uint8_t> source(moved.data(), quote.size());
  IcmpPacket::emit_destination_unreachable(moved, UnreachableCode::port, source);
  EXPECT_EQ(moved, expected) << "overlapping source and destination are handled";
}

TEST(IcmpPacket, ClassifiesErrors) {
  for (std::uint8_t type : {3, 4, 5, 11, 12}) EXPECT_TRUE(IcmpPacket::is_error_type(type)) << int(type);
  for (std::uint8_t type : {0, 8, 13, 14, 255}) EXPECT_FALSE(IcmpPacket::is_error_type(type)) << int(type);
}

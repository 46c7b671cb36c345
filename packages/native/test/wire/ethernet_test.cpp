#include <gtest/gtest.h>

#include <vector>

#include "wire/ethernet.hpp"

using sluice::wire::EthernetFrame;
using sluice::wire::EtherType;
using sluice::wire::MacAddress;

TEST(MacAddress, ParsesAndPrints) {
  const auto mac = MacAddress::parse("02:AB:cd:00:10:ff");
  ASSERT_TRUE(mac.has_value());
  EXPECT_EQ(mac->to_string(), "02:ab:cd:00:10:ff");
  EXPECT_FALSE(mac->is_multicast());
  EXPECT_TRUE(MacAddress::broadcast().is_broadcast());
}

TEST(MacAddress, RejectsMalformedText) {
  for (const char* bad : {"", "02:ab:cd:00:10", "02:ab:cd:00:10:fg", "02-ab-cd-00-10-ff", "02:ab:cd:00:10:ff:"}) {
    EXPECT_FALSE(MacAddress::parse(bad).has_value()) << bad;
  }
}

TEST(EthernetFrame, ParsesFixture) {
  std::vector<std::uint8_t> bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00,
                                     0x00, 0x00, 0x01, 0x08, 0x06, 0xde, 0xad};
  const auto frame = EthernetFrame::parse(bytes);
  ASSERT_TRUE(frame.has_value());
  EXPECT_TRUE(frame->destination().is_broadcast());
  EXPECT_EQ(frame->source().to_string(), "02:00:00:00:00:01");
  EXPECT_EQ(frame->ethertype(), static_cast<std::uint16_t>(EtherType::arp));
  ASSERT_EQ(frame->payload().size(), 2u);
  EXPECT_EQ(frame->payload()[0], 0xde);
}

TEST(EthernetFrame, RejectsTruncatedHeader) {
  std::vector<std::uint8_t> bytes(13, 0);
  EXPECT_FALSE(EthernetFrame::parse(bytes).has_value());
}

TEST(EthernetFrame, EmitThenParseRoundTrips) {
  std::vector<std::uint8_t> bytes(64, 0xee);
  const MacAddress dst = *MacAddress::parse("02:00:00:00:00:02");
  const MacAddress src = *MacAddress::parse("02:00:00:00:00:01");
  EthernetFrame::emit(bytes, dst, src, EtherType::ipv4);
  const auto frame = EthernetFrame::parse(bytes);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->destination(), dst);
  EXPECT_EQ(frame->source(), src);
  EXPECT_EQ(frame->ethertype(), 0x0800);
  EXPECT_EQ(frame->payload().size(), 50u);
  EXPECT_EQ(frame->payload()[0], 0xee) << "emit touches only the header";
}

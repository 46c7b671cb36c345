#include <gtest/gtest.h>

#include <vector>

#include "wire/ipv4_address.hpp"

using sluice::wire::Ipv4Address;
using sluice::wire::Ipv4Cidr;

TEST(Ipv4Address, ParsesDottedQuadIntoHostOrder) {
  const auto address = Ipv4Address::parse("198.18.0.1");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->value, 0xc6120001u);
  EXPECT_EQ(address->to_string(), "198.18.0.1");
  EXPECT_EQ(Ipv4Address::parse("255.255.255.255")->value, 0xffffffffu);
  EXPECT_EQ(Ipv4Address::parse("0.0.0.0")->value, 0u);
}

TEST(Ipv4Address, RejectsMalformedText) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "1.2.3.4.", ".1.2.3.4", "01.2.3.4",
                          "1.2.3.-4", "1.2.3.4 ", "a.b.c.d", "1234.1.1.1"}) {
    EXPECT_FALSE(Ipv4Address::parse(bad).has_value()) << bad;
  }
}

TEST(Ipv4Address, LoadsAndStoresNetworkOrder) {
  const std::uint8_t bytes[4] = {198, 18, 0, 7};
  const Ipv4Address address = Ipv4Address::load(bytes);
  EXPECT_EQ(address, Ipv4Address::from_octets(198, 18, 0, 7));
  std::uint8_t out[4] = {};
  address.store(out);
  EXPECT_EQ(std::vector<std::uint8_t>(out, out + 4), std::vector<std::uint8_t>(bytes, bytes + 4));
}

TEST(Ipv4Address, Classifies) {
  EXPECT_TRUE(Ipv4Address::from_octets(224, 0, 0, 1).is_multicast());
  EXPECT_TRUE(Ipv4Address::from_octets(239, 255, 255, 255).is_multicast());
  EXPECT_FALSE(Ipv4Address::from_octets(240, 0, 0, 1).is_multicast());
  EXPECT_TRUE(Ipv4Address::broadcast().is_broadcast());
  EXPECT_TRUE(Ipv4Address::from_octets(127, 0, 0, 1).is_loopback());
  EXPECT_TRUE(Ipv4Address{}.is_unspecified());
}

TEST(Ipv4Cidr, ParsesAndComputesPrefixMath) {
  const auto cidr = Ipv4Cidr::parse("198.18.0.1/24");
  ASSERT_TRUE(cidr.has_value());
  EXPECT_EQ(cidr->prefix_length, 24);
  EXPECT_EQ(cidr->netmask().to_string(), "255.255.255.0");
  EXPECT_EQ(cidr->network().to_string(), "198.18.0.0");
  EXPECT_EQ(cidr->broadcast()->to_string(), "198.18.0.255");
  EXPECT_TRUE(cidr->contains(*Ipv4Address::parse("198.18.0.200")));
  EXPECT_FALSE(cidr->contains(*Ipv4Address::parse("198.18.1.1")));
  EXPECT_EQ(cidr->to_string(), "198.18.0.1/24");
}

TEST(Ipv4Cidr, EdgePrefixes) {
  const Ipv4Cidr all{Ipv4Address::from_octets(10, 0, 0, 1), 0};
  EXPECT_TRUE(all.contains(Ipv4Address::from_octets(198, 19, 255, 255)));
  EXPECT_EQ(all.netmask().value, 0u);
  const Ipv4Cidr host{Ipv4Address::from_octets(198, 18, 0, 1), 32};
  EXPECT_TRUE(host.contains(Ipv4Address::from_octets(198, 18, 0, 1)));
  EXPECT_FALSE(host.contains(Ipv4Address::from_octets(198, 18, 0, 2)));
  EXPECT_FALSE(host.broadcast().has_value());
  const Ipv4Cidr point_to_point{Ipv4Address::from_octets(198, 18, 0, 0), 31};
  EXPECT_TRUE(point_to_point.contains(Ipv4Address::from_octets(198, 18, 0, 1)));
  EXPECT_FALSE(point_to_point.broadcast().has_value()) << "RFC 3021: /31 has no broadcast";
}

TEST(Ipv4Cidr, RejectsMalformedText) {
  for (const char* bad : {"198.18.0.1", "198.18.0.1/", "198.18.0.1/33", "198.18.0.1/024", "198.18.0/24", "/24"}) {
    EXPECT_FALSE(Ipv4Cidr::parse(bad).has_value()) << bad;
  }
}

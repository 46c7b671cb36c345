#include <gtest/gtest.h>

#include "iface/interface_fixture.hpp"
#include "util/error.hpp"

using namespace sluice;
using namespace sluice::testing;

class InterfaceRouting : public InterfaceTest {};

TEST_F(InterfaceRouting, OffSubnetGoesToTheGatewayMac) {
  auto config = default_config();
  config.gateway = gateway_ip;
  config.static_arp = {{gateway_ip, gateway_mac}};
  make(config);
  const int sock = iface->udp_bind({{}, 5000});
  ASSERT_EQ(iface->udp_send_to(at_ms(0), sock, {far_ip, 53}, Bytes{1, 2}), 0);
  const Bytes expected = ethernet(gateway_mac, host_mac, wire::EtherType::ipv4,
                                  ipv4({host_ip, far_ip, first_ip_id}, wire::IpProtocol::udp,
                                       udp(host_ip, far_ip, 5000, 53, {1, 2})));
  EXPECT_EQ(io.pop_sent(), expected);
}

TEST_F(InterfaceRouting, UnresolvedGatewayIsWhatArpAsksFor) {
  auto config = default_config();
  config.gateway = gateway_ip;
  make(config);
  const int sock = iface->udp_bind({{}, 5000});
  ASSERT_EQ(iface->udp_send_to(at_ms(0), sock, {far_ip, 53}, Bytes{1}), 0);
  const Bytes request = io.pop_sent();
  EXPECT_EQ(wire::Ipv4Address::load(request.data() + 14 + 24), gateway_ip);
  receive(at_ms(1), arp(wire::ArpOperation::reply, gateway_mac, gateway_ip, host_mac, host_ip, host_mac));
  const Bytes sent = io.pop_sent();
  EXPECT_EQ(slice(sent, 0, 6), Bytes(gateway_mac.octets.begin(), gateway_mac.octets.end()));
  EXPECT_EQ(wire::Ipv4Address::load(sent.data() + 14 + 16), far_ip);
}

TEST_F(InterfaceRouting, NoGatewayMeansHostUnreachable) {
  const int sock = iface->udp_bind({{}, 5000});
  EXPECT_EQ(iface->udp_send_to(at_ms(0), sock, {far_ip, 53}, Bytes{1}), -EHOSTUNREACH);
  EXPECT_EQ(counters().drop_no_route, 1u);
  EXPECT_EQ(iface->udp_counters(sock).tx_errors, 1u);
}

TEST_F(InterfaceRouting, BroadcastAndMulticastNeedNoArp) {
  const int sock = iface->udp_bind({{}, 5000});
  ASSERT_EQ(iface->udp_send_to(at_ms(0), sock, {wire::Ipv4Address::broadcast(), 67}, Bytes{1}), 0);
  EXPECT_EQ(slice(io.pop_sent(), 0, 6), Bytes(6, 0xff));
  ASSERT_EQ(iface->udp_send_to(at_ms(0), sock, {wire::Ipv4Address::from_octets(198, 18, 0, 255), 67}, Bytes{1}), 0);
  EXPECT_EQ(slice(io.pop_sent(), 0, 6), Bytes(6, 0xff));
  ASSERT_EQ(iface->udp_send_to(at_ms(0), sock, {wire::Ipv4Address::from_octets(239, 129, 2, 3), 5000}, Bytes{1}), 0);
  EXPECT_EQ(slice(io.pop_sent(), 0, 6), (Bytes{0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}));
  EXPECT_EQ(counters().arp_requests_sent, 0u);
}

TEST(InterfaceConfig, RejectsInvalidConfigurationNamingTheField) {
  TestFrameIo io;
  iface::InterfaceConfig config;
  config.mac = host_mac;
  config.address = host_ip;
  config.gateway = far_ip;
  try {
    iface::Interface interface(config, io);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), EINVAL);
    EXPECT_NE(std::string(error.what()).find("gateway 198.19.7.7 is outside the subnet"), std::string::npos)
        << error.what();
  }
  config.gateway.reset();
  config.mtu = 40;
  EXPECT_THROW(iface::Interface(config, io), Error);
  config.mtu = 1500;
  config.mac = wire::MacAddress::broadcast();
  EXPECT_THROW(iface::Interface(config, io), Error);
  config.mac = host_mac;
  config.arp_pending_total = 1;
  config.arp_pending_per_address = 2;
  EXPECT_THROW(iface::Interface(config, io), Error);
}

TEST(InterfaceConfig, RejectsATcpBufferBudgetOver16GiBWithTheNumbers) {
  iface::InterfaceConfig config;
  config.mac = host_mac;
  config.address = host_ip;
  config.tcp_connections = 1024;
  config.tcp_buffer_pairs = 1024;
  config.tcp.send_buffer = config.tcp.receive_buffer = 8u << 20;  // 1024 * 16 MiB = 16 GiB: allowed
  EXPECT_NO_THROW(iface::validate(config));
  config.tcp_buffer_pairs = 1025;
  try {
    iface::validate(config);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), EINVAL);
    EXPECT_NE(std::string(error.what()).find("1025 buffer pairs"), std::string::npos) << error.what();
  }
}

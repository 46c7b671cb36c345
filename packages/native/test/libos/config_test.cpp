// The configuration: every documented key reaches InstanceConfig or the LibOS sizing, bad values
// are refused with the exact message, and SLUICE_<KEY> environment variables override the file.
#include <gtest/gtest.h>

#include <map>

#include "libos/config.hpp"
#include "libos/libos_fixture.hpp"
#include "util/error.hpp"

using namespace sluice;
using sluice::libos::parse_config;

namespace {

libos::Environment environment(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::string error_of(const std::string& json, const libos::Environment& env = test::no_environment()) {
  try {
    parse_config(json, env);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EINVAL);
    return e.what();
  }
  return "(no error)";
}

TEST(LibosConfig, EveryKeyReachesTheInstance) {
  const libos::LibosConfig c = parse_config(R"({
    "backend": "xdp", "interface": "veth0", "queue": 0, "core": -1,
    "ipv4": "198.18.0.1/24", "gateway": "198.18.0.254", "mac": "02:00:00:00:00:09",
    "arp": [{"ip": "198.18.0.2", "mac": "02:00:00:00:00:0a"}],
    "mtu": 1500, "mss": 1400, "rx_checksum": "accept-partial",
    "tcp": {"nodelay": true, "keepalive": true, "linger": 0, "congestion": "newreno",
            "send_buffer": 131072, "receive_buffer": 65536, "time_wait_ms": 5000, "max_connections": 128},
    "device": {"xdp_mode": "skb", "busy_poll": false, "ring_size": 1024, "frame_count": 2048,
               "dpdk_args": ["--no-pci"], "fault": "drop=0.01,seed=3"},
    "libos": {"max_queues": 100, "max_operations": 200, "buffer_count": 300, "buffer_size": 2048},
    "sim": {"wire": "w", "seed": 9, "delay_us": 5}
  })",
                                            test::no_environment());
  EXPECT_EQ(c.backend, "xdp");
  EXPECT_EQ(c.instance.device.iface, "veth0");
  EXPECT_EQ(c.instance.address.to_string(), "198.18.0.1");
  EXPECT_EQ(c.instance.prefix_length, 24);
  EXPECT_EQ(c.instance.gateway->to_string(), "198.18.0.254");
  ASSERT_EQ(c.instance.static_arp.size(), 1u);
  EXPECT_EQ(c.instance.static_arp[0].first.to_string(), "198.18.0.2");
  EXPECT_EQ(c.instance.device.mtu, 1500u);
  EXPECT_EQ(c.instance.tcp_mss, 1400);
  EXPECT_EQ(c.instance.rx_checksum, wire::ChecksumPolicy::accept_partial);
  EXPECT_TRUE(c.instance.tcp_nodelay);
  EXPECT_TRUE(c.instance.tcp_keepalive);
  EXPECT_EQ(c.tcp_linger, 0);
  EXPECT_EQ(c.instance.tcp_congestion, socket::tcp::CongestionAlgorithm::newreno);
  EXPECT_EQ(c.instance.tcp_buffer, 131072u);
  EXPECT_EQ(c.instance.tcp_receive_buffer, 65536u);
  EXPECT_EQ(c.instance.tcp_time_wait, Duration::millis(5000));
  EXPECT_EQ(c.instance.tcp_connections, 128u);
  EXPECT_EQ(c.instance.device.xdp_mode, "skb");
  EXPECT_FALSE(c.instance.busy_poll);
  EXPECT_FALSE(c.instance.device.busy_poll);
  EXPECT_EQ(c.instance.device.ring_size, 1024u);
  EXPECT_EQ(c.instance.device.frame_count, 2048u);
  EXPECT_EQ(c.instance.device.dpdk_args, std::vector<std::string>{"--no-pci"});
  EXPECT_EQ(c.instance.fault_spec, "drop=0.01,seed=3");
  EXPECT_EQ(c.libos.max_queues, 100u);
  EXPECT_EQ(c.libos.buffer_size, 2048u);
  EXPECT_EQ(c.sim.wire, "w");
  EXPECT_EQ(c.sim.seed, 9u);

  // What the stack is built with follows.
  const iface::InterfaceConfig interface = runtime::interface_config(c.instance);
  EXPECT_EQ(interface.tcp.send_buffer, 131072u);
  EXPECT_EQ(interface.tcp.receive_buffer, 65536u);
  EXPECT_EQ(interface.tcp.mss, 1400);
  EXPECT_TRUE(interface.tcp.nodelay);
  EXPECT_EQ(interface.static_arp.size(), 1u);
}

TEST(LibosConfig, BadValuesNameTheKeyExactly) {
  const std::string base = R"("backend": "sim", "ipv4": "198.18.0.1/24")";
  EXPECT_EQ(error_of("{" + base + R"(, "tcp": {"congestion": "vegas"}})"),
            R"(config.tcp.congestion: expected "cubic" or "newreno", got "vegas")");
  EXPECT_EQ(error_of("{" + base + R"(, "mtu": 70000})"), "config.mtu: expected an integer in 0..65535, got 70000");
  EXPECT_EQ(error_of("{" + base + R"(, "mtu": "big"})"), R"(config.mtu: expected an integer in 0..65535, got "big")");
  EXPECT_EQ(error_of("{" + base + R"(, "tcp": {"nodelay": 1}})"), "config.tcp.nodelay: expected true or false, got 1");
  EXPECT_EQ(error_of("{" + base + R"(, "tcp": {"nagle": true}})"), "config.tcp.nagle: unknown key (see docs/libos-config.md)");
  EXPECT_EQ(error_of(R"({"backend": "sim", "ipv4": "198.18.0.1"})"), R"(config.ipv4: expected A.B.C.D/prefix, got "198.18.0.1")");
  EXPECT_EQ(error_of(R"({"backend": "vpp", "ipv4": "198.18.0.1/24"})"),
            R"(config.backend: expected "xdp", "dpdk", "tap", "sim" or "kernel", got "vpp")");
  EXPECT_EQ(error_of(R"({"ipv4": "198.18.0.1/24"})"),
            "config.backend: required (xdp, dpdk, tap, sim or kernel; or set SLUICE_BACKEND)");
  EXPECT_EQ(error_of("{" + base + R"(, "arp": [{"ip": "198.18.0.2"}]})"), "config.arp[0].mac: required");
  EXPECT_EQ(error_of("{" + base + R"(, "device": 3})"), "config.device: expected an object, got 3");
  EXPECT_EQ(error_of(R"({"backend": "sim",
  "ipv4": "198.18.0.1/24",})"),
            "invalid JSON at line 2 column 27: expected a quoted key");
  EXPECT_EQ(error_of(R"({"backend": "sim", "backend": "xdp"})"), "invalid JSON at line 1 column 29: duplicate key \"backend\"");
  EXPECT_EQ(error_of("[]"), "config: expected an object, got an array");
}

TEST(LibosConfig, EnvironmentOverridesTheFile) {
  const std::string json = R"({"backend": "sim", "ipv4": "198.18.0.1/24", "tcp": {"congestion": "cubic"}})";
  const libos::LibosConfig c = parse_config(
      json, environment({{"SLUICE_IP", "198.18.1.5/16"}, {"SLUICE_TCP_CONGESTION", "newreno"}, {"SLUICE_IFACE", "veth9"},
                         {"SLUICE_BACKEND", "tap"}, {"SLUICE_TCP_NODELAY", "true"}, {"SLUICE_MTU", "1400"}}));
  EXPECT_EQ(c.instance.address.to_string(), "198.18.1.5");
  EXPECT_EQ(c.instance.prefix_length, 16);
  EXPECT_EQ(c.instance.tcp_congestion, socket::tcp::CongestionAlgorithm::newreno);
  EXPECT_EQ(c.instance.device.iface, "veth9");
  EXPECT_EQ(c.backend, "tap");
  EXPECT_TRUE(c.instance.tcp_nodelay);
  EXPECT_EQ(c.instance.device.mtu, 1400u);
  EXPECT_EQ(error_of(json, environment({{"SLUICE_TCP_CONGESTION", "vegas"}})),
            R"(SLUICE_TCP_CONGESTION (config.tcp.congestion): expected "cubic" or "newreno", got "vegas")");
  EXPECT_EQ(error_of(json, environment({{"SLUICE_MTU", "lots"}})),
            R"(SLUICE_MTU (config.mtu): expected an integer in 0..65535, got "lots")");
}

}  // namespace

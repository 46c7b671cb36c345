#pragma once
// Everything needed to open one stack instance: the device queue, the decorators around it, and the
// interface on top.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "device/open.hpp"
#include "iface/config.hpp"
#include "runtime/stack_instance.hpp"
#include "wire/ethernet.hpp"
#include "wire/checksum_policy.hpp"
#include "wire/ipv4_address.hpp"

namespace sluice::runtime {

struct InstanceConfig {
  device::DeviceConfig device;
  wire::Ipv4Address address;
  std::uint8_t prefix_length = 24;
  std::optional<wire::Ipv4Address> gateway;
  /// Our MAC; the device's own when absent.
  std::optional<wire::MacAddress> mac;
  wire::ChecksumPolicy rx_checksum = wire::ChecksumPolicy::verify;
  /// Fault injection on the device, "drop=P,dup=P,reorder=P,corrupt=P,seed=N"; none when empty.
  std::string fault_spec;
  /// Capture every frame to this pcap file; none when empty.
  std::string pcap_path;
  /// Publish counters to this file for the agent (see runtime/stats_file.hpp); none when empty.
  std::string stats_path;
  int core = -1;
  bool busy_poll = true;
  /// TCP sizing, fixed for the instance's life because the stack allocates it once (on the first
  /// listen or connect). Every connection slot can hold its own send and receive buffer, so the
  /// TCP memory budget is tcp_connections * 2 * tcp_buffer bytes; the defaults (64 connections,
  /// 256 KiB each way: 32 MiB) are the interface's. Many small connections want many slots and
  /// small buffers, e.g. 1024 and 64 KiB (128 MiB).
  std::uint32_t tcp_connections = 64;
  std::uint32_t tcp_buffer = 256 * 1024;
  /// Receive buffer per connection when it should differ from tcp_buffer (0 = tcp_buffer).
  std::uint32_t tcp_receive_buffer = 0;
  /// Defaults every connection starts from (each can change them: nodelay, keepalive, congestion).
  bool tcp_nodelay = false;
  bool tcp_keepalive = false;
  socket::tcp::CongestionAlgorithm tcp_congestion = socket::tcp::CongestionAlgorithm::cubic;
  Duration tcp_time_wait = Duration::seconds(60);
  /// MSS announced and sent (the interface caps it at MTU - 40); 0 = the default, 1460.
  std::uint16_t tcp_mss = 0;
  /// Learn on-link neighbours from their IPv4 frames too; on for every instance of a multi-queue app
  /// (see iface::InterfaceConfig::learn_neighbours_from_ipv4).
  bool learn_neighbours_from_ipv4 = false;
  /// Neighbours that are never resolved with ARP.
  std::vector<std::pair<wire::Ipv4Address, wire::MacAddress>> static_arp;
};

/// The interface configuration `config` describes, validated (throws sluice::Error(EINVAL) naming
/// the field). The MAC is a stand-in and the MTU the default until a device is known; the TCP
/// secret is random (deployments), so simulations that want to replay set it to 0 afterwards.
iface::InterfaceConfig interface_config(const InstanceConfig& config);

/// Wraps an opened `device` in the decorators `config` asks for (fault, pcap) and builds the
/// instance with `interface`, taking the MAC (unless configured) and MTU from the device.
std::unique_ptr<StackInstance> build_instance(std::unique_ptr<device::Device> device, const InstanceConfig& config,
                                              iface::InterfaceConfig interface);

/// Opens the device (with fault and pcap decorators as configured) and builds the instance on it.
/// Throws sluice::Error naming what failed.
std::unique_ptr<StackInstance> open_instance(const InstanceConfig& config);

}  // namespace sluice::runtime

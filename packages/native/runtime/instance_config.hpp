#pragma once
// Everything needed to open one stack instance: the device queue, the decorators around it, and the
// interface on top.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "device/open.hpp"
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
};

/// Opens the device (with fault and pcap decorators as configured) and builds the instance on it.
/// Throws sluice::Error naming what failed.
std::unique_ptr<StackInstance> open_instance(const InstanceConfig& config);

}  // namespace sluice::runtime

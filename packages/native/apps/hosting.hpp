#pragma once
// Starting the built-in apps on a background thread, for the CLI (through the addon) and tests.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apps/echo_load.hpp"
#include "apps/kv/store.hpp"
#include "device/device.hpp"
#include "runtime/counter_report.hpp"
#include "runtime/instance_config.hpp"

namespace sluice::apps {

struct AppSpec {
  std::string app;    ///< "echo" or "sockperf" over udp; "echo", "sink", "sockperf", "kv" or "http" over tcp
  std::string proto;  ///< "udp" or "tcp"
  std::uint16_t port = 0;
  kv::StoreLimits kv;  ///< kv only: the store's key and memory bounds
};

/// A running app; stop() ends its thread, releases the device and reports the final counters.
class HostedApp {
 public:
  virtual ~HostedApp() = default;
  virtual const device::DeviceInfo& device() const = 0;
  virtual runtime::CounterReport stop() = 0;
};

/// The same app on N shared-nothing instances, one per (queue, core): each its own device socket,
/// stack, pools, counters and pinned thread. stop() returns each instance's counters in order.
class HostedQueues {
 public:
  virtual ~HostedQueues() = default;
  virtual const std::vector<device::DeviceInfo>& devices() const = 0;
  virtual std::vector<runtime::CounterReport> stop() = 0;
};

/// Opens every instance first (all or none), then starts one pinned loop each. With a stats path
/// (taken from the first config) the file holds one block per queue. Instances of a multi-queue app
/// learn neighbours from IPv4 frames, since a peer's ARP answers reach one queue only.
std::unique_ptr<HostedQueues> host_stack_app_on_queues(const std::vector<runtime::InstanceConfig>& instances,
                                                      const AppSpec& spec);

/// Opens the instance, binds the app, and starts the loop; throws sluice::Error on any failure.
std::unique_ptr<HostedApp> host_stack_app(const runtime::InstanceConfig& instance, const AppSpec& spec);

/// The same apps on kernel sockets (the baseline): "echo" over udp and tcp, "kv" and "http" over tcp.
std::unique_ptr<HostedApp> host_kernel_app(const std::string& address, bool busy_poll, int core, const AppSpec& spec);

/// Runs an echo load to completion on a Sluice instance (blocking the calling thread).
EchoLoadResult run_stack_echo_bench(const runtime::InstanceConfig& instance, const std::string& target_address,
                                    std::uint16_t target_port, const EchoLoadOptions& options);

/// Runs an echo load to completion on a kernel socket, on a thread pinned to `core` if >= 0.
EchoLoadResult run_kernel_echo_bench(const std::string& target_address, std::uint16_t target_port,
                                     const EchoLoadOptions& options, bool busy_poll, int core);

}  // namespace sluice::apps

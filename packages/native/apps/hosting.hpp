#pragma once
// Starting the built-in apps on a background thread, for the CLI (through the addon) and tests.
#include <cstdint>
#include <memory>
#include <string>

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

/// Opens the instance, binds the app, and starts the loop; throws sluice::Error on any failure.
std::unique_ptr<HostedApp> host_stack_app(const runtime::InstanceConfig& instance, const AppSpec& spec);

/// The same apps on kernel sockets (the baseline): "echo" over udp, "kv" and "http" over tcp.
std::unique_ptr<HostedApp> host_kernel_app(const std::string& address, bool busy_poll, int core, const AppSpec& spec);

/// Runs an echo load to completion on a Sluice instance (blocking the calling thread).
EchoLoadResult run_stack_echo_bench(const runtime::InstanceConfig& instance, const std::string& target_address,
                                    std::uint16_t target_port, const EchoLoadOptions& options);

/// Runs an echo load to completion on a kernel socket, on a thread pinned to `core` if >= 0.
EchoLoadResult run_kernel_echo_bench(const std::string& target_address, std::uint16_t target_port,
                                     const EchoLoadOptions& options, bool busy_poll, int core);

}  // namespace sluice::apps

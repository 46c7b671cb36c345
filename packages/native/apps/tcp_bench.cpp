#include "apps/tcp_bench.hpp"

#include <atomic>

#include "apps/kernel_tcp.hpp"
#include "apps/tcp_echo_client.hpp"
#include "apps/tcp_stream_client.hpp"
#include "runtime/background_runner.hpp"
#include "runtime/event_loop.hpp"
#include "util/error.hpp"

namespace sluice::apps {

namespace {
socket::Endpoint stack_target(const std::string& address, std::uint16_t port) {
  const auto parsed = wire::Ipv4Address::parse(address);
  if (!parsed) throw Error(EINVAL, "\"" + address + "\" is not an IPv4 address");
  return {*parsed, port};
}

/// Runs `Client` on a fresh instance until it says it is done; returns its result().
template <typename Client, typename Options>
auto run_on_stack(const runtime::InstanceConfig& config, socket::Endpoint target, const Options& options) {
  decltype(std::declval<Client&>().result()) result{};
  runtime::run_pinned(config.core, [&] {
    auto instance = runtime::open_instance(config);
    std::atomic<bool> done{false};
    Client client(target, options, done);
    client.start(monotonic_now(), *instance);
    runtime::run_event_loop(*instance, client, {.busy_poll = config.busy_poll}, done);
    client.stop(*instance);
    result = client.result();
  });
  return result;
}
class HostedKernelTcpEcho final : public HostedApp {
 public:
  HostedKernelTcpEcho(const std::string& address, bool busy_poll, int core, std::uint16_t port) {
    info_.backend = "kernel";
    info_.name = address;
    info_.mode = busy_poll ? "busy-poll" : "blocking";
    runner_.start(core, [this, address, busy_poll, port](const std::atomic<bool>& stop,
                                                         const runtime::BackgroundRunner::Ready& ready) {
      counters_ = run_kernel_tcp_echo(address, port, busy_poll, stop, ready);
    });
  }

  const device::DeviceInfo& device() const override { return info_; }

  runtime::CounterReport stop() override {
    runner_.stop();
    return {{"app", {{"accepted", counters_.accepted}, {"closed", counters_.closed}, {"bytes", counters_.bytes}}}};
  }

 private:
  device::DeviceInfo info_;
  KernelTcpEchoCounters counters_;
  runtime::BackgroundRunner runner_;
};
}  // namespace

std::unique_ptr<HostedApp> host_kernel_tcp_echo(const std::string& address, bool busy_poll, int core,
                                                std::uint16_t port) {
  return std::make_unique<HostedKernelTcpEcho>(address, busy_poll, core, port);
}

TcpEchoLoadResult run_stack_tcp_echo_bench(const runtime::InstanceConfig& config, const std::string& target_address,
                                           std::uint16_t target_port, const TcpEchoLoadOptions& options) {
  return run_on_stack<TcpEchoClient>(config, stack_target(target_address, target_port), options);
}

TcpStreamResult run_stack_tcp_stream_bench(const runtime::InstanceConfig& config, const std::string& target_address,
                                           std::uint16_t target_port, const TcpStreamOptions& options) {
  return run_on_stack<TcpStreamClient>(config, stack_target(target_address, target_port), options);
}

TcpEchoLoadResult run_kernel_tcp_echo_bench(const std::string& target_address, std::uint16_t target_port,
                                            const TcpEchoLoadOptions& options, bool busy_poll, int core) {
  TcpEchoLoadResult result;
  runtime::run_pinned(core, [&] {
    const std::atomic<bool> never{false};
    result = run_kernel_tcp_echo_client(target_address, target_port, options, busy_poll, never);
  });
  return result;
}

TcpStreamResult run_kernel_tcp_stream_bench(const std::string& target_address, std::uint16_t target_port,
                                            const TcpStreamOptions& options, bool busy_poll, int core) {
  TcpStreamResult result;
  runtime::run_pinned(core, [&] {
    const std::atomic<bool> never{false};
    result = run_kernel_tcp_stream_client(target_address, target_port, options, busy_poll, never);
  });
  return result;
}

}  // namespace sluice::apps

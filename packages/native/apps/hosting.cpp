#include "apps/hosting.hpp"

#include <atomic>
#include <exception>
#include <vector>

#include "apps/buffered_tcp_server.hpp"
#include "apps/http/http_service.hpp"
#include "apps/kernel_tcp_server.hpp"
#include "apps/kv/kv_service.hpp"
#include "apps/kernel_udp.hpp"
#include "apps/sockperf_server.hpp"
#include "apps/sockperf_tcp_server.hpp"
#include "apps/tcp_bench.hpp"
#include "apps/tcp_echo.hpp"
#include "apps/tcp_sink.hpp"
#include "apps/udp_echo.hpp"
#include "apps/udp_echo_client.hpp"
#include "runtime/background_runner.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/stats_file.hpp"
#include "util/error.hpp"

namespace sluice::apps {

namespace {

/// `counters` is the instance's table, for apps that report it (http's /stats); complete before start().
std::unique_ptr<runtime::App> make_app(const AppSpec& spec, const runtime::CounterTable& counters) {
  if (spec.proto == "tcp") {
    if (spec.app == "kv") return std::make_unique<BufferedTcpServer>(spec.port, std::make_unique<KvService>(spec.kv));
    if (spec.app == "http") {
      return std::make_unique<BufferedTcpServer>(spec.port, std::make_unique<HttpService>(&counters));
    }
    if (spec.app == "echo") return std::make_unique<TcpEcho>(spec.port);
    if (spec.app == "sink") return std::make_unique<TcpSink>(spec.port);
    if (spec.app == "sockperf") return std::make_unique<SockperfTcpServer>(spec.port);
    throw Error(EINVAL, "unknown app \"" + spec.app + "\" over tcp; tcp serves echo, sink, sockperf, kv and http");
  }
  if (spec.proto != "udp") throw Error(EINVAL, "proto " + spec.proto + " is not supported (udp or tcp)");
  if (spec.app == "echo") return std::make_unique<UdpEcho>(spec.port);
  if (spec.app == "sockperf") return std::make_unique<SockperfUdpServer>(spec.port);
  throw Error(EINVAL, "unknown app \"" + spec.app + "\" over udp; udp serves echo and sockperf");
}

/// One app on one stack instance: opened at construction, run on its own pinned thread by start().
class StackAppRun {
 public:
  StackAppRun(const runtime::InstanceConfig& config, const AppSpec& spec)
      : config_(config), instance_(runtime::open_instance(config)), app_(make_app(spec, counters_)),
        info_(instance_->device().info()) {
    runtime::add_instance_counters(counters_, *instance_);
    app_->describe_counters(counters_);
  }

  /// Returns once the app is serving; `stats` (may be null) is published by this run's thread alone.
  void start(runtime::StatsFile* stats) {
    const runtime::LoopOptions options{.busy_poll = config_.busy_poll, .stats = stats};
    runner_.start(config_.core, [this, options](const std::atomic<bool>& stop, const runtime::BackgroundRunner::Ready& ready) {
      app_->start(monotonic_now(), *instance_);
      ready();
      runtime::run_event_loop(*instance_, *app_, options, stop);
      app_->stop(*instance_);
    });
  }

  /// Joins the thread (rethrowing what the loop ended with) and closes the device.
  runtime::CounterReport stop() {
    runner_.stop();
    instance_->device().counters();  // some devices refresh kernel-side statistics here
    runtime::CounterReport report = counters_.report();
    instance_.reset();  // closes the device now, so the queue can be bound again at once
    return report;
  }

  const device::DeviceInfo& device() const { return info_; }
  const runtime::CounterTable& counters() const { return counters_; }
  int core() const { return config_.core; }

 private:
  runtime::InstanceConfig config_;
  runtime::CounterTable counters_;  // before app_: apps may keep a pointer to it (http's /stats)
  std::unique_ptr<runtime::StackInstance> instance_;
  std::unique_ptr<runtime::App> app_;
  device::DeviceInfo info_;
  runtime::BackgroundRunner runner_;
};

class HostedStackApp final : public HostedApp {
 public:
  HostedStackApp(const runtime::InstanceConfig& config, const AppSpec& spec) : run_(config, spec) {
    if (!config.stats_path.empty()) stats_ = std::make_unique<runtime::StatsFile>(config.stats_path, run_.counters());
    run_.start(stats_.get());
  }

  const device::DeviceInfo& device() const override { return run_.device(); }
  runtime::CounterReport stop() override { return run_.stop(); }

 private:
  std::unique_ptr<runtime::StatsFile> stats_;  // declared first: outlives run_'s thread
  StackAppRun run_;
};

/// N shared-nothing runs, one per (queue, core); they share only the stats file, each writing its own block.
class HostedQueueApps final : public HostedQueues {
 public:
  HostedQueueApps(const std::vector<runtime::InstanceConfig>& configs, const AppSpec& spec) {
    // All devices are opened before any loop starts, so a queue that cannot be bound fails the whole
    // request cleanly (the runs opened so far close their sockets as this constructor unwinds).
    for (const runtime::InstanceConfig& config : configs) {
      runs_.push_back(std::make_unique<StackAppRun>(config, spec));
      devices_.push_back(runs_.back()->device());
    }
    std::vector<std::unique_ptr<runtime::StatsFile>> blocks;
    if (!configs.front().stats_path.empty()) {
      std::vector<runtime::QueueCounters> tables;
      for (const auto& run : runs_) tables.push_back({run->device().queue, run->core(), &run->counters()});
      blocks = runtime::StatsFile::create_per_queue(configs.front().stats_path, tables);
    }
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      runtime::StatsFile* block = blocks.empty() ? nullptr : blocks[i].get();
      if (block != nullptr) stats_.push_back(std::move(blocks[i]));
      try {
        runs_[i]->start(block);
      } catch (...) {
        stop();
        throw;
      }
    }
  }

  ~HostedQueueApps() override {
    try {
      stop();
    } catch (...) {
      // Destructors must not throw; stop() is the way to see a failure.
    }
  }

  const std::vector<device::DeviceInfo>& devices() const override { return devices_; }

  std::vector<runtime::CounterReport> stop() override {
    std::vector<runtime::CounterReport> reports;
    std::exception_ptr failure;
    for (auto& run : runs_) {
      try {
        reports.push_back(run->stop());
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    }
    runs_.clear();
    if (failure) std::rethrow_exception(failure);
    return reports;
  }

 private:
  std::vector<std::unique_ptr<runtime::StatsFile>> stats_;  // declared first: outlives the runs' threads
  std::vector<std::unique_ptr<StackAppRun>> runs_;
  std::vector<device::DeviceInfo> devices_;
};

class HostedKernelEcho final : public HostedApp {
 public:
  HostedKernelEcho(const std::string& address, bool busy_poll, int core, std::uint16_t port) {
    info_.backend = "kernel";
    info_.name = address;
    info_.mode = busy_poll ? "busy-poll" : "blocking";
    runner_.start(core, [this, address, busy_poll, port](const std::atomic<bool>& stop,
                                                         const runtime::BackgroundRunner::Ready& ready) {
      auto on_ready = [](void* arg) { (*static_cast<const runtime::BackgroundRunner::Ready*>(arg))(); };
      counters_ = run_kernel_udp_echo(address, port, busy_poll, stop, on_ready,
                                      const_cast<runtime::BackgroundRunner::Ready*>(&ready));
    });
  }

  const device::DeviceInfo& device() const override { return info_; }

  runtime::CounterReport stop() override {
    runner_.stop();
    return {{"app", {{"datagrams", counters_.datagrams}, {"bytes", counters_.bytes}, {"syscalls", counters_.syscalls}}}};
  }

 private:
  device::DeviceInfo info_;
  KernelEchoCounters counters_;
  runtime::BackgroundRunner runner_;
};

/// kv and http on kernel TCP sockets: the same protocol objects, carried by epoll instead of Sluice.
class HostedKernelTcp final : public HostedApp {
 public:
  HostedKernelTcp(const std::string& address, bool busy_poll, int core, const AppSpec& spec) {
    info_.backend = "kernel";
    info_.name = address;
    info_.mode = busy_poll ? "busy-poll" : "blocking";
    if (spec.app == "kv") {
      protocol_ = std::make_unique<KvService>(spec.kv);
    } else {
      protocol_ = std::make_unique<HttpService>(&counters_);
    }
    counters_.add("app", "accepted", kernel_.accepted);
    counters_.add("app", "closed", kernel_.closed);
    counters_.add("app", "refused", kernel_.refused);
    counters_.add("app", "bytes_received", kernel_.bytes_received);
    counters_.add("app", "bytes_sent", kernel_.bytes_sent);
    protocol_->describe_counters(counters_);
    const KernelTcpOptions options{.address = address, .port = spec.port, .busy_poll = busy_poll};
    runner_.start(core, [this, options](const std::atomic<bool>& stop, const runtime::BackgroundRunner::Ready& ready) {
      run_kernel_tcp_server(options, *protocol_, kernel_, stop, ready);
    });
  }

  const device::DeviceInfo& device() const override { return info_; }

  runtime::CounterReport stop() override {
    runner_.stop();
    return counters_.report();
  }

 private:
  device::DeviceInfo info_;
  KernelTcpCounters kernel_;
  runtime::CounterTable counters_;
  std::unique_ptr<RequestProtocol> protocol_;
  runtime::BackgroundRunner runner_;
};

}  // namespace

std::unique_ptr<HostedApp> host_stack_app(const runtime::InstanceConfig& instance, const AppSpec& spec) {
  return std::make_unique<HostedStackApp>(instance, spec);
}

std::unique_ptr<HostedQueues> host_stack_app_on_queues(const std::vector<runtime::InstanceConfig>& instances,
                                                      const AppSpec& spec) {
  if (instances.empty()) throw Error(EINVAL, "no queues given");
  for (std::size_t i = 0; i < instances.size(); ++i) {
    // Before any device is touched: a bad core must not cost an XDP attach and detach per queue.
    if (instances[i].core >= 0) runtime::check_core_usable(instances[i].core);
    for (std::size_t j = 0; j < i; ++j) {
      if (instances[i].device.queue == instances[j].device.queue) {
        throw Error(EINVAL, "queue " + std::to_string(instances[i].device.queue) + " is given twice");
      }
      if (instances[i].core >= 0 && instances[i].core == instances[j].core) {
        throw Error(EINVAL, "core " + std::to_string(instances[i].core) + " is given to two queues");
      }
    }
  }
  if (instances.size() == 1) {
    return std::make_unique<HostedQueueApps>(instances, spec);
  }
  std::vector<runtime::InstanceConfig> configs = instances;
  for (runtime::InstanceConfig& config : configs) config.learn_neighbours_from_ipv4 = true;
  return std::make_unique<HostedQueueApps>(configs, spec);
}

std::unique_ptr<HostedApp> host_kernel_app(const std::string& address, bool busy_poll, int core, const AppSpec& spec) {
  if (spec.proto == "tcp" && spec.app == "echo") return host_kernel_tcp_echo(address, busy_poll, core, spec.port);
  if (spec.proto == "tcp" && (spec.app == "kv" || spec.app == "http")) {
    return std::make_unique<HostedKernelTcp>(address, busy_poll, core, spec);
  }
  if (spec.proto != "udp" || spec.app != "echo") {
    throw Error(EINVAL, "the kernel backend runs the udp echo and echo, kv and http over tcp (asked for " +
                            spec.app + " over " + spec.proto + ")");
  }
  return std::make_unique<HostedKernelEcho>(address, busy_poll, core, spec.port);
}

EchoLoadResult run_stack_echo_bench(const runtime::InstanceConfig& config, const std::string& target_address,
                                    std::uint16_t target_port, const EchoLoadOptions& options) {
  const auto address = wire::Ipv4Address::parse(target_address);
  if (!address) throw Error(EINVAL, "\"" + target_address + "\" is not an IPv4 address");
  EchoLoadResult result;
  runtime::run_pinned(config.core, [&] {
    auto instance = runtime::open_instance(config);
    std::atomic<bool> done{false};
    UdpEchoClient client({*address, target_port}, options, done);
    client.start(monotonic_now(), *instance);
    runtime::run_event_loop(*instance, client, {.busy_poll = config.busy_poll}, done);
    client.stop(*instance);
    result = client.result();
  });
  return result;
}

EchoLoadResult run_kernel_echo_bench(const std::string& target_address, std::uint16_t target_port,
                                     const EchoLoadOptions& options, bool busy_poll, int core) {
  EchoLoadResult result;
  runtime::run_pinned(core, [&] {
    const std::atomic<bool> never{false};
    result = run_kernel_udp_echo_client(target_address, target_port, options, busy_poll, never);
  });
  return result;
}

}  // namespace sluice::apps

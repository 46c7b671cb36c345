// Binding for the hosted native apps and load clients: converts JS configuration objects, runs the
// app in C++, converts counters back. Validation of meaning (ranges, names) stays in C++.
#include <napi.h>

#include <cmath>
#include <memory>

#include "addon/apps_binding.hpp"
#include "addon/convert.hpp"
#include "apps/hosting.hpp"
#include "util/error.hpp"

namespace sluice::addon {

runtime::InstanceConfig instance_config_from_js(const Napi::Object& js) {
  const Napi::Env env = js.Env();
  runtime::InstanceConfig config;
  config.device.backend = required_string(js, "backend");
  config.device.iface = required_string(js, "iface");
  config.device.queue = required_uint(js, "queue", 4095);
  config.device.busy_poll = optional_bool(js, "busyPoll", true);
  config.device.xdp_mode = optional_string(js, "xdpMode").value_or("auto");
  config.device.dpdk_vdev = optional_string(js, "dpdkVdev").value_or("");
  const Napi::Value dpdk_args = js.Get("dpdkArgs");
  if (dpdk_args.IsArray()) {
    const auto array = dpdk_args.As<Napi::Array>();
    for (std::uint32_t i = 0; i < array.Length(); ++i) {
      config.device.dpdk_args.push_back(array.Get(i).ToString().Utf8Value());
    }
  }
  const std::string ip = required_string(js, "ip");
  const auto address = wire::Ipv4Address::parse(ip);
  if (!address) throw_invalid(env, "ip \"" + ip + "\" is not an IPv4 address");
  config.address = *address;
  config.prefix_length = static_cast<std::uint8_t>(required_uint(js, "prefixLength", 32));
  if (auto gateway = optional_string(js, "gateway")) {
    config.gateway = wire::Ipv4Address::parse(*gateway);
    if (!config.gateway) throw_invalid(env, "gateway \"" + *gateway + "\" is not an IPv4 address");
  }
  if (auto mac = optional_string(js, "mac")) {
    config.mac = wire::MacAddress::parse(*mac);
    if (!config.mac) throw_invalid(env, "mac \"" + *mac + "\" is not a MAC address");
    config.device.mac = config.mac;
  }
  const std::string checksum = optional_string(js, "rxChecksum").value_or("verify");
  if (checksum == "verify") {
    config.rx_checksum = wire::ChecksumPolicy::verify;
  } else if (checksum == "accept-partial") {
    config.rx_checksum = wire::ChecksumPolicy::accept_partial;
  } else if (checksum == "skip") {
    config.rx_checksum = wire::ChecksumPolicy::skip;
  } else {
    throw_invalid(env, "rxChecksum must be verify, accept-partial or skip");
  }
  config.fault_spec = optional_string(js, "fault").value_or("");
  config.pcap_path = optional_string(js, "pcap").value_or("");
  config.stats_path = optional_string(js, "statsFile").value_or("");
  const auto core = optional_uint(js, "core", 4095);
  config.core = core ? static_cast<int>(*core) : -1;
  config.busy_poll = config.device.busy_poll;
  // Ranges are checked by iface::validate with the field named; here only the type.
  if (auto connections = optional_uint(js, "tcpConnections", 0xffffffffu)) config.tcp_connections = *connections;
  if (auto buffer = optional_uint(js, "tcpBuffer", 0xffffffffu)) config.tcp_buffer = *buffer;
  return config;
}

namespace {

apps::AppSpec app_spec_from_js(const Napi::Object& js) {
  apps::AppSpec spec{required_string(js, "app"), required_string(js, "proto"),
                     static_cast<std::uint16_t>(required_uint(js, "port", 65535))};
  // Ranges are checked by the kv store with the limit named; here only the type.
  if (auto keys = optional_uint(js, "kvMaxKeys", 0xffffffffu)) spec.kv.max_keys = *keys;
  if (auto mib = optional_uint(js, "kvMaxMemoryMiB", 0xffffffffu)) spec.kv.max_memory = std::uint64_t{*mib} << 20;
  return spec;
}

Napi::Object device_to_js(Napi::Env env, const device::DeviceInfo& info) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("backend", info.backend);
  out.Set("name", info.name);
  out.Set("queue", info.queue);
  out.Set("mtu", info.mtu);
  out.Set("mac", info.mac.to_string());
  out.Set("mode", info.mode);
  return out;
}

/// The JS handle of a running app: `device` and `stop()`.
class RunningApp : public Napi::ObjectWrap<RunningApp> {
 public:
  static Napi::FunctionReference* constructor;

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RunningApp", {InstanceMethod<&RunningApp::Stop>("stop")});
  }

  explicit RunningApp(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RunningApp>(info) {}

  static Napi::Object Wrap(Napi::Env env, std::unique_ptr<apps::HostedApp> app) {
    Napi::Object object = constructor->New({});
    RunningApp* self = Unwrap(object);
    object.Set("device", device_to_js(env, app->device()));
    self->app_ = std::move(app);
    return object;
  }

 private:
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (!app_) throw_invalid(info.Env(), "the app is already stopped");
    try {
      auto report = app_->stop();
      app_.reset();
      return report_to_js(info.Env(), report);
    } catch (...) {
      app_.reset();
      rethrow_as_js(info.Env());
    }
  }

  std::unique_ptr<apps::HostedApp> app_;
};

Napi::FunctionReference* RunningApp::constructor = nullptr;

Napi::Value StartApp(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const auto instance = instance_config_from_js(required_object(info[0], "instance"));
  const auto spec = app_spec_from_js(required_object(info[1], "app"));
  try {
    return RunningApp::Wrap(env, apps::host_stack_app(instance, spec));
  } catch (...) {
    rethrow_as_js(env);
  }
}

/// The JS handle of an app on several queues: `devices` and `stop()` → one counter report per queue.
class RunningQueues : public Napi::ObjectWrap<RunningQueues> {
 public:
  static Napi::FunctionReference* constructor;

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RunningQueues", {InstanceMethod<&RunningQueues::Stop>("stop")});
  }

  explicit RunningQueues(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RunningQueues>(info) {}

  static Napi::Object Wrap(Napi::Env env, std::unique_ptr<apps::HostedQueues> apps) {
    Napi::Object object = constructor->New({});
    Napi::Array devices = Napi::Array::New(env, apps->devices().size());
    for (std::uint32_t i = 0; i < apps->devices().size(); ++i) devices.Set(i, device_to_js(env, apps->devices()[i]));
    object.Set("devices", devices);
    Unwrap(object)->apps_ = std::move(apps);
    return object;
  }

 private:
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (!apps_) throw_invalid(info.Env(), "the app is already stopped");
    try {
      const auto reports = apps_->stop();
      apps_.reset();
      Napi::Array out = Napi::Array::New(info.Env(), reports.size());
      for (std::uint32_t i = 0; i < reports.size(); ++i) out.Set(i, report_to_js(info.Env(), reports[i]));
      return out;
    } catch (...) {
      apps_.reset();
      rethrow_as_js(info.Env());
    }
  }

  std::unique_ptr<apps::HostedQueues> apps_;
};

Napi::FunctionReference* RunningQueues::constructor = nullptr;

Napi::Value StartAppOnQueues(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw_invalid(env, "instances must be an array of instance configurations");
  const auto list = info[0].As<Napi::Array>();
  std::vector<runtime::InstanceConfig> instances;
  for (std::uint32_t i = 0; i < list.Length(); ++i) {
    instances.push_back(instance_config_from_js(required_object(list.Get(i), "instances[i]")));
  }
  const auto spec = app_spec_from_js(required_object(info[1], "app"));
  try {
    return RunningQueues::Wrap(env, apps::host_stack_app_on_queues(instances, spec));
  } catch (...) {
    rethrow_as_js(env);
  }
}

Napi::Value StartKernelApp(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const Napi::Object js = required_object(info[0], "app");
  const auto spec = app_spec_from_js(js);
  const std::string address = optional_string(js, "address").value_or("0.0.0.0");
  const auto core = optional_uint(js, "core", 4095);
  try {
    return RunningApp::Wrap(env, apps::host_kernel_app(address, optional_bool(js, "busyPoll", true),
                                                       core ? static_cast<int>(*core) : -1, spec));
  } catch (...) {
    rethrow_as_js(env);
  }
}

/// Runs a load client on a libuv worker (which starts its own pinned thread) and settles a promise.
class EchoBenchWorker : public Napi::AsyncWorker {
 public:
  /// Without `instance` the client runs on a kernel socket, pinned to `kernel_core` when >= 0.
  EchoBenchWorker(Napi::Env env, std::optional<runtime::InstanceConfig> instance, bool kernel_busy_poll,
                  int kernel_core, std::string address, std::uint16_t port, apps::EchoLoadOptions options)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        instance_(std::move(instance)),
        kernel_busy_poll_(kernel_busy_poll),
        kernel_core_(kernel_core),
        address_(std::move(address)),
        port_(port),
        options_(options) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      result_ = instance_ ? apps::run_stack_echo_bench(*instance_, address_, port_, options_)
                          : apps::run_kernel_echo_bench(address_, port_, options_, kernel_busy_poll_, kernel_core_);
    } catch (const sluice::Error& e) {
      error_code_ = e.code();
      SetError(e.what());
    } catch (const std::exception& e) {
      error_code_ = EIO;
      SetError(e.what());
    }
  }

  void OnOK() override {
    const Napi::Env env = Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("roundTrips", static_cast<double>(result_.round_trips));
    out.Set("sent", static_cast<double>(result_.sent));
    out.Set("lost", static_cast<double>(result_.lost));
    out.Set("unexpected", static_cast<double>(result_.unexpected));
    out.Set("seconds", result_.seconds);
    Napi::Object rtt = Napi::Object::New(env);
    rtt.Set("p50", static_cast<double>(result_.rtt.quantile(0.5)));
    rtt.Set("p99", static_cast<double>(result_.rtt.quantile(0.99)));
    rtt.Set("p999", static_cast<double>(result_.rtt.quantile(0.999)));
    rtt.Set("max", static_cast<double>(result_.rtt.max()));
    out.Set("rttNanos", rtt);
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& error) override {
    error.Set("code", errno_name(error_code_));
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::optional<runtime::InstanceConfig> instance_;
  bool kernel_busy_poll_;
  int kernel_core_;
  std::string address_;
  std::uint16_t port_;
  apps::EchoLoadOptions options_;
  apps::EchoLoadResult result_;
  int error_code_ = EIO;
};

Napi::Value RunEchoBench(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const Napi::Object where = required_object(info[0], "instance");
  std::optional<runtime::InstanceConfig> instance;
  const bool kernel = optional_string(where, "backend") == "kernel";
  if (!kernel) instance = instance_config_from_js(where);
  const auto kernel_core = optional_uint(where, "core", 4095);
  const Napi::Object js = required_object(info[1], "config");
  const Napi::Object target = required_object(js.Get("target"), "target");
  apps::EchoLoadOptions options;
  options.window = required_uint(js, "window", 65536);
  options.size = required_uint(js, "size", 65507);
  if (options.window == 0) throw_invalid(env, "window must be at least 1");
  if (options.size < apps::EchoLoad::kStampSize) throw_invalid(env, "size must be at least 16 bytes");
  const double duration = required_number(js, "durationSeconds");
  const double warmup = required_number(js, "warmupSeconds");
  if (!(duration > 0) || !(warmup >= 0)) throw_invalid(env, "durationSeconds must be > 0 and warmupSeconds >= 0");
  options.duration = {static_cast<std::uint64_t>(duration * 1e9)};
  options.warmup = {static_cast<std::uint64_t>(warmup * 1e9)};
  auto* worker = new EchoBenchWorker(env, std::move(instance), optional_bool(where, "busyPoll", true),
                                     kernel_core ? static_cast<int>(*kernel_core) : -1, required_string(target, "address"),
                                     static_cast<std::uint16_t>(required_uint(target, "port", 65535)), options);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace

void register_apps_binding(Napi::Env env, Napi::Object exports) {
  RunningApp::constructor = new Napi::FunctionReference(Napi::Persistent(RunningApp::Define(env)));
  RunningQueues::constructor = new Napi::FunctionReference(Napi::Persistent(RunningQueues::Define(env)));
  exports.Set("startApp", Napi::Function::New(env, StartApp));
  exports.Set("startAppOnQueues", Napi::Function::New(env, StartAppOnQueues));
  exports.Set("startKernelApp", Napi::Function::New(env, StartKernelApp));
  exports.Set("runEchoBench", Napi::Function::New(env, RunEchoBench));
}

}  // namespace sluice::addon

// Binding for the TCP load clients: each runs on a libuv worker (which starts its own pinned thread)
// and settles a promise with the result, or rejects with an errno `code`.
#include "addon/tcp_bench_binding.hpp"

#include <cmath>
#include <functional>
#include <optional>

#include "addon/apps_binding.hpp"
#include "addon/convert.hpp"
#include "apps/tcp_bench.hpp"
#include "util/error.hpp"

namespace sluice::addon {

namespace {

/// Runs `run` off the JS thread; `to_js` converts its result on the JS thread.
template <typename Result>
class BenchWorker : public Napi::AsyncWorker {
 public:
  BenchWorker(Napi::Env env, std::function<Result()> run, std::function<Napi::Object(Napi::Env, const Result&)> to_js)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        run_(std::move(run)),
        to_js_(std::move(to_js)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      result_ = run_();
    } catch (const sluice::Error& e) {
      error_code_ = e.code();
      SetError(e.what());
    } catch (const std::exception& e) {
      error_code_ = EIO;
      SetError(e.what());
    }
  }

  void OnOK() override { deferred_.Resolve(to_js_(Env(), result_)); }

  void OnError(const Napi::Error& error) override {
    error.Set("code", errno_name(error_code_));
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<Result()> run_;
  std::function<Napi::Object(Napi::Env, const Result&)> to_js_;
  Result result_{};
  int error_code_ = EIO;
};

/// Where the client runs: a Sluice instance, or kernel sockets (backend "kernel") with busyPoll and core.
struct ClientPlace {
  std::optional<runtime::InstanceConfig> instance;
  bool kernel_busy_poll = true;
  int kernel_core = -1;
};

ClientPlace place_from_js(const Napi::Value& value) {
  const Napi::Object where = required_object(value, "instance");
  ClientPlace place;
  if (optional_string(where, "backend") != "kernel") place.instance = instance_config_from_js(where);
  place.kernel_busy_poll = optional_bool(where, "busyPoll", true);
  const auto core = optional_uint(where, "core", 4095);
  place.kernel_core = core ? static_cast<int>(*core) : -1;
  return place;
}

Napi::Object rtt_to_js(Napi::Env env, const LatencyHistogram& rtt) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("p50", static_cast<double>(rtt.quantile(0.5)));
  out.Set("p99", static_cast<double>(rtt.quantile(0.99)));
  out.Set("p999", static_cast<double>(rtt.quantile(0.999)));
  out.Set("max", static_cast<double>(rtt.max()));
  return out;
}

Napi::Value RunTcpEchoBench(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const ClientPlace place = place_from_js(info[0]);
  const Napi::Object js = required_object(info[1], "config");
  const Napi::Object target = required_object(js.Get("target"), "target");
  const std::string address = required_string(target, "address");
  const auto port = static_cast<std::uint16_t>(required_uint(target, "port", 65535));
  apps::TcpEchoLoadOptions options;
  options.connections = required_uint(js, "connections", 65535);
  options.load.window = required_uint(js, "window", 4096);
  options.load.size = required_uint(js, "size", 1 << 20);
  if (options.connections == 0) throw_invalid(env, "connections must be at least 1");
  if (options.load.window == 0) throw_invalid(env, "window must be at least 1");
  if (options.load.size < apps::kTcpEchoMinSize) throw_invalid(env, "size must be at least 16 bytes");
  const double duration = required_number(js, "durationSeconds");
  const double warmup = required_number(js, "warmupSeconds");
  if (!(duration > 0) || !(warmup >= 0)) throw_invalid(env, "durationSeconds must be > 0 and warmupSeconds >= 0");
  options.load.duration = {static_cast<std::uint64_t>(duration * 1e9)};
  options.load.warmup = {static_cast<std::uint64_t>(warmup * 1e9)};

  auto run = [place, address, port, options] {
    return place.instance
               ? apps::run_stack_tcp_echo_bench(*place.instance, address, port, options)
               : apps::run_kernel_tcp_echo_bench(address, port, options, place.kernel_busy_poll, place.kernel_core);
  };
  auto to_js = [](Napi::Env e, const apps::TcpEchoLoadResult& result) {
    Napi::Object out = Napi::Object::New(e);
    out.Set("roundTrips", static_cast<double>(result.load.round_trips));
    out.Set("sent", static_cast<double>(result.load.sent));
    out.Set("seconds", result.load.seconds);
    out.Set("connections", result.connections);
    out.Set("failed", result.failed);
    out.Set("rttNanos", rtt_to_js(e, result.load.rtt));
    return out;
  };
  auto* worker = new BenchWorker<apps::TcpEchoLoadResult>(env, run, to_js);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value RunTcpStreamBench(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const ClientPlace place = place_from_js(info[0]);
  const Napi::Object js = required_object(info[1], "config");
  const Napi::Object target = required_object(js.Get("target"), "target");
  const std::string address = required_string(target, "address");
  const auto port = static_cast<std::uint16_t>(required_uint(target, "port", 65535));
  const double bytes = required_number(js, "bytes");
  if (!(bytes >= 1) || bytes != std::floor(bytes) || bytes > 9007199254740992.0) {
    throw_invalid(env, "bytes must be a whole number of at least 1");
  }
  apps::TcpStreamOptions options;
  options.bytes = static_cast<std::uint64_t>(bytes);
  if (js.Has("timeoutSeconds")) {
    const double timeout = required_number(js, "timeoutSeconds");
    if (!(timeout > 0)) throw_invalid(env, "timeoutSeconds must be > 0");
    options.timeout = {static_cast<std::uint64_t>(timeout * 1e9)};
  }

  auto run = [place, address, port, options] {
    return place.instance
               ? apps::run_stack_tcp_stream_bench(*place.instance, address, port, options)
               : apps::run_kernel_tcp_stream_bench(address, port, options, place.kernel_busy_poll, place.kernel_core);
  };
  auto to_js = [](Napi::Env e, const apps::TcpStreamResult& result) {
    Napi::Object out = Napi::Object::New(e);
    out.Set("bytesSent", static_cast<double>(result.bytes_sent));
    out.Set("bytesReceived", static_cast<double>(result.bytes_received));
    out.Set("firstMismatch", static_cast<double>(result.first_mismatch));
    out.Set("seconds", result.seconds);
    out.Set("sendSeconds", result.send_seconds);
    return out;
  };
  auto* worker = new BenchWorker<apps::TcpStreamResult>(env, run, to_js);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace

void register_tcp_bench_binding(Napi::Env env, Napi::Object exports) {
  exports.Set("runTcpEchoBench", Napi::Function::New(env, RunTcpEchoBench));
  exports.Set("runTcpStreamBench", Napi::Function::New(env, RunTcpStreamBench));
}

}  // namespace sluice::addon

// NativeRequestService: kv (RESP2) or http as a RequestProtocol for a TypeScript carrier. The TS
// app (packages/apps-ts) accepts, pops and pushes on the LibOS queue API; this object only turns
// request bytes into reply bytes, so the TS and native apps answer byte for byte alike and the
// parsers exist once.
//
// Calling convention, for the per-request hot path: handle() writes `consumed` and `written` into
// the Uint32Array given at construction and returns the next wait (0 input, 1 output, 2 close), so
// no result object is made per call. Counters (group "app" for the carrier and the protocol,
// "libos", and the stack's device/interface/... groups on Sluice backends) live here; http's
// /stats shows them. The NativeLibos is held for this object's lifetime; once it is closed every
// call throws ENXIO (the stack counters /stats points at are gone with it).
#include "addon/service_binding.hpp"

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "addon/convert.hpp"
#include "addon/libos_binding.hpp"
#include "apps/http/http_service.hpp"
#include "apps/kv/kv_service.hpp"
#include "libos/libos.hpp"
#include "libos/stack_provider.hpp"
#include "runtime/counter_table.hpp"

namespace sluice::addon {

namespace {

/// Expiry work (kv) runs at most this often: it is per loop iteration in the native carrier.
constexpr std::uint64_t kTickNanos = 1'000'000;

[[noreturn]] void throw_code(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", code);
  throw error;
}

/// What the TS carrier did, counted here so /stats and the stop report show it.
struct CarrierCounters {
  std::uint64_t accepted = 0;
  std::uint64_t closed = 0;
  std::uint64_t request_bytes = 0;  ///< request bytes answered
  std::uint64_t reply_bytes = 0;
  std::uint64_t oversized = 0;  ///< connections closed because a full buffer held no complete request
};

class ServiceWrap : public Napi::ObjectWrap<ServiceWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeRequestService",
                       {
                           InstanceMethod("maxRequest", &ServiceWrap::MaxRequest),
                           InstanceMethod("opened", &ServiceWrap::Opened),
                           InstanceMethod("closed", &ServiceWrap::Closed),
                           InstanceMethod("handle", &ServiceWrap::Handle),
                           InstanceMethod("counters", &ServiceWrap::Counters),
                       });
  }

  /// (libos: NativeLibos, app: "kv" | "http", options: {connections, kvMaxKeys?, kvMaxMemoryMiB?},
  ///  exchange: Uint32Array of 2)
  explicit ServiceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ServiceWrap>(info) {
    const Napi::Env env = info.Env();
    if (info.Length() != 4) throw_invalid(env, "NativeRequestService expects (libos, app, options, exchange)");
    libos::LibOS* os = libos_of(info[0]);
    if (os == nullptr) throw_invalid(env, "NativeRequestService: the first argument must be an open NativeLibos");
    if (!info[1].IsString()) throw_invalid(env, "NativeRequestService: app must be \"kv\" or \"http\"");
    const std::string app = info[1].As<Napi::String>().Utf8Value();
    const Napi::Object options = required_object(info[2], "options");
    connections_ = required_uint(options, "connections", 1u << 20);
    if (connections_ == 0) throw_invalid(env, "connections must be at least 1");
    if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
        info[3].As<Napi::Uint32Array>().ElementLength() < 2) {
      throw_invalid(env, "NativeRequestService: exchange must be a Uint32Array of 2");
    }
    exchange_ = Napi::Persistent(info[3].As<Napi::Uint32Array>());  // held, so the pointer stays valid
    exchange_values_ = exchange_.Value().Data();
    try {
      if (app == "kv") {
        apps::kv::StoreLimits limits;
        if (auto keys = optional_uint(options, "kvMaxKeys", 0xffffffffu)) limits.max_keys = *keys;
        if (auto mib = optional_uint(options, "kvMaxMemoryMiB", 0xffffffffu)) limits.max_memory = std::uint64_t{*mib} << 20;
        protocol_ = std::make_unique<apps::KvService>(limits);
      } else if (app == "http") {
        protocol_ = std::make_unique<apps::HttpService>(&table_);
      } else {
        throw_invalid(env, "NativeRequestService: app must be \"kv\" or \"http\", got \"" + app + "\"");
      }
    } catch (const Napi::Error&) {
      throw;
    } catch (...) {
      rethrow_as_js(env);
    }
    describe(*os);
    protocol_->prepare(connections_);  // http reads the finished table here
    libos_ = Napi::Persistent(info[0].As<Napi::Object>());
  }

 private:
  /// The counters this object owns: the carrier's and the protocol's (group "app").
  void describe_own(runtime::CounterTable& table) const {
    table.add("app", "accepted", carrier_.accepted);
    table.add("app", "closed", carrier_.closed);
    table.add("app", "request_bytes", carrier_.request_bytes);
    table.add("app", "reply_bytes", carrier_.reply_bytes);
    table.add("app", "oversized", carrier_.oversized);
    protocol_->describe_counters(table);
  }

  void describe(libos::LibOS& os) {
    describe_own(table_);
    const libos::LibosCounters& counters = os.counters();
    table_.add("libos", "polls", counters.polls);
    table_.add("libos", "completions", counters.completions);
    table_.add("libos", "pops_empty", counters.pops_empty);
    if (auto* stack = dynamic_cast<libos::StackProvider*>(&os.provider())) {
      runtime::add_instance_counters(table_, stack->instance());
    }
  }

  /// The LibOS, or ENXIO once it was closed (the table points into it).
  libos::LibOS& open_libos(Napi::Env env) {
    libos::LibOS* os = libos_of(libos_.Value());
    if (os == nullptr) throw_code(env, "ENXIO", "the LibOS of this service was shut down");
    return *os;
  }

  int id_arg(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsNumber()) throw_invalid(info.Env(), "id must be a number");
    const int id = info[0].As<Napi::Number>().Int32Value();
    if (id < 0 || static_cast<std::uint32_t>(id) >= connections_) {
      throw_invalid(info.Env(), "connection id " + std::to_string(id) + " is outside 0.." + std::to_string(connections_ - 1));
    }
    return id;
  }

  Napi::Value MaxRequest(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(protocol_->max_request()));
  }

  Napi::Value Opened(const Napi::CallbackInfo& info) {
    const int id = id_arg(info);
    carrier_.accepted += 1;
    protocol_->opened(id);
    return info.Env().Undefined();
  }

  /// closed(id, oversized): the connection ended; `oversized` when the carrier gave up on it.
  Napi::Value Closed(const Napi::CallbackInfo& info) {
    id_arg(info);
    carrier_.closed += 1;
    if (info.Length() > 1 && info[1].ToBoolean()) carrier_.oversized += 1;
    return info.Env().Undefined();
  }

  /// handle(id, input: Uint8Array, out: Uint8Array) -> next; exchange[0] consumed, [1] written.
  /// The whole `out` is the room, and also the largest reply this carrier can ever offer.
  Napi::Value Handle(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    const int id = id_arg(info);
    if (info.Length() < 3 || !info[1].IsTypedArray() || !info[2].IsTypedArray()) {
      throw_invalid(env, "handle expects (id, input: Uint8Array, out: Uint8Array)");
    }
    const auto input = info[1].As<Napi::Uint8Array>();
    auto out = info[2].As<Napi::Uint8Array>();
    if (input.TypedArrayType() != napi_uint8_array || out.TypedArrayType() != napi_uint8_array) {
      throw_invalid(env, "handle expects Uint8Arrays");
    }
    const Instant now = open_libos(env).provider().now();
    if (now.nanos - last_tick_ >= kTickNanos) {
      last_tick_ = now.nanos;
      protocol_->tick(now);
    }
    const std::span<const std::uint8_t> request(input.Data(), input.ElementLength());
    const std::span<std::uint8_t> room(out.Data(), out.ElementLength());
    const apps::Exchange exchange = protocol_->handle(now, id, request, room, room.size());
    carrier_.request_bytes += exchange.consumed;
    carrier_.reply_bytes += exchange.written;
    exchange_values_[0] = static_cast<std::uint32_t>(exchange.consumed);
    exchange_values_[1] = static_cast<std::uint32_t>(exchange.written);
    return Napi::Number::New(env, static_cast<int>(exchange.next));
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    if (libos_of(libos_.Value()) == nullptr) {
      // The stack's groups are gone with the LibOS: report what this object owns.
      runtime::CounterTable own;
      describe_own(own);
      return report_to_js(env, own.report());
    }
    return report_to_js(env, table_.report());
  }

  Napi::ObjectReference libos_;
  Napi::Reference<Napi::Uint32Array> exchange_;
  std::uint32_t* exchange_values_ = nullptr;
  std::uint32_t connections_ = 0;
  std::unique_ptr<apps::RequestProtocol> protocol_;
  runtime::CounterTable table_;
  CarrierCounters carrier_;
  std::uint64_t last_tick_ = 0;
};

}  // namespace

void register_service_binding(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeRequestService", ServiceWrap::Define(env));
}

}  // namespace sluice::addon

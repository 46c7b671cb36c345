// The Node binding: converts arguments and results, nothing else. Ergonomics and error types live in
// @sluice/libos.
#include <napi.h>

#include "addon/apps_binding.hpp"
#include "addon/tcp_bench_binding.hpp"
#include "addon/libos_binding.hpp"
#include "addon/service_binding.hpp"
#include "device/capabilities.hpp"
#include "wire/checksum.hpp"

namespace {

Napi::Value ProbeBackends(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const auto backends = sluice::device::probe_all_backends();
  Napi::Array out = Napi::Array::New(env, backends.size());
  for (std::size_t i = 0; i < backends.size(); ++i) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("backend", backends[i].backend);
    entry.Set("usable", backends[i].usable);
    entry.Set("reason", backends[i].reason);
    out.Set(static_cast<uint32_t>(i), entry);
  }
  return out;
}

Napi::Value Versions(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const auto versions = sluice::device::linked_library_versions();
  Napi::Object out = Napi::Object::New(env);
  out.Set("libbpf", versions.libbpf);
  out.Set("libxdp", versions.libxdp);
  out.Set("liburing", versions.liburing);
  out.Set("napi", NAPI_VERSION);
  return out;
}

Napi::Value InternetChecksum(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::Error error = Napi::TypeError::New(env, "internetChecksum expects one Uint8Array");
    error.Set("code", "EINVAL");
    throw error;
  }
  const auto bytes = info[0].As<Napi::Uint8Array>();
  return Napi::Number::New(env, sluice::wire::internet_checksum({bytes.Data(), bytes.ElementLength()}));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probeBackends", Napi::Function::New(env, ProbeBackends));
  exports.Set("versions", Napi::Function::New(env, Versions));
  exports.Set("internetChecksum", Napi::Function::New(env, InternetChecksum));
  sluice::addon::register_apps_binding(env, exports);
  sluice::addon::register_tcp_bench_binding(env, exports);
  sluice::addon::register_libos_binding(env, exports);
  sluice::addon::register_service_binding(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(sluice, Init)

#pragma once
// The native request protocols (kv's RESP2, http) for apps written in TypeScript on the LibOS
// queue API (service_binding.cpp): the TS app carries the bytes, the protocol answers them.
#include <napi.h>

namespace sluice::addon {

void register_service_binding(Napi::Env env, Napi::Object exports);

}  // namespace sluice::addon

#pragma once
// The LibOS queue API for Node (libos_binding.cpp): the NativeLibos class and socket constants.
#include <napi.h>

namespace sluice::libos {
class LibOS;
}

namespace sluice::addon {

void register_libos_binding(Napi::Env env, Napi::Object exports);

/// The LibOS behind a NativeLibos object; nullptr when `value` is not one or it was closed.
libos::LibOS* libos_of(Napi::Value value);

}  // namespace sluice::addon

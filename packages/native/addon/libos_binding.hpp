#pragma once
// The LibOS queue API for Node (libos_binding.cpp): the NativeLibos class and socket constants.
#include <napi.h>

namespace sluice::addon {

void register_libos_binding(Napi::Env env, Napi::Object exports);

}  // namespace sluice::addon

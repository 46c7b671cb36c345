#pragma once
#include <napi.h>

namespace sluice::addon {
void register_apps_binding(Napi::Env env, Napi::Object exports);
}

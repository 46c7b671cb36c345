#pragma once
#include <napi.h>

#include "runtime/instance_config.hpp"

namespace sluice::addon {
/// The stack instance a JS InstanceConfig object describes; throws a JS TypeError naming bad fields.
runtime::InstanceConfig instance_config_from_js(const Napi::Object& js);
void register_apps_binding(Napi::Env env, Napi::Object exports);
}

#pragma once
// Argument and result conversion shared by the binding files. Errors thrown here become JS
// TypeErrors with code EINVAL, naming the offending field.
#include <napi.h>

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/counter_report.hpp"

namespace sluice::addon {

[[noreturn]] void throw_invalid(Napi::Env env, const std::string& message);

/// Rethrows a sluice::Error (or any std::exception) as a JS Error with an errno-style `code`.
[[noreturn]] void rethrow_as_js(Napi::Env env);

std::string required_string(const Napi::Object& object, const char* key);
std::optional<std::string> optional_string(const Napi::Object& object, const char* key);
std::uint32_t required_uint(const Napi::Object& object, const char* key, std::uint32_t max);
std::optional<std::uint32_t> optional_uint(const Napi::Object& object, const char* key, std::uint32_t max);
double required_number(const Napi::Object& object, const char* key);
bool optional_bool(const Napi::Object& object, const char* key, bool fallback);
Napi::Object required_object(const Napi::Value& value, const char* what);

Napi::Object report_to_js(Napi::Env env, const runtime::CounterReport& report);

}  // namespace sluice::addon

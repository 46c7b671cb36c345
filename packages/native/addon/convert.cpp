#include "addon/convert.hpp"

#include <cmath>
#include <exception>

#include "util/error.hpp"

namespace sluice::addon {

void throw_invalid(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::TypeError::New(env, message);
  error.Set("code", "EINVAL");
  throw error;
}

void rethrow_as_js(Napi::Env env) {
  try {
    throw;
  } catch (const Napi::Error&) {
    throw;
  } catch (const sluice::Error& e) {
    Napi::Error error = Napi::Error::New(env, e.what());
    error.Set("code", errno_name(e.code()));
    error.Set("errno", Napi::Number::New(env, e.code()));
    throw error;
  } catch (const std::exception& e) {
    Napi::Error error = Napi::Error::New(env, e.what());
    error.Set("code", "EIO");
    throw error;
  }
}

std::optional<std::string> optional_string(const Napi::Object& object, const char* key) {
  const Napi::Value value = object.Get(key);
  if (value.IsUndefined() || value.IsNull()) return std::nullopt;
  if (!value.IsString()) throw_invalid(object.Env(), std::string(key) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

std::string required_string(const Napi::Object& object, const char* key) {
  auto value = optional_string(object, key);
  if (!value) throw_invalid(object.Env(), std::string(key) + " is required");
  return *value;
}

std::optional<std::uint32_t> optional_uint(const Napi::Object& object, const char* key, std::uint32_t max) {
  const Napi::Value value = object.Get(key);
  if (value.IsUndefined() || value.IsNull()) return std::nullopt;
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (number < 0 || number > max || std::floor(number) != number) {
    throw_invalid(object.Env(), std::string(key) + " must be an integer from 0 to " + std::to_string(max));
  }
  return static_cast<std::uint32_t>(number);
}

std::uint32_t required_uint(const Napi::Object& object, const char* key, std::uint32_t max) {
  auto value = optional_uint(object, key, max);
  if (!value) throw_invalid(object.Env(), std::string(key) + " is required");
  return *value;
}

double required_number(const Napi::Object& object, const char* key) {
  const Napi::Value value = object.Get(key);
  if (!value.IsNumber()) throw_invalid(object.Env(), std::string(key) + " must be a number");
  return value.As<Napi::Number>().DoubleValue();
}

bool optional_bool(const Napi::Object& object, const char* key, bool fallback) {
  const Napi::Value value = object.Get(key);
  if (value.IsUndefined() || value.IsNull()) return fallback;
  if (!value.IsBoolean()) throw_invalid(object.Env(), std::string(key) + " must be a boolean");
  return value.As<Napi::Boolean>().Value();
}

Napi::Object required_object(const Napi::Value& value, const char* what) {
  if (!value.IsObject()) throw_invalid(value.Env(), std::string(what) + " must be an object");
  return value.As<Napi::Object>();
}

Napi::Object report_to_js(Napi::Env env, const runtime::CounterReport& report) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& group : report) {
    Napi::Object values = Napi::Object::New(env);
    for (const auto& [name, value] : group.values) values.Set(name, static_cast<double>(value));
    out.Set(group.name, values);
  }
  return out;
}

}  // namespace sluice::addon

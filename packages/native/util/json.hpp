#pragma once
// A small strict JSON reader (RFC 8259 grammar) for configuration files: objects keep their key
// order, numbers keep their text so integers are read exactly, and errors name line and column.
// String bytes are passed through unchecked (not validated as UTF-8): every string the
// configuration uses is compared against known names or parsed further, so nothing depends on it. Why not
// a library: the only candidate on Debian (nlohmann-json3-dev) would be one more system package
// for every machine that builds the core, and configuration needs none of its features; the
// precise "config.tcp.mss: ..." messages come from the walker in libos/config.cpp anyway.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::json {

class Value {
 public:
  enum class Kind : std::uint8_t { null, boolean, number, string, array, object };

  Kind kind() const { return kind_; }
  bool is(Kind kind) const { return kind_ == kind; }
  bool boolean() const { return boolean_; }
  /// The number's text as written ("1500", "0.5", "-3e2").
  const std::string& number_text() const { return text_; }
  const std::string& string() const { return text_; }
  const std::vector<Value>& items() const { return items_; }
  const std::vector<std::pair<std::string, Value>>& members() const { return members_; }
  /// The member named `key`, or nullptr (objects only).
  const Value* find(std::string_view key) const;

  static Value of_string(std::string text) {
    Value value;
    value.kind_ = Kind::string;
    value.text_ = std::move(text);
    return value;
  }

  /// "null", "a boolean", "a number", "a string", "an array", "an object".
  static const char* describe(Kind kind);

 private:
  friend class Parser;
  Kind kind_ = Kind::null;
  bool boolean_ = false;
  std::string text_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

/// Parses one JSON document; throws sluice::Error(EINVAL, "invalid JSON at line L column C: ...").
/// Duplicate keys in an object are an error too (a typo would silently win otherwise).
Value parse(std::string_view text);

}  // namespace sluice::json

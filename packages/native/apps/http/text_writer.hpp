#pragma once
// Appends text and decimal numbers to a given buffer, or only counts them (measuring mode), so a
// response's length can be known before its header is written. Never writes past the buffer: a
// write that does not fit sets overflowed() and is dropped.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::apps::http {

class TextWriter {
 public:
  /// A writer that only counts.
  TextWriter() = default;
  explicit TextWriter(std::span<std::uint8_t> out) : out_(out), measuring_(false) {}

  void text(std::string_view s);
  void number(std::uint64_t value);
  /// `s` inside double quotes, with JSON's escapes for quote, backslash and control characters.
  void json_string(std::string_view s);

  std::size_t size() const { return size_; }
  bool overflowed() const { return overflowed_; }

 private:
  std::span<std::uint8_t> out_;
  bool measuring_ = true;
  std::size_t size_ = 0;
  bool overflowed_ = false;
};

}  // namespace sluice::apps::http

#pragma once
// RESP2 replies written into a given buffer. The caller checks room beforehand (the size functions
// say how much each reply takes); a write that would not fit writes nothing and sets overflowed(),
// so a mistake shows as a missing reply in tests, never as memory corruption.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::apps::kv {

/// Decimal digits of `value`, with its sign.
std::size_t decimal_length(long long value);
/// "$<len>\r\n<bytes>\r\n"
inline std::size_t bulk_size(std::size_t length) {
  return 1 + decimal_length(static_cast<long long>(length)) + 2 + length + 2;
}
/// "*<count>\r\n"
inline std::size_t array_header_size(std::size_t count) {
  return 1 + decimal_length(static_cast<long long>(count)) + 2;
}
constexpr std::size_t kNullBulkSize = 5;  // "$-1\r\n"

/// Writes `value` in decimal into `out` (at least 20 bytes); returns the length.
std::size_t format_decimal(long long value, std::span<std::uint8_t> out);

class ReplyWriter {
 public:
  explicit ReplyWriter(std::span<std::uint8_t> out) : out_(out) {}

  void simple(std::string_view text);  ///< "+text\r\n"
  void error(std::string_view text);   ///< "-text\r\n"; CR and LF in text become spaces
  void integer(long long value);       ///< ":value\r\n"
  void bulk(std::span<const std::uint8_t> bytes);
  void bulk(std::string_view text) { bulk({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}); }
  void null_bulk();
  void array_header(std::size_t count);

  std::size_t written() const { return pos_; }
  std::size_t room() const { return out_.size() - pos_; }
  bool overflowed() const { return overflowed_; }

 private:
  bool reserve(std::size_t n);
  void put(std::string_view text);
  void put(std::span<const std::uint8_t> bytes);

  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  bool overflowed_ = false;
};

}  // namespace sluice::apps::kv

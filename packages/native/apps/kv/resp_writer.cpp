#include "apps/kv/resp_writer.hpp"

#include <array>
#include <cstring>

namespace sluice::apps::kv {

std::size_t decimal_length(long long value) {
  std::size_t length = value < 0 ? 2 : 1;
  // Work on the magnitude in unsigned so LLONG_MIN does not overflow.
  unsigned long long magnitude = value < 0 ? 0ULL - static_cast<unsigned long long>(value) : value;
  while (magnitude >= 10) {
    magnitude /= 10;
    ++length;
  }
  return length;
}

std::size_t format_decimal(long long value, std::span<std::uint8_t> out) {
  std::array<std::uint8_t, 20> digits{};
  std::size_t count = 0;
  unsigned long long magnitude = value < 0 ? 0ULL - static_cast<unsigned long long>(value) : value;
  do {
    digits[count++] = static_cast<std::uint8_t>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  std::size_t pos = 0;
  if (value < 0) out[pos++] = '-';
  while (count > 0) out[pos++] = digits[--count];
  return pos;
}

bool ReplyWriter::reserve(std::size_t n) {
  if (overflowed_ || n > room()) {
    overflowed_ = true;
    return false;
  }
  return true;
}

void ReplyWriter::put(std::string_view text) {
  std::memcpy(out_.data() + pos_, text.data(), text.size());
  pos_ += text.size();
}

void ReplyWriter::put(std::span<const std::uint8_t> bytes) {
  if (!bytes.empty()) std::memcpy(out_.data() + pos_, bytes.data(), bytes.size());
  pos_ += bytes.size();
}

void ReplyWriter::simple(std::string_view text) {
  if (!reserve(text.size() + 3)) return;
  put("+");
  put(text);
  put("\r\n");
}

void ReplyWriter::error(std::string_view text) {
  if (!reserve(text.size() + 3)) return;
  put("-");
  for (char c : text) out_[pos_++] = static_cast<std::uint8_t>(c == '\r' || c == '\n' ? ' ' : c);
  put("\r\n");
}

void ReplyWriter::integer(long long value) {
  if (!reserve(decimal_length(value) + 3)) return;
  put(":");
  pos_ += format_decimal(value, out_.subspan(pos_));
  put("\r\n");
}

void ReplyWriter::bulk(std::span<const std::uint8_t> bytes) {
  if (!reserve(bulk_size(bytes.size()))) return;
  put("$");
  pos_ += format_decimal(static_cast<long long>(bytes.size()), out_.subspan(pos_));
  put("\r\n");
  put(bytes);
  put("\r\n");
}

void ReplyWriter::null_bulk() {
  if (!reserve(kNullBulkSize)) return;
  put("$-1\r\n");
}

void ReplyWriter::array_header(std::size_t count) {
  if (!reserve(array_header_size(count))) return;
  put("*");
  pos_ += format_decimal(static_cast<long long>(count), out_.subspan(pos_));
  put("\r\n");
}

}  // namespace sluice::apps::kv

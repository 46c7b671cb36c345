#include "apps/http/text_writer.hpp"

#include <array>
#include <cstring>

namespace sluice::apps::http {

void TextWriter::text(std::string_view s) {
  if (!measuring_) {
    if (overflowed_ || s.size() > out_.size() - size_) {
      overflowed_ = true;
      return;
    }
    std::memcpy(out_.data() + size_, s.data(), s.size());
  }
  size_ += s.size();
}

void TextWriter::number(std::uint64_t value) {
  std::array<char, 20> digits{};
  std::size_t count = 0;
  do {
    digits[digits.size() - 1 - count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  text({digits.data() + digits.size() - count, count});
}

void TextWriter::json_string(std::string_view s) {
  constexpr std::string_view hex = "0123456789abcdef";
  text("\"");
  for (char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      const char escaped[2] = {'\\', c};
      text({escaped, 2});
    } else if (byte < 0x20) {
      const char escaped[6] = {'\\', 'u', '0', '0', hex[byte >> 4], hex[byte & 15]};
      text({escaped, 6});
    } else {
      text({&c, 1});
    }
  }
  text("\"");
}

}  // namespace sluice::apps::http

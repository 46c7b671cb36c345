#include "wire/checksum.hpp"

#include <bit>
#include <cstring>

namespace sluice::wire {

namespace {
// Adding 32-bit words into a 64-bit sum defers carries: 2^32 words before overflow, far beyond any frame.
std::uint64_t sum_words_native_order(const std::uint8_t* p, std::size_t n, std::uint64_t sum) {
  while (n >= 4) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);
    sum += word;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    std::uint16_t half;
    std::memcpy(&half, p, 2);
    sum += half;
    p += 2;
    n -= 2;
  }
  if (n == 1) {
    std::uint8_t last[2] = {*p, 0};
    std::uint16_t half;
    std::memcpy(&half, last, 2);
    sum += half;
  }
  return sum;
}

std::uint16_t fold(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

std::uint16_t byteswap16(std::uint16_t v) { return static_cast<std::uint16_t>((v << 8) | (v >> 8)); }
}  // namespace

// The one's-complement sum is byte-order independent (RFC 1071 section 2B): sum in native order,
// swap once at the end.
std::uint64_t checksum_accumulate(std::uint64_t sum, std::span<const std::uint8_t> bytes) {
  const std::uint16_t native = fold(sum_words_native_order(bytes.data(), bytes.size(), 0));
  const std::uint16_t be = (std::endian::native == std::endian::little) ? byteswap16(native) : native;
  return sum + be;
}

std::uint16_t checksum_finish(std::uint64_t sum) { return static_cast<std::uint16_t>(~fold(sum)); }

}  // namespace sluice::wire

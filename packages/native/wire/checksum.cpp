#include "wire/checksum.hpp"

#include <bit>
#include <cstring>

namespace sluice::wire {

namespace {
std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t word;
  std::memcpy(&word, p, 8);
  return word;
}

// Adds with end-around carry: a carry out of bit 63 is worth 2^64, and 2^64 = 1 modulo 0xffff, so it
// re-enters at bit 0. The result is congruent to a + b modulo 0xffff, which is all the checksum needs.
std::uint64_t add_end_around(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t sum = a + b;
  return sum + (sum < b ? 1 : 0);
}

// Sums native-order 64-bit words. Four independent accumulators keep four additions in flight (one
// carry chain would serialise them); 32 bytes per iteration is where the loop overhead stops showing.
std::uint64_t sum_words_native_order(const std::uint8_t* p, std::size_t n) {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::uint64_t c = 0;
  std::uint64_t d = 0;
  for (; n >= 32; p += 32, n -= 32) {
    a = add_end_around(a, load64(p));
    b = add_end_around(b, load64(p + 8));
    c = add_end_around(c, load64(p + 16));
    d = add_end_around(d, load64(p + 24));
  }
  for (; n >= 8; p += 8, n -= 8) a = add_end_around(a, load64(p));
  // The last 0..7 bytes, zero-padded: in native order the padding sits where the missing bytes
  // would be, exactly as RFC 1071 pads an odd length.
  if (n > 0) {
    std::uint8_t tail[8] = {};
    std::memcpy(tail, p, n);
    b = add_end_around(b, load64(tail));
  }
  return add_end_around(add_end_around(a, b), add_end_around(c, d));
}

std::uint16_t fold(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

std::uint16_t byteswap16(std::uint16_t v) { return static_cast<std::uint16_t>((v << 8) | (v >> 8)); }
}  // namespace

// The one's-complement sum is byte-order independent (RFC 1071 section 2B): sum in native order,
// swap once at the end. Native 64-bit words sum the same 16-bit pairs modulo 0xffff because
// 2^16 = 1 modulo 0xffff.
std::uint64_t checksum_accumulate(std::uint64_t sum, std::span<const std::uint8_t> bytes) {
  const std::uint16_t native = fold(sum_words_native_order(bytes.data(), bytes.size()));
  const std::uint16_t be = (std::endian::native == std::endian::little) ? byteswap16(native) : native;
  return sum + be;
}

std::uint16_t checksum_finish(std::uint64_t sum) { return static_cast<std::uint16_t>(~fold(sum)); }

}  // namespace sluice::wire

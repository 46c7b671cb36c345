#include "apps/tcp_load.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::apps {

namespace {
// splitmix64 of the word index: every 8-byte word of the stream is independent, so any offset can
// be generated or checked on its own.
std::uint64_t pattern_word(std::uint64_t index) {
  std::uint64_t z = index + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint8_t pattern_byte(std::uint64_t offset) {
  return static_cast<std::uint8_t>(pattern_word(offset / 8) >> ((offset % 8) * 8));
}
}  // namespace

void fill_stream_pattern(std::uint64_t offset, std::span<std::uint8_t> out) {
  std::size_t i = 0;
  for (; i < out.size() && (offset + i) % 8 != 0; ++i) out[i] = pattern_byte(offset + i);
  for (; i + 8 <= out.size(); i += 8) {
    const std::uint64_t word = pattern_word((offset + i) / 8);
    for (std::size_t b = 0; b < 8; ++b) out[i + b] = static_cast<std::uint8_t>(word >> (b * 8));
  }
  for (; i < out.size(); ++i) out[i] = pattern_byte(offset + i);
}

std::int64_t find_stream_mismatch(std::uint64_t offset, std::span<const std::uint8_t> in) {
  std::uint8_t expected[4096];
  for (std::size_t done = 0; done < in.size();) {
    const std::size_t n = std::min(in.size() - done, sizeof expected);
    fill_stream_pattern(offset + done, std::span(expected, n));
    if (std::memcmp(expected, in.data() + done, n) != 0) {
      for (std::size_t i = 0; i < n; ++i) {
        if (expected[i] != in[done + i]) return static_cast<std::int64_t>(offset + done + i);
      }
    }
    done += n;
  }
  return -1;
}

}  // namespace sluice::apps

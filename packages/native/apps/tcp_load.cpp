#include "apps/tcp_load.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

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

const std::vector<std::uint8_t>& pattern_period() {
  static const std::vector<std::uint8_t> period = [] {
    std::vector<std::uint8_t> bytes(kStreamPatternPeriod);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<std::uint8_t>(pattern_word(i / 8) >> ((i % 8) * 8));
    }
    return bytes;
  }();
  return period;
}
}  // namespace

std::span<const std::uint8_t> stream_pattern_at(std::uint64_t offset, std::size_t max) {
  const std::size_t at = static_cast<std::size_t>(offset % kStreamPatternPeriod);
  return std::span(pattern_period()).subspan(at, std::min(max, kStreamPatternPeriod - at));
}

void fill_stream_pattern(std::uint64_t offset, std::span<std::uint8_t> out) {
  for (std::size_t done = 0; done < out.size();) {
    const auto piece = stream_pattern_at(offset + done, out.size() - done);
    std::memcpy(out.data() + done, piece.data(), piece.size());
    done += piece.size();
  }
}

std::int64_t find_stream_mismatch(std::uint64_t offset, std::span<const std::uint8_t> in) {
  for (std::size_t done = 0; done < in.size();) {
    const auto expected = stream_pattern_at(offset + done, in.size() - done);
    if (std::memcmp(expected.data(), in.data() + done, expected.size()) != 0) {
      for (std::size_t i = 0; i < expected.size(); ++i) {
        if (expected[i] != in[done + i]) return static_cast<std::int64_t>(offset + done + i);
      }
    }
    done += expected.size();
  }
  return -1;
}

}  // namespace sluice::apps

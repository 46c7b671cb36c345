#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <vector>

#include "wire/bytes.hpp"
#include "wire/checksum.hpp"

using sluice::wire::checksum_accumulate;
using sluice::wire::checksum_finish;
using sluice::wire::internet_checksum;

namespace {
// The textbook definition, byte pair by byte pair, as the reference for the fast path.
std::uint16_t reference_checksum(const std::vector<std::uint8_t>& bytes) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    std::uint16_t word = static_cast<std::uint16_t>(bytes[i] << 8);
    if (i + 1 < bytes.size()) word |= bytes[i + 1];
    sum += word;
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(~sum);
}
}  // namespace

TEST(InternetChecksum, MatchesKnownIpv4Header) {
  // A captured IPv4 header whose checksum field (0xb861) was computed by Linux.
  std::array<std::uint8_t, 20> header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                         0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(internet_checksum(header), 0) << "a header with a correct checksum sums to zero";
  header[10] = header[11] = 0;
  EXPECT_EQ(internet_checksum(header), 0xb861);
}

TEST(InternetChecksum, OddLengthPadsWithZero) {
  const std::vector<std::uint8_t> odd = {0x01, 0x02, 0x03};
  EXPECT_EQ(internet_checksum(odd), static_cast<std::uint16_t>(~(0x0102 + 0x0300)));
}

TEST(InternetChecksum, FastPathAgreesWithReferenceOnRandomInput) {
  std::mt19937 rng(1234);
  for (std::size_t length = 0; length < 1600; length += 7) {
    std::vector<std::uint8_t> bytes(length);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    ASSERT_EQ(internet_checksum(bytes), reference_checksum(bytes)) << "length " << length;
  }
}

TEST(InternetChecksum, FastPathAgreesWithReferenceAtEveryAlignmentAndLength) {
  // The fast path reads 64-bit words in blocks of 32 bytes: cover every start alignment and the
  // lengths around each block and word boundary, plus random lengths up to a jumbo frame and beyond.
  std::mt19937 rng(4321);
  std::vector<std::uint8_t> storage(70'000 + 8);
  for (auto& b : storage) b = static_cast<std::uint8_t>(rng());
  std::vector<std::size_t> lengths;
  for (std::size_t length = 0; length <= 80; ++length) lengths.push_back(length);
  std::uniform_int_distribution<std::size_t> any_length(0, 70'000);
  for (int i = 0; i < 200; ++i) lengths.push_back(any_length(rng));
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (const std::size_t length : lengths) {
      const std::vector<std::uint8_t> bytes(storage.begin() + static_cast<std::ptrdiff_t>(offset),
                                            storage.begin() + static_cast<std::ptrdiff_t>(offset + length));
      const std::span<const std::uint8_t> in_place(storage.data() + offset, length);
      ASSERT_EQ(internet_checksum(in_place), reference_checksum(bytes)) << "offset " << offset << " length " << length;
    }
  }
}

TEST(InternetChecksum, AllOnesWordsCarryAroundCorrectly) {
  // 0xff bytes make every 64-bit addition carry out: the end-around carry must put each back.
  for (const std::size_t length : {8u, 32u, 40u, 1500u, 9000u, 65'535u}) {
    const std::vector<std::uint8_t> bytes(length, 0xff);
    ASSERT_EQ(internet_checksum(bytes), reference_checksum(bytes)) << "length " << length;
  }
}

TEST(InternetChecksum, PiecewiseAtRandomEvenSplitsEqualsWhole) {
  std::mt19937 rng(99);
  std::vector<std::uint8_t> bytes(3001);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  const std::span<const std::uint8_t> all(bytes);
  for (int round = 0; round < 100; ++round) {
    std::uint64_t sum = 0;
    std::size_t at = 0;
    while (at < all.size()) {
      const std::size_t piece = std::min(all.size() - at, 2 * (rng() % 200));
      sum = checksum_accumulate(sum, all.subspan(at, piece == 0 ? all.size() - at : piece));
      at += piece == 0 ? all.size() - at : piece;
    }
    ASSERT_EQ(checksum_finish(sum), internet_checksum(all)) << "round " << round;
  }
}

TEST(InternetChecksum, PiecewiseEqualsWholeWhenSplitAtEvenOffsets) {
  std::vector<std::uint8_t> bytes(999);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 31 + 7);
  const std::span<const std::uint8_t> all(bytes);
  const std::uint64_t split = checksum_accumulate(checksum_accumulate(0, all.first(400)), all.subspan(400));
  EXPECT_EQ(checksum_finish(split), internet_checksum(all));
}

TEST(ByteOrder, LoadsAndStoresBigEndian) {
  std::array<std::uint8_t, 4> bytes{};
  sluice::wire::store_be32(bytes.data(), 0x01020304);
  EXPECT_EQ(bytes, (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
  EXPECT_EQ(sluice::wire::load_be32(bytes.data()), 0x01020304u);
  sluice::wire::store_be16(bytes.data(), 0xabcd);
  EXPECT_EQ(sluice::wire::load_be16(bytes.data()), 0xabcd);
}

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "socket/tcp/byte_ring.hpp"
#include "socket/tcp/receive_buffer.hpp"
#include "socket/tcp/send_buffer.hpp"

using namespace sluice::socket::tcp;
using Bytes = std::vector<std::uint8_t>;

namespace {
Bytes counting(std::size_t n, std::uint8_t from = 0) {
  Bytes bytes(n);
  std::iota(bytes.begin(), bytes.end(), from);
  return bytes;
}

Bytes joined(const std::array<std::span<const std::uint8_t>, 2>& pieces) {
  Bytes out(pieces[0].begin(), pieces[0].end());
  out.insert(out.end(), pieces[1].begin(), pieces[1].end());
  return out;
}
}  // namespace

TEST(ByteRing, WritesAndViewsAcrossTheWrap) {
  Bytes memory(8, 0);
  ByteRing ring;
  ring.attach(memory);
  ring.advance(6);
  ring.write_at(0, Bytes{1, 2, 3, 4, 5});
  EXPECT_EQ(memory, (Bytes{3, 4, 5, 0, 0, 0, 1, 2}));
  const auto pieces = ring.view(1, 4);
  EXPECT_EQ(pieces[0].size(), 1u);
  EXPECT_EQ(joined(pieces), (Bytes{2, 3, 4, 5}));
  Bytes out(5);
  ring.read_at(0, out);
  EXPECT_EQ(out, (Bytes{1, 2, 3, 4, 5}));
}

TEST(SendBuffer, AcceptsUpToCapacityAndDropsAcknowledgedBytes) {
  Bytes memory(10);
  SendBuffer buffer;
  buffer.attach(memory);
  EXPECT_EQ(buffer.write(counting(7)), 7u);
  EXPECT_EQ(buffer.write(counting(7, 7)), 3u) << "only the free space is taken";
  EXPECT_EQ(buffer.free(), 0u);
  buffer.acknowledge(4);
  EXPECT_EQ(buffer.size(), 6u);
  EXPECT_EQ(buffer.write(counting(4, 10)), 4u);
  EXPECT_EQ(joined(buffer.view(0, 10)), counting(10, 4)) << "bytes 4..13 in order across the wrap";
  EXPECT_EQ(joined(buffer.view(3, 2)), (Bytes{7, 8}));
  buffer.acknowledge(100);
  EXPECT_EQ(buffer.size(), 0u) << "acknowledging more than held empties the buffer";
}

TEST(ReceiveBuffer, InOrderBytesAreReadableAndOpenTheWindowWhenRead) {
  Bytes memory(16);
  ReceiveBuffer buffer;
  buffer.attach(memory, 8);
  const auto first = buffer.store(0, counting(10));
  EXPECT_EQ(first.advanced, 10u);
  EXPECT_EQ(first.stored, 10u);
  EXPECT_EQ(buffer.readable(), 10u);
  EXPECT_EQ(buffer.free_space(), 6u);
  const auto cut = buffer.store(0, counting(10, 10));
  EXPECT_EQ(cut.stored, 6u) << "cut at the free space";
  EXPECT_EQ(buffer.free_space(), 0u);
  Bytes out(12);
  EXPECT_EQ(buffer.read(out), 12u);
  EXPECT_EQ(out, counting(12));
  EXPECT_EQ(buffer.free_space(), 12u);
  EXPECT_EQ(buffer.read(out), 4u);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 4), counting(4, 12));
  EXPECT_EQ(buffer.read(out), 0u);
}

TEST(ReceiveBuffer, OutOfOrderBytesWaitInPlaceUntilTheHoleFills) {
  Bytes memory(32);
  ReceiveBuffer buffer;
  buffer.attach(memory, 8);
  const Bytes data = counting(24);
  EXPECT_EQ(buffer.store(8, std::span(data).subspan(8, 4)).advanced, 0u);
  EXPECT_EQ(buffer.store(16, std::span(data).subspan(16, 8)).advanced, 0u);
  EXPECT_EQ(buffer.out_of_order_ranges(), 2u);
  EXPECT_EQ(buffer.readable(), 0u);
  EXPECT_EQ(buffer.store(12, std::span(data).subspan(12, 4)).advanced, 0u) << "joins both ranges";
  EXPECT_EQ(buffer.out_of_order_ranges(), 1u);
  const auto filled = buffer.store(0, std::span(data).first(8));
  EXPECT_EQ(filled.advanced, 24u) << "the hole and everything held behind it";
  EXPECT_EQ(buffer.out_of_order_ranges(), 0u);
  Bytes out(24);
  EXPECT_EQ(buffer.read(out), 24u);
  EXPECT_EQ(out, data);
}

TEST(ReceiveBuffer, RangeLimitRejectsNewRangesButStillExtendsHeldOnes) {
  Bytes memory(64);
  ReceiveBuffer buffer;
  buffer.attach(memory, 2);
  const Bytes data = counting(64);
  EXPECT_FALSE(buffer.store(10, std::span(data).subspan(10, 2)).rejected);
  EXPECT_FALSE(buffer.store(20, std::span(data).subspan(20, 2)).rejected);
  EXPECT_TRUE(buffer.store(30, std::span(data).subspan(30, 2)).rejected);
  EXPECT_FALSE(buffer.store(12, std::span(data).subspan(12, 3)).rejected) << "adjacent to a held range";
  EXPECT_EQ(buffer.out_of_order_ranges(), 2u);
  const auto refused = buffer.store(40, std::span(data).subspan(40, 4));
  EXPECT_TRUE(refused.rejected);
  EXPECT_EQ(refused.stored, 0u) << "nothing of a refused segment is kept";
}

TEST(ReceiveBuffer, RecentRangesListTheLatestExtendedFirst) {
  Bytes memory(64);
  ReceiveBuffer buffer;
  buffer.attach(memory, 8);
  const Bytes data = counting(64);
  buffer.store(10, std::span(data).subspan(10, 2));
  buffer.store(20, std::span(data).subspan(20, 2));
  buffer.store(30, std::span(data).subspan(30, 2));
  buffer.store(22, std::span(data).subspan(22, 2));
  std::array<ReceiveBuffer::Range, 4> ranges{};
  ASSERT_EQ(buffer.recent_ranges(ranges), 3u);
  EXPECT_EQ(ranges[0].begin, 20u);
  EXPECT_EQ(ranges[0].end, 24u);
  EXPECT_EQ(ranges[1].begin, 30u);
  EXPECT_EQ(ranges[2].begin, 10u);
  buffer.store(0, std::span(data).first(5));
  ASSERT_EQ(buffer.recent_ranges(std::span(ranges).first(2)), 2u);
  EXPECT_EQ(ranges[0].begin, 15u) << "offsets follow the in-order end";
  EXPECT_EQ(ranges[1].begin, 25u);
}

#include <gtest/gtest.h>

#include "socket/tcp/sack_scoreboard.hpp"

using namespace sluice::socket::tcp;

namespace {
constexpr std::uint32_t mss = 100;
const Seq una{0xfffffe00u};  // the window straddles the wrap
const Seq nxt = una + 2000;
}  // namespace

TEST(SackScoreboard, MergesBlocksAndCountsOnlyNewBytes) {
  SackScoreboard board;
  EXPECT_EQ(board.add(una + 200, una + 300, una, nxt), 100u);
  EXPECT_EQ(board.add(una + 400, una + 500, una, nxt), 100u);
  EXPECT_EQ(board.add(una + 250, una + 450, una, nxt), 100u) << "only the gap between the two is new";
  ASSERT_EQ(board.ranges().size(), 1u);
  EXPECT_EQ(board.ranges()[0].left, una + 200);
  EXPECT_EQ(board.ranges()[0].right, una + 500);
  EXPECT_EQ(board.sacked_bytes(), 300u);
  EXPECT_EQ(board.add(una + 200, una + 500, una, nxt), 0u) << "a repeated block adds nothing";
}

TEST(SackScoreboard, IgnoresBlocksOutsideTheWindow) {
  SackScoreboard board;
  EXPECT_EQ(board.add(una - 100, una, una, nxt), 0u) << "at or below SND.UNA (D-SACK)";
  EXPECT_EQ(board.add(una + 1900, una + 2100, una, nxt), 0u) << "beyond SND.MAX";
  EXPECT_EQ(board.add(una + 300, una + 300, una, nxt), 0u) << "empty";
  EXPECT_TRUE(board.empty());
}

TEST(SackScoreboard, AcknowledgmentTrimsAndDrops) {
  SackScoreboard board;
  board.add(una + 100, una + 200, una, nxt);
  board.add(una + 300, una + 400, una, nxt);
  board.acknowledge(una + 350);
  ASSERT_EQ(board.ranges().size(), 1u);
  EXPECT_EQ(board.ranges()[0].left, una + 350);
  EXPECT_EQ(board.sacked_bytes(), 50u);
}

TEST(SackScoreboard, LostBoundaryFollowsRfc6675IsLost) {
  SackScoreboard board;
  board.add(una + 1000, una + 1100, una, nxt);
  EXPECT_EQ(board.lost_boundary(una, mss, 3), una) << "one segment SACKed: nothing lost yet";
  board.add(una + 1200, una + 1300, una, nxt);
  EXPECT_EQ(board.lost_boundary(una, mss, 3), una) << "two segments: still not";
  board.add(una + 1400, una + 1500, una, nxt);
  EXPECT_EQ(board.lost_boundary(una, mss, 3), una + 1000) << "three ranges above: all holes below the lowest";

  SackScoreboard bytes;
  bytes.add(una + 500, una + 801, una, nxt);
  EXPECT_EQ(bytes.lost_boundary(una, mss, 3), una + 500) << "more than (3 - 1) * SMSS bytes SACKed above";
}

TEST(SackScoreboard, HolesAndUnsackedBytes) {
  SackScoreboard board;
  board.add(una + 100, una + 200, una, nxt);
  board.add(una + 300, una + 400, una, nxt);
  Seq start, end;
  ASSERT_TRUE(board.next_hole(una, nxt, start, end));
  EXPECT_EQ(start, una);
  EXPECT_EQ(end, una + 100);
  ASSERT_TRUE(board.next_hole(una + 150, nxt, start, end));
  EXPECT_EQ(start, una + 200);
  EXPECT_EQ(end, una + 300);
  ASSERT_TRUE(board.next_hole(una + 350, nxt, start, end));
  EXPECT_EQ(start, una + 400);
  EXPECT_EQ(end, nxt);
  EXPECT_FALSE(board.next_hole(una + 100, una + 200, start, end)) << "all SACKed";
  EXPECT_EQ(board.unsacked_bytes(una, una + 400), 200u);
  EXPECT_EQ(board.unsacked_bytes(una + 150, una + 350), 100u);
  EXPECT_TRUE(board.is_sacked(una + 399));
  EXPECT_FALSE(board.is_sacked(una + 400));
}

TEST(SackScoreboard, FullBoardIgnoresNewRanges) {
  SackScoreboard board;
  for (std::uint32_t i = 0; i < SackScoreboard::max_ranges; ++i) {
    EXPECT_EQ(board.add(una + 10 + 20 * i, una + 20 + 20 * i, una, nxt), 10u);
  }
  EXPECT_EQ(board.add(una + 1800, una + 1810, una, nxt), 0u);
  EXPECT_EQ(board.add(una + 20, una + 30, una, nxt), 10u) << "joining held ranges still works";
  EXPECT_EQ(board.ranges().size(), SackScoreboard::max_ranges - 1);
}

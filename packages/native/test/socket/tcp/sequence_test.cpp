#include <gtest/gtest.h>

#include "socket/tcp/sequence.hpp"

using namespace sluice::socket::tcp;

TEST(TcpSequence, ComparesAcrossWrapAround) {
  const Seq before_wrap{0xfffffff0u};
  const Seq after_wrap = before_wrap + 0x20;
  EXPECT_EQ(after_wrap.value, 0x10u);
  EXPECT_TRUE(before_wrap < after_wrap);
  EXPECT_TRUE(after_wrap > before_wrap);
  EXPECT_EQ(after_wrap - before_wrap, 0x20);
  EXPECT_EQ(before_wrap - after_wrap, -0x20);
  EXPECT_TRUE(before_wrap <= before_wrap);
  EXPECT_FALSE(before_wrap < before_wrap);
  EXPECT_EQ(seq_max(before_wrap, after_wrap), after_wrap);
  EXPECT_EQ(seq_min(before_wrap, after_wrap), before_wrap);
  EXPECT_EQ(seq_span(before_wrap, after_wrap), 0x20u);
  EXPECT_EQ(seq_span(after_wrap, before_wrap), 0u);
}

TEST(TcpSequence, WindowMembershipIsHalfOpen) {
  const Seq left{0xffffff00u};
  EXPECT_TRUE(seq_in_window(left, left, 0x200));
  EXPECT_TRUE(seq_in_window(left + 0x1ff, left, 0x200));
  EXPECT_FALSE(seq_in_window(left + 0x200, left, 0x200));
  EXPECT_FALSE(seq_in_window(left - 1, left, 0x200));
  EXPECT_FALSE(seq_in_window(left, left, 0)) << "an empty window holds nothing";
}

TEST(TcpSequence, HalfTheSpaceAwayFlipsTheOrder) {
  const Seq a{100};
  EXPECT_TRUE(a < a + 0x7fffffffu);
  EXPECT_TRUE(a > a + 0x80000001u) << "more than 2^31 ahead reads as behind";
}

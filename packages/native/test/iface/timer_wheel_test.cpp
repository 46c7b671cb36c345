#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "iface/timer_wheel.hpp"

using namespace sluice;
using sluice::iface::TimerWheel;

namespace {
std::vector<std::uint32_t> advance(TimerWheel& wheel, Instant now) {
  std::vector<std::uint32_t> fired;
  wheel.advance(now, [&](std::uint32_t id) { fired.push_back(id); });
  std::sort(fired.begin(), fired.end());
  return fired;
}
}  // namespace

TEST(TimerWheel, FiresAtTheFirstTickAtOrAfterTheDeadline) {
  TimerWheel wheel(8, 16, Duration::millis(1));
  wheel.schedule(1, Instant::from_micros(2500));
  EXPECT_EQ(wheel.deadline(1), Instant::from_millis(3)) << "rounded up, never early";
  EXPECT_EQ(wheel.next_deadline(), Instant::from_millis(3));
  EXPECT_TRUE(advance(wheel, Instant::from_micros(2999)).empty());
  EXPECT_EQ(advance(wheel, Instant::from_millis(3)), std::vector<std::uint32_t>{1});
  EXPECT_FALSE(wheel.scheduled(1));
  EXPECT_EQ(wheel.next_deadline(), Instant::never());
}

TEST(TimerWheel, CancelAndRescheduleAreConstantTimeAndExact) {
  TimerWheel wheel(8, 16, Duration::millis(1));
  wheel.schedule(1, Instant::from_millis(5));
  wheel.schedule(2, Instant::from_millis(5));
  wheel.schedule(3, Instant::from_millis(7));
  wheel.cancel(2);
  wheel.schedule(3, Instant::from_millis(4));
  EXPECT_EQ(wheel.size(), 2u);
  EXPECT_EQ(wheel.next_deadline(), Instant::from_millis(4));
  EXPECT_EQ(advance(wheel, Instant::from_millis(6)), (std::vector<std::uint32_t>{1, 3}));
  wheel.schedule(4, Instant::never());
  EXPECT_FALSE(wheel.scheduled(4)) << "never means unscheduled";
}

TEST(TimerWheel, DeadlinesBeyondOneTurnWaitForTheirTurn) {
  TimerWheel wheel(8, 16, Duration::millis(1));
  wheel.schedule(1, Instant::from_millis(5));
  wheel.schedule(2, Instant::from_millis(5 + 16));    // same slot, next turn
  wheel.schedule(3, Instant::from_millis(5 + 160));   // ten turns later
  EXPECT_EQ(advance(wheel, Instant::from_millis(5)), std::vector<std::uint32_t>{1});
  EXPECT_EQ(wheel.next_deadline(), Instant::from_millis(21));
  EXPECT_EQ(advance(wheel, Instant::from_millis(20)), std::vector<std::uint32_t>{});
  EXPECT_EQ(advance(wheel, Instant::from_millis(21)), std::vector<std::uint32_t>{2});
  EXPECT_EQ(wheel.next_deadline(), Instant::from_millis(165)) << "found by scanning the whole wheel";
  EXPECT_EQ(advance(wheel, Instant::from_millis(1000)), std::vector<std::uint32_t>{3}) << "a long jump visits every slot";
}

TEST(TimerWheel, CallbacksMayRescheduleAndCancelOthers) {
  TimerWheel wheel(8, 16, Duration::millis(1));
  wheel.schedule(1, Instant::from_millis(2));
  wheel.schedule(2, Instant::from_millis(2));
  wheel.schedule(3, Instant::from_millis(2));
  std::vector<std::uint32_t> fired;
  wheel.advance(Instant::from_millis(2), [&](std::uint32_t id) {
    fired.push_back(id);
    if (id == 1 || id == 3) wheel.cancel(id == 1 ? 3 : 1);  // whichever comes first cancels the other
    if (id == 2) wheel.schedule(2, Instant::from_millis(9));
  });
  EXPECT_EQ(fired.size(), 2u);
  EXPECT_TRUE(wheel.scheduled(2));
  EXPECT_EQ(wheel.deadline(2), Instant::from_millis(9));
  EXPECT_EQ(advance(wheel, Instant::from_millis(9)), std::vector<std::uint32_t>{2});
}

TEST(TimerWheel, PastDeadlinesFireAtTheNextAdvance) {
  TimerWheel wheel(4, 8, Duration::millis(1));
  EXPECT_TRUE(advance(wheel, Instant::from_millis(100)).empty());
  wheel.schedule(0, Instant::from_millis(50));
  EXPECT_EQ(wheel.next_deadline(), Instant::from_millis(100)) << "clamped to now";
  EXPECT_EQ(advance(wheel, Instant::from_millis(100)), std::vector<std::uint32_t>{0});
}

#include <gtest/gtest.h>

#include <vector>

#include "runtime/timer_wheel.hpp"
#include "support/allocation_counter.hpp"

using sluice::Duration;
using sluice::Instant;
using sluice::runtime::TimerNode;
using sluice::runtime::TimerWheel;

namespace {
struct Recorder {
  std::vector<const TimerNode*> fired;
  auto callback() {
    return [this](TimerNode& node) { fired.push_back(&node); };
  }
};

constexpr Instant at_ms(std::uint64_t ms) { return Instant::from_millis(ms); }
}  // namespace

TEST(TimerWheel, FiresDueTimersInTickOrderAndNothingEarly) {
  TimerWheel wheel(Duration::millis(1), 64, at_ms(0));
  TimerNode a, b, c;
  wheel.schedule(c, at_ms(30));
  wheel.schedule(a, at_ms(10));
  wheel.schedule(b, at_ms(20));
  Recorder r;
  EXPECT_EQ(wheel.advance(at_ms(9), r.callback()), 0u);
  EXPECT_EQ(wheel.advance(at_ms(25), r.callback()), 2u);
  EXPECT_EQ(r.fired, (std::vector<const TimerNode*>{&a, &b}));
  EXPECT_FALSE(a.scheduled());
  EXPECT_TRUE(c.scheduled());
  EXPECT_EQ(wheel.size(), 1u);
}

TEST(TimerWheel, DeadlinesRoundUpToTheResolution) {
  TimerWheel wheel(Duration::millis(1), 64, at_ms(0));
  TimerNode node;
  wheel.schedule(node, Instant{10'000'001});  // 10 ms + 1 ns
  Recorder r;
  EXPECT_EQ(wheel.advance(at_ms(10), r.callback()), 0u) << "never fires before its deadline";
  EXPECT_EQ(wheel.advance(at_ms(11), r.callback()), 1u);
}

TEST(TimerWheel, CancelAndRescheduleAndDestroyUnlink) {
  TimerWheel wheel(Duration::millis(1), 64, at_ms(0));
  TimerNode kept, cancelled, moved;
  wheel.schedule(kept, at_ms(5));
  wheel.schedule(cancelled, at_ms(5));
  wheel.schedule(moved, at_ms(5));
  wheel.cancel(cancelled);
  wheel.schedule(moved, at_ms(40));
  {
    TimerNode temporary;
    wheel.schedule(temporary, at_ms(5));
  }  // destroyed while scheduled: must unlink itself
  Recorder r;
  wheel.advance(at_ms(10), r.callback());
  EXPECT_EQ(r.fired, (std::vector<const TimerNode*>{&kept}));
  wheel.advance(at_ms(40), r.callback());
  EXPECT_EQ(r.fired.back(), &moved);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, TimersBeyondOneRevolutionWaitTheirRounds) {
  TimerWheel wheel(Duration::millis(1), 16, at_ms(0));
  TimerNode near, far;
  wheel.schedule(near, at_ms(3));
  wheel.schedule(far, at_ms(3 + 16 * 5));  // same slot, five revolutions later
  Recorder r;
  wheel.advance(at_ms(50), r.callback());
  EXPECT_EQ(r.fired, (std::vector<const TimerNode*>{&near}));
  wheel.advance(at_ms(82), r.callback());
  EXPECT_EQ(r.fired.size(), 1u);
  wheel.advance(at_ms(83), r.callback());
  EXPECT_EQ(r.fired.back(), &far);
}

TEST(TimerWheel, ALongJumpFiresEverythingOverdue) {
  TimerWheel wheel(Duration::millis(1), 16, at_ms(0));
  TimerNode nodes[5];
  for (int i = 0; i < 5; ++i) wheel.schedule(nodes[i], at_ms(7 + 100 * i));
  Recorder r;
  EXPECT_EQ(wheel.advance(at_ms(10'000), r.callback()), 5u);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, ACallbackMayRescheduleItsOwnTimer) {
  TimerWheel wheel(Duration::millis(1), 64, at_ms(0));
  TimerNode periodic;
  int fired = 0;
  wheel.schedule(periodic, at_ms(10));
  for (std::uint64_t t = 0; t <= 100; ++t) {
    wheel.advance(at_ms(t), [&](TimerNode& node) {
      ++fired;
      wheel.schedule(node, at_ms(t + 10));
    });
  }
  EXPECT_EQ(fired, 10);
  EXPECT_TRUE(periodic.scheduled());
}

TEST(TimerWheel, NextDeadlineIsALowerBoundThatAdvancePastsRaise) {
  TimerWheel wheel(Duration::millis(1), 64, at_ms(0));
  EXPECT_TRUE(wheel.next_deadline().is_never());
  TimerNode a, b;
  wheel.schedule(b, at_ms(30));
  wheel.schedule(a, at_ms(12));
  EXPECT_EQ(wheel.next_deadline(), at_ms(12));
  Recorder r;
  wheel.advance(at_ms(12), r.callback());
  EXPECT_GT(wheel.next_deadline(), at_ms(12));
  EXPECT_LE(wheel.next_deadline(), at_ms(30));
}

TEST(TimerWheel, ScheduleCancelAndAdvanceAllocateNothing) {
  TimerWheel wheel(Duration::millis(1), 1024, at_ms(0));
  std::vector<TimerNode> nodes(256);
  sluice::test::AllocationCounter::start();
  std::uint64_t fired = 0;
  for (std::uint64_t t = 0; t < 5'000; ++t) {
    TimerNode& node = nodes[t % nodes.size()];
    wheel.schedule(node, at_ms(t + (t % 97)));
    if (t % 7 == 0) wheel.cancel(nodes[(t * 13) % nodes.size()]);
    fired += wheel.advance(at_ms(t), [](TimerNode&) {});
  }
  EXPECT_EQ(sluice::test::AllocationCounter::stop(), 0u);
  EXPECT_GT(fired, 1'000u);
}

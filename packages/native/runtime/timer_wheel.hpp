#pragma once
// A hashed timing wheel: O(1) schedule and cancel, expiry in slot order as time advances. Timers are
// intrusive nodes owned by whoever schedules them (a connection, an app), so nothing is allocated
// after construction. Timers further out than one revolution wait in their slot for more rounds.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/time.hpp"

namespace sluice::runtime {

class TimerWheel;

class TimerNode {
 public:
  /// What StackInstance::finish() calls when the timer fires; owners embedding a node recover
  /// themselves from it. Users of TimerWheel::advance() directly may leave it null.
  using Callback = void (*)(TimerNode& node, Instant now);

  explicit TimerNode(Callback callback = nullptr) : callback_(callback) {}
  ~TimerNode();
  TimerNode(const TimerNode&) = delete;
  TimerNode& operator=(const TimerNode&) = delete;

  bool scheduled() const { return wheel_ != nullptr; }
  Instant deadline() const { return deadline_; }
  void fire(Instant now) {
    if (callback_ != nullptr) callback_(*this, now);
  }

 private:
  friend class TimerWheel;
  Callback callback_;
  TimerWheel* wheel_ = nullptr;
  TimerNode* prev_ = nullptr;
  TimerNode* next_ = nullptr;
  Instant deadline_;
  std::uint64_t tick_ = 0;
};

class TimerWheel {
 public:
  /// `resolution` is the granularity (deadlines round up to it); `slots` should be a power of two.
  TimerWheel(Duration resolution, std::size_t slots, Instant start);
  ~TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  /// (Re)schedules `node` to fire at `deadline` (past deadlines fire at the next advance).
  void schedule(TimerNode& node, Instant deadline);
  void cancel(TimerNode& node);

  /// Fires every timer due by `now`, slot by slot in tick order, calling `on_expiry(TimerNode&)`;
  /// timers more than one revolution overdue fire in the first pass. A callback may schedule or
  /// cancel timers, including the one firing.
  template <typename OnExpiry>
  std::size_t advance(Instant now, OnExpiry&& on_expiry);

  /// No timer fires before this (Instant::never() when none is scheduled). A lower bound kept in
  /// O(1): cancelling the earliest timer does not raise it, so a loop may wake once for nothing.
  Instant next_deadline() const { return size_ == 0 ? Instant::never() : Instant{earliest_tick_ * resolution_.nanos}; }
  std::size_t size() const { return size_; }

 private:
  std::uint64_t tick_of(Instant at) const { return (at.nanos + resolution_.nanos - 1) / resolution_.nanos; }
  void link(TimerNode& node);
  void unlink(TimerNode& node);
  TimerNode* pop_due(std::uint64_t slot, std::uint64_t tick);

  Duration resolution_;
  std::vector<TimerNode*> heads_;
  std::uint64_t mask_;
  std::uint64_t current_tick_;
  std::uint64_t earliest_tick_ = ~std::uint64_t{0};
  std::size_t size_ = 0;
};

template <typename OnExpiry>
std::size_t TimerWheel::advance(Instant now, OnExpiry&& on_expiry) {
  const std::uint64_t target = now.nanos / resolution_.nanos;
  std::size_t fired = 0;
  // Walk at most one revolution: beyond that every slot has been visited once anyway.
  while (current_tick_ <= target && size_ > 0) {
    while (TimerNode* node = pop_due(current_tick_ & mask_, current_tick_)) {
      ++fired;
      on_expiry(*node);
    }
    if (current_tick_ == target) break;
    ++current_tick_;
    if (target - current_tick_ > mask_) current_tick_ = target - mask_;
  }
  if (current_tick_ < target) current_tick_ = target;
  // Everything due by `target` has fired, so what remains is later.
  if (earliest_tick_ <= target) earliest_tick_ = target + 1;
  return fired;
}

}  // namespace sluice::runtime

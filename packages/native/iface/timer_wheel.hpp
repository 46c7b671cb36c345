#pragma once
// A hashed timer wheel for many timers identified by small integers (one per TCP connection):
// O(1) schedule and cancel, advance() touching only the slots time passed over. A timer fires at
// the first tick at or after its deadline, never before. Deadlines beyond one turn of the wheel
// wait in their slot for later turns. Storage is allocated once.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/time.hpp"

namespace sluice::iface {

class TimerWheel {
 public:
  /// `timers` ids (0..timers-1); `slots` a power of two; ticks of `granularity`.
  TimerWheel(std::size_t timers, std::size_t slots, Duration granularity);

  /// Sets (or moves) timer `id` to `deadline`; Instant::never() cancels it.
  void schedule(std::uint32_t id, Instant deadline);
  void cancel(std::uint32_t id);
  bool scheduled(std::uint32_t id) const { return nodes_[id].slot != unlinked; }
  /// The deadline as rounded up to a tick, Instant::never() when not scheduled.
  Instant deadline(std::uint32_t id) const;

  /// Fires, in no particular order, every timer whose tick is due at `now`: each is unscheduled,
  /// then `fire(id)` runs, which may schedule or cancel any timer. Returns how many fired.
  template <typename Fire>
  std::size_t advance(Instant now, Fire&& fire);

  /// The earliest tick with a timer, Instant::never() when none. Cached; cheap when nothing changed.
  Instant next_deadline() const;
  std::size_t size() const { return count_; }

 private:
  static constexpr std::uint32_t none = 0xffffffffu;
  static constexpr std::uint32_t unlinked = 0xffffffffu;

  struct Node {
    std::uint64_t tick = 0;
    std::uint32_t prev = none;
    std::uint32_t next = none;
    std::uint32_t slot = unlinked;  ///< slot index, or `processing` while advance() holds it
  };

  std::uint64_t tick_of(Instant deadline) const;
  void link(std::uint32_t id, std::uint32_t list);
  void unlink(std::uint32_t id);
  /// Moves the slot's timers to the processing list; returns whether any were there.
  bool take_slot(std::size_t slot);

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> heads_;  ///< one list per slot, plus the processing list at the end
  std::uint32_t processing_;
  std::uint64_t mask_;
  std::uint64_t granularity_;
  std::uint64_t current_tick_ = 0;  ///< every tick up to this one has been processed
  std::size_t count_ = 0;
  mutable bool cache_valid_ = true;
  mutable std::uint64_t cached_next_tick_ = ~std::uint64_t{0};
};

template <typename Fire>
std::size_t TimerWheel::advance(Instant now, Fire&& fire) {
  const std::uint64_t now_tick = now.nanos / granularity_;
  if (now_tick <= current_tick_ && cache_valid_ && cached_next_tick_ > now_tick) return 0;
  std::size_t fired = 0;
  // Visit each slot at most once per call: after a full turn every slot has been seen.
  const std::uint64_t last = now_tick - current_tick_ > mask_ ? current_tick_ + mask_ + 1 : now_tick;
  for (std::uint64_t tick = current_tick_; tick <= last; ++tick) {
    if (!take_slot(static_cast<std::size_t>(tick & mask_))) continue;
    while (heads_[processing_] != none) {
      const std::uint32_t id = heads_[processing_];
      unlink(id);
      if (nodes_[id].tick <= now_tick) {
        --count_;
        ++fired;
        fire(id);
      } else {
        link(id, static_cast<std::uint32_t>(nodes_[id].tick & mask_));
      }
    }
  }
  current_tick_ = now_tick > current_tick_ ? now_tick : current_tick_;
  cache_valid_ = false;
  return fired;
}

}  // namespace sluice::iface

#include "iface/timer_wheel.hpp"

#include <algorithm>

namespace sluice::iface {

TimerWheel::TimerWheel(std::size_t timers, std::size_t slots, Duration granularity)
    : nodes_(timers),
      heads_(slots + 1, none),
      processing_(static_cast<std::uint32_t>(slots)),
      mask_(slots - 1),
      granularity_(std::max<std::uint64_t>(granularity.nanos, 1)) {}

std::uint64_t TimerWheel::tick_of(Instant deadline) const {
  const std::uint64_t tick = (deadline.nanos + granularity_ - 1) / granularity_;  // never early
  return std::max(tick, current_tick_);
}

void TimerWheel::schedule(std::uint32_t id, Instant deadline) {
  if (deadline.is_never()) {
    cancel(id);
    return;
  }
  const std::uint64_t tick = tick_of(deadline);
  if (scheduled(id)) {
    if (nodes_[id].tick == tick) return;
    unlink(id);
  } else {
    ++count_;
  }
  nodes_[id].tick = tick;
  link(id, static_cast<std::uint32_t>(tick & mask_));
  if (cache_valid_ && tick < cached_next_tick_) cached_next_tick_ = tick;
}

void TimerWheel::cancel(std::uint32_t id) {
  if (!scheduled(id)) return;
  unlink(id);
  --count_;
  // The cache stays a valid lower bound: at worst the next deadline is reported early once.
}

Instant TimerWheel::deadline(std::uint32_t id) const {
  if (!scheduled(id)) return Instant::never();
  return Instant{nodes_[id].tick * granularity_};
}

void TimerWheel::link(std::uint32_t id, std::uint32_t list) {
  Node& node = nodes_[id];
  node.slot = list;
  node.prev = none;
  node.next = heads_[list];
  if (node.next != none) nodes_[node.next].prev = id;
  heads_[list] = id;
}

void TimerWheel::unlink(std::uint32_t id) {
  Node& node = nodes_[id];
  if (node.prev != none) {
    nodes_[node.prev].next = node.next;
  } else {
    heads_[node.slot] = node.next;
  }
  if (node.next != none) nodes_[node.next].prev = node.prev;
  node.prev = node.next = none;
  node.slot = unlinked;
}

bool TimerWheel::take_slot(std::size_t slot) {
  std::uint32_t id = heads_[slot];
  if (id == none) return false;
  heads_[slot] = none;
  // Splice the whole list onto the (empty) processing list.
  heads_[processing_] = id;
  for (; id != none; id = nodes_[id].next) nodes_[id].slot = processing_;
  return true;
}

Instant TimerWheel::next_deadline() const {
  if (count_ == 0) return Instant::never();
  if (!cache_valid_) {
    std::uint64_t best = ~std::uint64_t{0};
    const std::uint64_t turn = mask_ + 1;
    for (std::uint64_t i = 0; i < turn; ++i) {
      const std::uint64_t tick = current_tick_ + i;
      for (std::uint32_t id = heads_[tick & mask_]; id != none; id = nodes_[id].next) {
        best = std::min(best, nodes_[id].tick);
      }
      if (best <= tick) break;  // nothing in a later slot of this turn can be earlier
    }
    cached_next_tick_ = best;
    cache_valid_ = true;
  }
  return Instant{cached_next_tick_ * granularity_};
}

}  // namespace sluice::iface

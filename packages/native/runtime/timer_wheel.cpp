#include "runtime/timer_wheel.hpp"

#include <algorithm>
#include <bit>

#include "util/error.hpp"

namespace sluice::runtime {

TimerNode::~TimerNode() {
  if (wheel_ != nullptr) wheel_->cancel(*this);
}

TimerWheel::TimerWheel(Duration resolution, std::size_t slots, Instant start)
    : resolution_(resolution), heads_(slots, nullptr), mask_(slots - 1), current_tick_(start.nanos / resolution.nanos) {
  if (resolution.nanos == 0 || slots == 0 || !std::has_single_bit(slots)) {
    throw Error(EINVAL, "timer wheel needs a non-zero resolution and a power-of-two slot count");
  }
}

TimerWheel::~TimerWheel() {
  for (TimerNode* head : heads_) {
    for (TimerNode* node = head; node != nullptr;) {
      TimerNode* next = node->next_;
      node->wheel_ = nullptr;
      node->prev_ = node->next_ = nullptr;
      node = next;
    }
  }
}

void TimerWheel::schedule(TimerNode& node, Instant deadline) {
  if (node.wheel_ != nullptr) cancel(node);
  node.deadline_ = deadline;
  node.tick_ = std::max(tick_of(deadline), current_tick_);
  earliest_tick_ = std::min(earliest_tick_, node.tick_);
  link(node);
}

void TimerWheel::cancel(TimerNode& node) {
  if (node.wheel_ != this) return;
  unlink(node);
}

void TimerWheel::link(TimerNode& node) {
  TimerNode*& head = heads_[node.tick_ & mask_];
  node.wheel_ = this;
  node.prev_ = nullptr;
  node.next_ = head;
  if (head != nullptr) head->prev_ = &node;
  head = &node;
  ++size_;
}

void TimerWheel::unlink(TimerNode& node) {
  if (node.prev_ != nullptr) {
    node.prev_->next_ = node.next_;
  } else {
    heads_[node.tick_ & mask_] = node.next_;
  }
  if (node.next_ != nullptr) node.next_->prev_ = node.prev_;
  node.wheel_ = nullptr;
  node.prev_ = node.next_ = nullptr;
  --size_;
}

TimerNode* TimerWheel::pop_due(std::uint64_t slot, std::uint64_t tick) {
  for (TimerNode* node = heads_[slot]; node != nullptr; node = node->next_) {
    if (node->tick_ <= tick) {
      unlink(*node);
      return node;
    }
  }
  return nullptr;
}

}  // namespace sluice::runtime

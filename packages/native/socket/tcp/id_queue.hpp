#pragma once
// A FIFO of small integers with a capacity fixed at construction.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::socket::tcp {

class IdQueue {
 public:
  explicit IdQueue(std::size_t capacity = 0) : slots_(capacity), capacity_(capacity) {}
  void reset(std::size_t capacity) {
    if (slots_.size() < capacity) slots_.resize(capacity);
    capacity_ = capacity;
    head_ = size_ = 0;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity(); }
  std::size_t capacity() const { return capacity_; }

  bool push(std::uint64_t value) {
    if (full()) return false;
    slots_[(head_ + size_) % capacity()] = value;
    ++size_;
    return true;
  }
  std::uint64_t front() const { return slots_[head_]; }
  std::uint64_t pop() {
    const std::uint64_t value = slots_[head_];
    head_ = (head_ + 1) % capacity();
    --size_;
    return value;
  }

 private:
  std::vector<std::uint64_t> slots_;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sluice::socket::tcp

#pragma once
// A FIFO ring whose storage is allocated once, at construction; push and pop never allocate.
#include <cstddef>
#include <span>
#include <vector>

namespace sluice::device {

template <typename T>
class FixedQueue {
 public:
  explicit FixedQueue(std::size_t capacity) : slots_(capacity) {}

  std::size_t capacity() const { return slots_.size(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == slots_.size(); }

  /// False (and nothing stored) when full.
  bool push(const T& value) {
    if (full()) return false;
    slots_[(head_ + size_) % slots_.size()] = value;
    ++size_;
    return true;
  }

  /// The oldest element; the queue must not be empty.
  T& front() { return slots_[head_]; }
  const T& front() const { return slots_[head_]; }
  /// The i-th oldest element, i < size().
  T& at(std::size_t i) { return slots_[(head_ + i) % slots_.size()]; }

  T pop() {
    T value = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    --size_;
    return value;
  }

  /// Removes the i-th oldest element, keeping the order of the others.
  T remove_at(std::size_t i) {
    T value = at(i);
    for (std::size_t j = i; j + 1 < size_; ++j) at(j) = at(j + 1);
    --size_;
    return value;
  }

  /// Moves up to out.size() of the oldest elements into `out`; returns how many.
  std::size_t pop_into(std::span<T> out) {
    std::size_t n = 0;
    while (n < out.size() && size_ > 0) out[n++] = pop();
    return n;
  }

  void clear() { head_ = size_ = 0; }

 private:
  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sluice::device

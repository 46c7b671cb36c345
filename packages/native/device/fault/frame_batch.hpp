#pragma once
// A contiguous run of frames with fixed capacity, consumed from the front: the shape
// Device::transmit() and receive() want, without allocating after construction.
#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "device/device.hpp"

namespace sluice::device::fault {

class FrameBatch {
 public:
  explicit FrameBatch(std::size_t capacity) : frames_(capacity) {}

  std::size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }

  /// False (nothing stored) when full.
  bool push(const Frame& frame) {
    if (end_ == frames_.size()) {
      if (begin_ == 0) return false;
      std::copy(frames_.begin() + static_cast<std::ptrdiff_t>(begin_), frames_.begin() + static_cast<std::ptrdiff_t>(end_),
                frames_.begin());
      end_ -= begin_;
      begin_ = 0;
    }
    frames_[end_++] = frame;
    return true;
  }

  std::span<const Frame> pending() const { return {frames_.data() + begin_, size()}; }

  /// Drops the first n pending frames (they were handed on).
  void consume(std::size_t n) {
    begin_ += std::min(n, size());
    if (begin_ == end_) begin_ = end_ = 0;
  }

  /// Moves up to out.size() pending frames into `out`; returns how many.
  std::size_t take(std::span<Frame> out) {
    const std::size_t n = std::min(out.size(), size());
    std::copy_n(frames_.begin() + static_cast<std::ptrdiff_t>(begin_), n, out.begin());
    consume(n);
    return n;
  }

 private:
  std::vector<Frame> frames_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace sluice::device::fault

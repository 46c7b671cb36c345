#pragma once
// A fixed pool of equal-sized frames over one memory region: a LIFO free list of frame indices, so
// the most recently freed (cache-warm) frame is reused first. No allocation after construction.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::device {

class FramePool {
 public:
  /// `base` must hold frame_count * frame_size bytes and outlive the pool.
  FramePool(std::uint8_t* base, std::uint32_t frame_count, std::uint32_t frame_size)
      : base_(base), frame_size_(frame_size), free_(frame_count) {
    for (std::uint32_t i = 0; i < frame_count; ++i) free_[i] = frame_count - 1 - i;
    top_ = frame_count;
  }

  std::uint32_t frame_size() const { return frame_size_; }
  std::size_t capacity() const { return free_.size(); }
  std::size_t available() const { return top_; }

  /// Takes one frame index; false when the pool is empty.
  bool take(std::uint32_t& index) {
    if (top_ == 0) return false;
    index = free_[--top_];
    return true;
  }

  /// Returns a frame index taken earlier. Returning more than was taken is a bug and is ignored.
  void give(std::uint32_t index) {
    if (top_ < free_.size()) free_[top_++] = index;
  }

  std::uint8_t* address(std::uint32_t index) const { return base_ + std::size_t{index} * frame_size_; }
  std::uint64_t offset(std::uint32_t index) const { return std::uint64_t{index} * frame_size_; }
  std::uint32_t index_of_offset(std::uint64_t offset) const { return static_cast<std::uint32_t>(offset / frame_size_); }

 private:
  std::uint8_t* base_;
  std::uint32_t frame_size_;
  std::vector<std::uint32_t> free_;
  std::size_t top_ = 0;
};

}  // namespace sluice::device

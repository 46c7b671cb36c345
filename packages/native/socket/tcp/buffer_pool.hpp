#pragma once
// The stack's TCP memory budget: a fixed number of send/receive buffer pairs carved from one
// region, reserved once when TCP is first used (a listen or a connect, never a received segment),
// so stacks that never use TCP never pay for it. A connection takes a pair when it opens and gives
// it back when it ends (or enters TIME-WAIT with nobody left to read), so the total never grows;
// when the pairs run out, new connections are refused rather than memory exhausted.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace sluice::socket::tcp {

class BufferPool {
 public:
  BufferPool(std::size_t pairs, std::size_t send_bytes, std::size_t receive_bytes)
      : pairs_(pairs),
        send_bytes_(send_bytes),
        receive_bytes_(receive_bytes),
        free_(pairs) {
    for (std::size_t i = 0; i < pairs; ++i) free_[i] = static_cast<std::uint32_t>(pairs - 1 - i);
  }

  /// Allocates the region if that has not happened yet. Default-initialised: pages a connection
  /// never touches cost no memory.
  void reserve() {
    if (!memory_) memory_.reset(new std::uint8_t[pairs_ * (send_bytes_ + receive_bytes_)]);
  }

  std::size_t capacity() const { return pairs_; }
  std::size_t available() const { return free_.size(); }

  /// A pair index, or -1 when the budget is spent (or was never reserved).
  int take() {
    if (free_.empty() || !memory_) return -1;
    const std::uint32_t index = free_.back();
    free_.pop_back();
    return static_cast<int>(index);
  }
  void give(int index) { free_.push_back(static_cast<std::uint32_t>(index)); }

  std::span<std::uint8_t> send_memory(int index) {
    return {memory_.get() + static_cast<std::size_t>(index) * (send_bytes_ + receive_bytes_), send_bytes_};
  }
  std::span<std::uint8_t> receive_memory(int index) {
    return {memory_.get() + static_cast<std::size_t>(index) * (send_bytes_ + receive_bytes_) + send_bytes_,
            receive_bytes_};
  }

 private:
  std::size_t pairs_;
  std::size_t send_bytes_;
  std::size_t receive_bytes_;
  std::unique_ptr<std::uint8_t[]> memory_;
  std::vector<std::uint32_t> free_;  ///< capacity reserved by the constructor; never reallocates
};

}  // namespace sluice::socket::tcp

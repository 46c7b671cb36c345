#pragma once
// A FrameIo for tests: a small FramePool, a record of every transmitted frame (copied out, the
// frame returned to the pool), and ownership checks, so a test can assert exact replies and that
// no frame leaked or was returned twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <vector>

#include "device/frame_pool.hpp"
#include "iface/frame_io.hpp"

namespace sluice::testing {

using Bytes = std::vector<std::uint8_t>;

class TestFrameIo : public iface::FrameIo {
 public:
  explicit TestFrameIo(std::uint32_t frame_count = 32, std::uint32_t frame_size = 2048)
      : memory_(std::size_t{frame_count} * frame_size), pool_(memory_.data(), frame_count, frame_size),
        owned_(frame_count, false) {}

  bool allocate(device::Frame& out) override {
    if (fail_allocations) return false;
    std::uint32_t index = 0;
    if (!pool_.take(index)) return false;
    out = {pool_.address(index), 0, pool_.frame_size(), index};
    owned_[index] = true;
    return true;
  }

  void transmit(const device::Frame& frame) override {
    transmitted_count += 1;
    if (record) sent.emplace_back(frame.data, frame.data + frame.len);
    if (on_transmit) {
      on_transmit(frame);  // takes over the frame
      return;
    }
    give_back(frame);
  }

  void release(const device::Frame& frame) override {
    released_count += 1;
    give_back(frame);
  }

  /// A frame from the pool holding `bytes`, as a device would hand it to the stack.
  device::Frame frame_with(const Bytes& bytes) {
    device::Frame frame;
    const bool saved = fail_allocations;
    fail_allocations = false;
    const bool ok = allocate(frame);
    fail_allocations = saved;
    EXPECT_TRUE(ok) << "test pool exhausted";
    if (!ok) return {};
    std::copy(bytes.begin(), bytes.end(), frame.data);
    frame.len = static_cast<std::uint32_t>(bytes.size());
    return frame;
  }

  /// The oldest recorded transmission; fails the test if there is none.
  Bytes pop_sent() {
    if (sent.empty()) {
      ADD_FAILURE() << "expected a transmitted frame";
      return {};
    }
    Bytes frame = std::move(sent.front());
    sent.pop_front();
    return frame;
  }

  void give_back(const device::Frame& frame) {
    const auto index = static_cast<std::uint32_t>(frame.handle);
    if (index >= owned_.size() || !owned_[index]) {
      ADD_FAILURE() << "frame " << index << " returned twice or never handed out";
      return;
    }
    owned_[index] = false;
    pool_.give(index);
  }

  std::size_t available() const { return pool_.available(); }
  std::size_t capacity() const { return pool_.capacity(); }
  bool pool_full() const { return pool_.available() == pool_.capacity(); }

  std::deque<Bytes> sent;
  bool record = true;
  bool fail_allocations = false;
  std::uint64_t transmitted_count = 0;
  std::uint64_t released_count = 0;
  std::function<void(const device::Frame&)> on_transmit;

 private:
  std::vector<std::uint8_t> memory_;
  device::FramePool pool_;
  std::vector<bool> owned_;
};

}  // namespace sluice::testing

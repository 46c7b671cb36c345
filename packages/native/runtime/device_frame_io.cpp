#include "runtime/device_frame_io.hpp"

#include <algorithm>

namespace sluice::runtime {

DeviceFrameIo::~DeviceFrameIo() {
  flush();
  // Whatever the device still refuses goes back to its pool: shutting down must not leak frames.
  if (tx_count_ > 0) device_.release({tx_batch_.data(), tx_count_});
  tx_count_ = 0;
  return_cached();
}

bool DeviceFrameIo::allocate(device::Frame& out) {
  if (alloc_count_ == 0) {
    alloc_count_ = device_.allocate({alloc_cache_.data(), alloc_cache_.size() / 2});
    if (alloc_count_ == 0) return false;
  }
  out = alloc_cache_[--alloc_count_];
  out.len = 0;
  return true;
}

void DeviceFrameIo::transmit(const device::Frame& frame) {
  if (tx_count_ == tx_batch_.size()) push_transmit_batch();
  if (tx_count_ == tx_batch_.size()) {
    ++counters_.tx_dropped_ring_full;
    release(frame);
    return;
  }
  tx_batch_[tx_count_++] = frame;
}

void DeviceFrameIo::release(const device::Frame& frame) {
  // Recycle through the allocation cache first: the frame is warm and saves a pool round trip.
  // Never a kept frame: it is lent to the application and must reach the device's reclaim_kept().
  if (!frame.kept && alloc_count_ < alloc_cache_.size()) {
    alloc_cache_[alloc_count_++] = frame;
    return;
  }
  if (release_count_ == release_batch_.size()) push_release_batch();
  release_batch_[release_count_++] = frame;
}

void DeviceFrameIo::push_transmit_batch() {
  if (tx_count_ == 0) return;
  const std::size_t accepted = device_.transmit({tx_batch_.data(), tx_count_});
  std::copy(tx_batch_.begin() + static_cast<std::ptrdiff_t>(accepted),
            tx_batch_.begin() + static_cast<std::ptrdiff_t>(tx_count_), tx_batch_.begin());
  tx_count_ -= accepted;
}

void DeviceFrameIo::push_release_batch() {
  if (release_count_ == 0) return;
  device_.release({release_batch_.data(), release_count_});
  release_count_ = 0;
}

void DeviceFrameIo::flush() {
  ++counters_.flushes;
  push_transmit_batch();
  push_release_batch();
  device_.flush();
}

void DeviceFrameIo::return_cached() {
  push_release_batch();
  if (alloc_count_ > 0) device_.release({alloc_cache_.data(), alloc_count_});
  alloc_count_ = 0;
}

}  // namespace sluice::runtime

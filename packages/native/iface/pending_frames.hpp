#pragma once
// Frames waiting for ARP resolution: a fixed pool of list nodes shared by all cache entries, so
// both the per-address and the total bound hold without allocating.
#include <cstdint>
#include <vector>

#include "device/device.hpp"

namespace sluice::iface {

struct PendingFrame {
  device::Frame frame;
  std::int32_t next = -1;
  std::int32_t socket_id = -1;  ///< UDP socket that sent it, charged if resolution fails
  std::uint32_t socket_generation = 0;
  std::uint32_t payload_bytes = 0;
};

/// A FIFO of pool nodes, owned by one ARP entry.
struct PendingList {
  std::int32_t head = -1;
  std::int32_t tail = -1;
  std::uint32_t count = 0;
};

class PendingFrames {
 public:
  explicit PendingFrames(std::size_t capacity) : nodes_(capacity), free_(capacity) {
    for (std::size_t i = 0; i < capacity; ++i) free_[i] = static_cast<std::int32_t>(capacity - 1 - i);
  }

  std::size_t available() const { return free_.size() - used_; }

  /// Appends to `list`; false when the pool is exhausted.
  bool push(PendingList& list, const PendingFrame& pending) {
    if (used_ == free_.size()) return false;
    const std::int32_t node = free_[free_.size() - 1 - used_++];
    nodes_[node] = pending;
    nodes_[node].next = -1;
    if (list.tail >= 0) {
      nodes_[list.tail].next = node;
    } else {
      list.head = node;
    }
    list.tail = node;
    ++list.count;
    return true;
  }

  /// Removes the oldest frame of `list` into `out`; false when the list is empty.
  bool pop(PendingList& list, PendingFrame& out) {
    if (list.head < 0) return false;
    const std::int32_t node = list.head;
    out = nodes_[node];
    list.head = nodes_[node].next;
    if (list.head < 0) list.tail = -1;
    --list.count;
    free_[free_.size() - used_--] = node;
    return true;
  }

 private:
  std::vector<PendingFrame> nodes_;
  std::vector<std::int32_t> free_;  ///< free node ids live in free_[0 .. size - used_)
  std::size_t used_ = 0;
};

}  // namespace sluice::iface

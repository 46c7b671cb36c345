#pragma once
// A fixed-capacity FIFO of datagrams. Storage is sized once (reserve) and reused across socket
// lifetimes, so pushing and popping never allocate.
#include <cstddef>
#include <vector>

#include "socket/udp_datagram.hpp"

namespace sluice::socket {

class DatagramRing {
 public:
  /// Sets the capacity; allocates only when it grows. Must be empty.
  void reset(std::size_t capacity) {
    if (slots_.size() < capacity) slots_.resize(capacity);
    capacity_ = capacity;
    head_ = 0;
    size_ = 0;
  }

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity_; }

  bool push(const UdpDatagram& datagram) {
    if (full()) return false;
    std::size_t tail = head_ + size_;
    if (tail >= capacity_) tail -= capacity_;
    slots_[tail] = datagram;
    ++size_;
    return true;
  }

  bool pop(UdpDatagram& out) {
    if (empty()) return false;
    out = slots_[head_];
    slots_[head_] = UdpDatagram{};
    if (++head_ == capacity_) head_ = 0;
    --size_;
    return true;
  }

 private:
  std::vector<UdpDatagram> slots_;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sluice::socket

#pragma once
// A provided-buffer ring registered with io_uring (IORING_REGISTER_PBUF_RING): receives pick a
// buffer from it when data arrives, so no buffer is tied up by a receive that is merely waiting.
// liburing 2.3 (Debian 12) predates io_uring_setup_buf_ring(), so this does the same steps itself:
// map page-aligned ring memory, register it, and publish every buffer.
//
// Ownership: a buffer is either in the ring (the kernel's to fill) or held by the caller, who got
// it in a receive completion and gives it back with release(). The engine takes a buffer out of a
// completion with take(), or puts one straight back with recycle() when it hands nothing out.
#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "libos/kernel/completion.hpp"

namespace sluice::libos::kernel {

class ProvidedBuffers {
 public:
  /// `count` must be a power of two up to 32768; throws sluice::Error with the kernel's errno.
  ProvidedBuffers(io_uring& ring, std::uint16_t group, std::uint32_t count, std::uint32_t size);
  ~ProvidedBuffers();
  ProvidedBuffers(const ProvidedBuffers&) = delete;
  ProvidedBuffers& operator=(const ProvidedBuffers&) = delete;

  std::uint16_t group() const { return group_; }
  std::uint32_t count() const { return count_; }
  std::uint32_t size() const { return size_; }
  /// Buffers the caller holds; count() - held() are in the ring.
  std::uint32_t held() const { return held_count_; }

  std::span<std::byte> buffer(BufferId id) const { return {area_ + std::size_t{id} * size_, size_}; }

  /// Marks a buffer the kernel filled as the caller's.
  void take(BufferId id);
  /// Returns a caller-held buffer to the ring; -EINVAL if `id` is not held (double release, bad id).
  int release(BufferId id);
  /// Puts a buffer the kernel filled straight back (nothing handed to the caller).
  void recycle(BufferId id);

 private:
  void publish(BufferId id);

  io_uring& ring_;
  std::uint16_t group_;
  std::uint32_t count_;
  std::uint32_t size_;
  io_uring_buf_ring* ring_memory_ = nullptr;
  std::size_t ring_bytes_ = 0;
  std::byte* area_ = nullptr;
  std::size_t area_bytes_ = 0;
  std::vector<std::uint8_t> held_;  // one flag per buffer: 1 while the caller holds it
  std::uint32_t held_count_ = 0;
};

}  // namespace sluice::libos::kernel

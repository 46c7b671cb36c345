#pragma once
// Received bytes on their way to the application. In-order bytes wait from the ring's head;
// out-of-order bytes are written straight to their place in the ring and remembered as a small,
// bounded set of ranges, so filling a hole costs no copy. The free space (capacity minus unread
// in-order bytes) is the receive window, and out-of-order bytes always lie inside it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "socket/tcp/byte_ring.hpp"

namespace sluice::socket::tcp {

class ReceiveBuffer {
 public:
  /// Hard bound on out-of-order ranges; attach() may set a lower one.
  static constexpr std::size_t max_ranges = 32;

  /// A held out-of-order range, as offsets from the in-order end (RCV.NXT).
  struct Range {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
  };

  struct StoreResult {
    std::uint32_t advanced = 0;  ///< bytes the in-order end moved forward (joined ranges included)
    std::uint32_t stored = 0;    ///< bytes of this segment now held (less when cut at the free space)
    bool rejected = false;       ///< out of order and no range left to remember it: nothing stored
  };

  void attach(std::span<std::uint8_t> memory, std::size_t range_limit);
  void detach();

  std::size_t capacity() const { return ring_.capacity(); }
  /// In-order bytes the application has not read.
  std::size_t readable() const { return static_cast<std::size_t>(in_order_end_ - read_position_); }
  /// Space from the in-order end to the end of the buffer: what may be advertised.
  std::size_t free_space() const { return capacity() - readable(); }
  std::size_t out_of_order_ranges() const { return range_count_; }

  /// Stores `bytes` that start `offset` bytes after the in-order end; bytes past the free space are
  /// cut. Duplicates of held bytes are written again (TCP data is the same on every transmission).
  StoreResult store(std::size_t offset, std::span<const std::uint8_t> bytes);
  /// Copies in-order bytes out; returns how many.
  std::size_t read(std::span<std::uint8_t> out);
  /// Out-of-order ranges, the most recently extended first (RFC 2018's order for SACK blocks);
  /// returns how many were written to `out`.
  std::size_t recent_ranges(std::span<Range> out) const;

 private:
  struct HeldRange {
    std::uint64_t begin = 0;  ///< stream positions (bytes since the connection's first)
    std::uint64_t end = 0;
    std::uint64_t touched = 0;
  };

  /// Adds [begin, end) to the held ranges, merging neighbours; false when a new range is needed
  /// and none is left.
  bool hold(std::uint64_t begin, std::uint64_t end);
  /// Absorbs held ranges that the in-order end reached.
  void absorb_reached_ranges();

  ByteRing ring_;
  std::uint64_t read_position_ = 0;  ///< stream position of the ring's head
  std::uint64_t in_order_end_ = 0;   ///< stream position of RCV.NXT
  std::array<HeldRange, max_ranges> ranges_{};  ///< sorted by begin, disjoint and not adjacent
  std::size_t range_count_ = 0;
  std::size_t range_limit_ = max_ranges;
  std::uint64_t touch_clock_ = 0;
};

}  // namespace sluice::socket::tcp

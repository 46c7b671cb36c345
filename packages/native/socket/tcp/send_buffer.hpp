#pragma once
// Bytes the application handed over and the peer has not acknowledged yet: the unacknowledged
// bytes from SND.UNA on, then those not sent. Segments are cut from here when sent and again when
// retransmitted, so no per-segment copies are kept.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "socket/tcp/byte_ring.hpp"

namespace sluice::socket::tcp {

class SendBuffer {
 public:
  void attach(std::span<std::uint8_t> memory) {
    ring_.attach(memory);
    size_ = 0;
  }
  void detach() {
    ring_.detach();
    size_ = 0;
  }

  std::size_t capacity() const { return ring_.capacity(); }
  /// Bytes held, from SND.UNA.
  std::size_t size() const { return size_; }
  std::size_t free() const { return ring_.capacity() - size_; }

  /// Appends as much of `bytes` as fits; returns how much.
  std::size_t write(std::span<const std::uint8_t> bytes) {
    const std::size_t n = std::min(bytes.size(), free());
    ring_.write_at(size_, bytes.first(n));
    size_ += n;
    return n;
  }

  /// Bytes [offset, offset + length) counted from SND.UNA, as up to two pieces.
  std::array<std::span<const std::uint8_t>, 2> view(std::size_t offset, std::size_t length) const {
    return ring_.view(offset, length);
  }

  /// Drops the first `n` bytes: the peer acknowledged them.
  void acknowledge(std::size_t n) {
    n = std::min(n, size_);
    ring_.advance(n);
    size_ -= n;
  }

 private:
  ByteRing ring_;
  std::size_t size_ = 0;
};

}  // namespace sluice::socket::tcp

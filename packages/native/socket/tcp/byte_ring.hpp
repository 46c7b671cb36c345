#pragma once
// A byte ring over memory it does not own (a chunk of the stack's TCP buffer budget). Positions
// are offsets from the ring's head, so callers never see the wrap except as the two pieces a
// view may come in.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace sluice::socket::tcp {

class ByteRing {
 public:
  /// Starts over on `memory`, empty.
  void attach(std::span<std::uint8_t> memory) {
    memory_ = memory;
    head_ = 0;
  }
  void detach() { memory_ = {}, head_ = 0; }
  std::size_t capacity() const { return memory_.size(); }

  /// Copies `bytes` to positions [offset, offset + size); the caller keeps it within capacity.
  void write_at(std::size_t offset, std::span<const std::uint8_t> bytes) {
    std::size_t at = wrap(head_ + offset);
    const std::size_t first = std::min(bytes.size(), memory_.size() - at);
    if (first > 0) std::memcpy(memory_.data() + at, bytes.data(), first);
    if (bytes.size() > first) std::memcpy(memory_.data(), bytes.data() + first, bytes.size() - first);
  }

  /// Copies positions [offset, offset + out.size()) into `out`.
  void read_at(std::size_t offset, std::span<std::uint8_t> out) const {
    const auto pieces = view(offset, out.size());
    if (!pieces[0].empty()) std::memcpy(out.data(), pieces[0].data(), pieces[0].size());
    if (!pieces[1].empty()) std::memcpy(out.data() + pieces[0].size(), pieces[1].data(), pieces[1].size());
  }

  /// Positions [offset, offset + length) in place, as up to two pieces.
  std::array<std::span<const std::uint8_t>, 2> view(std::size_t offset, std::size_t length) const {
    const std::size_t at = wrap(head_ + offset);
    const std::size_t first = std::min(length, memory_.size() - at);
    return {std::span<const std::uint8_t>(memory_.data() + at, first),
            std::span<const std::uint8_t>(memory_.data(), length - first)};
  }

  /// Moves the head forward by `n` positions.
  void advance(std::size_t n) { head_ = wrap(head_ + n); }

 private:
  std::size_t wrap(std::size_t position) const {
    return position >= memory_.size() ? position - memory_.size() : position;
  }

  std::span<std::uint8_t> memory_;
  std::size_t head_ = 0;
};

}  // namespace sluice::socket::tcp

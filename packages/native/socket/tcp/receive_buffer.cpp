#include "socket/tcp/receive_buffer.hpp"

#include <algorithm>

namespace sluice::socket::tcp {

void ReceiveBuffer::attach(std::span<std::uint8_t> memory, std::size_t range_limit) {
  ring_.attach(memory);
  read_position_ = 0;
  in_order_end_ = 0;
  range_count_ = 0;
  range_limit_ = std::clamp<std::size_t>(range_limit, 1, max_ranges);
  touch_clock_ = 0;
}

void ReceiveBuffer::detach() {
  ring_.detach();
  read_position_ = in_order_end_ = 0;
  range_count_ = 0;
}

ReceiveBuffer::StoreResult ReceiveBuffer::store(std::size_t offset, std::span<const std::uint8_t> bytes) {
  StoreResult result;
  const std::uint64_t limit = read_position_ + capacity();
  const std::uint64_t begin = in_order_end_ + offset;
  if (begin >= limit || bytes.empty()) return result;
  const std::uint64_t end = std::min<std::uint64_t>(begin + bytes.size(), limit);
  if (offset > 0 && !hold(begin, end)) {
    result.rejected = true;
    return result;
  }
  result.stored = static_cast<std::uint32_t>(end - begin);
  ring_.write_at(static_cast<std::size_t>(begin - read_position_), bytes.first(result.stored));
  if (offset == 0) {
    const std::uint64_t before = in_order_end_;
    in_order_end_ = end;
    absorb_reached_ranges();
    result.advanced = static_cast<std::uint32_t>(in_order_end_ - before);
  }
  return result;
}

bool ReceiveBuffer::hold(std::uint64_t begin, std::uint64_t end) {
  std::size_t first = 0;  // first range that overlaps or touches [begin, end)
  while (first < range_count_ && ranges_[first].end < begin) ++first;
  std::size_t last = first;  // one past the last such range
  HeldRange merged{begin, end, ++touch_clock_};
  while (last < range_count_ && ranges_[last].begin <= end) {
    merged.begin = std::min(merged.begin, ranges_[last].begin);
    merged.end = std::max(merged.end, ranges_[last].end);
    ++last;
  }
  if (first == last) {
    if (range_count_ == range_limit_) return false;
    std::copy_backward(ranges_.begin() + first, ranges_.begin() + range_count_, ranges_.begin() + range_count_ + 1);
    ++range_count_;
  } else if (last - first > 1) {
    std::copy(ranges_.begin() + last, ranges_.begin() + range_count_, ranges_.begin() + first + 1);
    range_count_ -= last - first - 1;
  }
  ranges_[first] = merged;
  return true;
}

void ReceiveBuffer::absorb_reached_ranges() {
  std::size_t absorbed = 0;
  while (absorbed < range_count_ && ranges_[absorbed].begin <= in_order_end_) {
    in_order_end_ = std::max(in_order_end_, ranges_[absorbed].end);
    ++absorbed;
  }
  if (absorbed == 0) return;
  std::copy(ranges_.begin() + absorbed, ranges_.begin() + range_count_, ranges_.begin());
  range_count_ -= absorbed;
}

std::size_t ReceiveBuffer::read(std::span<std::uint8_t> out) {
  const std::size_t n = std::min(out.size(), readable());
  if (n == 0) return 0;
  ring_.read_at(0, out.first(n));
  ring_.advance(n);
  read_position_ += n;
  return n;
}

std::size_t ReceiveBuffer::recent_ranges(std::span<Range> out) const {
  std::size_t written = 0;
  std::uint64_t below = ~std::uint64_t{0};  // pick in decreasing `touched` order, one pass per slot
  while (written < out.size()) {
    const HeldRange* best = nullptr;
    for (std::size_t i = 0; i < range_count_; ++i) {
      if (ranges_[i].touched < below && (best == nullptr || ranges_[i].touched > best->touched)) best = &ranges_[i];
    }
    if (best == nullptr) break;
    out[written++] = {static_cast<std::uint32_t>(best->begin - in_order_end_),
                      static_cast<std::uint32_t>(best->end - in_order_end_)};
    below = best->touched;
  }
  return written;
}

}  // namespace sluice::socket::tcp

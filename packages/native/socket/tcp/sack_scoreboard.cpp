#include "socket/tcp/sack_scoreboard.hpp"

#include <algorithm>

namespace sluice::socket::tcp {

std::uint32_t SackScoreboard::add(Seq left, Seq right, Seq snd_una, Seq snd_max) {
  if (!(left < right) || !(snd_una < right) || right > snd_max) return 0;
  left = seq_max(left, snd_una);
  std::size_t first = 0;  // first range overlapping or touching [left, right)
  while (first < count_ && ranges_[first].right < left) ++first;
  std::size_t last = first;
  Range merged{left, right};
  std::uint32_t already = 0;
  while (last < count_ && ranges_[last].left <= right) {
    already += seq_span(ranges_[last].left, ranges_[last].right);
    merged.left = seq_min(merged.left, ranges_[last].left);
    merged.right = seq_max(merged.right, ranges_[last].right);
    ++last;
  }
  if (first == last) {
    if (count_ == max_ranges) return 0;
    std::copy_backward(ranges_.begin() + first, ranges_.begin() + count_, ranges_.begin() + count_ + 1);
    ++count_;
  } else if (last - first > 1) {
    std::copy(ranges_.begin() + last, ranges_.begin() + count_, ranges_.begin() + first + 1);
    count_ -= last - first - 1;
  }
  ranges_[first] = merged;
  const std::uint32_t now_held = seq_span(merged.left, merged.right);
  sacked_bytes_ += now_held - already;
  return now_held - already;
}

void SackScoreboard::acknowledge(Seq snd_una) {
  std::size_t dropped = 0;
  while (dropped < count_ && ranges_[dropped].right <= snd_una) {
    sacked_bytes_ -= seq_span(ranges_[dropped].left, ranges_[dropped].right);
    ++dropped;
  }
  std::copy(ranges_.begin() + dropped, ranges_.begin() + count_, ranges_.begin());
  count_ -= dropped;
  if (count_ > 0 && ranges_[0].left < snd_una) {
    sacked_bytes_ -= seq_span(ranges_[0].left, snd_una);
    ranges_[0].left = snd_una;
  }
}

Seq SackScoreboard::lost_boundary(Seq snd_una, std::uint32_t mss, std::uint32_t dupthresh) const {
  std::uint64_t above = 0;
  const std::uint64_t byte_threshold = std::uint64_t{dupthresh > 0 ? dupthresh - 1 : 0} * mss;
  for (std::size_t i = count_; i-- > 0;) {
    above += seq_span(ranges_[i].left, ranges_[i].right);
    if (above > byte_threshold || count_ - i >= dupthresh) return ranges_[i].left;
  }
  return snd_una;
}

bool SackScoreboard::next_hole(Seq from, Seq limit, Seq& start, Seq& end) const {
  Seq s = from;
  for (std::size_t i = 0; i < count_ && s < limit; ++i) {
    if (ranges_[i].right <= s) continue;
    if (ranges_[i].left <= s) {
      s = ranges_[i].right;
      continue;
    }
    start = s;
    end = seq_min(ranges_[i].left, limit);
    return true;
  }
  if (!(s < limit)) return false;
  start = s;
  end = limit;
  return true;
}

std::uint32_t SackScoreboard::unsacked_bytes(Seq from, Seq to) const {
  std::uint32_t total = seq_span(from, to);
  for (std::size_t i = 0; i < count_; ++i) {
    const Seq left = seq_max(ranges_[i].left, from);
    const Seq right = seq_min(ranges_[i].right, to);
    total -= seq_span(left, right);
  }
  return total;
}

bool SackScoreboard::is_sacked(Seq s) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (ranges_[i].left <= s && s < ranges_[i].right) return true;
  }
  return false;
}

}  // namespace sluice::socket::tcp

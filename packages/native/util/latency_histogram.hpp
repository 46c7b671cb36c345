#pragma once
// A fixed-size log-linear histogram of nanosecond latencies: 64 sub-buckets per power of two, so any
// recorded value is reported within 1.6%. No allocation after construction.
#include <array>
#include <bit>
#include <cstdint>

namespace sluice {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 6;
  static constexpr unsigned kSub = 1u << kSubBits;

  void record(std::uint64_t nanos) {
    ++counts_[index_of(nanos)];
    ++total_;
    if (nanos > max_) max_ = nanos;
  }

  std::uint64_t count() const { return total_; }
  std::uint64_t max() const { return max_; }

  /// The value at quantile q in [0, 1] (upper edge of its bucket, capped at the maximum seen).
  std::uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return upper_edge(i) < max_ ? upper_edge(i) : max_;
    }
    return max_;
  }

  void merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    if (other.max_ > max_) max_ = other.max_;
  }

 private:
  static std::size_t index_of(std::uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    const unsigned magnitude = static_cast<unsigned>(std::bit_width(v)) - kSubBits;  // >= 1
    const std::uint64_t sub = (v >> (magnitude - 1)) - kSub;  // in [0, kSub)
    return static_cast<std::size_t>(magnitude) * kSub + static_cast<std::size_t>(sub);
  }

  static std::uint64_t upper_edge(std::size_t index) {
    if (index < kSub) return index;
    const std::size_t magnitude = index / kSub;
    const std::uint64_t sub = index % kSub;
    return ((kSub + sub + 1) << (magnitude - 1)) - 1;
  }

  std::array<std::uint64_t, kSub * (64 - kSubBits + 1)> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace sluice

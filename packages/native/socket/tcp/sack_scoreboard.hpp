#pragma once
// The sender's record of what the receiver holds above SND.UNA (RFC 6675 section 3), as a sorted,
// bounded set of SACKed ranges. Losing a range to the bound only makes the sender retransmit more,
// never less, so a full board simply ignores new blocks.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "socket/tcp/sequence.hpp"

namespace sluice::socket::tcp {

class SackScoreboard {
 public:
  static constexpr std::size_t max_ranges = 32;

  struct Range {
    Seq left;
    Seq right;  ///< one past the last SACKed byte
  };

  void clear() {
    count_ = 0;
    sacked_bytes_ = 0;
  }
  bool empty() const { return count_ == 0; }
  std::span<const Range> ranges() const { return {ranges_.data(), count_}; }
  std::uint32_t sacked_bytes() const { return sacked_bytes_; }
  /// One past the highest SACKed byte; `otherwise` when nothing is SACKed.
  Seq highest_sacked(Seq otherwise) const { return count_ == 0 ? otherwise : ranges_[count_ - 1].right; }

  /// Records one SACK block; blocks not inside (snd_una, snd_max] are ignored (stale, or D-SACK).
  /// Returns how many bytes were SACKed for the first time.
  std::uint32_t add(Seq left, Seq right, Seq snd_una, Seq snd_max);
  /// Forgets everything at or below the new SND.UNA.
  void acknowledge(Seq snd_una);

  /// RFC 6675 IsLost() as a boundary: an unSACKed byte is lost when DupThresh discontiguous ranges
  /// or more than (DupThresh - 1) * SMSS SACKed bytes lie above it, so every unSACKed byte below
  /// the returned sequence is lost. Returns `snd_una` when nothing is.
  Seq lost_boundary(Seq snd_una, std::uint32_t mss, std::uint32_t dupthresh) const;
  /// The first run of unSACKed bytes in [from, limit), as [start, end); false when there is none.
  bool next_hole(Seq from, Seq limit, Seq& start, Seq& end) const;
  /// UnSACKed bytes in [from, to).
  std::uint32_t unsacked_bytes(Seq from, Seq to) const;
  bool is_sacked(Seq s) const;

 private:
  std::array<Range, max_ranges> ranges_{};
  std::size_t count_ = 0;
  std::uint32_t sacked_bytes_ = 0;
};

}  // namespace sluice::socket::tcp

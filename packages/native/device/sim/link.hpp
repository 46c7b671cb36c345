#pragma once
// The behaviour and counters of one directed link of the simulated wire (sender -> receiver).
#include <cstdint>

#include "util/time.hpp"

namespace sluice::device::sim {

/// What one direction of a link does to frames. All probabilities are per frame, in [0, 1].
struct LinkConfig {
  Duration delay{};   ///< propagation delay, added to every frame
  Duration jitter{};  ///< extra delay uniform in [0, jitter]; never reorders (see reorder)
  double drop = 0;       ///< frame lost on the wire (after it used its share of bandwidth)
  double duplicate = 0;  ///< a second copy arrives right after the first
  double reorder = 0;    ///< frame is held back by an extra delay in [1 ns, reorder_window]
  double corrupt = 0;    ///< one random bit flipped beyond the Ethernet header
  Duration reorder_window = Duration::millis(1);
  /// Serialisation rate; 0 means unlimited (no queue, no serialisation delay).
  std::uint64_t bits_per_second = 0;
  /// Frames waiting for or in serialisation; a frame arriving at a full queue is tail-dropped.
  std::uint32_t queue_frames = 256;
};

/// Monotonic per-link counters. offered = delivered + every kind of loss + still in flight
/// (+ duplicated on the delivered side: a duplicate is delivered but was never offered).
struct LinkCounters {
  std::uint64_t offered = 0;           ///< frames the sender put on this link
  std::uint64_t delivered = 0;         ///< frames copied into the receiver's receive queue
  std::uint64_t delivered_bytes = 0;
  std::uint64_t dropped = 0;           ///< random loss
  std::uint64_t queue_drops = 0;       ///< tail drop: bandwidth queue full
  std::uint64_t duplicated = 0;        ///< extra copies created
  std::uint64_t reordered = 0;         ///< frames held back by an extra delay
  std::uint64_t corrupted = 0;         ///< frames with a flipped bit
  std::uint64_t receiver_pool_empty = 0;  ///< arrived, but the receiver had no free frame
  std::uint64_t in_flight_full = 0;    ///< the wire's in-flight store was full
  std::uint64_t receiver_gone = 0;     ///< the receiving endpoint was destroyed meanwhile

  LinkCounters& operator+=(const LinkCounters& o) {
    offered += o.offered;
    delivered += o.delivered;
    delivered_bytes += o.delivered_bytes;
    dropped += o.dropped;
    queue_drops += o.queue_drops;
    duplicated += o.duplicated;
    reordered += o.reordered;
    corrupted += o.corrupted;
    receiver_pool_empty += o.receiver_pool_empty;
    in_flight_full += o.in_flight_full;
    receiver_gone += o.receiver_gone;
    return *this;
  }
};

}  // namespace sluice::device::sim

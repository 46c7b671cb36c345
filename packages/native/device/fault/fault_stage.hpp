#pragma once
// The faults of one direction (receive or transmit) of a FaultDevice. Each frame draws, in this
// fixed order and only for enabled faults: drop, corrupt (+ which bit), duplicate, reorder. So a
// seed and a frame sequence give one outcome on every platform.
#include <array>
#include <cstdint>
#include <functional>

#include "device/device.hpp"
#include "device/fault/fault_spec.hpp"
#include "device/fault/frame_batch.hpp"
#include "device/sim/random.hpp"
#include "util/time.hpp"

namespace sluice::device::fault {

using Clock = std::function<Instant()>;

struct FaultCounters {
  std::uint64_t frames = 0;            ///< frames that entered this direction
  std::uint64_t dropped = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t duplicate_failed = 0;  ///< the inner device had no free frame for the copy
  std::uint64_t corrupted = 0;
  std::uint64_t reordered = 0;         ///< frames held back behind later ones
  std::uint64_t hold_full = 0;         ///< picked for reordering, but the holding area was full
  std::uint64_t hold_timeouts = 0;     ///< held frames released by time rather than by later frames
};

class FaultStage {
 public:
  static constexpr std::size_t kHoldCapacity = 8;

  /// `stream` separates the random streams of the two directions drawn from one seed.
  FaultStage(const FaultSpec& spec, std::uint64_t stream);

  /// Takes a frame the caller owns. It ends up released to `inner` (dropped), held, or appended to
  /// `out` followed by its duplicate and by held frames whose gap it closed. `out` needs room for
  /// 2 * (1 + kHoldCapacity) frames.
  void process(const Frame& frame, Device& inner, const Clock& clock, FrameBatch& out);

  bool holding() const { return held_count_ != 0; }
  /// Appends held frames that have waited the hold time by `now`.
  void release_expired(Instant now, FrameBatch& out);
  /// Returns every held frame to `inner`'s pool (on destruction).
  void release_all(Device& inner);

  const FaultCounters& counters() const { return counters_; }

 private:
  struct Held {
    Frame frame;
    std::uint32_t frames_to_wait;
    Instant since;
  };

  void emit(const Frame& frame, Device& inner, FrameBatch& out);
  void remove_held(std::size_t i);
  /// Makes `frame` safe to damage: a kept frame is swapped for a copy (false if none is free).
  bool unkept(Frame& frame, Device& inner);

  FaultSpec spec_;
  Duration hold_time_;
  sim::Random random_;
  FaultCounters counters_{};
  std::array<Held, kHoldCapacity> held_{};
  std::size_t held_count_ = 0;
};

}  // namespace sluice::device::fault

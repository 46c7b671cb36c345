#pragma once
// Bookkeeping of an echo load client, shared by the Sluice and kernel-socket clients: a window of
// outstanding requests, each stamped with its sequence number and send time, RTTs into a histogram,
// and requests presumed lost after a timeout so the window never stalls.
#include <cstdint>
#include <span>
#include <vector>

#include "util/latency_histogram.hpp"
#include "util/time.hpp"

namespace sluice::apps {

struct EchoLoadOptions {
  std::uint32_t window = 1;
  std::uint32_t size = 64;  ///< payload bytes per request, at least kStampSize
  Duration duration = Duration::seconds(5);
  Duration warmup = Duration::millis(500);  ///< round trips in this first stretch are not measured
  Duration loss_timeout = Duration::millis(200);
};

struct EchoLoadResult {
  std::uint64_t round_trips = 0;  ///< measured (after warm-up)
  std::uint64_t sent = 0;
  std::uint64_t lost = 0;
  std::uint64_t unexpected = 0;  ///< replies that matched no outstanding request
  double seconds = 0;
  LatencyHistogram rtt;
};

class EchoLoad {
 public:
  static constexpr std::size_t kStampSize = 16;

  explicit EchoLoad(const EchoLoadOptions& options);

  /// Starts the clock at the first call.
  void begin(Instant now);
  bool finished(Instant now) const { return started_ && now >= end_; }
  /// Whether another request may be sent now; if so, stamps `payload` (options.size bytes).
  bool next_request(Instant now, std::span<std::uint8_t> payload);
  /// Accounts one reply (its payload as received).
  void on_reply(Instant now, std::span<const std::uint8_t> payload);
  /// Frees slots whose requests timed out. Cheap when called often: scans at most every few ms.
  void expire(Instant now);
  const EchoLoadOptions& options() const { return options_; }
  EchoLoadResult result() const;

 private:
  struct Slot {
    std::uint64_t sequence = 0;
    Instant sent_at;
    bool busy = false;
  };

  EchoLoadOptions options_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t next_sequence_ = 0;
  bool started_ = false;
  Instant start_;
  Instant measure_from_;
  Instant end_;
  Instant last_expire_scan_;
  EchoLoadResult result_;
};

}  // namespace sluice::apps

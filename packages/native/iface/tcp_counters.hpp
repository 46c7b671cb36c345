#pragma once
// Stack-wide TCP counters (each connection also has its own), written only by the owner thread.
#include <array>
#include <cstddef>
#include <cstdint>

#include "util/time.hpp"

namespace sluice::iface {

struct TcpStackCounters {
  std::uint64_t rx_segments = 0;
  std::uint64_t drop_bad_header = 0;         ///< truncated, bad data offset, malformed options
  std::uint64_t drop_bad_checksum = 0;
  std::uint64_t rx_checksum_partial = 0;     ///< accepted under accept_partial
  std::uint64_t drop_broadcast = 0;          ///< TCP to a broadcast address
  std::uint64_t drop_no_socket = 0;          ///< no connection or listener (answered with RST unless RST)
  std::uint64_t drop_listener = 0;           ///< segments to a listener that are neither SYN nor answerable
  std::uint64_t syns_received = 0;           ///< SYNs to listeners
  std::uint64_t drop_backlog_full = 0;       ///< SYNs refused: SYN queue and accept queue at the backlog
  std::uint64_t drop_no_memory = 0;          ///< SYNs refused: no connection slot or buffers left
  std::uint64_t syn_cookies_sent = 0;        ///< SYN-ACKs carrying a cookie: the SYN queue was full
  std::uint64_t syn_cookies_accepted = 0;    ///< connections created from a genuine cookie ACK
  std::uint64_t syn_cookies_rejected = 0;    ///< ACKs to a listener with a forged or stale cookie (answered with RST)
  std::uint64_t syn_cookies_no_room = 0;     ///< genuine cookie ACKs dropped: accept queue or slots full
  std::uint64_t passive_opens = 0;
  std::uint64_t active_opens = 0;
  std::uint64_t accepted = 0;
  std::uint64_t time_wait_reused = 0;        ///< a newer SYN replaced a TIME-WAIT connection
  std::uint64_t resets_sent = 0;             ///< for segments no connection wanted
  std::uint64_t resets_rate_limited = 0;
  std::uint64_t tx_segments = 0;
  std::uint64_t tx_no_frame = 0;             ///< a connection's segment found no frame; it retries
  std::uint64_t loopback_dropped = 0;        ///< segments to our own address beyond the loopback queue
  std::uint64_t segments_retransmitted = 0;  ///< by every connection, closed ones included
  std::uint64_t bytes_retransmitted = 0;
  std::uint64_t connections_open = 0;        ///< a gauge: synchronized connections not yet in TIME-WAIT or CLOSED
};

/// Round-trip times measured by every connection, in power-of-two microsecond buckets, so an agent
/// can publish a histogram without the data path keeping samples. Bucket i counts samples above
/// the previous bound up to upper_bound_us(i); the last bucket has no upper bound.
struct TcpRttHistogram {
  static constexpr std::size_t kFirstBoundLog2 = 3;  // 8 us: below what a veth round trip takes
  static constexpr std::size_t kBuckets = 19;        // up to 2^20 us (about a second), then the rest

  std::array<std::uint64_t, kBuckets> counts{};
  std::uint64_t sum_us = 0;  ///< of every sample, so a reader can tell the mean

  static constexpr std::uint64_t upper_bound_us(std::size_t bucket) {
    return bucket + 1 >= kBuckets ? ~std::uint64_t{0} : std::uint64_t{1} << (kFirstBoundLog2 + bucket);
  }

  void add(Duration rtt) {
    const std::uint64_t us = rtt.nanos / 1000;
    std::size_t bucket = 0;
    while (bucket + 1 < kBuckets && us > upper_bound_us(bucket)) bucket += 1;
    counts[bucket] += 1;
    sum_us += us;
  }
};

}  // namespace sluice::iface

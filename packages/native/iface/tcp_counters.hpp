#pragma once
// Stack-wide TCP counters (each connection also has its own), written only by the owner thread.
#include <cstdint>

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
  std::uint64_t handshakes_reset = 0;        ///< passive opens the peer reset in SYN-RECEIVED (never accepted)
  std::uint64_t simultaneous_closes = 0;     ///< connections that went through CLOSING (FINs crossed)
  std::uint64_t time_wait_reused = 0;        ///< a newer SYN replaced a TIME-WAIT connection
  std::uint64_t resets_sent = 0;             ///< for segments no connection wanted
  std::uint64_t resets_rate_limited = 0;
  std::uint64_t tx_segments = 0;
  std::uint64_t tx_no_frame = 0;             ///< a connection's segment found no frame; it retries
  std::uint64_t loopback_dropped = 0;        ///< segments to our own address beyond the loopback queue
};

}  // namespace sluice::iface

#pragma once
// Per-connection counters, written only by the owner thread.
#include <cstdint>

namespace sluice::socket::tcp {

struct TcpConnectionCounters {
  std::uint64_t segments_received = 0;
  std::uint64_t segments_sent = 0;
  std::uint64_t bytes_received = 0;          ///< in-order payload bytes delivered to the receive buffer
  std::uint64_t bytes_sent = 0;              ///< payload bytes sent for the first time
  std::uint64_t bytes_retransmitted = 0;
  std::uint64_t segments_retransmitted = 0;
  std::uint64_t send_failures = 0;           ///< the sink had no frame; retried later
  std::uint64_t duplicate_acks = 0;
  std::uint64_t fast_recoveries = 0;         ///< loss recoveries entered on duplicate ACKs or SACK
  std::uint64_t timeouts = 0;                ///< retransmission timer expiries (SYN included)
  std::uint64_t sacked_bytes = 0;            ///< bytes the peer SACKed for the first time
  std::uint64_t out_of_order_segments = 0;
  std::uint64_t out_of_order_dropped = 0;    ///< no reassembly range left
  std::uint64_t out_of_window = 0;           ///< unacceptable sequence numbers: old duplicates, or beyond the window
  std::uint64_t paws_rejected = 0;           ///< RFC 7323 5.3
  std::uint64_t resets_received = 0;         ///< acceptable RSTs that closed the connection
  std::uint64_t challenge_acks = 0;          ///< RFC 5961, sent
  std::uint64_t challenge_acks_limited = 0;  ///< RFC 5961, not sent because of the rate limit
  std::uint64_t acks_of_unsent = 0;          ///< SEG.ACK beyond SND.NXT
  std::uint64_t window_probes = 0;
  std::uint64_t keepalive_probes = 0;
  std::uint64_t delayed_acks = 0;            ///< ACKs sent by the delayed-ACK timer
  std::uint64_t pure_acks_sent = 0;
  std::uint64_t rtt_samples = 0;
};

}  // namespace sluice::socket::tcp

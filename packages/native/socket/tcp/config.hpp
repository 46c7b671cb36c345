#pragma once
// Everything a TCP connection needs to know, with every bound and timeout explicit. One config is
// shared by all connections of a stack; per-connection choices (nodelay, congestion control,
// keepalive) start from it and can be changed on the connection.
#include <cstdint>

#include "socket/tcp/congestion/congestion_control.hpp"
#include "socket/tcp/rtt_estimator.hpp"
#include "util/time.hpp"

namespace sluice::socket::tcp {

struct TcpConfig {
  std::uint16_t mss = 1460;  ///< MSS we announce and the largest we send: the interface's MTU - 40
  std::uint32_t send_buffer = 256 * 1024;     ///< bytes per connection, allocated from the stack's budget
  std::uint32_t receive_buffer = 256 * 1024;  ///< also the largest window we offer
  std::uint32_t out_of_order_ranges = 16;     ///< reassembly ranges held per connection (<= 32)

  bool window_scaling = true;  ///< RFC 7323
  bool timestamps = true;      ///< RFC 7323: RTTM and PAWS
  bool sack = true;            ///< RFC 2018 and RFC 6675 loss recovery
  bool nodelay = false;        ///< Nagle's algorithm is on unless this is set
  /// Answer SYNs with a SYN cookie instead of dropping them while a listener's SYN queue is full
  /// (see SynCookies); cookie connections negotiate MSS only.
  bool syn_cookies = true;
  CongestionAlgorithm congestion = CongestionAlgorithm::cubic;
  std::uint32_t initial_window_segments = 10;  ///< RFC 6928
  std::uint32_t dupack_threshold = 3;

  RttConfig rtt;
  std::uint32_t max_retransmissions = 15;     ///< consecutive timeouts before giving up (ETIMEDOUT)
  std::uint32_t max_syn_retransmissions = 6;  ///< the same for SYN and SYN-ACK

  Duration delayed_ack = Duration::millis(40);  ///< RFC 1122 4.2.3.2 allows up to 500 ms
  std::uint32_t quickack_segments = 16;         ///< data segments acknowledged at once after the handshake

  Duration time_wait = Duration::seconds(60);           ///< 2 * MSL
  Duration fin_wait_2_timeout = Duration::seconds(60);  ///< for connections the application closed

  bool keepalive = false;
  Duration keepalive_idle = Duration::seconds(7200);
  Duration keepalive_interval = Duration::seconds(75);
  std::uint32_t keepalive_probes = 9;

  std::uint32_t challenge_acks_per_second = 10;  ///< RFC 5961 section 7, per connection
};

}  // namespace sluice::socket::tcp

#pragma once
// Connection states of RFC 9293 3.3.2 (LISTEN belongs to listeners, not connections) and the
// events a connection reports to whoever owns it.
#include <cstdint>

namespace sluice::socket::tcp {

enum class TcpState : std::uint8_t {
  closed,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait,
};

const char* tcp_state_name(TcpState state);

/// Both sides have exchanged SYNs: sequence numbers are known in both directions.
constexpr bool is_synchronized(TcpState state) {
  return state != TcpState::closed && state != TcpState::syn_sent && state != TcpState::syn_received;
}

enum class TcpEventKind : std::uint8_t {
  connected,   ///< the handshake completed (active, simultaneous, or passive before accept)
  acceptable,  ///< a listener has a connection waiting in its accept queue
  readable,    ///< new in-order bytes, or the peer's FIN (receive then returns 0)
  writable,    ///< send buffer space after a send was refused, cut short, or filled the buffer
  closed,      ///< the connection reached CLOSED (normally, or after reset or error)
  reset,       ///< the peer reset the connection (error ECONNRESET, or ECONNREFUSED when connecting)
  error,       ///< the connection gave up (error ETIMEDOUT)
};

const char* tcp_event_name(TcpEventKind kind);

}  // namespace sluice::socket::tcp

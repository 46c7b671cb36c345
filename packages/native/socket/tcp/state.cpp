#include "socket/tcp/state.hpp"

namespace sluice::socket::tcp {

const char* tcp_state_name(TcpState state) {
  switch (state) {
    case TcpState::closed:
      return "CLOSED";
    case TcpState::syn_sent:
      return "SYN-SENT";
    case TcpState::syn_received:
      return "SYN-RECEIVED";
    case TcpState::established:
      return "ESTABLISHED";
    case TcpState::fin_wait_1:
      return "FIN-WAIT-1";
    case TcpState::fin_wait_2:
      return "FIN-WAIT-2";
    case TcpState::close_wait:
      return "CLOSE-WAIT";
    case TcpState::closing:
      return "CLOSING";
    case TcpState::last_ack:
      return "LAST-ACK";
    case TcpState::time_wait:
      return "TIME-WAIT";
  }
  return "?";
}

const char* tcp_event_name(TcpEventKind kind) {
  switch (kind) {
    case TcpEventKind::connected:
      return "connected";
    case TcpEventKind::acceptable:
      return "acceptable";
    case TcpEventKind::readable:
      return "readable";
    case TcpEventKind::writable:
      return "writable";
    case TcpEventKind::closed:
      return "closed";
    case TcpEventKind::reset:
      return "reset";
    case TcpEventKind::error:
      return "error";
  }
  return "?";
}

}  // namespace sluice::socket::tcp

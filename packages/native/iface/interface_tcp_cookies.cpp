// SYN cookies at the interface: the stateless SYN-ACK while a listener's SYN queue is full, and the
// connection created when the peer's ACK returns a genuine cookie (see socket/tcp/syn_cookie.hpp).
#include <algorithm>

#include "iface/interface.hpp"

namespace sluice::iface {

using socket::tcp::FourTuple;
using socket::tcp::SynCookies;
using socket::tcp::TcpState;

bool Interface::send_syn_cookie(Instant now, const FourTuple& tuple, const wire::TcpSegment& syn,
                                const wire::TcpOptions& options) {
  const std::uint16_t peer_mss = options.has_mss ? options.mss : 536;
  wire::TcpHeader header;
  header.source_port = tuple.local.port;
  header.destination_port = tuple.remote.port;
  header.sequence = tcp_cookies_.make(now, tuple, syn.sequence(), peer_mss);
  header.acknowledgment = syn.sequence() + 1;
  header.flags = wire::tcp_flags::syn | wire::tcp_flags::ack;
  // No window scaling on a cookie connection, so the window is what 16 bits can say.
  header.window = static_cast<std::uint16_t>(std::min<std::uint32_t>(tcp_config_.receive_buffer, 0xffff));
  header.options.has_mss = true;  // ours; the peer's is kept in the cookie
  header.options.mss = tcp_config_.mss;
  if (!transmit_tcp(now, tuple, header, {}, {})) return false;
  tcp_counters_.syn_cookies_sent += 1;
  tcp_last_cookie_sent_ = now;
  return true;
}

bool Interface::accept_syn_cookie(Instant now, int listener_index, const FourTuple& tuple, const wire::TcpSegment& ack,
                                  const wire::TcpOptions& options) {
  // Only while cookies are in use (sent within a cookie's lifetime): otherwise an ACK to a
  // listener is what RFC 9293 says it is, unwanted, and needs no hashing.
  if (!tcp_config_.syn_cookies || tcp_last_cookie_sent_.is_never() ||
      (now - tcp_last_cookie_sent_).nanos > 2 * SynCookies::tick.nanos) {
    return false;
  }
  const std::uint32_t cookie = ack.acknowledgment() - 1;
  const auto mss = tcp_cookies_.check(now, tuple, ack.sequence() - 1, cookie);
  if (!mss) {
    tcp_counters_.syn_cookies_rejected += 1;
    return false;
  }
  socket::tcp::TcpListener& listener = *tcp_.listener(listener_index);
  if (listener.accept_queue.size() >= listener.backlog) {
    tcp_counters_.syn_cookies_no_room += 1;  // the peer retransmits; the cookie stays valid a while
    return true;
  }
  const int id = tcp_.open(tuple, tcp_isn_.timestamp_offset(tuple));
  if (id < 0) {
    tcp_counters_.syn_cookies_no_room += 1;
    return true;
  }
  socket::tcp::TcpSlot& slot = tcp_.slot(id);
  slot.listener = listener_index;
  listener.handshakes += 1;
  tcp_counters_.passive_opens += 1;
  tcp_counters_.syn_cookies_accepted += 1;
  slot.connection.accept_cookie(now, cookie, ack, *mss);
  slot.connection.on_segment(now, ack, options);  // ESTABLISHED, into the accept queue; data kept
  // No state may linger for a handshake that did not complete here: no SYN-ACK is retransmitted.
  if (slot.connection.state() == TcpState::syn_received) slot.connection.abort(now);
  tcp_settle(id);
  return true;
}

}  // namespace sluice::iface

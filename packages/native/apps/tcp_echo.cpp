#include "apps/tcp_echo.hpp"

#include <algorithm>
#include <cerrno>

namespace sluice::apps {

bool TcpEcho::serve(Instant now, iface::Interface& stack, int id) {
  const socket::tcp::Connection* connection = stack.tcp_connection(id);
  if (connection == nullptr) return false;
  for (;;) {
    const std::size_t room = std::min(connection->send_space(), buffer_.size());
    if (room == 0) return true;  // the writable event brings us back
    const long n = stack.tcp_receive(id, std::span(buffer_).first(room));
    if (n == -EAGAIN) return true;
    if (n <= 0) return false;  // end of stream (or the error that ended it): close after the echo
    counters_.bytes_received += static_cast<std::uint64_t>(n);
    const long sent = stack.tcp_send(now, id, std::span(buffer_).first(static_cast<std::size_t>(n)));
    if (sent != n) return false;
    counters_.bytes_sent += static_cast<std::uint64_t>(sent);
  }
}

}  // namespace sluice::apps

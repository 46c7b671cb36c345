#include "apps/tcp_sink.hpp"

#include <cerrno>

namespace sluice::apps {

bool TcpSink::serve(Instant, iface::Interface& stack, int id) {
  for (;;) {
    const long n = stack.tcp_receive(id, buffer_);
    if (n == -EAGAIN) return true;
    if (n <= 0) return false;
    counters_.bytes_received += static_cast<std::uint64_t>(n);
  }
}

}  // namespace sluice::apps

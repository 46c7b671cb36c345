#pragma once
// The baseline carrier for request/response apps (kv, http): the same RequestProtocol on Linux
// TCP sockets, one thread, epoll (level-triggered), non-blocking sockets. Connection ids are slot
// indices, so the protocol's per-connection state works unchanged.
//
// Unlike Sluice's send buffer, the kernel's free space cannot be asked for, so a reply the kernel
// did not take whole is kept in the connection's backlog (at most one reply buffer) and no more
// requests are read from that connection until it has drained.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "apps/request_protocol.hpp"

namespace sluice::apps {

struct KernelTcpCounters {
  std::uint64_t accepted = 0;
  std::uint64_t closed = 0;
  std::uint64_t refused = 0;  ///< accepted by the kernel but over max_connections: closed at once
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
};

struct KernelTcpOptions {
  std::string address;  ///< "0.0.0.0" for every address
  std::uint16_t port = 0;
  bool busy_poll = false;  ///< epoll_wait with a zero timeout, spinning
  std::size_t max_connections = 1024;
};

/// Serves until `stop`; calls `on_ready` once listening. Throws sluice::Error when it cannot listen.
void run_kernel_tcp_server(const KernelTcpOptions& options, RequestProtocol& protocol, KernelTcpCounters& counters,
                           const std::atomic<bool>& stop, const std::function<void()>& on_ready);

}  // namespace sluice::apps

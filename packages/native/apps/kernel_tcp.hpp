#pragma once
// The TCP load clients on kernel sockets (the baseline side of `sluice bench tcp-echo|tcp-stream`),
// measured with the same EchoLoad and stream pattern as the Sluice clients. Nagle is off.
#include <atomic>
#include <functional>
#include <string>

#include "apps/tcp_load.hpp"

namespace sluice::apps {

struct KernelTcpEchoCounters {
  std::uint64_t accepted = 0;
  std::uint64_t closed = 0;
  std::uint64_t bytes = 0;
};

/// A TCP echo server on kernel sockets (epoll, spinning when busy_poll) until `stop`: the baseline
/// of `sluice run echo --proto tcp`. Calls `ready` once listening. Throws sluice::Error on setup.
KernelTcpEchoCounters run_kernel_tcp_echo(const std::string& address, std::uint16_t port, bool busy_poll,
                                          const std::atomic<bool>& stop, const std::function<void()>& ready);

/// Connects options.connections sockets to address:port and keeps each one's window of messages in
/// flight; epoll, spinning when busy_poll. Throws sluice::Error when no connection can be made.
TcpEchoLoadResult run_kernel_tcp_echo_client(const std::string& address, std::uint16_t port,
                                             const TcpEchoLoadOptions& options, bool busy_poll,
                                             const std::atomic<bool>& stop);

/// Sends options.bytes of the stream pattern, half-closes, and reads (checking any echo) until the
/// server's FIN. Throws sluice::Error when the transfer fails.
TcpStreamResult run_kernel_tcp_stream_client(const std::string& address, std::uint16_t port,
                                             const TcpStreamOptions& options, bool busy_poll,
                                             const std::atomic<bool>& stop);

}  // namespace sluice::apps

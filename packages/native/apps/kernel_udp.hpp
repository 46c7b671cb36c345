#pragma once
// Baselines on kernel UDP sockets, batched with recvmmsg/sendmmsg: an echo server and an echo load
// client. They share EchoLoad with the Sluice client, so both sides are measured the same way.
#include <atomic>
#include <cstdint>
#include <string>

#include "apps/echo_load.hpp"

namespace sluice::apps {

struct KernelEchoCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;
  std::uint64_t syscalls = 0;
};

/// Echoes datagrams on address:port until `stop`; busy_poll spins with MSG_DONTWAIT instead of blocking.
/// Calls `on_ready` once the socket is bound. Throws sluice::Error when the socket cannot be set up.
KernelEchoCounters run_kernel_udp_echo(const std::string& address, std::uint16_t port, bool busy_poll,
                                       const std::atomic<bool>& stop, void (*on_ready)(void*), void* ready_arg);

/// Runs an echo load against target:port over a kernel socket.
EchoLoadResult run_kernel_udp_echo_client(const std::string& address, std::uint16_t port,
                                          const EchoLoadOptions& options, bool busy_poll,
                                          const std::atomic<bool>& stop);

}  // namespace sluice::apps

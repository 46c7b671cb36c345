#pragma once
// Running the TCP load clients to completion, on a Sluice instance or on kernel sockets, for
// `sluice bench tcp-echo|tcp-stream` (through the addon) and tests. Each blocks the calling thread
// while the client runs on its own thread pinned to the instance's core.
#include <cstdint>
#include <memory>
#include <string>

#include "apps/hosting.hpp"
#include "apps/tcp_load.hpp"
#include "runtime/instance_config.hpp"

namespace sluice::apps {

TcpEchoLoadResult run_stack_tcp_echo_bench(const runtime::InstanceConfig& instance, const std::string& target_address,
                                           std::uint16_t target_port, const TcpEchoLoadOptions& options);

TcpStreamResult run_stack_tcp_stream_bench(const runtime::InstanceConfig& instance, const std::string& target_address,
                                           std::uint16_t target_port, const TcpStreamOptions& options);

/// `sluice run echo --proto tcp --backend kernel`: the kernel-socket TCP echo on its own thread.
std::unique_ptr<HostedApp> host_kernel_tcp_echo(const std::string& address, bool busy_poll, int core, std::uint16_t port);

TcpEchoLoadResult run_kernel_tcp_echo_bench(const std::string& target_address, std::uint16_t target_port,
                                            const TcpEchoLoadOptions& options, bool busy_poll, int core);

TcpStreamResult run_kernel_tcp_stream_bench(const std::string& target_address, std::uint16_t target_port,
                                            const TcpStreamOptions& options, bool busy_poll, int core);

}  // namespace sluice::apps

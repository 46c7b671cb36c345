#pragma once
// What the kernel engine hands back: one Completion per finished (or, for streams, per delivered)
// operation, identified by the 64-bit token the caller chose when it started the operation.
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace sluice::libos::kernel {

enum class Op : std::uint8_t { accept, connect, send, sendto, recv, recvfrom, close, shutdown };

/// "accept", "connect", ... for messages and test output.
const char* op_name(Op op);

/// A receive or accept either completes once, or stays armed as a stream and completes once per
/// arrival (multishot in the kernel where available, re-armed by the engine otherwise).
enum class Mode : std::uint8_t { once, stream };

/// A provided buffer id, valid in a Completion whose `data` is not empty.
using BufferId = std::uint16_t;

struct Completion {
  std::uint64_t token = 0;  ///< the caller's token from the start call
  Op op = Op::close;
  int fd = -1;              ///< the socket the operation was started on
  /// >= 0 on success: accept: the new socket's fd; send/sendto/recv/recvfrom: bytes (recv: 0 is
  /// end of stream); connect/close/shutdown: 0. < 0: -errno exactly as the kernel reported it, or
  /// -ECANCELED when the socket was closed with the operation still pending.
  std::int32_t result = 0;
  /// True when a stream operation will complete again under the same token; false on the last
  /// completion of every operation (after which the token is free for reuse).
  bool more = false;
  /// recv/recvfrom: the received bytes, inside provided buffer `buffer`, which belongs to the caller
  /// until Engine::release(buffer). Empty (and no buffer held) when result <= 0.
  std::span<std::byte> data;
  BufferId buffer = 0;
  /// accept: the connecting peer; recvfrom: the datagram's sender. Zeroed otherwise.
  sockaddr_in peer{};
};

}  // namespace sluice::libos::kernel

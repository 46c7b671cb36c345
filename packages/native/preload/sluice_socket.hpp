// One application socket that lives on the LibOS: its qd, the operations it has in flight, the
// received bytes not yet read, and the Linux-visible state (O_NONBLOCK, SO_ERROR, shutdown).
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>

#include "sluice/libos.h"

namespace sluice::preload {

enum class SocketState { fresh, listening, connecting, connected, failed };

struct SluiceSocket {
  int fd = -1;  // an app-visible placeholder fd (one of them, when dup made more)
  int references = 1;  // placeholder fds naming this socket (dup, dup2, dup3, F_DUPFD)
  int qd = -1;
  bool tcp = true;
  bool nonblocking = false;
  SocketState state = SocketState::fresh;
  int so_error = 0;  // reported (and cleared) by getsockopt(SO_ERROR)
  bool bound = false;

  sl_qtoken_t connect_qt = 0;
  sl_qtoken_t accept_qt = 0;
  sl_qtoken_t pop_qt = 0;

  // The completed pop being read from, segment by segment.
  bool rx_ready = false;
  sl_sga_t rx{};
  uint32_t rx_segment = 0;
  uint32_t rx_offset = 0;
  bool eof = false;     // the peer finished (or SHUT_RD)
  bool shut_write = false;     // SHUT_WR asked: writes are EPIPE, FIN follows the pushes in flight
  bool fin_sent = false;       // the LibOS was told to send FIN
  int rx_error = 0;     // a pop failed (ECONNRESET): reported once, then end of stream
  int tx_error = 0;     // a push failed: writes get EPIPE
  int pushes_in_flight = 0;
  // Bumped whenever a LibOS completion changes what the socket could report (bytes, a connection,
  // room to write, an error): edge-triggered epoll reports again after a bump.
  uint32_t event_sequence = 0;

  // Options set while the socket was fresh, replayed if it moves to the kernel (loopback).
  int reuse_address = -1;
  int nodelay = -1;
  int keepalive = -1;

  // UDP connect(): the default peer (the LibOS takes the address per push).
  bool has_peer = false;
  sockaddr_in peer{};

  // Connections accepted by the LibOS and not yet by the application.
  std::array<sl_accept_result_t, 16> accepted{};
  uint32_t accepted_head = 0;
  uint32_t accepted_count = 0;
};

/** Bytes readable right now without a LibOS call (FIONREAD, recv). */
std::size_t readable_bytes(const SluiceSocket& socket);

}  // namespace sluice::preload

#pragma once
// UDP socket state: endpoints, a bounded receive queue of frames, counters; and the table that
// binds ports to sockets with an O(1) port index for the receive hot path. The interface layer
// drives this state; nothing here sends or frees frames.
#include <cstdint>
#include <optional>
#include <vector>

#include "socket/datagram_ring.hpp"
#include "socket/endpoint.hpp"
#include "socket/udp_datagram.hpp"

namespace sluice::socket {

struct UdpSocketCounters {
  std::uint64_t rx_datagrams = 0;
  std::uint64_t rx_bytes = 0;               ///< payload bytes
  std::uint64_t rx_dropped_queue_full = 0;
  std::uint64_t tx_datagrams = 0;
  std::uint64_t tx_bytes = 0;               ///< payload bytes
  std::uint64_t tx_errors = 0;              ///< any failed send, synchronous or later (ARP failure)
  std::uint64_t tx_unresolved = 0;          ///< of tx_errors: queued for ARP and dropped when it failed
};

struct UdpSocket {
  bool open = false;
  Endpoint local;
  std::optional<Endpoint> remote;  ///< set by connect: only this peer's datagrams are accepted
  /// Bumped on every bind, so late events (ARP failure) for a closed socket's id are not charged
  /// to a newer socket that reuses the id.
  std::uint32_t generation = 0;
  DatagramRing queue;
  UdpSocketCounters counters;

  /// Whether a datagram from `from` to `to_address` belongs to this socket (port already matched).
  bool accepts(const Endpoint& from, wire::Ipv4Address to_address) const {
    if (!local.address.is_unspecified() && local.address != to_address) return false;
    return !remote || *remote == from;
  }
};

class UdpSocketTable {
 public:
  static constexpr std::uint16_t ephemeral_first = 49152;
  static constexpr std::uint16_t ephemeral_last = 65535;
  static constexpr std::size_t max_sockets = 0xfffe;

  UdpSocketTable(std::size_t socket_count, std::size_t queue_depth, std::uint32_t ephemeral_seed);

  /// Socket id >= 0, or -EADDRINUSE (port taken, or no free ephemeral port), -EMFILE (no free
  /// socket), -EADDRNOTAVAIL (address is neither 0 nor `interface_address`).
  int bind(Endpoint local, wire::Ipv4Address interface_address);
  /// 0, or -EBADF. A remote with port 0 disconnects.
  int connect(int id, Endpoint remote);
  /// Frees the id and port. The caller must have drained the queue first.
  void close(int id);

  /// The open socket with this id, or nullptr.
  UdpSocket* get(int id);
  const UdpSocket* get(int id) const;
  /// The socket bound to `port`, or nullptr: one array load.
  UdpSocket* by_port(std::uint16_t port) {
    const std::uint16_t id = port_to_socket_[port];
    return id == no_socket ? nullptr : &sockets_[id];
  }
  int id_of(const UdpSocket& socket) const { return static_cast<int>(&socket - sockets_.data()); }
  std::size_t size() const { return sockets_.size(); }

 private:
  static constexpr std::uint16_t no_socket = 0xffff;
  int pick_ephemeral_port();

  std::vector<UdpSocket> sockets_;
  std::vector<std::uint16_t> port_to_socket_;
  std::size_t queue_depth_;
  std::uint16_t next_ephemeral_;
};

}  // namespace sluice::socket

#include "socket/udp_socket.hpp"

#include <cerrno>

namespace sluice::socket {

UdpSocketTable::UdpSocketTable(std::size_t socket_count, std::size_t queue_depth, std::uint32_t ephemeral_seed)
    : sockets_(socket_count),
      port_to_socket_(65536, no_socket),
      queue_depth_(queue_depth),
      next_ephemeral_(static_cast<std::uint16_t>(ephemeral_first +
                                                 ephemeral_seed % (ephemeral_last - ephemeral_first + 1))) {}

int UdpSocketTable::pick_ephemeral_port() {
  constexpr std::uint32_t range = ephemeral_last - ephemeral_first + 1;
  for (std::uint32_t tried = 0; tried < range; ++tried) {
    const std::uint16_t port = next_ephemeral_;
    next_ephemeral_ = port == ephemeral_last ? ephemeral_first : static_cast<std::uint16_t>(port + 1);
    if (port_to_socket_[port] == no_socket) return port;
  }
  return -EADDRINUSE;
}

int UdpSocketTable::bind(Endpoint local, wire::Ipv4Address interface_address) {
  if (!local.address.is_unspecified() && local.address != interface_address) return -EADDRNOTAVAIL;
  if (local.port != 0 && port_to_socket_[local.port] != no_socket) return -EADDRINUSE;
  std::size_t id = 0;
  while (id < sockets_.size() && sockets_[id].open) ++id;
  if (id == sockets_.size()) return -EMFILE;
  if (local.port == 0) {
    const int port = pick_ephemeral_port();
    if (port < 0) return port;
    local.port = static_cast<std::uint16_t>(port);
  }
  UdpSocket& socket = sockets_[id];
  socket.open = true;
  socket.local = local;
  socket.remote.reset();
  socket.generation += 1;
  socket.queue.reset(queue_depth_);
  socket.counters = {};
  port_to_socket_[local.port] = static_cast<std::uint16_t>(id);
  return static_cast<int>(id);
}

int UdpSocketTable::connect(int id, Endpoint remote) {
  UdpSocket* socket = get(id);
  if (socket == nullptr) return -EBADF;
  if (remote.port == 0) {
    socket->remote.reset();
  } else {
    socket->remote = remote;
  }
  return 0;
}

void UdpSocketTable::close(int id) {
  UdpSocket* socket = get(id);
  if (socket == nullptr) return;
  port_to_socket_[socket->local.port] = no_socket;
  socket->open = false;
  socket->remote.reset();
}

UdpSocket* UdpSocketTable::get(int id) {
  if (id < 0 || static_cast<std::size_t>(id) >= sockets_.size() || !sockets_[id].open) return nullptr;
  return &sockets_[id];
}

const UdpSocket* UdpSocketTable::get(int id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= sockets_.size() || !sockets_[id].open) return nullptr;
  return &sockets_[id];
}

}  // namespace sluice::socket

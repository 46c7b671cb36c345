// The TCP socket API on the interface: listen, accept, connect, send, receive, shutdown, close,
// abort, options and the event queue. Every call that touches a connection ends with
// tcp_settle() and drains segments looped back to our own address.
#include <array>
#include <cerrno>

#include "iface/interface.hpp"

namespace sluice::iface {

using socket::tcp::Connection;
using socket::tcp::FourTuple;
using socket::tcp::TcpEventKind;
using socket::tcp::TcpState;

namespace {
// Events of one socket come out in this order: what happened before what it led to.
constexpr std::array<TcpEventKind, 7> event_order = {TcpEventKind::connected, TcpEventKind::acceptable,
                                                     TcpEventKind::readable,  TcpEventKind::writable,
                                                     TcpEventKind::reset,     TcpEventKind::error,
                                                     TcpEventKind::closed};
constexpr std::uint8_t bit_of(TcpEventKind kind) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(kind)); }
}  // namespace

Connection* Interface::app_connection(int id) {
  socket::tcp::TcpSlot* slot = tcp_.get(id);
  return slot != nullptr && slot->app_owned ? &slot->connection : nullptr;
}

const Connection* Interface::tcp_connection(int id) const {
  const socket::tcp::TcpSlot* slot = tcp_.get(id);
  return slot != nullptr && slot->app_owned ? &slot->connection : nullptr;
}

TcpState Interface::tcp_state(int id) const {
  const Connection* connection = tcp_connection(id);
  return connection != nullptr ? connection->state() : TcpState::closed;
}

int Interface::tcp_listen(socket::Endpoint local, std::uint32_t backlog) {
  if (!local.address.is_unspecified() && local.address != config_.address) return -EADDRNOTAVAIL;
  const int index = tcp_.listen(local, backlog);
  return index < 0 ? index : tcp_listener_id(index);
}

int Interface::tcp_accept(int listener_id) {
  const int index = listener_id - static_cast<int>(tcp_.capacity());
  socket::tcp::TcpListener* listener = tcp_.listener(index);
  if (listener == nullptr) return listener_id >= 0 && index < 0 ? -EINVAL : -EBADF;
  while (!listener->accept_queue.empty()) {
    const std::uint64_t entry = listener->accept_queue.pop();
    const int id = static_cast<int>(entry & 0xffffffffu);
    socket::tcp::TcpSlot* slot = tcp_.get(id);
    // Children that were reset or timed out while queued are gone, their slot maybe reused.
    if (slot == nullptr || slot->generation != entry >> 32 || slot->app_owned || slot->listener != index) continue;
    slot->listener = -1;
    slot->app_owned = true;
    tcp_counters_.accepted += 1;
    const Connection& connection = slot->connection;
    if (connection.readable() > 0 || connection.peer_finished()) queue_tcp_event(id, TcpEventKind::readable);
    return id;
  }
  return -EAGAIN;
}

int Interface::tcp_connect(Instant now, socket::Endpoint remote) {
  if (remote.port == 0 || remote.address.is_unspecified() || remote.address.is_multicast() ||
      router_.is_broadcast(remote.address)) {
    return -EINVAL;
  }
  if (router_.route(remote.address).kind == Route::Kind::unreachable) return -ENETUNREACH;
  const int port = tcp_.pick_ephemeral_port(config_.address, remote);
  if (port < 0) return port;
  const FourTuple tuple{{config_.address, static_cast<std::uint16_t>(port)}, remote};
  tcp_.reserve_buffers();
  const int id = tcp_.open(tuple, tcp_isn_.timestamp_offset(tuple));
  if (id < 0) return id;
  socket::tcp::TcpSlot& slot = tcp_.slot(id);
  slot.app_owned = true;
  tcp_counters_.active_opens += 1;
  slot.connection.connect(now, tcp_isn_.initial_sequence(now, tuple));
  tcp_settle(id);
  drain_tcp_loopback(now);
  return id;
}

long Interface::tcp_send(Instant now, int id, std::span<const std::uint8_t> bytes) {
  Connection* connection = app_connection(id);
  if (connection == nullptr) return -EBADF;
  const long result = connection->send(now, bytes);
  tcp_settle(id);
  drain_tcp_loopback(now);
  return result;
}

long Interface::tcp_receive(int id, std::span<std::uint8_t> out) {
  Connection* connection = app_connection(id);
  if (connection == nullptr) return -EBADF;
  const long result = connection->receive(out);
  socket::tcp::TcpSlot& slot = tcp_.slot(id);
  if (connection->wants_flush() && !slot.flush_queued) {
    slot.flush_queued = true;  // sent by the next poll(), which has the time
    tcp_flushes_.push(static_cast<std::uint64_t>(id));
  }
  return result;
}

int Interface::tcp_shutdown(Instant now, int id) {
  Connection* connection = app_connection(id);
  if (connection == nullptr) return -EBADF;
  const int result = connection->shutdown(now);
  tcp_settle(id);
  drain_tcp_loopback(now);
  return result;
}

int Interface::tcp_close(Instant now, int id) {
  const int connections = static_cast<int>(tcp_.capacity());
  if (id >= connections) {
    if (tcp_.listener(id - connections) == nullptr) return -EBADF;
    close_tcp_listener(now, id - connections);
    return 0;
  }
  Connection* connection = app_connection(id);
  if (connection == nullptr) return -EBADF;
  socket::tcp::TcpSlot& slot = tcp_.slot(id);
  slot.app_owned = false;
  slot.pending_events = 0;
  connection->close(now);
  tcp_settle(id);
  drain_tcp_loopback(now);
  return 0;
}

int Interface::tcp_abort(Instant now, int id) {
  Connection* connection = app_connection(id);
  if (connection == nullptr) return -EBADF;
  socket::tcp::TcpSlot& slot = tcp_.slot(id);
  slot.app_owned = false;
  slot.pending_events = 0;
  connection->abort(now);
  tcp_settle(id);
  drain_tcp_loopback(now);
  return 0;
}

void Interface::close_tcp_listener(Instant now, int index) {
  // Children not yet accepted belong to the listener: they are reset with it.
  for (std::size_t id = 0; id < tcp_.capacity(); ++id) {
    socket::tcp::TcpSlot* slot = tcp_.get(static_cast<int>(id));
    if (slot == nullptr || slot->app_owned || slot->listener != index) continue;
    slot->listener = -1;
    slot->connection.abort(now);
    tcp_settle(static_cast<int>(id));
  }
  tcp_.close_listener(index);
  drain_tcp_loopback(now);
}

bool Interface::tcp_next_event(TcpEvent& out) {
  const int connections = static_cast<int>(tcp_.capacity());
  while (!tcp_events_.empty()) {
    const int socket = static_cast<int>(tcp_events_.front());
    std::uint8_t* pending = nullptr;
    bool* queued = nullptr;
    int error = 0;
    if (socket < connections) {
      socket::tcp::TcpSlot& slot = tcp_.slot(socket);
      pending = &slot.pending_events;
      queued = &slot.event_queued;
      error = slot.last_error;
    } else {
      socket::tcp::TcpListener* listener = tcp_.listener(socket - connections);
      if (listener == nullptr) {
        tcp_events_.pop();
        continue;
      }
      pending = &listener->pending_events;
      queued = &listener->event_queued;
    }
    bool found = false;
    for (const TcpEventKind kind : event_order) {
      if ((*pending & bit_of(kind)) == 0) continue;
      *pending = static_cast<std::uint8_t>(*pending & ~bit_of(kind));
      const bool carries_error = kind == TcpEventKind::reset || kind == TcpEventKind::error || kind == TcpEventKind::closed;
      out = {socket, kind, carries_error ? error : 0};
      found = true;
      break;
    }
    if (*pending == 0) {
      *queued = false;
      tcp_events_.pop();
    }
    if (found) return true;
  }
  return false;
}

int Interface::tcp_set_nodelay(int id, bool nodelay) {
  Connection* connection = app_connection(id);
  if (connection == nullptr) return -EBADF;
  connection->set_nodelay(nodelay);
  return 0;
}

int Interface::tcp_set_keepalive(int id, bool keepalive) {
  Connection* connection = app_connection(id);
  if (connection == nullptr) return -EBADF;
  connection->set_keepalive(keepalive);
  tcp_settle(id);
  return 0;
}

int Interface::tcp_set_congestion(int id, socket::tcp::CongestionAlgorithm algorithm) {
  Connection* connection = app_connection(id);
  if (connection == nullptr) return -EBADF;
  if (connection->state() != TcpState::syn_sent) return -EISCONN;
  connection->set_congestion(algorithm);
  return 0;
}

}  // namespace sluice::iface

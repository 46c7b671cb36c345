#include "apps/buffered_tcp_server.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sluice::apps {

void BufferedTcpServer::start(Instant now, runtime::StackInstance& instance) {
  TcpServer::start(now, instance);
  const iface::InterfaceConfig& config = instance.interface().config();
  pending_.assign(config.tcp_connections, Pending{});
  // A reply larger than the whole send buffer could never be handed over: cap it there.
  replies_.assign(std::min<std::size_t>(kMaxReply, config.tcp.send_buffer), 0);
  protocol_->prepare(config.tcp_connections);
  waiting_.clear();
  waiting_.reserve(2 * std::size_t{config.tcp_connections});  // ids kept plus ids queued again during a retry
}

void BufferedTcpServer::step(Instant now, runtime::StackInstance& instance) {
  TcpServer::step(now, instance);
  if (!waiting_.empty()) retry_waiting(now, instance.interface());
  protocol_->tick(now);
}

void BufferedTcpServer::retry_waiting(Instant now, iface::Interface& stack) {
  using socket::tcp::TcpState;
  const std::size_t count = waiting_.size();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const int id = waiting_[i];
    Pending& pending = pending_[static_cast<std::size_t>(id)];
    const socket::tcp::Connection* connection = stack.tcp_connection(id);
    const TcpState state = stack.tcp_state(id);
    if (pending.waiting_at == 0 || connection == nullptr ||
        (state != TcpState::established && state != TcpState::close_wait)) {
      pending.waiting_at = 0;  // ended meanwhile (its close came as an event): nothing to retry
      continue;
    }
    // Retry once a few segments' worth was acknowledged, or all the room a reply can have is free.
    if (connection->send_space() < std::min(replies_.size(), pending.waiting_at + 4096)) {
      waiting_[kept++] = id;
      continue;
    }
    pending.waiting_at = 0;
    if (!serve(now, stack, id)) finish(now, stack, id, false);
  }
  // serve() may have queued ids again at the end while we walked: keep them after the ones kept.
  const std::size_t appended = waiting_.size() - count;
  std::move(waiting_.begin() + static_cast<long>(count), waiting_.end(), waiting_.begin() + static_cast<long>(kept));
  waiting_.resize(kept + appended);
}

void BufferedTcpServer::opened(iface::Interface& stack, int id) {
  Pending& pending = pending_[static_cast<std::size_t>(id)];
  if (pending.bytes.size() != protocol_->max_request()) pending.bytes.assign(protocol_->max_request(), 0);
  pending.size = 0;
  pending.waiting_at = 0;
  protocol_->opened(id);
  // Replies go out at once, not after the previous one's ACK (Redis and nginx do the same).
  stack.tcp_set_nodelay(id, true);
}

bool BufferedTcpServer::serve(Instant now, iface::Interface& stack, int id) {
  const socket::tcp::Connection* connection = stack.tcp_connection(id);
  if (connection == nullptr) return false;
  Pending& pending = pending_[static_cast<std::size_t>(id)];
  for (;;) {
    const std::size_t room = std::min(connection->send_space(), replies_.size());
    const Exchange exchange = protocol_->handle(now, id, std::span(pending.bytes).first(pending.size),
                                                std::span(replies_).first(room), replies_.size());
    if (exchange.written > 0) {
      const long sent = stack.tcp_send(now, id, std::span(replies_).first(exchange.written));
      if (sent != static_cast<long>(exchange.written)) return false;  // cannot happen: room was checked
      counters_.bytes_sent += exchange.written;
    }
    if (exchange.consumed > 0) {
      pending.size -= exchange.consumed;
      std::memmove(pending.bytes.data(), pending.bytes.data() + exchange.consumed, pending.size);
    }
    if (exchange.next == Wait::close) return false;  // graceful: the replies go out before the FIN
    if (exchange.next == Wait::output) {
      if (pending.waiting_at == 0) waiting_.push_back(id);
      pending.waiting_at = std::max<std::size_t>(room, 1);  // step() retries when more is free
      return true;
    }
    if (pending.size == pending.bytes.size()) {
      // The protocol should have refused a request this long itself; never wait forever on it.
      oversized_ += 1;
      return false;
    }
    const long n = stack.tcp_receive(id, std::span(pending.bytes).subspan(pending.size));
    if (n == -EAGAIN) return true;
    if (n <= 0) return false;  // end of stream, or the error that ended it
    counters_.bytes_received += static_cast<std::uint64_t>(n);
    pending.size += static_cast<std::size_t>(n);
  }
}

void BufferedTcpServer::describe_counters(runtime::CounterTable& table) const {
  TcpServer::describe_counters(table);
  table.add("app", "oversized", oversized_);
  protocol_->describe_counters(table);
}

}  // namespace sluice::apps

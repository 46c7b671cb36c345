#include "apps/tcp_server.hpp"

#include <string>

#include "util/error.hpp"

namespace sluice::apps {

using socket::tcp::TcpEventKind;

void TcpServer::start(Instant, runtime::StackInstance& instance) {
  iface::Interface& stack = instance.interface();
  listener_ = stack.tcp_listen({wire::Ipv4Address{}, port_}, backlog_);
  if (listener_ < 0) throw_errno(-listener_, "cannot listen on TCP port " + std::to_string(port_));
  open_.assign(stack.config().tcp_connections, false);
  buffer_.assign(64 * 1024, 0);
}

void TcpServer::step(Instant now, runtime::StackInstance& instance) {
  iface::Interface& stack = instance.interface();
  iface::TcpEvent event;
  while (stack.tcp_next_event(event)) {
    if (event.socket == listener_) {
      for (int id = stack.tcp_accept(listener_); id >= 0; id = stack.tcp_accept(listener_)) {
        open_[static_cast<std::size_t>(id)] = true;
        counters_.accepted += 1;
        opened(stack, id);
        if (!serve(now, stack, id)) finish(now, stack, id, false);
      }
      continue;
    }
    const auto id = static_cast<std::size_t>(event.socket);
    if (id >= open_.size() || !open_[id]) continue;
    switch (event.kind) {
      case TcpEventKind::readable:
      case TcpEventKind::writable:
        if (!serve(now, stack, event.socket)) finish(now, stack, event.socket, false);
        break;
      case TcpEventKind::reset:
      case TcpEventKind::error:
      case TcpEventKind::closed:
        finish(now, stack, event.socket, event.kind != TcpEventKind::closed || event.error != 0);
        break;
      default:
        break;
    }
  }
}

void TcpServer::finish(Instant now, iface::Interface& stack, int id, bool failed) {
  if (!open_[static_cast<std::size_t>(id)]) return;
  open_[static_cast<std::size_t>(id)] = false;
  // A peer's RST can surface first as a failed read (readable is reported before reset), so ask
  // the connection how it ended rather than trusting the path that noticed.
  const socket::tcp::Connection* connection = stack.tcp_connection(id);
  if (connection != nullptr && connection->error() != 0) failed = true;
  (failed ? counters_.reset : counters_.closed) += 1;
  stack.tcp_close(now, id);  // graceful: what was queued still goes out, then FIN
}

void TcpServer::stop(runtime::StackInstance& instance) {
  iface::Interface& stack = instance.interface();
  const Instant now = monotonic_now();
  for (std::size_t id = 0; id < open_.size(); ++id) {
    if (open_[id]) stack.tcp_abort(now, static_cast<int>(id));
    open_[id] = false;
  }
  if (listener_ >= 0) stack.tcp_close(now, listener_);
  listener_ = -1;
}

void TcpServer::describe_counters(runtime::CounterTable& table) const {
  table.add("app", "accepted", counters_.accepted);
  table.add("app", "closed", counters_.closed);
  table.add("app", "reset", counters_.reset);
  table.add("app", "bytes_received", counters_.bytes_received);
  table.add("app", "bytes_sent", counters_.bytes_sent);
}

}  // namespace sluice::apps

#include "apps/tcp_echo_client.hpp"

#include <cerrno>
#include <string>

#include "util/error.hpp"

namespace sluice::apps {

using socket::tcp::TcpEventKind;

namespace {
// After the measurement each connection is half-closed and the client waits this long for the
// server's FIN, so both sides end cleanly; connections still open then are reset.
constexpr Duration kCloseGrace = Duration::seconds(2);

EchoLoadOptions whole_load(const TcpEchoLoadOptions& options) {
  EchoLoadOptions load = options.load;
  load.window = options.connections * options.load.window;
  load.loss_timeout = Duration::seconds(24 * 3600);  // TCP retransmits; a message is never presumed lost
  return load;
}
}  // namespace

TcpEchoClient::TcpEchoClient(socket::Endpoint target, const TcpEchoLoadOptions& options, std::atomic<bool>& done)
    : target_(target),
      options_(options),
      load_(whole_load(options)),
      done_(done),
      peers_(options.connections, Peer{.reply = MessageAssembler(options.load.size)}),
      replies_(static_cast<std::size_t>(options.connections) * options.load.size),
      request_(options.load.size, 0x5a) {}

void TcpEchoClient::start(Instant now, runtime::StackInstance& instance) {
  iface::Interface& stack = instance.interface();
  peer_of_id_.assign(stack.config().tcp_connections, -1);
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    const int id = stack.tcp_connect(now, target_);
    if (id < 0) {
      throw_errno(-id, "cannot open TCP connection " + std::to_string(i + 1) + " of " + std::to_string(peers_.size()) +
                           (id == -EMFILE ? " (raise --tcp-connections)" : ""));
    }
    stack.tcp_set_nodelay(id, true);
    peers_[i].id = id;
    peer_of_id_[static_cast<std::size_t>(id)] = static_cast<int>(i);
  }
}

void TcpEchoClient::step(Instant now, runtime::StackInstance& instance) {
  iface::Interface& stack = instance.interface();
  iface::TcpEvent event;
  while (stack.tcp_next_event(event)) on_event(now, stack, event);

  const auto total = static_cast<std::uint32_t>(peers_.size());
  if (connected_ + failed_ < total) return;  // still connecting: the clock starts once all are in
  if (connected_ == 0) {
    done_.store(true, std::memory_order_relaxed);
    return;
  }
  load_.begin(now);
  if (!closing_) {
    for (Peer& peer : peers_) {
      if (peer.connected && !peer.ended) send(now, stack, peer);
    }
    if (load_.finished(now)) begin_closing(now, stack);
    return;
  }
  if (ended_ == total || now >= close_deadline_) done_.store(true, std::memory_order_relaxed);
}

void TcpEchoClient::on_event(Instant now, iface::Interface& stack, const iface::TcpEvent& event) {
  const auto id = static_cast<std::size_t>(event.socket);
  if (id >= peer_of_id_.size() || peer_of_id_[id] < 0) return;
  Peer& peer = peers_[static_cast<std::size_t>(peer_of_id_[id])];
  if (peer.ended) return;
  switch (event.kind) {
    case TcpEventKind::connected:
      if (!peer.connected) ++connected_;
      peer.connected = true;
      break;
    case TcpEventKind::readable:
      receive(now, stack, peer);
      break;
    case TcpEventKind::writable:
      if (!closing_ && peer.connected && connected_ + failed_ == peers_.size()) send(now, stack, peer);
      break;
    case TcpEventKind::reset:
    case TcpEventKind::error:
    case TcpEventKind::closed:
      peer.ended = true;
      ++ended_;
      if (!closing_) ++failed_;
      if (event.error != 0) last_error_ = event.error;
      break;
    default:
      break;
  }
}

void TcpEchoClient::receive(Instant now, iface::Interface& stack, Peer& peer) {
  const auto index = static_cast<std::size_t>(&peer - peers_.data());
  const std::span<std::uint8_t> storage = std::span(replies_).subspan(index * options_.load.size, options_.load.size);
  for (;;) {
    const long n = stack.tcp_receive(peer.id, peer.reply.room(storage));
    if (n == -EAGAIN) return;
    if (n <= 0) {  // the server's FIN (expected only once we closed) or the error that ended it
      peer.ended = true;
      ++ended_;
      if (!closing_) ++failed_;
      return;
    }
    if (peer.reply.add(static_cast<std::size_t>(n))) {
      load_.on_reply(now, storage);
      if (peer.outstanding > 0) --peer.outstanding;
    }
  }
}

void TcpEchoClient::send(Instant now, iface::Interface& stack, Peer& peer) {
  const socket::tcp::Connection* connection = stack.tcp_connection(peer.id);
  if (connection == nullptr) return;
  while (peer.outstanding < options_.load.window && connection->send_space() >= request_.size() &&
         load_.next_request(now, request_)) {
    // Whole messages only: send_space() was checked, so the send takes all of it.
    if (stack.tcp_send(now, peer.id, request_) != static_cast<long>(request_.size())) return;
    ++peer.outstanding;
  }
}

void TcpEchoClient::begin_closing(Instant now, iface::Interface& stack) {
  closing_ = true;
  close_deadline_ = now + kCloseGrace;
  for (Peer& peer : peers_) {
    if (peer.connected && !peer.ended) stack.tcp_shutdown(now, peer.id);
  }
}

void TcpEchoClient::stop(runtime::StackInstance& instance) {
  iface::Interface& stack = instance.interface();
  const Instant now = monotonic_now();
  for (Peer& peer : peers_) {
    if (peer.id < 0) continue;
    if (peer.ended) {
      stack.tcp_close(now, peer.id);
    } else {
      stack.tcp_abort(now, peer.id);
    }
    peer.id = -1;
  }
}

TcpEchoLoadResult TcpEchoClient::result() const {
  if (connected_ == 0) {
    throw_errno(last_error_ != 0 ? last_error_ : ECONNREFUSED, "no TCP connection to the target could be established");
  }
  return {.load = load_.result(),
          .connections = static_cast<std::uint32_t>(connected_),
          .failed = static_cast<std::uint32_t>(failed_)};
}

void TcpEchoClient::describe_counters(runtime::CounterTable& table) const {
  table.add("app", "connections", connected_);
  table.add("app", "failed", failed_);
}

}  // namespace sluice::apps

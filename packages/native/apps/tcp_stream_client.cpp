#include "apps/tcp_stream_client.hpp"

#include <cerrno>
#include <string>

#include "util/error.hpp"

namespace sluice::apps {

using socket::tcp::TcpEventKind;

namespace {
constexpr std::size_t kChunk = 64 * 1024;

double seconds_between(Instant from, Instant to) { return static_cast<double>((to - from).nanos) / 1e9; }
}  // namespace

TcpStreamClient::TcpStreamClient(socket::Endpoint target, const TcpStreamOptions& options, std::atomic<bool>& done)
    : target_(target), options_(options), done_(done), incoming_(kChunk) {}

void TcpStreamClient::start(Instant now, runtime::StackInstance& instance) {
  iface::Interface& stack = instance.interface();
  id_ = stack.tcp_connect(now, target_);
  if (id_ < 0) throw_errno(-id_, "cannot open a TCP connection");
  started_ = now;
  stream_pattern_at(0, 0);  // the pattern is generated now, not while the clock runs
}

void TcpStreamClient::step(Instant now, runtime::StackInstance& instance) {
  iface::Interface& stack = instance.interface();
  iface::TcpEvent event;
  while (stack.tcp_next_event(event)) {
    if (event.socket != id_ || finished_) continue;
    switch (event.kind) {
      case TcpEventKind::connected:
        connected_ = true;
        connected_at_ = now;
        break;
      case TcpEventKind::readable:
        receive(now, stack);
        break;
      case TcpEventKind::reset:
      case TcpEventKind::error:
        finish(now, event.error != 0 ? event.error : ECONNRESET);
        break;
      case TcpEventKind::closed:
        finish(now, shut_down_ ? 0 : ECONNRESET);
        break;
      default:
        break;
    }
  }
  if (finished_) return;
  if (connected_ && !shut_down_) send(now, stack);
  if (now - started_ >= options_.timeout) finish(now, ETIMEDOUT);
}

void TcpStreamClient::send(Instant now, iface::Interface& stack) {
  while (bytes_sent_ < options_.bytes) {
    const auto left = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, options_.bytes - bytes_sent_));
    const long sent = stack.tcp_send(now, id_, stream_pattern_at(bytes_sent_, left));
    if (sent == -EAGAIN) return;  // the writable event brings us back
    if (sent < 0) {
      finish(now, static_cast<int>(-sent));
      return;
    }
    bytes_sent_ += static_cast<std::uint64_t>(sent);
  }
  stack.tcp_shutdown(now, id_);
  shut_down_ = true;
  sent_at_ = now;
}

void TcpStreamClient::receive(Instant now, iface::Interface& stack) {
  for (;;) {
    const long n = stack.tcp_receive(id_, incoming_);
    if (n == -EAGAIN) return;
    if (n < 0) {
      finish(now, static_cast<int>(-n));
      return;
    }
    if (n == 0) {  // the server's FIN: before ours it gave up early
      finish(now, shut_down_ ? 0 : ECONNRESET);
      return;
    }
    const auto bytes = std::span<const std::uint8_t>(incoming_).first(static_cast<std::size_t>(n));
    if (first_mismatch_ < 0) first_mismatch_ = find_stream_mismatch(bytes_received_, bytes);
    bytes_received_ += static_cast<std::uint64_t>(n);
  }
}

void TcpStreamClient::finish(Instant now, int error) {
  if (finished_) return;
  finished_ = true;
  error_ = error;
  finished_at_ = now;
  done_.store(true, std::memory_order_relaxed);
}

void TcpStreamClient::stop(runtime::StackInstance& instance) {
  if (id_ < 0) return;
  iface::Interface& stack = instance.interface();
  if (finished_ && error_ == 0) {
    stack.tcp_close(monotonic_now(), id_);
  } else {
    stack.tcp_abort(monotonic_now(), id_);
  }
  id_ = -1;
}

TcpStreamResult TcpStreamClient::result() const {
  if (!finished_) throw Error(EINTR, "the TCP stream was stopped before it finished");
  if (error_ != 0) {
    throw_errno(error_, "the TCP stream failed after " + std::to_string(bytes_sent_) + " bytes sent and " +
                            std::to_string(bytes_received_) + " received" +
                            (connected_ ? "" : " (it never connected)"));
  }
  return {.bytes_sent = bytes_sent_,
          .bytes_received = bytes_received_,
          .first_mismatch = first_mismatch_,
          .seconds = seconds_between(connected_at_, finished_at_),
          .send_seconds = seconds_between(connected_at_, sent_at_)};
}

void TcpStreamClient::describe_counters(runtime::CounterTable& table) const {
  table.add("app", "bytes_sent", bytes_sent_);
  table.add("app", "bytes_received", bytes_received_);
}

}  // namespace sluice::apps

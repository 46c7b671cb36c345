#include "apps/sockperf_tcp_server.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wire/bytes.hpp"

namespace sluice::apps {

namespace sockperf {

std::size_t StreamFramer::feed(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, StreamCounters& counters) {
  std::size_t written = 0;
  std::size_t pos = 0;
  while (!failed_ && pos < in.size()) {
    if (header_have_ < kHeaderSize) {
      const std::size_t take = std::min<std::size_t>(kHeaderSize - header_have_, in.size() - pos);
      std::memcpy(header_.data() + header_have_, in.data() + pos, take);
      header_have_ += static_cast<std::uint32_t>(take);
      pos += take;
      if (header_have_ < kHeaderSize) break;
      const std::uint32_t length = wire::load_be32(header_.data() + 10);
      if (length < kHeaderSize || length > kMaxMessage) {
        failed_ = true;
        break;
      }
      counters.messages += 1;
      const Verdict verdict = answer_header_in_place(header_);
      replying_ = verdict == Verdict::reply;
      if (replying_) {
        counters.replies += 1;
        std::memcpy(out.data() + written, header_.data(), kHeaderSize);
        written += kHeaderSize;
      } else {
        (verdict == Verdict::no_reply ? counters.no_reply : counters.invalid) += 1;
      }
      body_left_ = length - static_cast<std::uint32_t>(kHeaderSize);
    } else {
      const std::size_t take = std::min<std::size_t>(body_left_, in.size() - pos);
      if (replying_) {
        std::memcpy(out.data() + written, in.data() + pos, take);
        written += take;
      }
      body_left_ -= static_cast<std::uint32_t>(take);
      pos += take;
    }
    if (body_left_ == 0) header_have_ = 0;  // the message is complete: the next byte starts a header
  }
  return written;
}

}  // namespace sockperf

void SockperfTcpServer::start(Instant now, runtime::StackInstance& instance) {
  TcpServer::start(now, instance);
  framers_.assign(instance.interface().config().tcp_connections, sockperf::StreamFramer{});
  replies_.assign(buffer_.size() + sockperf::StreamFramer::kReplySlack, 0);
}

void SockperfTcpServer::opened(iface::Interface& stack, int id) {
  framers_[static_cast<std::size_t>(id)].reset();
  // Ping-pong measures latency: a reply must not wait behind Nagle for the previous one's ACK.
  stack.tcp_set_nodelay(id, true);
}

bool SockperfTcpServer::serve(Instant now, iface::Interface& stack, int id) {
  const socket::tcp::Connection* connection = stack.tcp_connection(id);
  if (connection == nullptr) return false;
  sockperf::StreamFramer& framer = framers_[static_cast<std::size_t>(id)];
  for (;;) {
    // A reply is at most what was read plus the slack of a header held from an earlier read, so
    // reading no more than the send buffer can take less that slack means every reply fits: the
    // client is slowed by TCP flow control, not by queues here.
    const std::size_t space = connection->send_space();
    if (space <= sockperf::StreamFramer::kReplySlack) return true;  // the writable event brings us back
    const std::size_t room = std::min(space - sockperf::StreamFramer::kReplySlack, buffer_.size());
    const long n = stack.tcp_receive(id, std::span(buffer_).first(room));
    if (n == -EAGAIN) return true;
    if (n <= 0) return false;  // end of stream or the error that ended it
    counters_.bytes_received += static_cast<std::uint64_t>(n);
    const std::size_t reply = framer.feed(std::span(buffer_).first(static_cast<std::size_t>(n)), replies_, stream_);
    if (reply > 0) {
      const long sent = stack.tcp_send(now, id, std::span(replies_).first(reply));
      if (sent != static_cast<long>(reply)) return false;
      counters_.bytes_sent += reply;
    }
    if (framer.failed()) {
      // The messages before the bad header were answered; nothing after it can be framed.
      protocol_errors_ += 1;
      return false;
    }
  }
}

void SockperfTcpServer::describe_counters(runtime::CounterTable& table) const {
  TcpServer::describe_counters(table);
  table.add("app", "messages", stream_.messages);
  table.add("app", "replies", stream_.replies);
  table.add("app", "no_reply", stream_.no_reply);
  table.add("app", "invalid", stream_.invalid);
  table.add("app", "protocol_errors", protocol_errors_);
}

}  // namespace sluice::apps

#pragma once
// A server for sockperf's TCP clients (`sockperf ping-pong --tcp`, under-load, throughput). On a
// byte stream the 14-byte header's length field frames the messages: a message may arrive split
// across reads, or several in one read. The answer rules are the UDP server's.
//
// Bodies are streamed through rather than reassembled: only the header decides anything, so each
// connection keeps just the header bytes seen so far and how much of the current body remains.
// That bounds per-connection memory to a few bytes however long the messages are (up to 64 KiB).
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "apps/sockperf_server.hpp"
#include "apps/tcp_server.hpp"

namespace sluice::apps {

namespace sockperf {
constexpr std::uint32_t kMaxMessage = 65536;  ///< sockperf's own limit on -m

struct StreamCounters {
  std::uint64_t messages = 0;
  std::uint64_t replies = 0;
  std::uint64_t no_reply = 0;
  std::uint64_t invalid = 0;  ///< well framed, but not a client message: skipped
};

/// The framing state of one connection.
class StreamFramer {
 public:
  static constexpr std::size_t kReplySlack = kHeaderSize - 1;
  void reset() { *this = StreamFramer{}; }
  /// Consumes `in` and writes the reply bytes it produces to `out`: at most in.size() + 13 (a
  /// header completed by one byte goes out whole), so `out` needs kReplySlack more bytes than `in`. Returns the reply byte count for the messages before
  /// any error; a header whose length is < 14 or > 65536 sets failed(): the stream cannot be framed
  /// any further, and feed() consumes nothing more.
  std::size_t feed(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, StreamCounters& counters);
  /// True between messages: nothing of a partial message is held.
  bool at_boundary() const { return header_have_ == 0 && body_left_ == 0; }
  bool failed() const { return failed_; }

 private:
  std::array<std::uint8_t, kHeaderSize> header_{};
  std::uint32_t header_have_ = 0;
  std::uint32_t body_left_ = 0;
  bool replying_ = false;
  bool failed_ = false;
};
}  // namespace sockperf

class SockperfTcpServer final : public TcpServer {
 public:
  using TcpServer::TcpServer;
  void start(Instant now, runtime::StackInstance& instance) override;
  void describe_counters(runtime::CounterTable& table) const override;
  const sockperf::StreamCounters& stream_counters() const { return stream_; }
  std::uint64_t protocol_errors() const { return protocol_errors_; }

 protected:
  bool serve(Instant now, iface::Interface& stack, int id) override;
  void opened(iface::Interface& stack, int id) override;

 private:
  std::vector<sockperf::StreamFramer> framers_;  ///< by connection id, sized at start
  std::vector<std::uint8_t> replies_;            ///< scratch for the reply bytes of one read
  sockperf::StreamCounters stream_;
  std::uint64_t protocol_errors_ = 0;
};

}  // namespace sluice::apps

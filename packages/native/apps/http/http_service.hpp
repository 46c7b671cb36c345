#pragma once
// The http app as a RequestProtocol: HttpProtocol plus each connection's state, with /stats
// pointed at the instance's counter table. Carried by BufferedTcpServer or the kernel server.
// A request head is at most 8 KiB (longer: 431), so that is the carrier's request buffer.
#include <vector>

#include "apps/http/http_protocol.hpp"
#include "apps/request_protocol.hpp"

namespace sluice::apps {

class HttpService final : public RequestProtocol {
 public:
  static constexpr std::size_t kMaxHead = 8 * 1024;

  /// `stats` is the table /stats shows; it must be complete by prepare(). Null shows `{}`.
  explicit HttpService(const runtime::CounterTable* stats) : stats_(stats), protocol_({.max_head = kMaxHead}) {}
  void prepare(std::size_t connections) override;
  void opened(int id) override { connections_[static_cast<std::size_t>(id)] = {}; }
  Exchange handle(Instant now, int id, std::span<const std::uint8_t> input, std::span<std::uint8_t> out,
                  std::size_t reply_limit) override;
  void describe_counters(runtime::CounterTable& table) const override;
  std::size_t max_request() const override { return kMaxHead; }

 private:
  const runtime::CounterTable* stats_;
  http::HttpProtocol protocol_;
  std::vector<http::ConnectionState> connections_;  ///< by connection id
};

}  // namespace sluice::apps

#pragma once
// The kv app as a RequestProtocol: one engine (the store) shared by every connection, RESP2 per
// connection. Carried by BufferedTcpServer on Sluice or by the kernel-socket server.
//
// Memory, all reserved at start: the store (see store.hpp: --kv-max-keys slots, --kv-max-memory
// arena bytes); the carrier adds a 64 KiB request buffer per connection in use (a request is at
// most 64 KiB) and a shared 64 KiB reply buffer.
#include <memory>

#include "apps/kv/kv_protocol.hpp"
#include "apps/request_protocol.hpp"

namespace sluice::apps {

class KvService final : public RequestProtocol {
 public:
  static constexpr std::size_t kMaxRequest = 64 * 1024;

  /// Throws sluice::Error(EINVAL) for limits the store cannot work with.
  explicit KvService(const kv::StoreLimits& limits);
  void prepare(std::size_t) override {}
  void opened(int) override {}
  Exchange handle(Instant now, int id, std::span<const std::uint8_t> input, std::span<std::uint8_t> out,
                  std::size_t reply_limit) override;
  void tick(Instant now) override { engine_.expire_some(now); }
  void describe_counters(runtime::CounterTable& table) const override;
  std::size_t max_request() const override { return kMaxRequest; }

 private:
  kv::Engine engine_;
  kv::KvProtocol protocol_;
};

}  // namespace sluice::apps

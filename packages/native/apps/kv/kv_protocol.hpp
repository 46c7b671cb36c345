#pragma once
// One connection's side of RESP2: parses the pipelined requests buffered so far, runs each on the
// shared engine, and writes the replies in order. Bytes in, bytes out (see apps/exchange.hpp).
// A framing error is answered with "-ERR Protocol error: ..." and then the connection closes.
#include <cstdint>
#include <span>
#include <vector>

#include "apps/exchange.hpp"
#include "apps/kv/engine.hpp"
#include "apps/kv/resp_parser.hpp"

namespace sluice::apps::kv {

constexpr std::size_t kMaxArguments = 4096;

class KvProtocol {
 public:
  KvProtocol(Engine& engine, const ParserLimits& limits) : engine_(engine), limits_(limits), args_(kMaxArguments) {}

  /// `out` must be at least kSmallReply bytes to make progress; a reply larger than `reply_limit`
  /// (the most the caller can ever offer) is answered with an error instead of waited for.
  Exchange handle(Instant now, std::span<const std::uint8_t> input, std::span<std::uint8_t> out,
                  std::size_t reply_limit);

  std::uint64_t protocol_errors() const { return protocol_errors_; }
  const std::uint64_t& protocol_errors_ref() const { return protocol_errors_; }

 private:
  Engine& engine_;
  ParserLimits limits_;
  std::vector<Bytes> args_;  ///< views into the input of the request being run
  std::uint64_t protocol_errors_ = 0;
};

}  // namespace sluice::apps::kv

#include "apps/kv/kv_protocol.hpp"

#include "apps/kv/resp_writer.hpp"

namespace sluice::apps::kv {

Exchange KvProtocol::handle(Instant now, std::span<const std::uint8_t> input, std::span<std::uint8_t> out,
                            std::size_t reply_limit) {
  Exchange exchange;
  while (exchange.consumed < input.size()) {
    const ParsedRequest request = parse_request(input.subspan(exchange.consumed), args_, limits_);
    if (request.status == ParseStatus::incomplete) return exchange;
    const std::span<std::uint8_t> room = out.subspan(exchange.written);
    if (request.status == ParseStatus::error) {
      if (room.size() < kSmallReply) {
        exchange.next = Wait::output;
        return exchange;
      }
      ReplyWriter reply(room);
      reply.error(request.error);
      exchange.written += reply.written();
      protocol_errors_ += 1;
      exchange.next = Wait::close;  // where the next request would start is unknown
      return exchange;
    }
    if (request.argc > 0) {
      const Outcome outcome = engine_.execute(std::span(args_).first(request.argc), now, room);
      if (outcome.needed > 0) {
        if (outcome.needed <= reply_limit || room.size() < kSmallReply) {
          exchange.next = Wait::output;
          return exchange;
        }
        ReplyWriter reply(room);
        reply.error("ERR the reply would exceed the largest reply this server sends (64 KiB or the TCP send buffer)");
        engine_.counters().error_replies += 1;
        exchange.written += reply.written();
      } else {
        exchange.written += outcome.written;
      }
      if (outcome.quit) {
        exchange.consumed += request.length;
        exchange.next = Wait::close;
        return exchange;
      }
    }
    exchange.consumed += request.length;
  }
  return exchange;
}

}  // namespace sluice::apps::kv

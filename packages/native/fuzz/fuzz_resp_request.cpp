// Feeds arbitrary bytes to the kv protocol the way a connection does: in pieces (sizes from the
// first byte), with a reply buffer whose size also comes from the input, against a small store so
// that -OOM paths run too. Checks that nothing is consumed or written beyond what was given, and
// that the parser never reports a request longer than its input. ASan/UBSan catch the rest.
// Input layout: byte 0 piece size (1 + b % 64), byte 1 reply room (256 + b * 16), then the stream.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "apps/kv/kv_protocol.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::size_t detail) {
  std::fprintf(stderr, "fuzz_resp_request: %s (%zu)\n", what, detail);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  using namespace sluice::apps;
  if (size < 2) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  const std::size_t room = 256 + std::size_t{data[1]} * 16;
  const std::span<const std::uint8_t> stream(data + 2, size - 2);

  static kv::Engine engine(kv::StoreLimits{.max_keys = 8, .max_memory = 64 * 1024}, SipKey{5, 6});
  engine.store().clear();
  kv::KvProtocol protocol(engine, {.max_request = 4096});
  std::vector<std::uint8_t> pending;
  std::vector<std::uint8_t> out(room);
  Instant now = Instant::from_millis(1);
  for (std::size_t pos = 0; pos < stream.size(); pos += piece) {
    const auto chunk = stream.subspan(pos, std::min(piece, stream.size() - pos));
    pending.insert(pending.end(), chunk.begin(), chunk.end());
    if (pending.size() > 4096) return 0;  // a server would have refused this connection by now
    for (;;) {
      const Exchange exchange = protocol.handle(now, pending, out, out.size());
      if (exchange.consumed > pending.size()) fail("consumed more than given", exchange.consumed);
      if (exchange.written > out.size()) fail("wrote more than room", exchange.written);
      pending.erase(pending.begin(), pending.begin() + static_cast<long>(exchange.consumed));
      if (exchange.next == Wait::close) return 0;
      if (exchange.next == Wait::input) break;
      if (exchange.written == 0 && exchange.consumed == 0) fail("waits for room it already has", out.size());
    }
    now = now + Duration::millis(250);
    engine.expire_some(now);
  }
  return 0;
}

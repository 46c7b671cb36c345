// Feeds arbitrary bytes to the kv protocol the way a connection does: in pieces (sizes from the
// first byte), with a reply buffer whose size also comes from the input, against a small store so
// that -OOM paths run too. feed_protocol.hpp checks that nothing is consumed or written beyond
// what was given, so the parser never reports a request longer than its input. ASan/UBSan catch
// the rest.
// Input layout: byte 0 piece size (1 + b % 64), byte 1 reply room (256 + b * 16), then the stream.
#include <cstdint>
#include <vector>

#include "apps/kv/kv_protocol.hpp"
#include "feed_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  using namespace sluice::apps;
  const auto input = fuzz::split_input(data, size, 256, 16);
  if (!input) return 0;

  static kv::Engine engine(kv::StoreLimits{.max_keys = 8, .max_memory = 64 * 1024}, SipKey{5, 6});
  engine.store().clear();
  kv::KvProtocol protocol(engine, {.max_request = 4096});
  Instant now = Instant::from_millis(1);
  fuzz::feed_in_pieces(
      "fuzz_resp_request", *input,
      [&](const std::vector<std::uint8_t>& pending, std::vector<std::uint8_t>& out) {
        return protocol.handle(now, pending, out, out.size());
      },
      [&](const std::vector<std::uint8_t>&) {
        now = now + Duration::millis(250);
        engine.expire_some(now);
      },
      4096);  // a server would have refused this connection by now
  return 0;
}

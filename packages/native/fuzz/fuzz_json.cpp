// Feeds arbitrary bytes to the configuration JSON reader (util/json): it must either return a
// document or throw sluice::Error(EINVAL), never crash, read out of bounds or recurse without
// bound. A parsed document is walked completely, so every value it claims to hold is readable.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "util/error.hpp"
#include "util/json.hpp"

namespace {

std::size_t walk(const sluice::json::Value& value, int depth) {
  if (depth > 70) {
    std::fprintf(stderr, "fuzz_json: document deeper than the reader allows\n");
    std::abort();
  }
  using Kind = sluice::json::Value::Kind;
  std::size_t bytes = value.is(Kind::string) ? value.string().size() : 0;
  if (value.is(Kind::number)) bytes += value.number_text().size();
  for (const auto& item : value.items()) bytes += walk(item, depth + 1);
  for (const auto& [key, member] : value.members()) {
    if (value.find(key) != &member) {  // keys are unique, so find() returns this very member
      std::fprintf(stderr, "fuzz_json: duplicate key survived\n");
      std::abort();
    }
    bytes += key.size() + walk(member, depth + 1);
  }
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const sluice::json::Value document = sluice::json::parse(text);
    // Every string and number came from the input (escapes only shrink or keep the length).
    if (walk(document, 0) > size) {
      std::fprintf(stderr, "fuzz_json: more text in the document than in the input\n");
      std::abort();
    }
  } catch (const sluice::Error& e) {
    if (e.code() != EINVAL) std::abort();
  }
  return 0;
}

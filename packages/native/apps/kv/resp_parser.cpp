#include "apps/kv/resp_parser.hpp"

#include <algorithm>

namespace sluice::apps::kv {

namespace {

constexpr std::string_view kBadCount = "ERR Protocol error: invalid multibulk length";
constexpr std::string_view kBadBulkLength = "ERR Protocol error: invalid bulk length";
constexpr std::string_view kTooManyArgs = "ERR Protocol error: too many arguments in one request";
constexpr std::string_view kNoDollar = "ERR Protocol error: expected '$' before each argument";
constexpr std::string_view kNoCrlfAfterBulk = "ERR Protocol error: expected CRLF after a bulk string";
constexpr std::string_view kTooBigInline = "ERR Protocol error: too big inline request";
constexpr std::string_view kTooBigRequest = "ERR Protocol error: request larger than the server accepts";
constexpr std::string_view kUnbalancedQuotes = "ERR Protocol error: unbalanced quotes in request";
constexpr std::string_view kEscapes = "ERR Protocol error: escapes in quoted inline arguments are not supported";

ParsedRequest incomplete() { return {}; }
ParsedRequest failure(std::string_view why) { return {ParseStatus::error, 0, 0, why}; }

enum class LineResult { ok, incomplete, bad };

/// Reads "<digits>\r\n" (after the type byte at `pos`); optional '-' for counts. Sets `value` and
/// moves `pos` past the CRLF.
LineResult read_number_line(Bytes bytes, std::size_t& pos, long long& value) {
  std::size_t i = pos;
  bool negative = false;
  if (i < bytes.size() && bytes[i] == '-') {
    negative = true;
    ++i;
  }
  long long number = 0;
  std::size_t digits = 0;
  while (i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9') {
    if (digits == 18) return LineResult::bad;  // no count or length that large is accepted anyway
    number = number * 10 + (bytes[i] - '0');
    ++digits;
    ++i;
  }
  if (i == bytes.size()) return LineResult::incomplete;
  if (digits == 0 || bytes[i] != '\r') return LineResult::bad;
  if (i + 1 == bytes.size()) return LineResult::incomplete;
  if (bytes[i + 1] != '\n') return LineResult::bad;
  value = negative ? -number : number;
  pos = i + 2;
  return LineResult::ok;
}

ParsedRequest parse_multibulk(Bytes bytes, std::span<Bytes> args, const ParserLimits& limits) {
  std::size_t pos = 1;
  long long count = 0;
  switch (read_number_line(bytes, pos, count)) {
    case LineResult::incomplete:
      return incomplete();
    case LineResult::bad:
      return failure(kBadCount);
    case LineResult::ok:
      break;
  }
  // Like Redis, "*0" and "*-1" are empty requests: consumed, nothing to run.
  if (count <= 0) return {ParseStatus::complete, pos, 0, {}};
  if (static_cast<unsigned long long>(count) > args.size()) return failure(kTooManyArgs);
  // Each argument takes at least "$0\r\n\r\n": a count that cannot fit the request limit is refused now.
  if (static_cast<unsigned long long>(count) * 6 + pos > limits.max_request) return failure(kTooBigRequest);
  for (std::size_t arg = 0; arg < static_cast<std::size_t>(count); ++arg) {
    if (pos == bytes.size()) return incomplete();
    if (bytes[pos] != '$') return failure(kNoDollar);
    ++pos;
    long long length = 0;
    switch (read_number_line(bytes, pos, length)) {
      case LineResult::incomplete:
        return incomplete();
      case LineResult::bad:
        return failure(kBadBulkLength);
      case LineResult::ok:
        break;
    }
    if (length < 0) return failure(kBadBulkLength);
    if (static_cast<unsigned long long>(length) + 2 + pos > limits.max_request) return failure(kTooBigRequest);
    const auto size = static_cast<std::size_t>(length);
    if (bytes.size() - pos < size + 2) {
      // What has arrived of the terminator must already be right.
      if (bytes.size() - pos == size + 1 && bytes[pos + size] != '\r') return failure(kNoCrlfAfterBulk);
      return incomplete();
    }
    if (bytes[pos + size] != '\r' || bytes[pos + size + 1] != '\n') return failure(kNoCrlfAfterBulk);
    args[arg] = bytes.subspan(pos, size);
    pos += size + 2;
  }
  return {ParseStatus::complete, pos, static_cast<std::size_t>(count), {}};
}

bool is_space(std::uint8_t c) { return c == ' ' || c == '\t' || c == '\r'; }

/// A line of words separated by blanks; "double quoted" words may hold blanks (no escapes).
ParsedRequest parse_inline(Bytes bytes, std::span<Bytes> args, const ParserLimits& limits) {
  const std::size_t scan = std::min(bytes.size(), limits.max_request);
  const auto* begin = bytes.data();
  const auto* newline = std::find(begin, begin + scan, std::uint8_t{'\n'});
  if (newline == begin + scan) return bytes.size() >= limits.max_request ? failure(kTooBigInline) : incomplete();
  const std::size_t line_end = static_cast<std::size_t>(newline - begin);
  std::size_t argc = 0;
  std::size_t pos = 0;
  while (pos < line_end) {
    while (pos < line_end && is_space(bytes[pos])) ++pos;
    if (pos == line_end) break;
    if (argc == args.size()) return failure(kTooManyArgs);
    std::size_t start = pos;
    std::size_t end = pos;
    if (bytes[pos] == '"') {
      start = pos + 1;
      end = start;
      while (end < line_end && bytes[end] != '"') {
        if (bytes[end] == '\\') return failure(kEscapes);
        ++end;
      }
      if (end == line_end) return failure(kUnbalancedQuotes);
      pos = end + 1;
      // Like Redis: a closing quote must be followed by a blank or the end of the line.
      if (pos < line_end && !is_space(bytes[pos])) return failure(kUnbalancedQuotes);
    } else {
      while (end < line_end && !is_space(bytes[end])) {
        if (bytes[end] == '"') return failure(kUnbalancedQuotes);
        ++end;
      }
      pos = end;
    }
    args[argc++] = bytes.subspan(start, end - start);
  }
  return {ParseStatus::complete, line_end + 1, argc, {}};
}

}  // namespace

ParsedRequest parse_request(Bytes bytes, std::span<Bytes> args, const ParserLimits& limits) {
  if (bytes.empty()) return incomplete();
  if (bytes[0] == '*') return parse_multibulk(bytes, args, limits);
  return parse_inline(bytes, args, limits);
}

}  // namespace sluice::apps::kv

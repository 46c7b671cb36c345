#include "apps/http/request_parser.hpp"

#include <algorithm>

namespace sluice::apps::http {

namespace {

std::string_view view(Bytes bytes, std::size_t begin, std::size_t end) {
  return {reinterpret_cast<const char*>(bytes.data()) + begin, end - begin};
}

bool is_token_char(char c) {
  // RFC 9110 tchar
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char); }

bool equals_ignoring_case(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

RequestHead failure(int status) {
  RequestHead head;
  head.status = HeadStatus::error;
  head.error_status = status;
  head.keep_alive = false;
  return head;
}

bool parse_request_line(std::string_view line, RequestHead& head) {
  const std::size_t first_space = line.find(' ');
  if (first_space == std::string_view::npos) return false;
  const std::size_t second_space = line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) return false;
  head.method = line.substr(0, first_space);
  head.target = line.substr(first_space + 1, second_space - first_space - 1);
  const std::string_view version = line.substr(second_space + 1);
  if (!is_token(head.method) || head.target.empty()) return false;
  for (char c : head.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return false;
  }
  if (version[5] != '1') {
    head.error_status = 505;
    return false;
  }
  head.minor_version = version[7] - '0';
  head.keep_alive = head.minor_version >= 1;
  return true;
}

/// Applies one "name: value" field; false when it is malformed.
bool parse_field(std::string_view line, RequestHead& head, bool& saw_length) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view name = line.substr(0, colon);
  if (!is_token(name)) return false;  // also refuses whitespace before the colon (RFC 9112 5.1)
  const std::string_view value = trim(line.substr(colon + 1));
  for (char c : value) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  if (equals_ignoring_case(name, "host")) {
    if (head.has_host) return false;  // RFC 9112 3.2: more than one Host is a 400
    head.has_host = true;
  } else if (equals_ignoring_case(name, "content-length")) {
    if (value.empty() || value.size() > 15) return false;
    std::uint64_t length = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return false;
      length = length * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (saw_length && length != head.content_length) return false;  // conflicting lengths: smuggling
    saw_length = true;
    head.content_length = length;
  } else if (equals_ignoring_case(name, "transfer-encoding")) {
    head.has_transfer_encoding = true;
  } else if (equals_ignoring_case(name, "connection")) {
    // A comma-separated list of options; only close and keep-alive mean something here.
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view option = trim(rest.substr(0, comma));
      if (equals_ignoring_case(option, "close")) head.keep_alive = false;
      if (equals_ignoring_case(option, "keep-alive") && head.minor_version == 0) head.keep_alive = true;
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  return true;
}

}  // namespace

RequestHead parse_request_head(Bytes bytes, const HeadLimits& limits) {
  const std::size_t scan = std::min(bytes.size(), limits.max_head);
  std::size_t pos = 0;
  // RFC 9112 2.2: empty lines before the request line are ignored.
  while (pos + 1 < scan && bytes[pos] == '\r' && bytes[pos + 1] == '\n') pos += 2;
  while (pos < scan && bytes[pos] == '\n') ++pos;
  RequestHead head;
  bool have_request_line = false;
  bool saw_length = false;
  for (;;) {
    const auto* begin = bytes.data() + pos;
    const auto* newline = std::find(begin, bytes.data() + scan, std::uint8_t{'\n'});
    if (newline == bytes.data() + scan) {
      if (bytes.size() >= limits.max_head) return failure(have_request_line ? 431 : 414);
      return RequestHead{};
    }
    const std::size_t newline_at = static_cast<std::size_t>(newline - bytes.data());
    // Lines end with CRLF; a bare LF is accepted too (RFC 9112 2.2 allows it).
    const std::size_t line_end = newline_at > pos && bytes[newline_at - 1] == '\r' ? newline_at - 1 : newline_at;
    const std::string_view line = view(bytes, pos, line_end);
    pos = newline_at + 1;
    if (!have_request_line) {
      if (!parse_request_line(line, head)) return failure(head.error_status == 505 ? 505 : 400);
      have_request_line = true;
      continue;
    }
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') return failure(400);  // obsolete line folding
    if (!parse_field(line, head, saw_length)) return failure(400);
  }
  if (head.minor_version >= 1 && !head.has_host) return failure(400);  // RFC 9112 3.2
  head.status = HeadStatus::complete;
  head.length = pos;
  return head;
}

}  // namespace sluice::apps::http

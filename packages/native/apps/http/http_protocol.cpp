#include "apps/http/http_protocol.hpp"

#include <algorithm>

#include "apps/http/text_writer.hpp"

namespace sluice::apps::http {

void HttpProtocol::set_stats_source(const runtime::CounterTable* table) {
  stats_ = table;
  stats_order_.clear();
  if (table == nullptr) return;
  const auto& entries = table->entries();
  // Entries of one group may have been added apart; the JSON wants each group once.
  std::vector<bool> placed(entries.size(), false);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (placed[i]) continue;
    for (std::size_t j = i; j < entries.size(); ++j) {
      if (!placed[j] && entries[j].group == entries[i].group) {
        stats_order_.push_back(j);
        placed[j] = true;
      }
    }
  }
}

void HttpProtocol::write_stats(TextWriter& writer) const {
  writer.text("{");
  if (stats_ != nullptr) {
    const auto& entries = stats_->entries();
    const std::string* group = nullptr;
    for (std::size_t index : stats_order_) {
      const runtime::CounterRef& entry = entries[index];
      if (group == nullptr || *group != entry.group) {
        writer.text(group == nullptr ? "" : "},");
        writer.json_string(entry.group);
        writer.text(":{");
        group = &entry.group;
      } else {
        writer.text(",");
      }
      writer.json_string(entry.name);
      writer.text(":");
      writer.number(*entry.value);
    }
    if (group != nullptr) writer.text("}");
  }
  writer.text("}\n");
}

HttpProtocol::Response HttpProtocol::route(const RequestHead& head) const {
  const std::string_view path = head.target.substr(0, head.target.find('?'));
  const bool root = path == "/";
  const bool stats = path == "/stats";
  if (!root && !stats) return {404, "Not Found", "text/plain", false, "Not Found\n", false};
  if (head.method != "GET" && head.method != "HEAD") {
    return {405, "Method Not Allowed", "text/plain", false, "Method Not Allowed\n", true};
  }
  if (stats) return {200, "OK", "application/json", true, {}, false};
  return {200, "OK", "text/plain", false, kRootBody, false};
}

std::size_t HttpProtocol::write_response(const Response& response, bool head_only, bool keep_alive,
                                         int minor_version, std::span<std::uint8_t> out) const {
  std::size_t body_length = response.body.size();
  if (response.stats_body) {
    TextWriter measure;
    write_stats(measure);
    body_length = measure.size();
  }
  TextWriter writer(out);
  writer.text("HTTP/1.1 ");
  writer.number(static_cast<std::uint64_t>(response.status));
  writer.text(" ");
  writer.text(response.reason);
  writer.text("\r\nServer: sluice\r\nContent-Type: ");
  writer.text(response.content_type);
  writer.text("\r\nContent-Length: ");
  writer.number(body_length);
  writer.text("\r\n");
  if (response.allow_header) writer.text("Allow: GET, HEAD\r\n");
  if (!keep_alive) {
    writer.text("Connection: close\r\n");
  } else if (minor_version == 0) {
    writer.text("Connection: keep-alive\r\n");
  }
  writer.text("\r\n");
  if (!head_only) {
    if (response.stats_body) {
      write_stats(writer);
    } else {
      writer.text(response.body);
    }
  }
  return writer.overflowed() ? 0 : writer.size();
}

void HttpProtocol::count(int status) {
  if (status < 300) {
    counters_.ok += 1;
  } else if (status < 500) {
    counters_.client_errors += 1;
  } else {
    counters_.server_errors += 1;
  }
}

Exchange HttpProtocol::handle(ConnectionState& connection, std::span<const std::uint8_t> input,
                              std::span<std::uint8_t> out, std::size_t reply_limit) {
  Exchange exchange;
  for (;;) {
    if (connection.body_left > 0) {
      const std::size_t skip =
          static_cast<std::size_t>(std::min<std::uint64_t>(connection.body_left, input.size() - exchange.consumed));
      exchange.consumed += skip;
      connection.body_left -= skip;
      if (connection.body_left > 0) return exchange;
    }
    if (exchange.consumed == input.size()) return exchange;
    const RequestHead head = parse_request_head(input.subspan(exchange.consumed), limits_);
    if (head.status == HeadStatus::incomplete) return exchange;
    const std::span<std::uint8_t> room = out.subspan(exchange.written);
    if (head.status == HeadStatus::error || head.has_transfer_encoding) {
      const int status = head.status == HeadStatus::error ? head.error_status : 501;
      Response response{status, "Bad Request", "text/plain", false, "Bad Request\n", false};
      if (status == 414) response = {414, "URI Too Long", "text/plain", false, "URI Too Long\n", false};
      if (status == 431) {
        response = {431, "Request Header Fields Too Large", "text/plain", false, "Request Header Fields Too Large\n",
                    false};
      }
      if (status == 505) {
        response = {505, "HTTP Version Not Supported", "text/plain", false, "HTTP Version Not Supported\n", false};
      }
      if (status == 501) response = {501, "Not Implemented", "text/plain", false, "Not Implemented\n", false};
      const std::size_t written = write_response(response, false, false, 1, room);
      if (written == 0) {
        // Not even the error fits the most room there will be: close without it.
        exchange.next = room.size() >= reply_limit ? Wait::close : Wait::output;
        return exchange;
      }
      counters_.requests += head.status == HeadStatus::error ? 0 : 1;
      counters_.protocol_errors += head.status == HeadStatus::error ? 1 : 0;
      count(status);
      exchange.written += written;
      exchange.next = Wait::close;  // the rest of the stream cannot be framed
      return exchange;
    }
    const Response response = route(head);
    const std::size_t written = write_response(response, head.method == "HEAD", head.keep_alive, head.minor_version, room);
    if (written == 0 && room.size() >= reply_limit) {
      const Response too_large{500, "Internal Server Error", "text/plain", false, "Response too large\n", false};
      exchange.written += write_response(too_large, false, false, 1, room);
      counters_.requests += 1;
      count(500);
      exchange.next = Wait::close;
      return exchange;
    }
    if (written == 0) {
      exchange.next = Wait::output;
      return exchange;
    }
    counters_.requests += 1;
    count(response.status);
    exchange.written += written;
    exchange.consumed += head.length;
    connection.body_left = head.content_length;  // any body is not used: skip it
    if (!head.keep_alive) {
      exchange.next = Wait::close;
      return exchange;
    }
  }
}

}  // namespace sluice::apps::http

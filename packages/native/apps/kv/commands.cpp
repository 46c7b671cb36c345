// The command table: each command checks its arguments, measures its reply, then runs.
#include <algorithm>
#include <array>
#include <climits>
#include <charconv>
#include <cstdio>
#include <string_view>

#include "apps/kv/engine.hpp"
#include "apps/kv/resp_writer.hpp"

namespace sluice::apps::kv {

namespace {

constexpr std::string_view kOom = "OOM command not allowed when used memory > 'maxmemory'.";
constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
constexpr std::string_view kSyntax = "ERR syntax error";
constexpr std::string_view kTooLarge = "ERR key and value together exceed 64 KiB";
constexpr long long kMaxExpireSeconds = 1'000'000'000'000LL / 1000;  // keeps now + ttl far from overflow

std::string_view text(Bytes bytes) { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
Bytes bytes_of(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

bool equals_ignoring_case(Bytes bytes, std::string_view upper) {
  if (bytes.size() != upper.size()) return false;
  for (std::size_t i = 0; i < upper.size(); ++i) {
    std::uint8_t c = bytes[i];
    if (c >= 'a' && c <= 'z') c = static_cast<std::uint8_t>(c - 'a' + 'A');
    if (c != static_cast<std::uint8_t>(upper[i])) return false;
  }
  return true;
}

/// Redis's rule: optional '-', digits without leading zeros (except "0"), fits in 64 bits.
bool parse_integer(Bytes bytes, long long& value) {
  if (bytes.empty() || bytes.size() > 20) return false;
  const std::string_view s = text(bytes);
  const std::size_t digits_at = s[0] == '-' ? 1 : 0;
  if (digits_at == s.size() || s[digits_at] < '0' || s[digits_at] > '9') return false;
  if (s[digits_at] == '0' && s.size() > digits_at + 1) return false;
  if (s == "-0") return false;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  return error == std::errc{} && end == s.data() + s.size();
}

struct Context {
  Engine& engine;
  std::span<const Bytes> args;
  Instant now;
  std::span<std::uint8_t> out;
  ReplyWriter reply;
  bool quit = false;
};

/// For replies whose size depends on data: nothing runs unless `size` fits.
bool fits(Context& c, std::size_t size, Outcome& outcome) {
  if (size <= c.out.size()) return true;
  outcome.needed = size;
  return false;
}

void fail(Context& c, std::string_view message) {
  c.engine.counters().error_replies += 1;
  c.reply.error(message);
}

void refuse_write(Context& c, StoreStatus status) {
  if (status == StoreStatus::out_of_memory) c.engine.counters().oom += 1;
  fail(c, status == StoreStatus::out_of_memory ? kOom : kTooLarge);
}

long lookup(Context& c, Bytes key) {
  const long slot = c.engine.store().find(key, c.now);
  (slot == Store::kAbsent ? c.engine.counters().misses : c.engine.counters().hits) += 1;
  return slot;
}

using Handler = bool (*)(Context&, Outcome&);  // false: the reply did not fit, nothing ran

bool ping(Context& c, Outcome& o) {
  if (c.args.size() > 2) {
    fail(c, "ERR wrong number of arguments for 'ping' command");
    return true;
  }
  if (c.args.size() == 1) {
    c.reply.simple("PONG");
    return true;
  }
  if (!fits(c, bulk_size(c.args[1].size()), o)) return false;
  c.reply.bulk(c.args[1]);
  return true;
}

bool echo(Context& c, Outcome& o) {
  if (!fits(c, bulk_size(c.args[1].size()), o)) return false;
  c.reply.bulk(c.args[1]);
  return true;
}

bool get(Context& c, Outcome& o) {
  const long slot = lookup(c, c.args[1]);
  if (slot == Store::kAbsent) {
    c.reply.null_bulk();
    return true;
  }
  const Bytes value = c.engine.store().value(slot);
  if (!fits(c, bulk_size(value.size()), o)) return false;
  c.reply.bulk(value);
  return true;
}

bool set(Context& c, Outcome&) {
  bool nx = false;
  bool xx = false;
  bool keep_ttl = false;
  bool has_expiry = false;
  Instant expires = Instant::never();
  for (std::size_t i = 3; i < c.args.size(); ++i) {
    const Bytes option = c.args[i];
    if (equals_ignoring_case(option, "NX") && !xx) {
      nx = true;
    } else if (equals_ignoring_case(option, "XX") && !nx) {
      xx = true;
    } else if (equals_ignoring_case(option, "KEEPTTL") && !has_expiry) {
      keep_ttl = true;
    } else if ((equals_ignoring_case(option, "EX") || equals_ignoring_case(option, "PX")) && !has_expiry &&
               !keep_ttl && i + 1 < c.args.size()) {
      long long amount = 0;
      if (!parse_integer(c.args[i + 1], amount)) {
        fail(c, kNotInteger);
        return true;
      }
      const bool seconds = equals_ignoring_case(option, "EX");
      if (amount <= 0 || amount > (seconds ? kMaxExpireSeconds : kMaxExpireSeconds * 1000)) {
        fail(c, "ERR invalid expire time in 'set' command");
        return true;
      }
      const auto millis = static_cast<std::uint64_t>(seconds ? amount * 1000 : amount);
      expires = c.now + Duration::millis(millis);
      has_expiry = true;
      ++i;
    } else {
      fail(c, kSyntax);
      return true;
    }
  }
  Store& store = c.engine.store();
  const long existing = (nx || xx || keep_ttl) ? store.find(c.args[1], c.now) : Store::kAbsent;
  if ((nx && existing != Store::kAbsent) || (xx && existing == Store::kAbsent)) {
    c.reply.null_bulk();
    return true;
  }
  if (keep_ttl && existing != Store::kAbsent) expires = store.expires(existing);
  const StoreStatus status = store.put(c.args[1], c.args[2], expires, c.now);
  if (status != StoreStatus::ok) {
    refuse_write(c, status);
    return true;
  }
  c.reply.simple("OK");
  return true;
}

bool del(Context& c, Outcome&) {
  long long removed = 0;
  for (std::size_t i = 1; i < c.args.size(); ++i) {
    const long slot = c.engine.store().find(c.args[i], c.now);
    if (slot == Store::kAbsent) continue;
    c.engine.store().erase(slot);
    removed += 1;
  }
  c.reply.integer(removed);
  return true;
}

bool exists(Context& c, Outcome&) {
  long long found = 0;
  for (std::size_t i = 1; i < c.args.size(); ++i) found += lookup(c, c.args[i]) != Store::kAbsent;
  c.reply.integer(found);
  return true;
}

void add_to_integer(Context& c, long long delta) {
  Store& store = c.engine.store();
  const long slot = store.find(c.args[1], c.now);
  long long value = 0;
  Instant expires = Instant::never();
  if (slot != Store::kAbsent) {
    if (!parse_integer(store.value(slot), value)) {
      fail(c, kNotInteger);
      return;
    }
    expires = store.expires(slot);  // like Redis, INCR keeps the key's time to live
  }
  if ((delta > 0 && value > LLONG_MAX - delta) || (delta < 0 && value < LLONG_MIN - delta)) {
    fail(c, "ERR increment or decrement would overflow");
    return;
  }
  value += delta;
  std::array<std::uint8_t, 24> digits{};
  const std::size_t length = format_decimal(value, digits);
  const StoreStatus status = store.put(c.args[1], std::span(digits).first(length), expires, c.now);
  if (status != StoreStatus::ok) {
    refuse_write(c, status);
    return;
  }
  c.reply.integer(value);
}

bool incr(Context& c, Outcome&) {
  add_to_integer(c, 1);
  return true;
}

bool decr(Context& c, Outcome&) {
  add_to_integer(c, -1);
  return true;
}

bool incrby(Context& c, Outcome&, bool negate) {
  long long delta = 0;
  if (!parse_integer(c.args[2], delta) || (negate && delta == LLONG_MIN)) {
    fail(c, kNotInteger);
    return true;
  }
  add_to_integer(c, negate ? -delta : delta);
  return true;
}

bool incrby(Context& c, Outcome& o) { return incrby(c, o, false); }
bool decrby(Context& c, Outcome& o) { return incrby(c, o, true); }

bool mget(Context& c, Outcome& o) {
  // Measure first (find() may reclaim expired keys; that is not a visible effect).
  std::size_t size = array_header_size(c.args.size() - 1);
  for (std::size_t i = 1; i < c.args.size(); ++i) {
    const long slot = c.engine.store().find(c.args[i], c.now);
    size += slot == Store::kAbsent ? kNullBulkSize : bulk_size(c.engine.store().value(slot).size());
  }
  if (!fits(c, size, o)) return false;
  c.reply.array_header(c.args.size() - 1);
  for (std::size_t i = 1; i < c.args.size(); ++i) {
    const long slot = lookup(c, c.args[i]);
    if (slot == Store::kAbsent) {
      c.reply.null_bulk();
    } else {
      c.reply.bulk(c.engine.store().value(slot));
    }
  }
  return true;
}

bool mset(Context& c, Outcome&) {
  if (c.args.size() % 2 == 0) {
    fail(c, "ERR wrong number of arguments for 'mset' command");
    return true;
  }
  // Not atomic when memory runs out part-way: the pairs before the refused one stay set.
  for (std::size_t i = 1; i < c.args.size(); i += 2) {
    const StoreStatus status = c.engine.store().put(c.args[i], c.args[i + 1], Instant::never(), c.now);
    if (status != StoreStatus::ok) {
      refuse_write(c, status);
      return true;
    }
  }
  c.reply.simple("OK");
  return true;
}

bool expire_in(Context& c, long long unit_millis) {
  long long amount = 0;
  if (!parse_integer(c.args[2], amount) || amount > kMaxExpireSeconds * 1000 / unit_millis) {
    fail(c, kNotInteger);
    return true;
  }
  Store& store = c.engine.store();
  const long slot = store.find(c.args[1], c.now);
  if (slot == Store::kAbsent) {
    c.reply.integer(0);
    return true;
  }
  if (amount <= 0) {
    store.erase(slot);  // a time in the past deletes the key, as in Redis
  } else {
    store.set_expires(slot, c.now + Duration::millis(static_cast<std::uint64_t>(amount * unit_millis)));
  }
  c.reply.integer(1);
  return true;
}

bool expire(Context& c, Outcome&) { return expire_in(c, 1000); }
bool pexpire(Context& c, Outcome&) { return expire_in(c, 1); }

bool ttl_in(Context& c, bool millis) {
  Store& store = c.engine.store();
  const long slot = store.find(c.args[1], c.now);
  if (slot == Store::kAbsent) {
    c.reply.integer(-2);
    return true;
  }
  const Instant at = store.expires(slot);
  if (at.is_never()) {
    c.reply.integer(-1);
    return true;
  }
  const std::uint64_t left_ms = (at - c.now).nanos / 1'000'000;
  c.reply.integer(static_cast<long long>(millis ? left_ms : (left_ms + 500) / 1000));
  return true;
}

bool ttl(Context& c, Outcome&) { return ttl_in(c, false); }
bool pttl(Context& c, Outcome&) { return ttl_in(c, true); }

bool dbsize(Context& c, Outcome&) {
  c.reply.integer(static_cast<long long>(c.engine.store().size()));
  return true;
}

bool flushall(Context& c, Outcome&) {
  if (c.args.size() > 2 || (c.args.size() == 2 && !equals_ignoring_case(c.args[1], "SYNC") &&
                            !equals_ignoring_case(c.args[1], "ASYNC"))) {
    fail(c, kSyntax);
    return true;
  }
  c.engine.store().clear();
  c.reply.simple("OK");
  return true;
}

bool info(Context& c, Outcome& o) {
  const Store& store = c.engine.store();
  const EngineCounters& counters = c.engine.counters();
  std::array<char, 768> text{};
  const int length = std::snprintf(
      text.data(), text.size(),
      "# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\nsluice_kv:1\r\n"
      "# Memory\r\nused_memory:%llu\r\nmaxmemory:%llu\r\nsluice_arena_used:%llu\r\nsluice_max_keys:%u\r\n"
      "# Stats\r\ntotal_commands_processed:%llu\r\nkeyspace_hits:%llu\r\nkeyspace_misses:%llu\r\n"
      "expired_keys:%llu\r\nsluice_oom_rejections:%llu\r\n"
      "# Keyspace\r\ndb0:keys=%zu,expires=0,avg_ttl=0\r\n",
      static_cast<unsigned long long>(store.live_bytes()),
      static_cast<unsigned long long>(store.limits().max_memory),
      static_cast<unsigned long long>(store.arena_used()), store.limits().max_keys,
      static_cast<unsigned long long>(counters.commands), static_cast<unsigned long long>(counters.hits),
      static_cast<unsigned long long>(counters.misses), static_cast<unsigned long long>(store.expired()),
      static_cast<unsigned long long>(counters.oom), store.size());
  const auto size = static_cast<std::size_t>(std::clamp(length, 0, static_cast<int>(text.size()) - 1));
  if (!fits(c, bulk_size(size), o)) return false;
  c.reply.bulk(std::string_view(text.data(), size));
  return true;
}

std::size_t command_count();

bool command(Context& c, Outcome&) {
  // redis-cli asks for COMMAND DOCS at start for its hints: an empty answer is valid and means none.
  if (c.args.size() >= 2 && equals_ignoring_case(c.args[1], "COUNT")) {
    c.reply.integer(static_cast<long long>(command_count()));
  } else {
    c.reply.array_header(0);
  }
  return true;
}

bool config(Context& c, Outcome& o) {
  if (!equals_ignoring_case(c.args[1], "GET") || c.args.size() != 3) {
    fail(c, "ERR only CONFIG GET <parameter> is supported");
    return true;
  }
  // redis-benchmark reads these two at start; the store never persists anything.
  const Bytes name = c.args[2];
  std::string_view value;
  if (equals_ignoring_case(name, "SAVE")) {
    value = "";
  } else if (equals_ignoring_case(name, "APPENDONLY")) {
    value = "no";
  } else {
    c.reply.array_header(0);
    return true;
  }
  if (!fits(c, array_header_size(2) + bulk_size(name.size()) + bulk_size(value.size()), o)) return false;
  c.reply.array_header(2);
  c.reply.bulk(name);
  c.reply.bulk(value);
  return true;
}

bool select(Context& c, Outcome&) {
  if (equals_ignoring_case(c.args[1], "0")) {
    c.reply.simple("OK");
  } else {
    fail(c, "ERR DB index is out of range");
  }
  return true;
}

bool quit(Context& c, Outcome&) {
  c.reply.simple("OK");
  c.quit = true;
  return true;
}

struct CommandSpec {
  std::string_view name;  ///< upper case
  int arity;              ///< Redis's convention: N exactly N arguments (name included), -N at least N
  Handler run;
};

constexpr std::array kCommands{
    CommandSpec{"GET", 2, get},         CommandSpec{"SET", -3, set},         CommandSpec{"PING", -1, ping},
    CommandSpec{"INCR", 2, incr},       CommandSpec{"MSET", -3, mset},       CommandSpec{"MGET", -2, mget},
    CommandSpec{"DECR", 2, decr},       CommandSpec{"DEL", -2, del},         CommandSpec{"EXISTS", -2, exists},
    CommandSpec{"ECHO", 2, echo},       CommandSpec{"INCRBY", 3, incrby},    CommandSpec{"DECRBY", 3, decrby},
    CommandSpec{"EXPIRE", 3, expire},   CommandSpec{"PEXPIRE", 3, pexpire},  CommandSpec{"TTL", 2, ttl},
    CommandSpec{"PTTL", 2, pttl},       CommandSpec{"DBSIZE", 1, dbsize},    CommandSpec{"FLUSHALL", -1, flushall},
    CommandSpec{"FLUSHDB", -1, flushall}, CommandSpec{"INFO", -1, info},     CommandSpec{"COMMAND", -1, command},
    CommandSpec{"CONFIG", -2, config},  CommandSpec{"SELECT", 2, select},    CommandSpec{"QUIT", 1, quit},
};

std::size_t command_count() { return kCommands.size(); }

/// "ERR <what> '<name>'..." with the client's bytes cut to a readable length.
void fail_naming(Context& c, std::string_view before, Bytes name, std::string_view after) {
  std::array<char, kSmallReply - 8> message{};
  const std::size_t shown = std::min<std::size_t>(name.size(), 64);
  const int length = std::snprintf(message.data(), message.size(), "%.*s'%.*s'%.*s", static_cast<int>(before.size()),
                                   before.data(), static_cast<int>(shown), reinterpret_cast<const char*>(name.data()),
                                   static_cast<int>(after.size()), after.data());
  std::string_view text(message.data(), std::clamp<std::size_t>(static_cast<std::size_t>(std::max(length, 0)), 0,
                                                                message.size() - 1));
  // The client's bytes may hold anything; an error line carries printable ASCII only.
  for (char& ch : message) {
    if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e) ch = '?';
  }
  fail(c, text);
}

}  // namespace

Outcome Engine::execute(std::span<const Bytes> args, Instant now, std::span<std::uint8_t> out) {
  Outcome outcome;
  if (out.size() < kSmallReply) {
    outcome.needed = kSmallReply;
    return outcome;
  }
  Context c{*this, args, now, out, ReplyWriter(out)};
  const Bytes name = args[0];
  const CommandSpec* spec = nullptr;
  for (const CommandSpec& candidate : kCommands) {
    if (equals_ignoring_case(name, candidate.name)) {
      spec = &candidate;
      break;
    }
  }
  if (spec == nullptr) {
    fail_naming(c, "ERR unknown command ", name, "");
  } else if (spec->arity > 0 ? args.size() != static_cast<std::size_t>(spec->arity)
                             : args.size() < static_cast<std::size_t>(-spec->arity)) {
    std::array<char, 16> lower{};
    const std::size_t n = std::min(spec->name.size(), lower.size());
    for (std::size_t i = 0; i < n; ++i) lower[i] = static_cast<char>(spec->name[i] - 'A' + 'a');
    fail_naming(c, "ERR wrong number of arguments for ", bytes_of({lower.data(), n}), " command");
  } else if (!spec->run(c, outcome)) {
    return outcome;  // did not fit: nothing ran
  }
  counters_.commands += 1;
  outcome.written = c.reply.written();
  outcome.quit = c.quit;
  return outcome;
}

}  // namespace sluice::apps::kv

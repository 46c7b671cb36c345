#include "libos/config.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <vector>

#include "device/fault/fault_spec.hpp"
#include "util/error.hpp"
#include "util/json.hpp"

namespace sluice::libos {

namespace {

using json::Value;

[[noreturn]] void reject(const std::string& where, const std::string& what) { throw Error(EINVAL, where + ": " + what); }

std::string shown(const Value& value) {
  if (value.is(Value::Kind::string)) return "\"" + value.string() + "\"";
  if (value.is(Value::Kind::number)) return value.number_text();
  if (value.is(Value::Kind::boolean)) return value.boolean() ? "true" : "false";
  return Value::describe(value.kind());
}

std::int64_t integer(const Value& value, const std::string& where, std::int64_t min, std::int64_t max) {
  const std::string expected = "expected an integer in " + std::to_string(min) + ".." + std::to_string(max);
  if (!value.is(Value::Kind::number)) reject(where, expected + ", got " + shown(value));
  const std::string& text = value.number_text();
  std::int64_t out = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || end != text.data() + text.size() || out < min || out > max) {
    reject(where, expected + ", got " + text);
  }
  return out;
}

bool boolean(const Value& value, const std::string& where) {
  if (!value.is(Value::Kind::boolean)) reject(where, "expected true or false, got " + shown(value));
  return value.boolean();
}

const std::string& string(const Value& value, const std::string& where) {
  if (!value.is(Value::Kind::string)) reject(where, "expected a string, got " + shown(value));
  return value.string();
}

/// One of `choices`, else `expected "a", "b" or "c", got "x"`.
std::size_t choice(const Value& value, const std::string& where, std::initializer_list<const char*> choices) {
  std::string expected = "expected ";
  std::size_t i = 0;
  for (const char* name : choices) {
    if (i > 0) expected += i + 1 == choices.size() ? " or " : ", ";
    expected += "\"" + std::string(name) + "\"";
    ++i;
  }
  const std::string& text = string(value, where);
  i = 0;
  for (const char* name : choices) {
    if (text == name) return i;
    ++i;
  }
  reject(where, expected + ", got " + shown(value));
}

wire::Ipv4Address address(const Value& value, const std::string& where) {
  const auto parsed = wire::Ipv4Address::parse(string(value, where));
  if (!parsed) reject(where, "expected an IPv4 address A.B.C.D, got " + shown(value));
  return *parsed;
}

wire::MacAddress mac(const Value& value, const std::string& where) {
  const auto parsed = wire::MacAddress::parse(string(value, where));
  if (!parsed) reject(where, "expected a MAC address like 02:00:00:00:00:01, got " + shown(value));
  return *parsed;
}

enum class Kind : std::uint8_t { text, number, flag, list };

/// One configuration key: where it lives, how the environment spells it, and what it sets.
struct Key {
  const char* path;
  Kind kind;
  std::vector<const char*> aliases;  ///< environment names besides SLUICE_<PATH>
  void (*apply)(const Value& value, const std::string& where, LibosConfig& config);
};

std::uint32_t u32(const Value& v, const std::string& where, std::int64_t min, std::int64_t max) {
  return static_cast<std::uint32_t>(integer(v, where, min, max));
}

const std::vector<Key>& keys() {
  static const std::vector<Key> table = {
      {"backend", Kind::text, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         static const char* names[] = {"xdp", "dpdk", "tap", "sim", "kernel"};
         c.backend = names[choice(v, w, {"xdp", "dpdk", "tap", "sim", "kernel"})];
       }},
      {"interface", Kind::text, {"SLUICE_IFACE"},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.device.iface = string(v, w); }},
      {"queue", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.device.queue = u32(v, w, 0, 65535); }},
      {"core", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.core = static_cast<int>(integer(v, w, -1, 4095)); }},
      {"ipv4", Kind::text, {"SLUICE_IP"},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         const auto cidr = wire::Ipv4Cidr::parse(string(v, w));
         if (!cidr) reject(w, "expected A.B.C.D/prefix, got " + shown(v));
         c.instance.address = cidr->address;
         c.instance.prefix_length = cidr->prefix_length;
       }},
      {"gateway", Kind::text, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.gateway = address(v, w); }},
      {"mac", Kind::text, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.mac = mac(v, w); }},
      {"arp", Kind::list, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         if (!v.is(Value::Kind::array)) reject(w, "expected an array of {\"ip\", \"mac\"}, got " + shown(v));
         c.instance.static_arp.clear();
         for (std::size_t i = 0; i < v.items().size(); ++i) {
           const Value& entry = v.items()[i];
           const std::string at = w + "[" + std::to_string(i) + "]";
           if (!entry.is(Value::Kind::object)) reject(at, "expected {\"ip\": ..., \"mac\": ...}, got " + shown(entry));
           for (const auto& [name, _] : entry.members()) {
             if (name != "ip" && name != "mac") reject(at + "." + name, "unknown key (use ip and mac)");
           }
           const Value* ip = entry.find("ip");
           const Value* hw = entry.find("mac");
           if (ip == nullptr) reject(at + ".ip", "required");
           if (hw == nullptr) reject(at + ".mac", "required");
           c.instance.static_arp.emplace_back(address(*ip, at + ".ip"), mac(*hw, at + ".mac"));
         }
       }},
      {"arp_learn_from_ipv4", Kind::flag, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.learn_neighbours_from_ipv4 = boolean(v, w); }},
      {"mtu", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.device.mtu = u32(v, w, 0, 65535); }},
      {"mss", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         c.instance.tcp_mss = static_cast<std::uint16_t>(integer(v, w, 64, 65495));
       }},
      {"rx_checksum", Kind::text, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         static const wire::ChecksumPolicy policies[] = {wire::ChecksumPolicy::verify, wire::ChecksumPolicy::accept_partial,
                                                         wire::ChecksumPolicy::skip};
         c.instance.rx_checksum = policies[choice(v, w, {"verify", "accept-partial", "skip"})];
       }},
      {"tcp.nodelay", Kind::flag, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.tcp_nodelay = boolean(v, w); }},
      {"tcp.keepalive", Kind::flag, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.tcp_keepalive = boolean(v, w); }},
      {"tcp.linger", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.tcp_linger = static_cast<int>(integer(v, w, -1, 3600)); }},
      {"tcp.congestion", Kind::text, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         c.instance.tcp_congestion = choice(v, w, {"cubic", "newreno"}) == 0 ? socket::tcp::CongestionAlgorithm::cubic
                                                                                 : socket::tcp::CongestionAlgorithm::newreno;
       }},
      {"tcp.send_buffer", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.tcp_buffer = u32(v, w, 4096, 64 << 20); }},
      {"tcp.receive_buffer", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.tcp_receive_buffer = u32(v, w, 4096, 64 << 20); }},
      {"tcp.time_wait_ms", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         c.instance.tcp_time_wait = Duration::millis(static_cast<std::uint64_t>(integer(v, w, 1, 240000)));
       }},
      {"tcp.max_connections", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.tcp_connections = u32(v, w, 1, 1 << 20); }},
      {"device.xdp_mode", Kind::text, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         static const char* modes[] = {"auto", "drv", "skb"};
         c.instance.device.xdp_mode = modes[choice(v, w, {"auto", "drv", "skb"})];
       }},
      {"device.busy_poll", Kind::flag, {"SLUICE_BUSY_POLL"},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         c.instance.busy_poll = c.instance.device.busy_poll = boolean(v, w);
       }},
      {"device.ring_size", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.device.ring_size = u32(v, w, 64, 32768); }},
      {"device.frame_count", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.device.frame_count = u32(v, w, 64, 1 << 20); }},
      {"device.dpdk_args", Kind::list, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         if (!v.is(Value::Kind::array)) reject(w, "expected an array of strings, got " + shown(v));
         c.instance.device.dpdk_args.clear();
         for (std::size_t i = 0; i < v.items().size(); ++i) {
           c.instance.device.dpdk_args.push_back(string(v.items()[i], w + "[" + std::to_string(i) + "]"));
         }
       }},
      {"device.dpdk_vdev", Kind::text, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.device.dpdk_vdev = string(v, w); }},
      {"device.fault", Kind::text, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         c.instance.fault_spec = string(v, w);
         try {
           device::fault::parse_fault_spec(c.instance.fault_spec);
         } catch (const Error& e) {
           reject(w, e.what());
         }
       }},
      {"device.pcap", Kind::text, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.instance.pcap_path = string(v, w); }},
      {"libos.max_queues", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.libos.max_queues = u32(v, w, 1, 1 << 16); }},
      {"libos.max_operations", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.libos.max_operations = u32(v, w, 1, 1 << 20); }},
      {"libos.buffer_count", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.libos.buffer_count = u32(v, w, 1, 1 << 20); }},
      {"libos.frame_budget", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.libos.frame_budget = u32(v, w, 0, 1 << 20); }},
      {"libos.buffer_size", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.libos.buffer_size = u32(v, w, 64, 1 << 20); }},
      {"sim.wire", Kind::text, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         c.sim.wire = string(v, w);
         if (c.sim.wire.empty()) reject(w, "expected a non-empty name");
       }},
      {"sim.seed", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) {
         c.sim.seed = static_cast<std::uint64_t>(integer(v, w, 0, INT64_MAX));
       }},
      {"sim.delay_us", Kind::number, {},
       [](const Value& v, const std::string& w, LibosConfig& c) { c.sim.delay_us = u32(v, w, 0, 10'000'000); }},
  };
  return table;
}

const char* const kSections[] = {"tcp", "device", "libos", "sim"};

const Key* find_key(const std::string& path) {
  for (const Key& key : keys()) {
    if (path == key.path) return &key;
  }
  return nullptr;
}

void apply_object(const Value& object, const std::string& prefix, LibosConfig& config) {
  for (const auto& [name, value] : object.members()) {
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    const std::string where = "config." + path;
    if (prefix.empty()) {
      bool section = false;
      for (const char* s : kSections) section = section || name == s;
      if (section) {
        if (!value.is(Value::Kind::object)) reject(where, "expected an object, got " + shown(value));
        apply_object(value, name, config);
        continue;
      }
    }
    const Key* key = find_key(path);
    if (key == nullptr) reject(where, "unknown key (see docs/libos-config.md)");
    key->apply(value, where, config);
  }
}

std::string environment_name(const char* path) {
  std::string name = "SLUICE_";
  for (const char* p = path; *p != '\0'; ++p) {
    name += *p == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  }
  return name;
}

void apply_environment(const Environment& environment, LibosConfig& config) {
  for (const Key& key : keys()) {
    if (key.kind == Kind::list) continue;
    std::vector<std::string> names = {environment_name(key.path)};
    for (const char* alias : key.aliases) names.emplace_back(alias);
    for (const std::string& name : names) {
      const std::optional<std::string> text = environment(name);
      if (!text) continue;
      const std::string where = name + " (config." + key.path + ")";
      Value value;
      if (key.kind == Kind::text) {
        value = Value::of_string(*text);
      } else {
        try {
          value = json::parse(*text);
        } catch (const Error&) {
          value = Value::of_string(*text);  // reported below as "got "text""
        }
      }
      key.apply(value, where, config);
    }
  }
}

void validate(LibosConfig& config) {
  if (config.backend.empty()) reject("config.backend", "required (xdp, dpdk, tap, sim or kernel; or set SLUICE_BACKEND)");
  if (config.instance.address.is_unspecified()) reject("config.ipv4", "required (A.B.C.D/prefix; or set SLUICE_IP)");
  if (config.backend == "xdp" || config.backend == "dpdk" || config.backend == "tap") {
    config.instance.device.backend = config.backend;
    device::validate_config(config.instance.device);
  }
  if (config.libos.buffer_size < 64) reject("config.libos.buffer_size", "at least 64");
  runtime::interface_config(config.instance);  // throws naming the interface field
}

}  // namespace

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

LibosConfig parse_config(std::string_view json_text, const Environment& environment) {
  const Value root = json::parse(json_text);
  if (!root.is(Value::Kind::object)) reject("config", "expected an object, got " + shown(root));
  LibosConfig config;
  apply_object(root, "", config);
  apply_environment(environment, config);
  validate(config);
  return config;
}

LibosConfig load_config(std::string_view path_or_text, const Environment& environment) {
  std::size_t first = 0;
  while (first < path_or_text.size() && std::isspace(static_cast<unsigned char>(path_or_text[first]))) ++first;
  if (first < path_or_text.size() && path_or_text[first] == '{') return parse_config(path_or_text, environment);
  const std::string path(path_or_text);
  if (path.empty()) reject("config", "empty: give a JSON file path or JSON text");
  std::ifstream file(path);
  if (!file) throw_errno(errno != 0 ? errno : ENOENT, "cannot read the configuration file " + path);
  std::ostringstream text;
  text << file.rdbuf();
  try {
    return parse_config(text.str(), environment);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

}  // namespace sluice::libos

#include "device/fault/fault_spec.hpp"

#include <charconv>

#include "util/error.hpp"

namespace sluice::device::fault {

namespace {

constexpr const char* kExample = "drop=0.01,dup=0.001,reorder=0.01,corrupt=0.001,seed=42";
constexpr const char* kKnownKeys = "drop, dup, reorder, corrupt, seed, reorder_gap, reorder_hold_ms, dir";

[[noreturn]] void bad_value(std::string_view key, std::string_view value, const char* expected) {
  throw Error(EINVAL, "fault spec " + std::string(key) + "=\"" + std::string(value) + "\" is not " + expected);
}

double parse_probability(std::string_view key, std::string_view value) {
  double p = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), p);
  if (ec != std::errc{} || end != value.data() + value.size() || !(p >= 0.0 && p <= 1.0)) {
    bad_value(key, value, "a probability in [0, 1]");
  }
  return p;
}

std::uint64_t parse_unsigned(std::string_view key, std::string_view value, std::uint64_t min, std::uint64_t max,
                             const char* expected) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || n < min || n > max) {
    bad_value(key, value, expected);
  }
  return n;
}

}  // namespace

FaultSpec parse_fault_spec(std::string_view text) {
  if (text.empty()) throw Error(EINVAL, std::string("fault spec is empty; expected e.g. ") + kExample);
  FaultSpec spec;
  std::string seen = ",";
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty()) {
      throw Error(EINVAL, "fault spec ends with a comma; remove it or add a key=value after it");
    }
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      throw Error(EINVAL, "fault spec item \"" + std::string(item) + "\" has no value; expected key=value as in " + kExample);
    }
    const std::string_view key = item.substr(0, equals);
    const std::string_view value = item.substr(equals + 1);
    const std::string marker = std::string(key) + ",";
    if (seen.find("," + marker) != std::string::npos) {
      throw Error(EINVAL, "fault spec key \"" + std::string(key) + "\" is given twice");
    }
    seen += marker;

    if (key == "drop") {
      spec.drop = parse_probability(key, value);
    } else if (key == "dup") {
      spec.duplicate = parse_probability(key, value);
    } else if (key == "reorder") {
      spec.reorder = parse_probability(key, value);
    } else if (key == "corrupt") {
      spec.corrupt = parse_probability(key, value);
    } else if (key == "seed") {
      spec.seed = parse_unsigned(key, value, 0, ~std::uint64_t{0}, "an unsigned 64-bit integer");
    } else if (key == "reorder_gap") {
      spec.reorder_gap = static_cast<std::uint32_t>(parse_unsigned(key, value, 1, 64, "an integer in [1, 64]"));
    } else if (key == "reorder_hold_ms") {
      spec.reorder_hold_ms = static_cast<std::uint32_t>(parse_unsigned(key, value, 1, 60'000, "an integer in [1, 60000]"));
    } else if (key == "dir") {
      if (value == "rx") {
        spec.directions = FaultDirections::receive;
      } else if (value == "tx") {
        spec.directions = FaultDirections::transmit;
      } else if (value == "both") {
        spec.directions = FaultDirections::both;
      } else {
        bad_value(key, value, "one of rx, tx, both");
      }
    } else {
      throw Error(EINVAL, "fault spec key \"" + std::string(key) + "\" is unknown; known keys: " + kKnownKeys);
    }
  }
  return spec;
}

std::string to_string(const FaultSpec& spec) {
  // to_chars: shortest text that parses back to the same double, whatever the C locale says.
  const auto number = [](double v) {
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, v);
    return std::string(text, result.ptr);
  };
  const char* dir = spec.directions == FaultDirections::receive    ? "rx"
                    : spec.directions == FaultDirections::transmit ? "tx"
                                                                   : "both";
  return "drop=" + number(spec.drop) + ",dup=" + number(spec.duplicate) + ",reorder=" + number(spec.reorder) +
         ",corrupt=" + number(spec.corrupt) + ",seed=" + std::to_string(spec.seed) +
         ",reorder_gap=" + std::to_string(spec.reorder_gap) + ",reorder_hold_ms=" + std::to_string(spec.reorder_hold_ms) +
         ",dir=" + dir;
}

}  // namespace sluice::device::fault

#pragma once
// Counters of every layer as named groups of (name, value), for printing and for the agent. Built
// outside the data path (at stop, or when sampled).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice::runtime {

struct CounterGroup {
  std::string name;
  std::vector<std::pair<std::string, std::uint64_t>> values;
};

using CounterReport = std::vector<CounterGroup>;

}  // namespace sluice::runtime

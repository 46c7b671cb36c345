#pragma once
// Every counter of an instance by name, pointing at the live field. Built once at start; reading it
// (for a report at stop, or a stats publication) allocates nothing per value and needs no list of
// field names kept in step elsewhere.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/counter_report.hpp"

namespace sluice::runtime {

class StackInstance;

struct CounterRef {
  std::string group;
  std::string name;
  const std::uint64_t* value;
};

class CounterTable {
 public:
  void add(std::string group, std::string name, const std::uint64_t& value) {
    entries_.push_back({std::move(group), std::move(name), &value});
  }
  const std::vector<CounterRef>& entries() const { return entries_; }
  /// The current values, grouped in the order the groups were first added.
  CounterReport report() const;

 private:
  std::vector<CounterRef> entries_;
};

/// Adds the device, interface and loop counters of an instance (groups device, interface, instance).
void add_instance_counters(CounterTable& table, const StackInstance& instance);

}  // namespace sluice::runtime

#pragma once
// Publishes an instance's counters into a small memory-mapped file, for the node agent to sample
// without touching the data path. Single writer (the instance's loop thread); readers copy the file
// and accept the copy when the sequence numbers before and after the values agree.
//
// Layout (little-endian, all offsets from the start of the file):
//   0  char[8]  magic "SLUICEST"
//   8  u32      format version (1)
//  12  u32      counter count N
//  16  u64      pid of the writer
//  24  u64      state: 1 running, 2 stopped
//  32  u32      offset of the names block; u32 its size in bytes
//  40  u32      offset of the values block (8-aligned)
//  44  u32      reserved
//  48  u64      sequence, written before the values (odd while writing)
//  56  u64      publication time, CLOCK_MONOTONIC ns
//  64  ...      names: N NUL-terminated "group.name" strings
//  V   u64[N]   values, in the order of the names
//  V+8N u64     sequence, written after the values
#include <cstdint>
#include <string>

#include "runtime/counter_table.hpp"
#include "util/time.hpp"

namespace sluice::runtime {

class StatsFile {
 public:
  static constexpr std::uint32_t kVersion = 1;

  /// Creates (or replaces) the file with the table's names; throws sluice::Error naming the path.
  StatsFile(const std::string& path, const CounterTable& table);
  ~StatsFile();
  StatsFile(const StatsFile&) = delete;
  StatsFile& operator=(const StatsFile&) = delete;

  /// Copies every counter's current value into the file. No allocation, no syscall.
  void publish(Instant now);
  /// Publishes a last time and marks the instance stopped, so readers know the values are final.
  void mark_stopped(Instant now);

 private:
  const CounterTable& table_;
  std::uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
  std::uint32_t values_offset_ = 0;
  std::uint64_t sequence_ = 0;
};

}  // namespace sluice::runtime

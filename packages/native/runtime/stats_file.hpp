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
//
// Several instances (one per queue, `sluice run --queues`) share one file without sharing a writer:
// the file is a chain of blocks, each laid out as above from its own start and written only by its
// own instance's thread. Additions, so version-1 readers still read the first block:
//  44  u32      offset of the next block from the start of the file, 0 for the last (was reserved)
//  64  u32      queue of this block's instance; i32 its core (-1 unpinned); names follow at 72.
// A single-instance file keeps one block with names at 64, exactly as before.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/counter_table.hpp"
#include "util/time.hpp"

namespace sluice::runtime {

struct MappedStats;

/// One instance's table in a multi-queue stats file.
struct QueueCounters {
  std::uint32_t queue;
  int core;  ///< -1 when unpinned
  const CounterTable* table;
};

/// One block of a stats file and its single writer.
class StatsFile {
 public:
  static constexpr std::uint32_t kVersion = 1;

  /// Creates (or replaces) the file with the table's names; throws sluice::Error naming the path.
  StatsFile(const std::string& path, const CounterTable& table);
  /// Creates (or replaces) one file with a block per queue; element i writes queues[i]'s block and
  /// belongs to that instance's thread alone.
  static std::vector<std::unique_ptr<StatsFile>> create_per_queue(const std::string& path,
                                                                   const std::vector<QueueCounters>& queues);
  ~StatsFile();
  StatsFile(const StatsFile&) = delete;
  StatsFile& operator=(const StatsFile&) = delete;

  /// Copies every counter's current value into the file. No allocation, no syscall.
  void publish(Instant now);
  /// Publishes a last time and marks the instance stopped, so readers know the values are final.
  void mark_stopped(Instant now);

 private:
  StatsFile(std::shared_ptr<MappedStats> file, std::uint8_t* block, std::uint32_t values_offset,
            const CounterTable& table);

  std::shared_ptr<MappedStats> file_;  // shared by the blocks of one file; unmapped with the last
  const CounterTable& table_;
  std::uint8_t* base_ = nullptr;  // this block's start
  std::uint32_t values_offset_ = 0;
  std::uint64_t sequence_ = 0;
};

}  // namespace sluice::runtime

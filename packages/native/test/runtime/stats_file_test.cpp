#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/stats_file.hpp"
#include "support/allocation_counter.hpp"
#include "util/error.hpp"

using sluice::Instant;
using sluice::runtime::CounterTable;
using sluice::runtime::StatsFile;

namespace {
std::vector<std::uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename T>
T at(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

struct TempFile {
  std::string path = "/tmp/sluice-stats-test-" + std::to_string(::getpid());
  ~TempFile() { ::unlink(path.c_str()); }
};
}  // namespace

TEST(StatsFile, PublishesNamesAndValuesInTheDocumentedLayout) {
  std::uint64_t rx = 0, tx = 0, echoed = 0;
  CounterTable table;
  table.add("device", "rx_packets", rx);
  table.add("device", "tx_packets", tx);
  table.add("app", "datagrams", echoed);
  TempFile file;
  StatsFile stats(file.path, table);
  rx = 10;
  tx = 9;
  echoed = 8;
  stats.publish(Instant{12345});

  const auto bytes = read_all(file.path);
  ASSERT_GE(bytes.size(), 64u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "SLUICEST");
  EXPECT_EQ(at<std::uint32_t>(bytes, 8), 1u);
  EXPECT_EQ(at<std::uint32_t>(bytes, 12), 3u);
  EXPECT_EQ(at<std::uint64_t>(bytes, 16), static_cast<std::uint64_t>(::getpid()));
  EXPECT_EQ(at<std::uint64_t>(bytes, 24), 1u) << "running";
  const auto names_offset = at<std::uint32_t>(bytes, 32);
  const auto names_size = at<std::uint32_t>(bytes, 36);
  const std::string names(bytes.begin() + names_offset, bytes.begin() + names_offset + names_size);
  EXPECT_EQ(names, std::string("device.rx_packets\0device.tx_packets\0app.datagrams\0", 50));
  const auto values = at<std::uint32_t>(bytes, 40);
  EXPECT_EQ(values % 8, 0u);
  EXPECT_EQ(at<std::uint64_t>(bytes, values), 10u);
  EXPECT_EQ(at<std::uint64_t>(bytes, values + 8), 9u);
  EXPECT_EQ(at<std::uint64_t>(bytes, values + 16), 8u);
  const auto sequence = at<std::uint64_t>(bytes, 48);
  EXPECT_EQ(sequence % 2, 0u) << "even: consistent";
  EXPECT_EQ(at<std::uint64_t>(bytes, values + 24), sequence) << "trailing sequence matches";
  EXPECT_EQ(at<std::uint64_t>(bytes, 56), 12345u);

  stats.mark_stopped(Instant{99999});
  const auto final_bytes = read_all(file.path);
  EXPECT_EQ(at<std::uint64_t>(final_bytes, 24), 2u) << "stopped";
  EXPECT_GT(at<std::uint64_t>(final_bytes, 48), sequence);
}

TEST(StatsFile, PublishingAllocatesNothing) {
  std::uint64_t value = 0;
  CounterTable table;
  table.add("app", "value", value);
  TempFile file;
  StatsFile stats(file.path, table);
  sluice::test::AllocationCounter::start();
  for (int i = 0; i < 1000; ++i) {
    ++value;
    stats.publish(Instant{static_cast<std::uint64_t>(i)});
  }
  EXPECT_EQ(sluice::test::AllocationCounter::stop(), 0u);
}

TEST(StatsFile, AnUnwritablePathIsAnErrorNamingIt) {
  CounterTable table;
  try {
    StatsFile stats("/proc/sluice-cannot-be-here/stats", table);
    FAIL() << "expected an error";
  } catch (const sluice::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/sluice-cannot-be-here/stats"), std::string::npos) << e.what();
  }
}

TEST(StatsFile, PerQueueBlocksChainAndAreWrittenApart) {
  std::uint64_t first = 0, second = 0;
  CounterTable queue0, queue1;
  queue0.add("app", "datagrams", first);
  queue1.add("app", "datagrams", second);
  TempFile file;
  auto blocks = StatsFile::create_per_queue(file.path, {{0, 0, &queue0}, {5, -1, &queue1}});
  ASSERT_EQ(blocks.size(), 2u);
  first = 11;
  second = 22;
  blocks[1]->publish(Instant{7});  // only queue 1's writer has published

  const auto bytes = read_all(file.path);
  const auto next = at<std::uint32_t>(bytes, 44);
  ASSERT_GT(next, 0u);
  EXPECT_EQ(next % 64, 0u) << "each block starts on its own cache line";
  EXPECT_EQ(std::string(bytes.begin() + next, bytes.begin() + next + 8), "SLUICEST");
  EXPECT_EQ(at<std::uint32_t>(bytes, next + 44), 0u) << "the last block ends the chain";
  EXPECT_EQ(at<std::uint32_t>(bytes, 64), 0u) << "queue";
  EXPECT_EQ(at<std::int32_t>(bytes, 68), 0) << "core";
  EXPECT_EQ(at<std::uint32_t>(bytes, next + 64), 5u);
  EXPECT_EQ(at<std::int32_t>(bytes, next + 68), -1) << "unpinned";
  EXPECT_EQ(at<std::uint32_t>(bytes, 32), 72u) << "names after the queue fields";
  const auto values0 = at<std::uint32_t>(bytes, 40);
  const auto values1 = at<std::uint32_t>(bytes, next + 40);
  EXPECT_EQ(at<std::uint64_t>(bytes, values0), 0u) << "queue 0 has not published yet";
  EXPECT_EQ(at<std::uint64_t>(bytes, next + values1), 22u);
  EXPECT_EQ(at<std::uint64_t>(bytes, next + 56), 7u);

  blocks[0]->mark_stopped(Instant{8});
  const auto after = read_all(file.path);
  EXPECT_EQ(at<std::uint64_t>(after, values0), 11u);
  EXPECT_EQ(at<std::uint64_t>(after, 24), 2u) << "queue 0 stopped";
  EXPECT_EQ(at<std::uint64_t>(after, next + 24), 1u) << "queue 1 still running";
}

#include "runtime/stats_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "util/error.hpp"

namespace sluice::runtime {

namespace {
constexpr std::size_t kHeaderSize = 64;
constexpr std::size_t kQueueFieldsSize = 8;  // queue, core: multi-queue files only

template <typename T>
void put(std::uint8_t* at, T value) {
  std::memcpy(at, &value, sizeof value);
}

void store_u64(std::uint8_t* at, std::uint64_t value) {
  // Aligned 8-byte stores: a reader never sees half of a value.
  std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(at)).store(value, std::memory_order_relaxed);
}

struct BlockPlan {
  std::string names;
  std::size_t count = 0;
  std::uint32_t names_offset = 0;  // from the block's start
  std::uint32_t values_offset = 0;
  std::size_t size = 0;
};

BlockPlan plan_block(const CounterTable& table, bool with_queue) {
  BlockPlan plan;
  for (const CounterRef& entry : table.entries()) {
    plan.names += entry.group + "." + entry.name;
    plan.names.push_back('\0');
  }
  plan.count = table.entries().size();
  plan.names_offset = static_cast<std::uint32_t>(kHeaderSize + (with_queue ? kQueueFieldsSize : 0));
  plan.values_offset = static_cast<std::uint32_t>((plan.names_offset + plan.names.size() + 7) / 8 * 8);
  plan.size = plan.values_offset + 8 * plan.count + 8;
  return plan;
}

void write_block_header(std::uint8_t* block, const BlockPlan& plan) {
  std::memcpy(block, "SLUICEST", 8);
  put<std::uint32_t>(block + 8, StatsFile::kVersion);
  put<std::uint32_t>(block + 12, static_cast<std::uint32_t>(plan.count));
  put<std::uint64_t>(block + 16, static_cast<std::uint64_t>(::getpid()));
  put<std::uint64_t>(block + 24, 1);
  put<std::uint32_t>(block + 32, plan.names_offset);
  put<std::uint32_t>(block + 36, static_cast<std::uint32_t>(plan.names.size()));
  put<std::uint32_t>(block + 40, plan.values_offset);
  std::memcpy(block + plan.names_offset, plan.names.data(), plan.names.size());
}
}  // namespace

/// The mapping of one stats file, kept until its last block's writer is gone.
struct MappedStats {
  std::uint8_t* base = nullptr;
  std::size_t size = 0;
  ~MappedStats() {
    if (base != nullptr) ::munmap(base, size);
  }
};

namespace {
// Maps a new file of `size` zeroed bytes under a temporary name; publish() renames it into place, so a
// reader never maps a half-initialised file.
class FileBeingWritten {
 public:
  FileBeingWritten(const std::string& path, std::size_t size) : path_(path), temporary_(path + ".tmp") {
    const int fd = ::open(temporary_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw_errno(errno, "cannot create stats file " + temporary_);
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      const int err = errno;
      ::close(fd);
      throw_errno(err, "cannot size stats file " + temporary_);
    }
    void* mapped = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    const int map_errno = errno;
    ::close(fd);
    if (mapped == MAP_FAILED) throw_errno(map_errno, "cannot map stats file " + temporary_);
    mapping_ = std::make_shared<MappedStats>();
    mapping_->base = static_cast<std::uint8_t*>(mapped);
    mapping_->size = size;
  }

  std::uint8_t* base() const { return mapping_->base; }

  std::shared_ptr<MappedStats> publish() {
    if (::rename(temporary_.c_str(), path_.c_str()) != 0) throw_errno(errno, "cannot publish stats file " + path_);
    return std::move(mapping_);
  }

 private:
  std::string path_;
  std::string temporary_;
  std::shared_ptr<MappedStats> mapping_;
};
}  // namespace

StatsFile::StatsFile(std::shared_ptr<MappedStats> file, std::uint8_t* block, std::uint32_t values_offset,
                     const CounterTable& table)
    : file_(std::move(file)), table_(table), base_(block), values_offset_(values_offset) {}

StatsFile::StatsFile(const std::string& path, const CounterTable& table) : table_(table) {
  const BlockPlan plan = plan_block(table, false);
  FileBeingWritten file(path, plan.size);
  write_block_header(file.base(), plan);
  base_ = file.base();
  values_offset_ = plan.values_offset;
  file_ = file.publish();
}

std::vector<std::unique_ptr<StatsFile>> StatsFile::create_per_queue(const std::string& path,
                                                                    const std::vector<QueueCounters>& queues) {
  std::vector<BlockPlan> plans;
  std::vector<std::size_t> offsets;
  std::size_t size = 0;
  for (const QueueCounters& queue : queues) {
    plans.push_back(plan_block(*queue.table, true));
    offsets.push_back(size);
    size += (plans.back().size + 63) / 64 * 64;  // blocks on their own cache lines: writers never share one
  }
  FileBeingWritten file(path, size);
  for (std::size_t i = 0; i < queues.size(); ++i) {
    std::uint8_t* block = file.base() + offsets[i];
    write_block_header(block, plans[i]);
    put<std::uint32_t>(block + 44, i + 1 < queues.size() ? static_cast<std::uint32_t>(offsets[i + 1]) : 0);
    put<std::uint32_t>(block + kHeaderSize, queues[i].queue);
    put<std::int32_t>(block + kHeaderSize + 4, queues[i].core);
  }
  std::shared_ptr<MappedStats> mapping = file.publish();
  std::vector<std::unique_ptr<StatsFile>> blocks;
  for (std::size_t i = 0; i < queues.size(); ++i) {
    blocks.push_back(std::unique_ptr<StatsFile>(
        new StatsFile(mapping, mapping->base + offsets[i], plans[i].values_offset, *queues[i].table)));
  }
  return blocks;
}

StatsFile::~StatsFile() = default;

// A seqlock readable through a plain file copy. Both sequence numbers go odd before any value
// changes, so a copy that saw a new value also sees an odd or newer trailing sequence and is refused.
void StatsFile::publish(Instant now) {
  std::uint8_t* trailing = base_ + values_offset_ + 8 * table_.entries().size();
  const std::uint64_t writing = sequence_ + 1;
  store_u64(trailing, writing);
  store_u64(base_ + 48, writing);
  std::atomic_thread_fence(std::memory_order_release);
  std::uint8_t* value = base_ + values_offset_;
  for (const CounterRef& entry : table_.entries()) {
    store_u64(value, *entry.value);
    value += 8;
  }
  store_u64(base_ + 56, now.nanos);
  std::atomic_thread_fence(std::memory_order_release);
  sequence_ = writing + 1;
  store_u64(trailing, sequence_);
  store_u64(base_ + 48, sequence_);
}

void StatsFile::mark_stopped(Instant now) {
  publish(now);
  store_u64(base_ + 24, 2);
}

}  // namespace sluice::runtime

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

template <typename T>
void put(std::uint8_t* at, T value) {
  std::memcpy(at, &value, sizeof value);
}

void store_u64(std::uint8_t* at, std::uint64_t value) {
  // Aligned 8-byte stores: a reader never sees half of a value.
  std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(at)).store(value, std::memory_order_relaxed);
}
}  // namespace

StatsFile::StatsFile(const std::string& path, const CounterTable& table) : table_(table) {
  std::string names;
  for (const CounterRef& entry : table.entries()) {
    names += entry.group + "." + entry.name;
    names.push_back('\0');
  }
  const std::size_t count = table.entries().size();
  values_offset_ = static_cast<std::uint32_t>((kHeaderSize + names.size() + 7) / 8 * 8);
  size_ = values_offset_ + 8 * count + 8;

  // Write to a temporary name and rename, so a reader never maps a half-initialised file.
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno(errno, "cannot create stats file " + temporary);
  if (::ftruncate(fd, static_cast<off_t>(size_)) != 0) {
    const int err = errno;
    ::close(fd);
    throw_errno(err, "cannot size stats file " + temporary);
  }
  void* mapped = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (mapped == MAP_FAILED) throw_errno(map_errno, "cannot map stats file " + temporary);
  base_ = static_cast<std::uint8_t*>(mapped);

  std::memcpy(base_, "SLUICEST", 8);
  put<std::uint32_t>(base_ + 8, kVersion);
  put<std::uint32_t>(base_ + 12, static_cast<std::uint32_t>(count));
  put<std::uint64_t>(base_ + 16, static_cast<std::uint64_t>(::getpid()));
  put<std::uint64_t>(base_ + 24, 1);
  put<std::uint32_t>(base_ + 32, static_cast<std::uint32_t>(kHeaderSize));
  put<std::uint32_t>(base_ + 36, static_cast<std::uint32_t>(names.size()));
  put<std::uint32_t>(base_ + 40, values_offset_);
  std::memcpy(base_ + kHeaderSize, names.data(), names.size());
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::munmap(base_, size_);
    throw_errno(err, "cannot publish stats file " + path);
  }
}

StatsFile::~StatsFile() {
  if (base_ != nullptr) ::munmap(base_, size_);
}

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

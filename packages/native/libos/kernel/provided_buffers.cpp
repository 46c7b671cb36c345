#include "libos/kernel/provided_buffers.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <string>

#include "util/error.hpp"

namespace sluice::libos::kernel {

namespace {
void* map_anonymous(std::size_t bytes, const char* what) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw_errno(errno, what);
  return p;
}
}  // namespace

ProvidedBuffers::ProvidedBuffers(io_uring& ring, std::uint16_t group, std::uint32_t count, std::uint32_t size)
    : ring_(ring), group_(group), count_(count), size_(size) {
  if (count == 0 || count > 32768 || (count & (count - 1)) != 0) {
    throw Error(EINVAL, "provided buffer count must be a power of two from 1 to 32768, got " + std::to_string(count));
  }
  if (size == 0) throw Error(EINVAL, "provided buffer size must be at least 1 byte");

  ring_bytes_ = std::size_t{count} * sizeof(io_uring_buf);
  ring_memory_ = static_cast<io_uring_buf_ring*>(map_anonymous(ring_bytes_, "mmap(provided buffer ring)"));
  area_bytes_ = std::size_t{count} * size;
  try {
    area_ = static_cast<std::byte*>(map_anonymous(area_bytes_, "mmap(provided buffers)"));
  } catch (...) {
    ::munmap(ring_memory_, ring_bytes_);
    throw;
  }

  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uint64_t>(ring_memory_);
  registration.ring_entries = count;
  registration.bgid = group;
  if (const int rc = io_uring_register_buf_ring(&ring_, &registration, 0); rc < 0) {
    ::munmap(area_, area_bytes_);
    ::munmap(ring_memory_, ring_bytes_);
    throw_errno(-rc, "io_uring_register_buf_ring (provided buffer rings need Linux 5.19)");
  }

  held_.assign(count, 0);
  io_uring_buf_ring_init(ring_memory_);
  const int mask = io_uring_buf_ring_mask(count);
  for (std::uint32_t id = 0; id < count; ++id) {
    io_uring_buf_ring_add(ring_memory_, buffer(static_cast<BufferId>(id)).data(), size_, static_cast<BufferId>(id),
                          mask, static_cast<int>(id));
  }
  io_uring_buf_ring_advance(ring_memory_, static_cast<int>(count));
}

ProvidedBuffers::~ProvidedBuffers() {
  io_uring_unregister_buf_ring(&ring_, group_);
  ::munmap(area_, area_bytes_);
  ::munmap(ring_memory_, ring_bytes_);
}

void ProvidedBuffers::take(BufferId id) {
  held_[id] = 1;
  ++held_count_;
}

int ProvidedBuffers::release(BufferId id) {
  if (id >= count_ || held_[id] == 0) return -EINVAL;
  held_[id] = 0;
  --held_count_;
  publish(id);
  return 0;
}

void ProvidedBuffers::recycle(BufferId id) { publish(id); }

// One buffer per call: publishing is a store-release on the ring tail, no syscall.
void ProvidedBuffers::publish(BufferId id) {
  io_uring_buf_ring_add(ring_memory_, buffer(id).data(), size_, id, io_uring_buf_ring_mask(count_), 0);
  io_uring_buf_ring_advance(ring_memory_, 1);
}

}  // namespace sluice::libos::kernel

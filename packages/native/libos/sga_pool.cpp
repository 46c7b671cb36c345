#include "libos/sga_pool.hpp"

#include <sys/mman.h>

#include <cerrno>

#include "util/error.hpp"

namespace sluice::libos {

namespace {
std::uint8_t* map_region(std::size_t size) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw_errno(errno, "cannot map " + std::to_string(size) + " bytes of LibOS buffers");
  return static_cast<std::uint8_t*>(p);
}
}  // namespace

SgaPool::SgaPool(std::uint32_t buffer_count, std::uint32_t buffer_size, std::uint32_t frame_slots)
    : memory_(map_region(std::size_t{buffer_count} * buffer_size)),
      memory_size_(std::size_t{buffer_count} * buffer_size),
      pool_(memory_, buffer_count, buffer_size),
      buffer_count_(buffer_count),
      tags_(std::size_t{buffer_count} + frame_slots),
      frames_(frame_slots),
      free_frames_(frame_slots) {
  for (std::uint32_t i = 0; i < frame_slots; ++i) free_frames_[i] = frame_slots - 1 - i;
}

SgaPool::~SgaPool() { ::munmap(memory_, memory_size_); }

std::size_t SgaPool::length(const sl_sga_t& sga) {
  std::size_t total = 0;
  for (std::uint32_t i = 0; i < sga.numsegs && i < SL_SGA_MAX_SEGMENTS; ++i) total += sga.segs[i].len;
  return total;
}

int SgaPool::allocate(std::size_t size, sl_sga_t& out) {
  if (size == 0) return -EINVAL;
  if (size > max_sga_bytes()) return -EMSGSIZE;
  const std::size_t count = (size + buffer_size() - 1) / buffer_size();
  if (count > pool_.available()) return -ENOMEM;
  std::uint32_t indices[SL_SGA_MAX_SEGMENTS];
  for (std::size_t i = 0; i < count; ++i) pool_.take(indices[i]);
  Tag& head = tags_[indices[0]];
  head.state = State::app;
  head.buffers = static_cast<std::uint8_t>(count);
  out.handle = handle_of(indices[0], head.generation);
  out.numsegs = static_cast<std::uint32_t>(count);
  std::size_t left = size;
  for (std::size_t i = 0; i < count; ++i) {
    head.members[i] = indices[i];
    if (i > 0) tags_[indices[i]].state = State::app;
    const auto len = static_cast<std::uint32_t>(std::min<std::size_t>(left, buffer_size()));
    out.segs[i] = {pool_.address(indices[i]), len};
    left -= len;
  }
  for (std::size_t i = count; i < SL_SGA_MAX_SEGMENTS; ++i) out.segs[i] = {nullptr, 0};
  return 0;
}

int SgaPool::adopt_frame(const device::Frame& frame, std::uint8_t* payload, std::uint32_t length, sl_sga_t& out) {
  if (free_frames_.empty()) return -ENOBUFS;
  const std::uint32_t slot = free_frames_.back();
  free_frames_.pop_back();
  frames_[slot] = frame;
  const std::uint32_t index = buffer_count_ + slot;
  Tag& head = tags_[index];
  head.state = State::app;
  head.buffers = 1;
  head.members[0] = index;
  out.handle = handle_of(index, head.generation);
  out.numsegs = 1;
  out.segs[0] = {payload, length};
  for (std::size_t i = 1; i < SL_SGA_MAX_SEGMENTS; ++i) out.segs[i] = {nullptr, 0};
  return 0;
}

const device::Frame* SgaPool::frame_of(const sl_sga_t& sga) {
  bool stale = false;
  const Tag* head = head_of(sga.handle, stale);
  if (head == nullptr || head->members[0] < buffer_count_) return nullptr;
  return &frames_[head->members[0] - buffer_count_];
}

std::span<const std::uint8_t> SgaPool::region(std::uint32_t index) const {
  if (index < buffer_count_) return {pool_.address(index), buffer_size()};
  const device::Frame& frame = frames_[index - buffer_count_];
  return {frame.data, frame.capacity};
}

SgaPool::Tag* SgaPool::head_of(std::uint64_t handle, bool& stale) {
  stale = false;
  const std::uint64_t slot = handle & 0xffffffffu;
  if (slot == 0 || slot > tags_.size()) return nullptr;
  Tag& tag = tags_[slot - 1];
  if (tag.generation != handle >> 32) {
    stale = tag.generation > handle >> 32;
    return nullptr;
  }
  if (tag.state == State::free) {
    stale = true;
    return nullptr;
  }
  return tag.buffers == 0 ? nullptr : &tag;
}

int SgaPool::free(sl_sga_t& sga, device::Frame& frame) {
  frame = {};
  bool stale = false;
  Tag* head = head_of(sga.handle, stale);
  if (head == nullptr) return stale ? -EALREADY : -EINVAL;
  if (head->state == State::stack) return -EBUSY;
  const std::uint8_t count = head->buffers;
  for (std::uint8_t i = 0; i < count; ++i) {
    const std::uint32_t index = head->members[i];
    Tag& tag = tags_[index];
    tag.generation += 1;  // every handle naming this buffer is now stale
    tag.state = State::free;
    tag.buffers = 0;
    if (index < buffer_count_) {
      pool_.give(index);
    } else {
      frame = frames_[index - buffer_count_];
      free_frames_.push_back(index - buffer_count_);  // capacity frame_slots: no growth
    }
  }
  sga.handle = 0;
  sga.numsegs = 0;
  return 0;
}

int SgaPool::lend_to_stack(const sl_sga_t& sga) {
  bool stale = false;
  Tag* head = head_of(sga.handle, stale);
  if (head == nullptr) return -EINVAL;
  if (head->state == State::stack) return -EBUSY;
  if (sga.numsegs > head->buffers) return -EMSGSIZE;
  for (std::uint32_t i = 0; i < sga.numsegs; ++i) {
    // A segment may be moved and shortened inside its buffer, never beyond it.
    const std::span<const std::uint8_t> room = region(head->members[i]);
    const auto* buf = static_cast<const std::uint8_t*>(sga.segs[i].buf);
    if (sga.segs[i].len == 0) continue;
    if (buf < room.data() || buf + sga.segs[i].len > room.data() + room.size()) return -EMSGSIZE;
  }
  head->state = State::stack;
  return 0;
}

void SgaPool::return_to_app(const sl_sga_t& sga) {
  bool stale = false;
  Tag* head = head_of(sga.handle, stale);
  if (head != nullptr && head->state == State::stack) head->state = State::app;
}

}  // namespace sluice::libos

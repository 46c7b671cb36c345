#pragma once
// The LibOS buffer pool behind sl_sga_t: fixed-size buffers in one region allocated at init, handed
// out as scatter-gather arrays of up to SL_SGA_MAX_SEGMENTS buffers. An sga's handle is its first
// buffer's index and that buffer's generation, so a handle that was freed (the generation moved on)
// is recognised and refused; the tags live in a side table the application cannot scribble over.
//
// States of an sga: free -> app (alloc, or a completed pop) -> stack (push submitted) -> app (push
// completed) -> free (sl_sga_free). Free while pushing is -EBUSY; a second free is -EALREADY.
//
// Frame-backed sgas (zero-copy): besides its own buffers the pool has `frame_slots` slots for
// device frames lent to the application (one segment each, pointing into the frame). Their tags
// follow the buffers' in the same table, so handles, generations and the state checks are the
// same; free() hands the frame back to the caller, who returns it to the device.
#include <cstdint>
#include <span>
#include <vector>

#include "device/device.hpp"
#include "device/frame_pool.hpp"
#include "sluice/libos.h"

namespace sluice::libos {

class SgaPool {
 public:
  SgaPool(std::uint32_t buffer_count, std::uint32_t buffer_size, std::uint32_t frame_slots = 0);
  ~SgaPool();
  SgaPool(const SgaPool&) = delete;
  SgaPool& operator=(const SgaPool&) = delete;

  std::uint32_t buffer_size() const { return pool_.frame_size(); }
  std::size_t capacity() const { return pool_.capacity(); }
  std::size_t available() const { return pool_.available(); }
  std::size_t max_sga_bytes() const { return std::size_t{SL_SGA_MAX_SEGMENTS} * pool_.frame_size(); }

  /// Fills `out` with `size` bytes in ceil(size / buffer_size) segments (the last one short).
  /// 0, -EINVAL (size 0), -EMSGSIZE (more than SL_SGA_MAX_SEGMENTS buffers), -ENOMEM (pool empty).
  int allocate(std::size_t size, sl_sga_t& out);
  /// Lends `frame` as an sga of one segment, [payload, payload + length). -ENOBUFS when every frame
  /// slot is in use (the budget).
  int adopt_frame(const device::Frame& frame, std::uint8_t* payload, std::uint32_t length, sl_sga_t& out);
  /// The frame behind a live frame-backed sga, or nullptr (pool buffers, freed, forged).
  const device::Frame* frame_of(const sl_sga_t& sga);
  std::size_t frame_slots() const { return frames_.size(); }
  std::size_t frames_held() const { return frames_.size() - free_frames_.size(); }
  /// Calls `give` with every frame still lent (at teardown, so the device gets them back).
  template <typename Give>
  void release_frames(Give&& give) {
    for (std::size_t slot = 0; slot < frames_.size(); ++slot) {
      if (tags_[buffer_count_ + slot].state == State::app) give(frames_[slot]);
    }
  }
  /// 0, -EALREADY (already freed), -EBUSY (being pushed), -EINVAL (not one of ours). A frame-backed
  /// sga's frame is written to `frame` (else frame.data is nullptr): give it back to the device.
  int free(sl_sga_t& sga, device::Frame& frame);
  /// Checks that `sga` is ours, held by the application, and that every segment lies inside its
  /// own buffer; then marks it the stack's. 0, -EINVAL (foreign or freed), -EBUSY (pushed already),
  /// -EMSGSIZE (a segment overruns its buffer).
  int lend_to_stack(const sl_sga_t& sga);
  /// The stack is done with a pushed sga: the application's again.
  void return_to_app(const sl_sga_t& sga);
  /// Total bytes of an sga's segments.
  static std::size_t length(const sl_sga_t& sga);

 private:
  enum class State : std::uint8_t { free, app, stack };
  struct Tag {
    std::uint32_t generation = 1;
    State state = State::free;
    std::uint8_t buffers = 0;  ///< in the sga this buffer heads; 0 for a member buffer
    std::uint32_t members[SL_SGA_MAX_SEGMENTS] = {};
  };

  /// The tag heading `handle`'s sga if the handle is well-formed and current, else nullptr;
  /// `stale` says whether it names a buffer whose generation has moved on.
  Tag* head_of(std::uint64_t handle, bool& stale);
  /// The bytes a member buffer (or lent frame) spans, for the bounds check of a push.
  std::span<const std::uint8_t> region(std::uint32_t index) const;
  static std::uint64_t handle_of(std::uint32_t index, std::uint32_t generation) {
    return (std::uint64_t{generation} << 32) | (index + 1);
  }

  std::uint8_t* memory_ = nullptr;
  std::size_t memory_size_ = 0;
  device::FramePool pool_;
  std::uint32_t buffer_count_;
  std::vector<Tag> tags_;                   ///< buffers, then frame slots
  std::vector<device::Frame> frames_;       ///< by frame slot: the lent frame
  std::vector<std::uint32_t> free_frames_;  ///< free frame slots
};

}  // namespace sluice::libos

#include "device/fault/fault_stage.hpp"

#include <cstring>

namespace sluice::device::fault {

namespace {
constexpr std::size_t kEthernetHeader = wire::EthernetFrame::header_len;
}

FaultStage::FaultStage(const FaultSpec& spec, std::uint64_t stream)
    : spec_(spec), hold_time_(Duration::millis(spec.reorder_hold_ms)), random_(sim::derive_seed(spec.seed, stream)) {}

void FaultStage::emit(const Frame& frame, Device& inner, FrameBatch& out) {
  // The caller sizes `out` for the worst case; should that ever be wrong, drop rather than leak.
  if (!out.push(frame)) {
    inner.release({&frame, 1});
    ++counters_.dropped;
  }
}

bool FaultStage::unkept(Frame& frame, Device& inner) {
  if (!frame.kept) return true;
  // A kept frame is an application's buffer (zero-copy push): damage a copy, never its bytes.
  Frame copy;
  if (inner.allocate({&copy, 1}) != 1 || copy.capacity < frame.len) {
    if (copy.data != nullptr) inner.release({&copy, 1});
    return false;
  }
  std::memcpy(copy.data, frame.data, frame.len);
  copy.len = frame.len;
  inner.release({&frame, 1});  // a kept frame goes back to its owner
  frame = copy;
  return true;
}

void FaultStage::remove_held(std::size_t i) {
  for (std::size_t j = i; j + 1 < held_count_; ++j) held_[j] = held_[j + 1];
  --held_count_;
}

void FaultStage::process(const Frame& given, Device& inner, const Clock& clock, FrameBatch& out) {
  ++counters_.frames;
  if (random_.chance(spec_.drop)) {
    inner.release({&given, 1});
    ++counters_.dropped;
    return;
  }
  Frame frame = given;
  // Past the Ethernet header, as on a wire whose FCS would have caught a damaged header: the IPv4,
  // UDP and TCP checksums are what this is meant to exercise.
  if (frame.len > kEthernetHeader && random_.chance(spec_.corrupt) && unkept(frame, inner)) {
    const std::uint64_t bit = random_.below(std::uint64_t{frame.len - kEthernetHeader} * 8);
    frame.data[kEthernetHeader + bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    ++counters_.corrupted;
  }
  Frame copy;
  bool duplicate = false;
  if (random_.chance(spec_.duplicate)) {
    if (inner.allocate({&copy, 1}) == 1 && copy.capacity >= frame.len) {
      std::memcpy(copy.data, frame.data, frame.len);
      copy.len = frame.len;
      duplicate = true;
      ++counters_.duplicated;
    } else {
      if (copy.data != nullptr) inner.release({&copy, 1});
      ++counters_.duplicate_failed;
    }
  }
  if (random_.chance(spec_.reorder)) {
    if (held_count_ < kHoldCapacity) {
      held_[held_count_++] = Held{frame, spec_.reorder_gap, clock()};
      ++counters_.reordered;
      if (duplicate) emit(copy, inner, out);
      return;
    }
    ++counters_.hold_full;
  }
  emit(frame, inner, out);
  if (duplicate) emit(copy, inner, out);
  // This frame overtook every held one; those whose gap it closed follow it, oldest first.
  for (std::size_t i = 0; i < held_count_;) {
    if (--held_[i].frames_to_wait == 0) {
      emit(held_[i].frame, inner, out);
      remove_held(i);
    } else {
      ++i;
    }
  }
}

void FaultStage::release_expired(Instant now, FrameBatch& out) {
  for (std::size_t i = 0; i < held_count_;) {
    if (now - held_[i].since >= hold_time_ && out.push(held_[i].frame)) {
      ++counters_.hold_timeouts;
      remove_held(i);
    } else {
      ++i;
    }
  }
}

void FaultStage::release_all(Device& inner) {
  for (std::size_t i = 0; i < held_count_; ++i) inner.release({&held_[i].frame, 1});
  held_count_ = 0;
}

}  // namespace sluice::device::fault

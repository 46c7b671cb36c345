#include "apps/kv/store.hpp"

#include <bit>
#include <cstring>
#include <string>

#include "util/error.hpp"

namespace sluice::apps::kv {

namespace {
constexpr std::uint64_t kNoChunk = ~std::uint64_t{0};
constexpr int kSizeClasses = std::countr_zero(Store::kMaxChunk) - std::countr_zero(Store::kMinChunk) + 1;
}  // namespace

Store::Store(const StoreLimits& limits, SipKey hash_key) : limits_(limits), hash_key_(hash_key) {
  if (limits.max_keys == 0 || limits.max_keys > (1u << 28)) {
    throw Error(EINVAL, "kv max keys must be 1.." + std::to_string(1u << 28) + " (got " +
                            std::to_string(limits.max_keys) + ")");
  }
  if (limits.max_memory < kMaxChunk || limits.max_memory > (1ull << 40)) {
    throw Error(EINVAL, "kv max memory must be 64 KiB..1 TiB (got " + std::to_string(limits.max_memory) + " bytes)");
  }
  // At most 3/4 full, so probes stay short.
  const std::size_t capacity = std::bit_ceil(static_cast<std::size_t>(limits.max_keys) * 4 / 3 + 1);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  arena_.reset(new std::uint8_t[limits.max_memory]);  // not value-initialised: pages stay untouched
  free_heads_.assign(kSizeClasses, kNoChunk);
}

int Store::size_class_for(std::size_t bytes) {
  if (bytes > kMaxChunk) return -1;
  const std::size_t chunk = std::bit_ceil(bytes < kMinChunk ? kMinChunk : bytes);
  return std::countr_zero(chunk) - std::countr_zero(kMinChunk);
}

bool Store::take_chunk(std::uint8_t size_class, std::uint64_t& offset) {
  std::uint64_t& head = free_heads_[size_class];
  if (head != kNoChunk) {
    offset = head;
    std::memcpy(&head, arena_.get() + offset, sizeof head);  // the next free chunk of this size
    return true;
  }
  const std::uint64_t chunk = kMinChunk << size_class;
  if (limits_.max_memory - carved_ < chunk) return false;
  offset = carved_;
  carved_ += chunk;
  return true;
}

void Store::give_chunk(std::uint8_t size_class, std::uint64_t offset) {
  std::memcpy(arena_.get() + offset, &free_heads_[size_class], sizeof(std::uint64_t));
  free_heads_[size_class] = offset;
}

long Store::locate(std::span<const std::uint8_t> key, std::uint64_t hash, std::size_t& insert_at) const {
  for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (!slot.used) {
      insert_at = i;
      return kAbsent;
    }
    if (slot.hash == hash && slot.key_length == key.size() &&
        (key.empty() || std::memcmp(arena_.get() + slot.offset, key.data(), key.size()) == 0)) {
      return static_cast<long>(i);
    }
  }
}

long Store::find(std::span<const std::uint8_t> key, Instant now) {
  std::size_t unused = 0;
  const long slot = locate(key, hash_of(key), unused);
  if (slot == kAbsent) return kAbsent;
  if (slots_[static_cast<std::size_t>(slot)].expires <= now) {
    erase(slot);
    expired_ += 1;
    return kAbsent;
  }
  return slot;
}

std::span<const std::uint8_t> Store::value(long slot) const {
  const Slot& s = slots_[static_cast<std::size_t>(slot)];
  return {arena_.get() + s.offset + s.key_length, s.value_length};
}

StoreStatus Store::put(std::span<const std::uint8_t> key, std::span<const std::uint8_t> value, Instant expires,
                       Instant now) {
  const int size_class = size_class_for(key.size() + value.size());
  if (size_class < 0) return StoreStatus::too_large;
  const std::uint64_t hash = hash_of(key);
  std::size_t insert_at = 0;
  long existing = locate(key, hash, insert_at);
  if (existing != kAbsent && slots_[static_cast<std::size_t>(existing)].expires <= now) {
    erase(existing);  // an expired key is replaced like an absent one
    expired_ += 1;
    existing = locate(key, hash, insert_at);
  }
  if (existing != kAbsent) {
    Slot& slot = slots_[static_cast<std::size_t>(existing)];
    if (slot.size_class != size_class) {
      std::uint64_t offset = 0;
      if (!take_chunk(static_cast<std::uint8_t>(size_class), offset)) return StoreStatus::out_of_memory;
      give_chunk(slot.size_class, slot.offset);
      std::memcpy(arena_.get() + offset, key.data(), key.size());
      slot.offset = offset;
      slot.size_class = static_cast<std::uint8_t>(size_class);
    }
    if (!value.empty()) std::memmove(arena_.get() + slot.offset + key.size(), value.data(), value.size());
    live_bytes_ = live_bytes_ - slot.value_length + value.size();
    slot.value_length = static_cast<std::uint32_t>(value.size());
    slot.expires = expires;
    return StoreStatus::ok;
  }
  if (count_ == limits_.max_keys) return StoreStatus::out_of_memory;
  std::uint64_t offset = 0;
  if (!take_chunk(static_cast<std::uint8_t>(size_class), offset)) return StoreStatus::out_of_memory;
  if (!key.empty()) std::memcpy(arena_.get() + offset, key.data(), key.size());
  if (!value.empty()) std::memcpy(arena_.get() + offset + key.size(), value.data(), value.size());
  slots_[insert_at] = {hash, offset, static_cast<std::uint32_t>(key.size()), static_cast<std::uint32_t>(value.size()),
                       expires, static_cast<std::uint8_t>(size_class), true};
  count_ += 1;
  live_bytes_ += key.size() + value.size();
  return StoreStatus::ok;
}

void Store::erase(long at) {
  auto hole = static_cast<std::size_t>(at);
  Slot& gone = slots_[hole];
  give_chunk(gone.size_class, gone.offset);
  live_bytes_ -= gone.key_length + gone.value_length;
  count_ -= 1;
  // Backward-shift deletion: pull later entries of the probe run into the hole, so lookups never
  // need tombstones.
  for (std::size_t next = (hole + 1) & mask_; slots_[next].used; next = (next + 1) & mask_) {
    const std::size_t home = slots_[next].hash & mask_;
    // The entry may move to the hole when its home is not in the cyclic range (hole, next].
    const bool home_between = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (!home_between) {
      slots_[hole] = slots_[next];
      hole = next;
    }
  }
  slots_[hole].used = false;
}

void Store::clear() {
  for (Slot& slot : slots_) slot.used = false;
  free_heads_.assign(free_heads_.size(), kNoChunk);
  carved_ = 0;
  live_bytes_ = 0;
  count_ = 0;
}

std::size_t Store::expire_some(Instant now, std::size_t budget) {
  std::size_t removed = 0;
  for (std::size_t looked = 0; looked < budget && count_ > 0; ++looked) {
    Slot& slot = slots_[sweep_cursor_];
    if (slot.used && slot.expires <= now) {
      erase(static_cast<long>(sweep_cursor_));
      removed += 1;
      continue;  // a later entry may have shifted into this slot: look at it again
    }
    sweep_cursor_ = (sweep_cursor_ + 1) & mask_;
  }
  expired_ += removed;
  return removed;
}

}  // namespace sluice::apps::kv

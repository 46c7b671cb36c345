#pragma once
// The key space: string keys to string values with optional expiry, in memory reserved once.
//
// How memory is bounded (both limits are set at start and never grow):
// - keys: an open-addressing hash table with room for max_keys entries (sized to stay at most 3/4
//   full); a new key beyond max_keys is refused with out_of_memory.
// - bytes: one arena of max_memory bytes holds each entry's key and value side by side, in chunks of
//   power-of-two sizes (32 B .. 64 KiB). Freed chunks go to a free list per size and are reused by
//   entries of that size; a chunk is carved from the arena only when its list is empty, and when the
//   arena is used up the write is refused with out_of_memory (Redis's -OOM). Nothing is evicted.
// The arena is allocated without being touched, so unused capacity costs address space, not RAM.
// After start, no operation allocates.
//
// Expiry is lazy (an expired key is removed when it is looked up) plus expire_some(), which a
// caller runs a little of every iteration so that keys nobody reads again give their memory back.
// Time is always passed in.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "util/siphash.hpp"
#include "util/time.hpp"

namespace sluice::apps::kv {

struct StoreLimits {
  std::uint32_t max_keys = 65536;
  std::uint64_t max_memory = 64ull << 20;
};

enum class StoreStatus { ok, out_of_memory, too_large };

class Store {
 public:
  static constexpr std::size_t kMinChunk = 32;
  static constexpr std::size_t kMaxChunk = 64 * 1024;  ///< largest key + value
  static constexpr long kAbsent = -1;

  /// Throws sluice::Error(EINVAL) for limits that cannot work (zero, or more than 2^28 keys / 1 TiB).
  Store(const StoreLimits& limits, SipKey hash_key);

  /// The slot of `key`, or kAbsent; an expired key is removed here and reported absent.
  long find(std::span<const std::uint8_t> key, Instant now);
  /// Sets `key` to `value` with the given expiry (Instant::never() for none), replacing any value.
  StoreStatus put(std::span<const std::uint8_t> key, std::span<const std::uint8_t> value, Instant expires,
                  Instant now);
  void erase(long slot);
  /// Removes every key.
  void clear();

  std::span<const std::uint8_t> value(long slot) const;
  Instant expires(long slot) const { return slots_[static_cast<std::size_t>(slot)].expires; }
  void set_expires(long slot, Instant at) { slots_[static_cast<std::size_t>(slot)].expires = at; }

  /// Looks at up to `budget` slots (resuming where the last call stopped) and removes expired keys.
  std::size_t expire_some(Instant now, std::size_t budget);

  std::size_t size() const { return count_; }
  std::uint64_t arena_used() const { return carved_; }
  std::uint64_t live_bytes() const { return live_bytes_; }
  const StoreLimits& limits() const { return limits_; }
  std::uint64_t expired() const { return expired_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint64_t offset = 0;  ///< of the chunk in the arena
    std::uint32_t key_length = 0;
    std::uint32_t value_length = 0;
    Instant expires = Instant::never();
    std::uint8_t size_class = 0;
    bool used = false;
  };

  std::uint64_t hash_of(std::span<const std::uint8_t> key) const { return siphash24(hash_key_, key); }
  long locate(std::span<const std::uint8_t> key, std::uint64_t hash, std::size_t& insert_at) const;
  bool take_chunk(std::uint8_t size_class, std::uint64_t& offset);
  void give_chunk(std::uint8_t size_class, std::uint64_t offset);
  static int size_class_for(std::size_t bytes);

  StoreLimits limits_;
  SipKey hash_key_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
  std::unique_ptr<std::uint8_t[]> arena_;
  std::uint64_t carved_ = 0;
  std::uint64_t live_bytes_ = 0;
  std::vector<std::uint64_t> free_heads_;  ///< per size class; kNoChunk when empty
  std::size_t sweep_cursor_ = 0;
  std::uint64_t expired_ = 0;
};

}  // namespace sluice::apps::kv

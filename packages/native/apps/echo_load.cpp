#include "apps/echo_load.hpp"

#include <cstring>

#include "wire/bytes.hpp"

namespace sluice::apps {

namespace {
void store_be64(std::uint8_t* p, std::uint64_t v) {
  wire::store_be32(p, static_cast<std::uint32_t>(v >> 32));
  wire::store_be32(p + 4, static_cast<std::uint32_t>(v));
}
std::uint64_t load_be64(const std::uint8_t* p) {
  return (std::uint64_t{wire::load_be32(p)} << 32) | wire::load_be32(p + 4);
}
}  // namespace

EchoLoad::EchoLoad(const EchoLoadOptions& options) : options_(options), slots_(options.window) {
  free_slots_.reserve(options.window);
  for (std::uint32_t i = options.window; i > 0; --i) free_slots_.push_back(i - 1);
}

void EchoLoad::begin(Instant now) {
  if (started_) return;
  started_ = true;
  start_ = now;
  measure_from_ = now + options_.warmup;
  end_ = measure_from_ + options_.duration;
  last_expire_scan_ = now;
}

// The payload carries the slot in its sequence number (sequence % window == slot), so a reply finds
// its request without a search, and a stale reply (slot reused) is told apart by the full number.
bool EchoLoad::next_request(Instant now, std::span<std::uint8_t> payload) {
  if (free_slots_.empty() || finished(now) || payload.size() < kStampSize) return false;
  const std::uint32_t slot_index = free_slots_.back();
  free_slots_.pop_back();
  std::uint64_t sequence = next_sequence_++;
  sequence += (slot_index + options_.window - sequence % options_.window) % options_.window;
  next_sequence_ = sequence + 1;
  slots_[slot_index] = {sequence, now, true};
  store_be64(payload.data(), sequence);
  store_be64(payload.data() + 8, now.nanos);
  ++result_.sent;
  return true;
}

void EchoLoad::on_reply(Instant now, std::span<const std::uint8_t> payload) {
  if (payload.size() < kStampSize) {
    ++result_.unexpected;
    return;
  }
  const std::uint64_t sequence = load_be64(payload.data());
  Slot& slot = slots_[sequence % options_.window];
  if (!slot.busy || slot.sequence != sequence) {
    ++result_.unexpected;
    return;
  }
  slot.busy = false;
  free_slots_.push_back(static_cast<std::uint32_t>(sequence % options_.window));
  if (slot.sent_at >= measure_from_ && now <= end_) {
    ++result_.round_trips;
    result_.rtt.record((now - slot.sent_at).nanos);
  }
}

void EchoLoad::expire(Instant now) {
  if (now - last_expire_scan_ < Duration::millis(5)) return;
  last_expire_scan_ = now;
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    if (slot.busy && now - slot.sent_at >= options_.loss_timeout) {
      slot.busy = false;
      free_slots_.push_back(i);
      if (slot.sent_at >= measure_from_) ++result_.lost;
    }
  }
}

EchoLoadResult EchoLoad::result() const {
  EchoLoadResult out = result_;
  out.seconds = static_cast<double>(options_.duration.nanos) / 1e9;
  return out;
}

}  // namespace sluice::apps

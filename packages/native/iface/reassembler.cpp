#include "iface/reassembler.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "wire/bytes.hpp"

namespace sluice::iface {

namespace {
constexpr std::size_t block = 8;
std::size_t blocks_for(std::size_t bytes) { return (bytes + block - 1) / block; }
}  // namespace

Reassembler::Reassembler(std::size_t slots, std::size_t max_datagram, Duration timeout)
    : slots_(slots),
      max_payload_(max_datagram - wire::Ipv4Packet::min_header_len),
      bitmap_words_((blocks_for(max_payload_) + 63) / 64),
      timeout_(timeout),
      storage_(slots * max_payload_),
      bitmaps_(slots * bitmap_words_) {}

int Reassembler::find_or_claim(Instant now, const wire::Ipv4Packet& fragment) {
  int free_slot = -1;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Slot& slot = slots_[i];
    if (slot.state == State::assembling && slot.identification == fragment.identification() &&
        slot.source == fragment.source() && slot.destination == fragment.destination() &&
        slot.protocol == fragment.protocol()) {
      return static_cast<int>(i);
    }
    if (slot.state == State::free && free_slot < 0) free_slot = static_cast<int>(i);
  }
  if (free_slot < 0) return -1;
  Slot& slot = slots_[free_slot];
  slot = Slot{};
  slot.state = State::assembling;
  slot.source = fragment.source();
  slot.destination = fragment.destination();
  slot.identification = fragment.identification();
  slot.protocol = fragment.protocol();
  slot.deadline = now + timeout_;
  std::fill_n(bitmap(free_slot), bitmap_words_, 0);
  return free_slot;
}

std::size_t Reassembler::count_received(int slot, std::size_t first, std::size_t last) {
  const std::uint64_t* bits = bitmap(slot);
  std::size_t count = 0;
  while (first < last) {
    const std::size_t in_word = std::min<std::size_t>(64 - first % 64, last - first);
    const std::uint64_t mask = in_word == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << in_word) - 1) << (first % 64);
    count += static_cast<std::size_t>(std::popcount(bits[first / 64] & mask));
    first += in_word;
  }
  return count;
}

void Reassembler::mark_received(int slot, std::size_t first, std::size_t last) {
  std::uint64_t* bits = bitmap(slot);
  for (std::size_t b = first; b < last; ++b) bits[b / 64] |= std::uint64_t{1} << (b % 64);
}

bool Reassembler::all_received(int slot, std::size_t blocks) { return count_received(slot, 0, blocks) == blocks; }

Reassembler::Result Reassembler::add(Instant now, const wire::Ipv4Packet& fragment, const wire::MacAddress& peer_mac,
                                     int& slot_out) {
  const std::span<const std::uint8_t> bytes = fragment.payload();
  const std::size_t offset = fragment.fragment_offset();
  const std::size_t end = offset + bytes.size();
  const bool last = !fragment.more_fragments();
  if (!last && (bytes.empty() || bytes.size() % block != 0)) return Result::malformed;

  const int slot = find_or_claim(now, fragment);
  if (slot < 0) return Result::no_slot;
  Slot& state = slots_[slot];
  auto discard = [&](Result why) {
    release(slot);
    return why;
  };

  if (end > max_payload_) return discard(Result::too_big);
  const std::size_t first_block = offset / block;
  const std::size_t end_block = blocks_for(end);
  if (last) {
    if (state.have_last && state.payload_len != end) return discard(Result::malformed);
    // Anything already received beyond the end contradicts this fragment.
    if (count_received(slot, end_block, blocks_for(max_payload_)) != 0) return discard(Result::malformed);
  } else if (state.have_last && end > state.payload_len) {
    return discard(Result::malformed);
  }

  const std::size_t already = count_received(slot, first_block, end_block);
  if (already != 0) {
    const bool same_bytes = already == end_block - first_block &&
                            std::memcmp(data(slot) + offset, bytes.data(), bytes.size()) == 0;
    if (!same_bytes) return discard(Result::overlap);
    state.peer_mac = peer_mac;
    return Result::duplicate;
  }

  std::memcpy(data(slot) + offset, bytes.data(), bytes.size());
  mark_received(slot, first_block, end_block);
  if (last) {
    state.have_last = true;
    state.payload_len = static_cast<std::uint32_t>(end);
  }
  if (offset == 0) {
    state.have_first = true;
    std::copy_n(fragment.header().begin(), wire::Ipv4Packet::min_header_len, state.header.begin());
  }
  state.peer_mac = peer_mac;
  if (!state.have_first || !state.have_last || !all_received(slot, blocks_for(state.payload_len))) {
    return Result::incomplete;
  }
  finish(slot);
  slot_out = slot;
  return Result::complete;
}

void Reassembler::finish(int slot) {
  Slot& state = slots_[slot];
  state.state = State::complete;
  std::uint8_t* h = state.header.data();
  h[0] = 0x45;
  wire::store_be16(h + 2, static_cast<std::uint16_t>(wire::Ipv4Packet::min_header_len + state.payload_len));
  wire::store_be16(h + 6, 0);
  wire::fill_ipv4_header_checksum(state.header);
}

std::span<std::uint8_t> Reassembler::header(int slot) { return slots_[slot].header; }

std::span<std::uint8_t> Reassembler::payload(int slot) { return {data(slot), slots_[slot].payload_len}; }

std::span<std::uint8_t> Reassembler::payload_capacity(int slot) { return {data(slot), max_payload_}; }

void Reassembler::release(int slot) { slots_[slot].state = State::free; }

std::size_t Reassembler::expire(Instant now) {
  std::size_t expired = 0;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].state == State::assembling && slots_[i].deadline <= now) {
      release(static_cast<int>(i));
      ++expired;
    }
  }
  return expired;
}

Instant Reassembler::next_deadline() const {
  Instant earliest = Instant::never();
  for (const Slot& slot : slots_) {
    if (slot.state == State::assembling) earliest = std::min(earliest, slot.deadline);
  }
  return earliest;
}

std::size_t Reassembler::slots_in_use() const {
  return static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const Slot& slot) { return slot.state != State::free; }));
}

}  // namespace sluice::iface

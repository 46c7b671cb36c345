#pragma once
// IPv4 reassembly (RFC 791 / RFC 815) in fixed memory: a set number of slots, each with room for
// the largest datagram allowed and a bitmap of received 8-byte blocks, all allocated up front.
//
// Overlap policy (as Linux since 4.19, and RFC 5722 for IPv6): a fragment that repeats bytes we
// already hold, byte for byte, is dropped as a duplicate; any other overlap drops the whole
// datagram, so conflicting overlaps can never be used to smuggle different bytes past a filter.
// The timer starts at the first fragment and is not extended by later ones.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "util/time.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"

namespace sluice::iface {

class Reassembler {
 public:
  enum class Result {
    incomplete,  ///< fragment stored, datagram still has holes
    complete,    ///< `slot` holds the whole datagram; release(slot) when done with it
    duplicate,   ///< fragment ignored, datagram intact
    overlap,     ///< conflicting overlap: datagram discarded
    too_big,     ///< fragment ends beyond the slot size: datagram discarded
    malformed,   ///< non-last fragment not a multiple of 8, or inconsistent end: datagram discarded
    no_slot,     ///< every slot busy: fragment dropped
  };

  /// `max_datagram` is the largest total IP length (20-byte header + payload) reassembled.
  Reassembler(std::size_t slots, std::size_t max_datagram, Duration timeout);

  /// Adds a fragment (is_fragment() must be true). `peer_mac` is its link-layer source, kept so a
  /// reply can go straight back. On `complete`, `slot` names the finished datagram.
  Result add(Instant now, const wire::Ipv4Packet& fragment, const wire::MacAddress& peer_mac, int& slot);

  /// Of a complete slot: a 20-byte header describing the whole datagram (options of the first
  /// fragment dropped, total length set, fragment fields cleared, checksum valid).
  std::span<std::uint8_t> header(int slot);
  std::span<std::uint8_t> payload(int slot);
  /// Room for the payload, for replies written in place.
  std::span<std::uint8_t> payload_capacity(int slot);
  const wire::MacAddress& peer_mac(int slot) const { return slots_[slot].peer_mac; }

  void release(int slot);
  /// Frees slots whose timer ran out; returns how many datagrams were given up.
  std::size_t expire(Instant now);
  Instant next_deadline() const;
  std::size_t slots_in_use() const;
  std::size_t slot_count() const { return slots_.size(); }

 private:
  enum class State : std::uint8_t { free, assembling, complete };
  struct Slot {
    State state = State::free;
    wire::Ipv4Address source;
    wire::Ipv4Address destination;
    std::uint16_t identification = 0;
    std::uint8_t protocol = 0;
    bool have_first = false;
    bool have_last = false;
    std::uint32_t payload_len = 0;  ///< known once the last fragment arrived
    Instant deadline;
    wire::MacAddress peer_mac;
    std::array<std::uint8_t, wire::Ipv4Packet::min_header_len> header{};
  };

  int find_or_claim(Instant now, const wire::Ipv4Packet& fragment);
  std::uint8_t* data(int slot) { return storage_.data() + static_cast<std::size_t>(slot) * max_payload_; }
  std::uint64_t* bitmap(int slot) { return bitmaps_.data() + static_cast<std::size_t>(slot) * bitmap_words_; }
  /// Number of blocks in [first, last) already received.
  std::size_t count_received(int slot, std::size_t first, std::size_t last);
  void mark_received(int slot, std::size_t first, std::size_t last);
  bool all_received(int slot, std::size_t blocks);
  void finish(int slot);

  std::vector<Slot> slots_;
  std::size_t max_payload_;
  std::size_t bitmap_words_;
  Duration timeout_;
  std::vector<std::uint8_t> storage_;
  std::vector<std::uint64_t> bitmaps_;
};

}  // namespace sluice::iface

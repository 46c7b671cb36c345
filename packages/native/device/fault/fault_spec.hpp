#pragma once
// What a FaultDevice does to frames, and the text form the CLI takes:
//   drop=P,dup=P,reorder=P,corrupt=P,seed=N[,reorder_gap=K][,reorder_hold_ms=M][,dir=rx|tx|both]
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::device::fault {

enum class FaultDirections { receive, transmit, both };

struct FaultSpec {
  double drop = 0;       ///< per-frame probability the frame is released instead of passed on
  double duplicate = 0;  ///< ... that a copy follows it
  double reorder = 0;    ///< ... that it is held back behind later frames
  double corrupt = 0;    ///< ... that one bit past the Ethernet header is flipped
  std::uint64_t seed = 1;
  std::uint32_t reorder_gap = 1;       ///< a held frame leaves after this many later frames
  std::uint32_t reorder_hold_ms = 10;  ///< ... or after this long, whichever comes first
  FaultDirections directions = FaultDirections::both;

  bool any() const { return drop > 0 || duplicate > 0 || reorder > 0 || corrupt > 0; }
};

/// Parses the text form; throws sluice::Error(EINVAL) naming the offending key or value.
FaultSpec parse_fault_spec(std::string_view text);

/// The text form of a spec, every key spelled out; parse_fault_spec(to_string(s)) == s.
std::string to_string(const FaultSpec& spec);

}  // namespace sluice::device::fault

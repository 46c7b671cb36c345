#include <gtest/gtest.h>

#include <array>
#include <numeric>

#include "util/siphash.hpp"

using namespace sluice;

namespace {
// The key 00 01 .. 0f of the SipHash paper's test vectors, as two little-endian words.
const SipKey paper_key{0x0706050403020100u, 0x0f0e0d0c0b0a0908u};
}  // namespace

TEST(SipHash, MatchesThePaperVectors) {
  std::array<std::uint8_t, 15> message{};
  std::iota(message.begin(), message.end(), 0);
  EXPECT_EQ(siphash24(paper_key, message), 0xa129ca6149be45e5u) << "appendix A: 15-byte message";
  EXPECT_EQ(siphash24(paper_key, {}), 0x726fdb47dd0e0e31u) << "vector 0: empty message";
  EXPECT_EQ(siphash24(paper_key, std::span(message).first(8)), 0x93f5f5799a932462u) << "vector 8: one whole word";
}

TEST(SipHash, DerivedKeysDifferByPurposeAndSeed) {
  const SipKey a = derive_sip_key(1, 1);
  const SipKey b = derive_sip_key(1, 2);
  const SipKey c = derive_sip_key(2, 1);
  EXPECT_NE(a.k0, b.k0);
  EXPECT_NE(a.k0, c.k0);
  EXPECT_EQ(derive_sip_key(1, 1).k1, a.k1) << "deterministic";
}

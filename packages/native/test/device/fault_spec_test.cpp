#include <gtest/gtest.h>

#include <string>

#include "device/fault/fault_spec.hpp"
#include "util/error.hpp"

using sluice::device::fault::FaultDirections;
using sluice::device::fault::parse_fault_spec;
using sluice::device::fault::to_string;

TEST(FaultSpec, ParsesTheCliForm) {
  const auto spec = parse_fault_spec("drop=0.05,dup=0.01,reorder=0.2,corrupt=0.001,seed=18446744073709551615");
  EXPECT_DOUBLE_EQ(spec.drop, 0.05);
  EXPECT_DOUBLE_EQ(spec.duplicate, 0.01);
  EXPECT_DOUBLE_EQ(spec.reorder, 0.2);
  EXPECT_DOUBLE_EQ(spec.corrupt, 0.001);
  EXPECT_EQ(spec.seed, 18446744073709551615u);
  EXPECT_EQ(spec.reorder_gap, 1u);
  EXPECT_EQ(spec.reorder_hold_ms, 10u);
  EXPECT_EQ(spec.directions, FaultDirections::both);
  EXPECT_TRUE(spec.any());
}

TEST(FaultSpec, ParsesOptionalKeysInAnyOrder) {
  const auto spec = parse_fault_spec("dir=rx,reorder_hold_ms=250,reorder_gap=3,seed=0,drop=1,corrupt=0");
  EXPECT_EQ(spec.directions, FaultDirections::receive);
  EXPECT_EQ(spec.reorder_hold_ms, 250u);
  EXPECT_EQ(spec.reorder_gap, 3u);
  EXPECT_EQ(spec.seed, 0u);
  EXPECT_EQ(spec.drop, 1.0);
  EXPECT_EQ(parse_fault_spec("dir=tx").directions, FaultDirections::transmit);
  EXPECT_FALSE(parse_fault_spec("seed=5").any());
}

TEST(FaultSpec, PrintsAFormThatParsesBackToTheSameSpec) {
  const auto spec = parse_fault_spec("drop=0.1,dup=0.3333333333333333,reorder=1e-05,seed=77,reorder_gap=2,dir=tx");
  EXPECT_EQ(to_string(spec),
            "drop=0.1,dup=0.3333333333333333,reorder=1e-05,corrupt=0,seed=77,reorder_gap=2,reorder_hold_ms=10,dir=tx");
  const auto again = parse_fault_spec(to_string(spec));
  EXPECT_EQ(again.drop, spec.drop);
  EXPECT_EQ(again.duplicate, spec.duplicate);
  EXPECT_EQ(again.reorder, spec.reorder);
  EXPECT_EQ(again.seed, spec.seed);
  EXPECT_EQ(again.directions, spec.directions);
}

TEST(FaultSpec, RejectsEachMalformedFormNamingTheCause) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "fault spec is empty; expected e.g. drop=0.01,dup=0.001,reorder=0.01,corrupt=0.001,seed=42"},
      {"drop", "fault spec item \"drop\" has no value; expected key=value as in drop=0.01,dup=0.001,reorder=0.01,corrupt=0.001,seed=42"},
      {"drop=0.1,", "fault spec ends with a comma; remove it or add a key=value after it"},
      {"drop=0.1,,seed=1", "fault spec item \"\" has no value; expected key=value as in drop=0.01,dup=0.001,reorder=0.01,corrupt=0.001,seed=42"},
      {"drop=1.5", "fault spec drop=\"1.5\" is not a probability in [0, 1]"},
      {"dup=-0.1", "fault spec dup=\"-0.1\" is not a probability in [0, 1]"},
      {"reorder=abc", "fault spec reorder=\"abc\" is not a probability in [0, 1]"},
      {"corrupt=0.1x", "fault spec corrupt=\"0.1x\" is not a probability in [0, 1]"},
      {"drop=nan", "fault spec drop=\"nan\" is not a probability in [0, 1]"},
      {"drop=", "fault spec drop=\"\" is not a probability in [0, 1]"},
      {"seed=-1", "fault spec seed=\"-1\" is not an unsigned 64-bit integer"},
      {"seed=1.5", "fault spec seed=\"1.5\" is not an unsigned 64-bit integer"},
      {"seed=18446744073709551616", "fault spec seed=\"18446744073709551616\" is not an unsigned 64-bit integer"},
      {"seed=", "fault spec seed=\"\" is not an unsigned 64-bit integer"},
      {"reorder_gap=0", "fault spec reorder_gap=\"0\" is not an integer in [1, 64]"},
      {"reorder_gap=65", "fault spec reorder_gap=\"65\" is not an integer in [1, 64]"},
      {"reorder_hold_ms=0", "fault spec reorder_hold_ms=\"0\" is not an integer in [1, 60000]"},
      {"dir=up", "fault spec dir=\"up\" is not one of rx, tx, both"},
      {"dorp=0.1", "fault spec key \"dorp\" is unknown; known keys: drop, dup, reorder, corrupt, seed, reorder_gap, reorder_hold_ms, dir"},
      {"DROP=0.1", "fault spec key \"DROP\" is unknown; known keys: drop, dup, reorder, corrupt, seed, reorder_gap, reorder_hold_ms, dir"},
      {"drop=0.1,seed=2,drop=0.2", "fault spec key \"drop\" is given twice"},
  };
  for (const auto& [text, message] : cases) {
    try {
      parse_fault_spec(text);
      ADD_FAILURE() << "accepted \"" << text << "\"";
    } catch (const sluice::Error& e) {
      EXPECT_EQ(e.code(), EINVAL) << text;
      EXPECT_EQ(std::string(e.what()), message) << text;
    }
  }
}

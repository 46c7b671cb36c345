#include <gtest/gtest.h>

#include "socket/tcp/isn.hpp"

using namespace sluice;
using namespace sluice::socket::tcp;

namespace {
const FourTuple tuple{{wire::Ipv4Address::from_octets(198, 18, 0, 1), 80},
                      {wire::Ipv4Address::from_octets(198, 18, 0, 2), 40000}};
}

TEST(IsnGenerator, AdvancesWithTheFourMicrosecondClock) {
  const IsnGenerator isn(42);
  const std::uint32_t at_zero = isn.initial_sequence(Instant{}, tuple);
  EXPECT_EQ(isn.initial_sequence(Instant::from_micros(4), tuple), at_zero + 1);
  EXPECT_EQ(isn.initial_sequence(Instant::from_millis(1), tuple), at_zero + 250);
  EXPECT_EQ(isn.initial_sequence(Instant::from_micros(3), tuple), at_zero) << "ticks of 4 us";
}

TEST(IsnGenerator, DependsOnTheTupleAndTheKey) {
  const IsnGenerator isn(42);
  FourTuple other = tuple;
  other.remote.port = 40001;
  EXPECT_NE(isn.initial_sequence(Instant{}, tuple), isn.initial_sequence(Instant{}, other));
  EXPECT_NE(IsnGenerator(43).initial_sequence(Instant{}, tuple), isn.initial_sequence(Instant{}, tuple));
  EXPECT_EQ(IsnGenerator(42).initial_sequence(Instant{}, tuple), isn.initial_sequence(Instant{}, tuple));
  EXPECT_NE(isn.timestamp_offset(tuple), isn.timestamp_offset(other));
  EXPECT_NE(isn.timestamp_offset(tuple), isn.initial_sequence(Instant{}, tuple)) << "separate keys";
}

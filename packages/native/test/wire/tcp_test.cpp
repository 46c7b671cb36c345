#include <gtest/gtest.h>

#include "wire/fixtures.hpp"
#include "wire/tcp.hpp"
#include "wire/tcp_fixtures.hpp"

using namespace sluice::wire;
using namespace sluice::fixtures;

namespace {
const Ipv4Address peer = Ipv4Address::from_octets(198, 18, 0, 2);
const Ipv4Address host = Ipv4Address::from_octets(198, 18, 0, 1);

/// A 20-byte header (data offset 5 + extra words) followed by `options`, checksum not filled.
Bytes segment_with_options(const Bytes& options) {
  Bytes bytes = {0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0x10, 0x00, 0, 0, 0, 0};
  bytes[12] = static_cast<std::uint8_t>((5 + options.size() / 4) << 4);
  bytes.insert(bytes.end(), options.begin(), options.end());
  return bytes;
}

TcpParseError parse_error(Bytes bytes) {
  TcpParseError error = TcpParseError::none;
  EXPECT_FALSE(TcpSegment::parse(bytes, &error).has_value());
  return error;
}
}  // namespace

TEST(TcpSegment, ParsesSynFixture) {
  Bytes bytes = tcp_syn;
  const auto tcp = TcpSegment::parse(bytes);
  ASSERT_TRUE(tcp.has_value());
  EXPECT_EQ(tcp->source_port(), 40000);
  EXPECT_EQ(tcp->destination_port(), 80);
  EXPECT_EQ(tcp->sequence(), 0x01020304u);
  EXPECT_EQ(tcp->acknowledgment(), 0u);
  EXPECT_EQ(tcp->header_len(), 40u);
  EXPECT_EQ(tcp->flags(), tcp_flags::syn);
  EXPECT_TRUE(tcp->syn());
  EXPECT_FALSE(tcp->ack());
  EXPECT_EQ(tcp->window(), 64240);
  EXPECT_EQ(tcp->checksum(), 0x7483);
  EXPECT_EQ(tcp->payload().size(), 0u);
  EXPECT_EQ(tcp->sequence_length(), 1u) << "SYN occupies one sequence number";
  const TcpOptions options = tcp->options();
  EXPECT_TRUE(options.has_mss);
  EXPECT_EQ(options.mss, 1460);
  EXPECT_TRUE(options.sack_permitted);
  EXPECT_TRUE(options.has_timestamps);
  EXPECT_EQ(options.ts_value, 0xabcdu);
  EXPECT_EQ(options.ts_echo_reply, 0u);
  EXPECT_TRUE(options.has_window_scale);
  EXPECT_EQ(options.window_scale, 7);
  EXPECT_EQ(options.sack_block_count, 0);
  EXPECT_EQ(tcp->judge_checksum(peer, host, ChecksumPolicy::verify), ChecksumVerdict::valid);
}

TEST(TcpSegment, ParsesDataAndSackFixtures) {
  Bytes data = tcp_data_hello;
  const auto hello = TcpSegment::parse(data);
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->flags(), tcp_flags::ack | tcp_flags::psh);
  EXPECT_EQ(hello->acknowledgment(), 0xa0b0c0d1u);
  EXPECT_EQ(Bytes(hello->payload().begin(), hello->payload().end()), Bytes({'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(hello->sequence_length(), 5u);
  const TcpOptions hello_options = hello->options();
  EXPECT_FALSE(hello_options.has_mss);
  EXPECT_FALSE(hello_options.sack_permitted);
  EXPECT_TRUE(hello_options.has_timestamps);
  EXPECT_EQ(hello_options.ts_value, 0xabceu);
  EXPECT_EQ(hello_options.ts_echo_reply, 0x1000u);
  EXPECT_EQ(hello->judge_checksum(peer, host, ChecksumPolicy::verify), ChecksumVerdict::valid);

  Bytes sack = tcp_ack_with_sack;
  const auto ack = TcpSegment::parse(sack);
  ASSERT_TRUE(ack.has_value());
  const TcpOptions options = ack->options();
  ASSERT_EQ(options.sack_block_count, 2);
  EXPECT_EQ(options.sack_blocks[0], (SackBlock{0x01020400, 0x01020500}));
  EXPECT_EQ(options.sack_blocks[1], (SackBlock{0x01020600, 0x01020700}));
  EXPECT_EQ(options.ts_value, 0x1001u);
  EXPECT_EQ(ack->judge_checksum(host, peer, ChecksumPolicy::verify), ChecksumVerdict::valid);
}

TEST(TcpSegment, ChecksumCoversPseudoHeaderPayloadAndHonoursPolicies) {
  Bytes bytes = tcp_data_hello;
  bytes.back() ^= 0x01;
  const auto tcp = TcpSegment::parse(bytes);
  EXPECT_EQ(tcp->judge_checksum(peer, host, ChecksumPolicy::verify), ChecksumVerdict::invalid);
  EXPECT_EQ(tcp->judge_checksum(peer, host, ChecksumPolicy::skip), ChecksumVerdict::unchecked);
  Bytes good = tcp_data_hello;
  EXPECT_EQ(TcpSegment::parse(good)->judge_checksum(Ipv4Address::from_octets(198, 18, 0, 3), host,
                                                    ChecksumPolicy::verify),
            ChecksumVerdict::invalid)
      << "the pseudo-header covers the source address";

  // Offload leaves the folded, uncomplemented pseudo-header sum: 198.18.0.2 -> .1, proto 6, len 37.
  const std::uint32_t pseudo = 0xc612 + 0x0002 + 0xc612 + 0x0001 + 6 + 37;
  const std::uint16_t partial = static_cast<std::uint16_t>((pseudo & 0xffff) + (pseudo >> 16));
  Bytes offloaded = tcp_data_hello;
  offloaded[16] = static_cast<std::uint8_t>(partial >> 8);
  offloaded[17] = static_cast<std::uint8_t>(partial);
  const auto partial_tcp = TcpSegment::parse(offloaded);
  EXPECT_EQ(partial_tcp->judge_checksum(peer, host, ChecksumPolicy::accept_partial), ChecksumVerdict::partial);
  EXPECT_EQ(partial_tcp->judge_checksum(peer, host, ChecksumPolicy::verify), ChecksumVerdict::invalid);
}

TEST(TcpSegment, RejectsTruncatedAndBadDataOffset) {
  EXPECT_EQ(parse_error(Bytes(tcp_rst_ack.begin(), tcp_rst_ack.begin() + 19)), TcpParseError::truncated);
  Bytes low = tcp_rst_ack;
  low[12] = 0x40;  // 16 bytes of header
  EXPECT_EQ(parse_error(low), TcpParseError::bad_data_offset);
  Bytes high = tcp_syn;
  high[12] = 0xb0;  // 44 bytes of header in a 40-byte segment
  EXPECT_EQ(parse_error(high), TcpParseError::bad_data_offset);
}

TEST(TcpSegment, RejectsMalformedOptions) {
  EXPECT_EQ(parse_error(segment_with_options({2, 1, 0, 0})), TcpParseError::malformed_options) << "length below 2";
  EXPECT_EQ(parse_error(segment_with_options({1, 1, 30, 3})), TcpParseError::malformed_options)
      << "length runs past the header";
  EXPECT_EQ(parse_error(segment_with_options({1, 1, 1, 30})), TcpParseError::malformed_options)
      << "a kind byte with no room for its length";
  EXPECT_EQ(parse_error(segment_with_options({2, 3, 5, 0})), TcpParseError::malformed_options) << "MSS of length 3";
  EXPECT_EQ(parse_error(segment_with_options({3, 4, 7, 0})), TcpParseError::malformed_options) << "WS of length 4";
  EXPECT_EQ(parse_error(segment_with_options({4, 3, 0, 0})), TcpParseError::malformed_options)
      << "SACK-permitted of length 3";
  EXPECT_EQ(parse_error(segment_with_options({8, 8, 0, 0, 0, 0, 0, 0})), TcpParseError::malformed_options)
      << "timestamps of length 8";
  EXPECT_EQ(parse_error(segment_with_options({5, 6, 0, 0, 0, 0, 0, 0})), TcpParseError::malformed_options)
      << "SACK with no whole block";
  EXPECT_EQ(parse_error(segment_with_options({5, 14, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 1})),
            TcpParseError::malformed_options)
      << "SACK of 1.5 blocks";
}

TEST(TcpSegment, SkipsUnknownOptionsAndStopsAtEndOfList) {
  // Unknown kind 30 (length 4), MSS 1000, EOL, then bytes that would be malformed if read.
  Bytes bytes = segment_with_options({30, 4, 0xaa, 0xbb, 2, 4, 0x03, 0xe8, 0, 2, 1, 0});
  const auto tcp = TcpSegment::parse(bytes);
  ASSERT_TRUE(tcp.has_value());
  const TcpOptions options = tcp->options();
  EXPECT_TRUE(options.has_mss);
  EXPECT_EQ(options.mss, 1000);
  EXPECT_FALSE(options.has_timestamps);

  TcpOptionIterator iterator(tcp->option_bytes());
  TcpOption option;
  ASSERT_TRUE(iterator.next(option));
  EXPECT_EQ(option.kind, 30);
  EXPECT_EQ(Bytes(option.data.begin(), option.data.end()), Bytes({0xaa, 0xbb}));
  ASSERT_TRUE(iterator.next(option));
  EXPECT_EQ(option.kind, 2);
  EXPECT_FALSE(iterator.next(option));
  EXPECT_FALSE(iterator.malformed());
}

TEST(TcpSegment, FourSackBlocksFitWithoutTimestamps) {
  Bytes options = {1, 1, 5, 34};
  for (std::uint8_t i = 0; i < 8; ++i) options.insert(options.end(), {0, 0, i, 0});
  Bytes bytes = segment_with_options(options);
  const auto tcp = TcpSegment::parse(bytes);
  ASSERT_TRUE(tcp.has_value());
  const TcpOptions parsed = tcp->options();
  ASSERT_EQ(parsed.sack_block_count, 4);
  EXPECT_EQ(parsed.sack_blocks[3], (SackBlock{0x0600, 0x0700}));
}

TEST(TcpHeader, EmitReproducesSynAndSynAckFixtures) {
  TcpHeader syn;
  syn.source_port = 40000;
  syn.destination_port = 80;
  syn.sequence = 0x01020304;
  syn.flags = tcp_flags::syn;
  syn.window = 64240;
  syn.options.has_mss = true;
  syn.options.mss = 1460;
  syn.options.sack_permitted = true;
  syn.options.has_timestamps = true;
  syn.options.ts_value = 0xabcd;
  syn.options.has_window_scale = true;
  syn.options.window_scale = 7;
  EXPECT_EQ(syn.header_len(), 40u);
  Bytes out(40, 0xee);
  ASSERT_EQ(syn.emit(out), 40u);
  fill_tcp_checksum(out, peer, host);
  EXPECT_EQ(out, tcp_syn);

  TcpHeader syn_ack = syn;
  syn_ack.source_port = 80;
  syn_ack.destination_port = 40000;
  syn_ack.sequence = 0xa0b0c0d0;
  syn_ack.acknowledgment = 0x01020305;
  syn_ack.flags = tcp_flags::syn | tcp_flags::ack;
  syn_ack.window = 65160;
  syn_ack.options.ts_value = 0x1000;
  syn_ack.options.ts_echo_reply = 0xabcd;
  ASSERT_EQ(syn_ack.emit(out), 40u);
  fill_tcp_checksum(out, host, peer);
  EXPECT_EQ(out, tcp_syn_ack);
}

TEST(TcpHeader, EmitReproducesDataSackAndRstFixtures) {
  TcpHeader data;
  data.source_port = 40000;
  data.destination_port = 80;
  data.sequence = 0x01020305;
  data.acknowledgment = 0xa0b0c0d1;
  data.flags = tcp_flags::ack | tcp_flags::psh;
  data.window = 502;
  data.options.has_timestamps = true;
  data.options.ts_value = 0xabce;
  data.options.ts_echo_reply = 0x1000;
  Bytes out(37, 0xee);
  ASSERT_EQ(data.emit(out), 32u);
  std::copy_n("hello", 5, out.begin() + 32);
  fill_tcp_checksum(out, peer, host);
  EXPECT_EQ(out, tcp_data_hello);

  TcpHeader sack;
  sack.source_port = 80;
  sack.destination_port = 40000;
  sack.sequence = 0xa0b0c0d1;
  sack.acknowledgment = 0x0102030a;
  sack.flags = tcp_flags::ack;
  sack.window = 509;
  sack.options.has_timestamps = true;
  sack.options.ts_value = 0x1001;
  sack.options.ts_echo_reply = 0xabce;
  sack.options.sack_block_count = 2;
  sack.options.sack_blocks[0] = {0x01020400, 0x01020500};
  sack.options.sack_blocks[1] = {0x01020600, 0x01020700};
  Bytes sack_out(52, 0xee);
  ASSERT_EQ(sack.emit(sack_out), 52u);
  fill_tcp_checksum(sack_out, host, peer);
  EXPECT_EQ(sack_out, tcp_ack_with_sack);

  TcpHeader rst;
  rst.source_port = 80;
  rst.destination_port = 40000;
  rst.acknowledgment = 0x01020305;
  rst.flags = tcp_flags::rst | tcp_flags::ack;
  Bytes rst_out(20, 0xee);
  ASSERT_EQ(rst.emit(rst_out), 20u);
  fill_tcp_checksum(rst_out, host, peer);
  EXPECT_EQ(rst_out, tcp_rst_ack);
}

TEST(TcpHeader, EmitRefusesOptionsBeyondFortyBytesAndShortBuffers) {
  TcpHeader header;
  header.options.has_timestamps = true;
  header.options.sack_block_count = 4;  // 12 + 36 = 48 bytes
  Bytes out(80);
  EXPECT_EQ(header.emit(out), 0u);
  header.options.sack_block_count = 3;  // 12 + 28 = 40 bytes
  EXPECT_EQ(header.emit(out), 60u);
  EXPECT_EQ(header.emit(std::span(out).first(59)), 0u);
}

TEST(TcpHeader, EmittedOptionsParseBackToTheSameValues) {
  for (int mask = 0; mask < 32; ++mask) {
    TcpHeader header;
    header.options.has_mss = (mask & 1) != 0;
    header.options.mss = 8960;
    header.options.sack_permitted = (mask & 2) != 0;
    header.options.has_timestamps = (mask & 4) != 0;
    header.options.ts_value = 0xdeadbeef;
    header.options.ts_echo_reply = 0x01020304;
    header.options.has_window_scale = (mask & 8) != 0;
    header.options.window_scale = 14;
    header.options.sack_block_count = (mask & 16) != 0 ? 2 : 0;
    header.options.sack_blocks[0] = {1, 2};
    header.options.sack_blocks[1] = {0xfffffff0, 0x10};
    Bytes out(60);
    const std::size_t length = header.emit(out);
    ASSERT_EQ(length, header.header_len()) << "mask " << mask;
    ASSERT_EQ(length % 4, 0u);
    out.resize(length);
    const auto parsed = TcpSegment::parse(out);
    ASSERT_TRUE(parsed.has_value()) << "mask " << mask;
    TcpOptions expected = header.options;
    if (!expected.has_mss) expected.mss = 0;
    if (!expected.has_timestamps) expected.ts_value = expected.ts_echo_reply = 0;
    if (!expected.has_window_scale) expected.window_scale = 0;
    if (expected.sack_block_count == 0) expected.sack_blocks = {};
    EXPECT_EQ(parsed->options(), expected) << "mask " << mask;
  }
}

// What the LibOS's zero-copy UDP buffers save per round trip: a UDP echo between two LibOS hosts on
// the in-process sim wire, once with copies (libos.frame_budget 0: every push copied into a frame,
// every pop out of it) and once zero-copy (pops lend the frame, pushes send it), for 64- and
// 1472-byte datagrams, variants interleaved in one run. Both hosts run on this thread and the
// figure is thread CPU time per round trip, which other processes on a loaded machine disturb far
// less than throughput. The sim wire's own copies are the same in both variants. Prints JSON.
//
//   libos_copy_bench [--rounds N] [--repeats N]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "libos/config.hpp"
#include "libos/libos.hpp"
#include "libos/open.hpp"

using namespace sluice;

namespace {

libos::LibosConfig host(const std::string& ip, const std::string& wire, std::uint32_t frame_budget) {
  libos::LibosConfig config = libos::parse_config(
      R"({"backend": "sim", "ipv4": ")" + ip + R"(/24", "sim": {"wire": ")" + wire + R"("},
          "libos": {"max_queues": 16, "max_operations": 64, "buffer_count": 64}})",
      [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  config.libos.frame_budget = frame_budget;
  return config;
}

double thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

struct Result {
  double cpu_ns_per_round_trip = 0;
  std::uint64_t copied = 0;
  std::uint64_t zero_copy = 0;
  std::uint64_t failures = 0;
};

/// `rounds` echoes of `size` bytes: a sends from a fresh sga, b echoes the popped sga itself.
Result run(std::uint32_t frame_budget, std::size_t size, int rounds, int id) {
  const std::string wire = "copy-bench-" + std::to_string(id);
  auto a = libos::open_libos(host("198.18.0.1", wire, frame_budget));
  auto b = libos::open_libos(host("198.18.0.2", wire, frame_budget));
  const int server = b->socket(AF_INET, SOCK_DGRAM, 0);
  b->bind(server, {{}, 7});
  const int client = a->socket(AF_INET, SOCK_DGRAM, 0);
  a->bind(client, {{}, 9});
  const libos::Endpoint service{*wire::Ipv4Address::parse("198.18.0.2"), 7};
  const auto forever = libos::LibOS::kForever;
  Result result;
  // As an event loop runs: pushes are not waited for on their own but collected after the host's
  // next poll (a zero-copy push completes only once the device has sent its frame), so both
  // variants poll exactly as often.
  sl_qtoken_t echo_push = 0;
  sl_sga_t echoed{};
  auto collect = [&](libos::LibOS& os, sl_qtoken_t qt, sl_sga_t& sga) {
    sl_qresult_t r{};
    if (os.wait(qt, r, forever) != 0 || r.ret != 0) ++result.failures;
    os.sga_free(sga);
  };
  auto round_trip = [&] {
    sl_qresult_t r{};
    const sl_qtoken_t request = b->pop(server);
    const sl_qtoken_t reply = a->pop(client);
    sl_sga_t sga{};
    if (a->sga_alloc(size, sga) != 0) ++result.failures;
    std::memset(sga.segs[0].buf, 0x5a, sga.segs[0].len);
    const sl_qtoken_t push = a->push_to(client, sga, service);
    if (b->wait(request, r, forever) != 0 || r.ret != 0) ++result.failures;
    if (echo_push != 0) collect(*b, echo_push, echoed);  // the previous echo: b has polled since
    echoed = r.value.sga;
    const libos::Endpoint sender{wire::Ipv4Address{ntohl(echoed.addr.sin_addr.s_addr)}, ntohs(echoed.addr.sin_port)};
    echo_push = b->push_to(server, echoed, sender);
    if (a->wait(reply, r, forever) != 0 || r.ret != 0 || r.value.sga.segs[0].len != size) ++result.failures;
    a->sga_free(r.value.sga);
    collect(*a, push, sga);
  };
  for (int i = 0; i < 1000; ++i) round_trip();  // warm-up: ARP, caches
  const double start = thread_cpu_ns();
  for (int i = 0; i < rounds; ++i) round_trip();
  result.cpu_ns_per_round_trip = (thread_cpu_ns() - start) / rounds;
  collect(*b, echo_push, echoed);
  for (const auto* os : {a.get(), b.get()}) {
    result.copied += os->counters().udp_pushes_copied + os->counters().udp_pops_copied;
    result.zero_copy += os->counters().udp_pushes_zero_copy + os->counters().udp_pops_zero_copy;
  }
  return result;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 20000;
  int repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds") {
      rounds = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--repeats") {
      repeats = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "unknown flag %s (expected --rounds N, --repeats N)\n", flag.c_str());
      return 2;
    }
  }
  std::printf("{\"rounds\": %d, \"repeats\": %d, \"sizes\": [", rounds, repeats);
  int id = 0;
  const std::size_t sizes[] = {64, 1472};
  for (std::size_t s = 0; s < std::size(sizes); ++s) {
    std::vector<double> copy_ns;
    std::vector<double> zero_copy_ns;
    std::uint64_t failures = 0;
    Result copy;
    Result zero;
    for (int r = 0; r < repeats; ++r) {  // interleaved, so drift in machine load hits both alike
      copy = run(0, sizes[s], rounds, id++);
      zero = run(256, sizes[s], rounds, id++);
      copy_ns.push_back(copy.cpu_ns_per_round_trip);
      zero_copy_ns.push_back(zero.cpu_ns_per_round_trip);
      failures += copy.failures + zero.failures;
    }
    const double c = median(copy_ns);
    const double z = median(zero_copy_ns);
    std::printf(
        "%s{\"size\": %zu, \"copy_cpu_ns_per_round_trip\": %.1f, \"zero_copy_cpu_ns_per_round_trip\": %.1f, "
        "\"zero_copy_over_copy\": %.3f, \"copied_datagrams_in_copy_run\": %llu, \"copied_datagrams_in_zero_copy_run\": %llu, "
        "\"zero_copy_datagrams_in_zero_copy_run\": %llu, \"failures\": %llu}",
        s == 0 ? "" : ", ", sizes[s], c, z, z / c, static_cast<unsigned long long>(copy.copied),
        static_cast<unsigned long long>(zero.copied), static_cast<unsigned long long>(zero.zero_copy),
        static_cast<unsigned long long>(failures));
  }
  std::printf("]}\n");
  return 0;
}

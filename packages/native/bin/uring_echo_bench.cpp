// Round trips per second of a 64-byte echo on loopback, one request in flight, through the io_uring
// engine (libos/kernel) against the same echo on plain blocking kernel sockets, side by side in one
// run. The server runs on CPU 0, the blocking client on CPU 1. Writes JSON with the ratios.
//
//   uring_echo_bench [--rounds N] [--out bench/results/uring-echo.json]
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "libos/kernel/engine.hpp"
#include "libos/kernel/sockets.hpp"
#include "runtime/event_loop.hpp"

namespace kernel = sluice::libos::kernel;

namespace {

constexpr std::size_t kMessage = 64;
constexpr int kWarmup = 1000;

enum class Server { blocking, engine_sleeping, engine_busy };

const char* server_name(Server s) {
  switch (s) {
    case Server::blocking: return "blocking-sockets";
    case Server::engine_sleeping: return "uring-engine-wait";
    case Server::engine_busy: return "uring-engine-busy-poll";
  }
  return "?";
}

int blocking_socket(kernel::Transport transport) {
  const int fd = ::socket(AF_INET, (transport == kernel::Transport::tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  return fd;
}

// Blocking echo: `total` messages (UDP) or total * kMessage bytes (TCP), then return.
void blocking_echo(int fd, kernel::Transport transport, int total) {
  std::array<std::byte, 2048> buffer{};
  if (transport == kernel::Transport::udp) {
    for (int i = 0; i < total; ++i) {
      sockaddr_in from{};
      socklen_t length = sizeof(from);
      const ssize_t n = ::recvfrom(fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &length);
      if (n <= 0) return;
      ::sendto(fd, buffer.data(), static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), length);
    }
    return;
  }
  const int connection = ::accept(fd, nullptr, nullptr);
  for (std::size_t left = std::size_t(total) * kMessage; left > 0;) {
    const ssize_t n = ::recv(connection, buffer.data(), buffer.size(), 0);
    if (n <= 0) break;
    ::send(connection, buffer.data(), static_cast<std::size_t>(n), MSG_NOSIGNAL);
    left -= static_cast<std::size_t>(n);
  }
  ::close(connection);
}

// The same echo through the engine: a stream receive, each buffer sent back as is and released
// when its send completes.
void engine_echo(int fd, kernel::Transport transport, int total, bool busy) {
  kernel::Engine engine;
  std::array<kernel::Completion, 64> out{};
  auto harvest = [&]() {
    for (;;) {
      const std::size_t n = engine.poll(out);
      if (n > 0) return n;
      if (!busy) engine.wait(std::chrono::nanoseconds(-1));
    }
  };
  int connection = fd;
  if (transport == kernel::Transport::tcp) {
    engine.accept(fd, 1, kernel::Mode::once);
    for (bool accepted = false; !accepted;) {
      const std::size_t n = harvest();
      for (std::size_t i = 0; i < n; ++i) {
        if (out[i].op == kernel::Op::accept) {
          connection = out[i].result;
          accepted = true;
        }
      }
    }
    engine.recv(connection, 2, kernel::Mode::stream);
  } else {
    engine.recvfrom(fd, 2, kernel::Mode::stream);
  }
  constexpr std::uint64_t kSendBase = 1000;
  const std::size_t goal = std::size_t(total) * kMessage;
  std::size_t echoed = 0;
  while (echoed < goal) {
    const std::size_t n = harvest();
    for (std::size_t i = 0; i < n; ++i) {
      const kernel::Completion& c = out[i];
      if (c.token == 2) {
        if (c.result <= 0) return;
        if (transport == kernel::Transport::tcp) {
          engine.send(connection, c.data, kSendBase + c.buffer);
        } else {
          engine.sendto(connection, c.data, c.peer, kSendBase + c.buffer);
        }
      } else if (c.token >= kSendBase) {
        echoed += static_cast<std::size_t>(c.result > 0 ? c.result : 0);
        engine.release(static_cast<kernel::BufferId>(c.token - kSendBase));
      }
    }
  }
  engine.close(connection, 3);
  std::size_t closing = 0;
  while (closing == 0) {
    const std::size_t n = harvest();
    for (std::size_t i = 0; i < n; ++i) closing += out[i].token == 3 ? 1 : 0;
  }
  if (transport == kernel::Transport::tcp) ::close(fd);
}

// One configuration: returns round trips per second measured by the blocking client.
double measure(kernel::Transport transport, Server server, int rounds) {
  const int fd = blocking_socket(transport);
  if (transport == kernel::Transport::tcp) {
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  }
  const sockaddr_in any = kernel::ipv4(INADDR_LOOPBACK, 0);
  ::bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof(any));
  if (transport == kernel::Transport::tcp) ::listen(fd, 4);
  sockaddr_in address{};
  kernel::local_address(fd, address);
  const int total = kWarmup + rounds;

  std::thread echo([&] {
    sluice::runtime::pin_current_thread(0);
    if (server == Server::blocking) {
      blocking_echo(fd, transport, total);
    } else {
      engine_echo(fd, transport, total, server == Server::engine_busy);
    }
  });
  sluice::runtime::pin_current_thread(1);
  const int client = blocking_socket(transport);
  ::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  std::array<std::byte, kMessage> request{};
  std::array<std::byte, kMessage> reply{};
  auto round_trip = [&] {
    ::send(client, request.data(), request.size(), MSG_NOSIGNAL);
    for (std::size_t got = 0; got < reply.size();) {
      const ssize_t n = ::recv(client, reply.data() + got, reply.size() - got, 0);
      if (n <= 0) throw std::runtime_error("echo server went away");
      got += static_cast<std::size_t>(n);
    }
  };
  for (int i = 0; i < kWarmup; ++i) round_trip();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) round_trip();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  echo.join();
  ::close(client);
  if (transport == kernel::Transport::udp || server == Server::blocking) ::close(fd);
  return rounds / elapsed.count();
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 50000;
  std::string out_path = "bench/results/uring-echo.json";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::stoi(argv[++i]);
    } else if (arg == "--out" && i + 1 < argc) {
      out_path = argv[++i];
    } else {
      std::fprintf(stderr, "usage: uring_echo_bench [--rounds N] [--out PATH]\n");
      return 2;
    }
  }
  if (rounds <= 0) {
    std::fprintf(stderr, "--rounds must be positive\n");
    return 2;
  }
  const std::string features = kernel::Engine().features().describe();
  std::string json = "{\n  \"benchmark\": \"uring-echo\",\n  \"message_bytes\": 64,\n  \"in_flight\": 1,\n";
  json += "  \"rounds\": " + std::to_string(rounds) + ",\n  \"features\": \"" + features + "\",\n  \"results\": [\n";
  std::string ratios;
  bool first = true;
  for (const auto transport : {kernel::Transport::udp, kernel::Transport::tcp}) {
    const char* protocol = transport == kernel::Transport::udp ? "udp" : "tcp";
    double baseline = 0;
    for (const auto server : {Server::blocking, Server::engine_sleeping, Server::engine_busy}) {
      const double rate = measure(transport, server, rounds);
      if (server == Server::blocking) baseline = rate;
      std::printf("%s %-24s %10.0f round trips/s  (x%.2f of blocking sockets)\n", protocol, server_name(server),
                  rate, rate / baseline);
      json += std::string(first ? "" : ",\n") + "    {\"protocol\": \"" + protocol + "\", \"server\": \"" +
              server_name(server) + "\", \"round_trips_per_s\": " + std::to_string(rate) + "}";
      if (server != Server::blocking) {
        ratios += std::string(ratios.empty() ? "" : ",\n") + "    \"" + protocol + "/" + server_name(server) +
                  "\": " + std::to_string(rate / baseline);
      }
      first = false;
    }
  }
  json += "\n  ],\n  \"ratio_to_blocking_sockets\": {\n" + ratios + "\n  }\n}\n";
  const std::filesystem::path path(out_path);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << json;
  std::printf("wrote %s\n", out_path.c_str());
  return 0;
}

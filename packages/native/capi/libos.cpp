// The C ABI of sluice/libos.h over one process-wide LibOS: converts sockaddrs and timespecs,
// catches every exception at the boundary (a C caller cannot see one), keeps the last error text.
#include "sluice/libos.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "capi/process_libos.hpp"
#include "libos/open.hpp"
#include "util/error.hpp"

using sluice::Duration;
using sluice::libos::Endpoint;
using sluice::libos::LibOS;

namespace {

std::unique_ptr<LibOS> the_libos;
thread_local std::string last_error;

int fail(int errno_value, std::string message) {
  last_error = std::move(message);
  return -errno_value;
}

int endpoint_of(const struct sockaddr* addr, socklen_t length, Endpoint& out) {
  if (addr == nullptr || length < sizeof(sockaddr_in)) return -EINVAL;
  sockaddr_in in{};
  std::memcpy(&in, addr, sizeof in);
  if (in.sin_family != AF_INET) return -EAFNOSUPPORT;
  out.address.value = ntohl(in.sin_addr.s_addr);
  out.port = ntohs(in.sin_port);
  return 0;
}

int write_endpoint(const Endpoint& endpoint, struct sockaddr* addr, socklen_t* length) {
  if (addr == nullptr || length == nullptr) return -EINVAL;
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(endpoint.port);
  in.sin_addr.s_addr = htonl(endpoint.address.value);
  const socklen_t n = *length < sizeof in ? *length : static_cast<socklen_t>(sizeof in);
  std::memcpy(addr, &in, n);
  *length = sizeof in;
  return 0;
}

Duration duration_of(const struct timespec* timeout) {
  if (timeout == nullptr) return LibOS::kForever;
  if (timeout->tv_sec < 0 || timeout->tv_nsec < 0) return Duration{};
  return Duration{static_cast<std::uint64_t>(timeout->tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(timeout->tv_nsec)};
}

}  // namespace

namespace sluice::libos {
LibOS* process_libos() { return the_libos.get(); }
void abandon_process_libos() { static_cast<void>(the_libos.release()); }
}  // namespace sluice::libos

#define SL_REQUIRE_INIT() \
  if (!the_libos) return -ENXIO

extern "C" {

int sl_init(const char* config) {
  if (the_libos) return fail(EEXIST, "sl_init: the LibOS is already running (sl_fini first)");
  if (config == nullptr) return fail(EINVAL, "sl_init: config is NULL (give a JSON file path or JSON text)");
  try {
    the_libos = sluice::libos::open_libos(sluice::libos::load_config(config, sluice::libos::process_environment()));
    last_error.clear();
    return 0;
  } catch (const sluice::Error& e) {
    return fail(e.code(), e.what());
  } catch (const std::bad_alloc&) {
    return fail(ENOMEM, "sl_init: out of memory");
  } catch (const std::exception& e) {
    return fail(EIO, e.what());
  }
}

int sl_fini(void) {
  SL_REQUIRE_INIT();
  the_libos.reset();
  return 0;
}

const char* sl_last_error(void) { return last_error.c_str(); }

int sl_socket(int domain, int type, int protocol) {
  SL_REQUIRE_INIT();
  return the_libos->socket(domain, type, protocol);
}

int sl_bind(int qd, const struct sockaddr* addr, socklen_t addrlen) {
  SL_REQUIRE_INIT();
  Endpoint local;
  if (const int rc = endpoint_of(addr, addrlen, local); rc < 0) return rc;
  return the_libos->bind(qd, local);
}

int sl_listen(int qd, int backlog) {
  SL_REQUIRE_INIT();
  return the_libos->listen(qd, backlog);
}

int sl_close(int qd) {
  SL_REQUIRE_INIT();
  return the_libos->close(qd);
}

int sl_setsockopt(int qd, int level, int optname, const void* optval, socklen_t optlen) {
  SL_REQUIRE_INIT();
  return the_libos->set_option(qd, level, optname, optval, optlen);
}

int sl_getsockopt(int qd, int level, int optname, void* optval, socklen_t* optlen) {
  SL_REQUIRE_INIT();
  return the_libos->get_option(qd, level, optname, optval, optlen);
}

int sl_getsockname(int qd, struct sockaddr* addr, socklen_t* addrlen) {
  SL_REQUIRE_INIT();
  Endpoint endpoint;
  if (const int rc = the_libos->local_endpoint(qd, endpoint); rc < 0) return rc;
  return write_endpoint(endpoint, addr, addrlen);
}

int sl_getpeername(int qd, struct sockaddr* addr, socklen_t* addrlen) {
  SL_REQUIRE_INIT();
  Endpoint endpoint;
  if (const int rc = the_libos->peer_endpoint(qd, endpoint); rc < 0) return rc;
  return write_endpoint(endpoint, addr, addrlen);
}

sl_qtoken_t sl_accept(int qd) {
  SL_REQUIRE_INIT();
  return the_libos->accept(qd);
}

sl_qtoken_t sl_connect(int qd, const struct sockaddr* addr, socklen_t addrlen) {
  SL_REQUIRE_INIT();
  Endpoint remote;
  if (const int rc = endpoint_of(addr, addrlen, remote); rc < 0) return rc;
  return the_libos->connect(qd, remote);
}

sl_qtoken_t sl_push(int qd, const sl_sga_t* sga) {
  SL_REQUIRE_INIT();
  if (sga == nullptr) return -EINVAL;
  return the_libos->push(qd, *sga);
}

sl_qtoken_t sl_pushto(int qd, const sl_sga_t* sga, const struct sockaddr* addr, socklen_t addrlen) {
  SL_REQUIRE_INIT();
  if (sga == nullptr) return -EINVAL;
  Endpoint to;
  if (const int rc = endpoint_of(addr, addrlen, to); rc < 0) return rc;
  return the_libos->push_to(qd, *sga, to);
}

sl_qtoken_t sl_pop(int qd) {
  SL_REQUIRE_INIT();
  return the_libos->pop(qd);
}

int sl_wait(sl_qtoken_t qt, sl_qresult_t* result, const struct timespec* timeout) {
  SL_REQUIRE_INIT();
  if (result == nullptr) return -EINVAL;
  return the_libos->wait(qt, *result, duration_of(timeout));
}

int sl_wait_any(const sl_qtoken_t* qts, int n, sl_qresult_t* result, int* index, const struct timespec* timeout) {
  SL_REQUIRE_INIT();
  if (qts == nullptr || n <= 0 || result == nullptr || index == nullptr) return -EINVAL;
  return the_libos->wait_any({qts, static_cast<std::size_t>(n)}, *result, *index, duration_of(timeout));
}

int sl_wait_next_n(sl_qresult_t* results, int n, const struct timespec* timeout) {
  SL_REQUIRE_INIT();
  if (results == nullptr || n <= 0) return -EINVAL;
  return the_libos->wait_next_n({results, static_cast<std::size_t>(n)}, duration_of(timeout));
}

int sl_sga_alloc(size_t size, sl_sga_t* sga) {
  SL_REQUIRE_INIT();
  if (sga == nullptr) return -EINVAL;
  return the_libos->sga_alloc(size, *sga);
}

int sl_sga_free(sl_sga_t* sga) {
  SL_REQUIRE_INIT();
  if (sga == nullptr) return -EINVAL;
  return the_libos->sga_free(*sga);
}

int sl_poll(int budget) {
  SL_REQUIRE_INIT();
  return the_libos->poll(budget > 0 ? static_cast<std::size_t>(budget) : 0);
}

int sl_wait_fd(void) {
  SL_REQUIRE_INIT();
  return the_libos->wait_fd();
}

int sl_next_timeout_ms(void) {
  SL_REQUIRE_INIT();
  return the_libos->next_timeout_ms();
}

}  // extern "C"

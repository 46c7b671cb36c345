// Binding for the LibOS queue API (libos/libos.hpp): one JS object per LibOS instance (several may
// share a sim wire in one process). Thin: converts arguments, turns -errno into JS errors with an
// errno `code`, and lends pool buffers to JS as external ArrayBuffers. Ergonomics (promises, the
// event-loop driver, typed results) live in @sluice/libos (packages/libos/src/queue/).
//
// Conventions:
//  - qtokens are BigInts (the slot's generation sits in the upper 32 bits, past a double's 53).
//    harvest() reports them split in two exact numbers (slot, generation), so the hot path creates
//    no BigInt per completion.
//  - IPv4 addresses are host-order uint32 numbers; ports numbers.
//  - A buffer lent to JS (a pop's single segment, or sgaAlloc) is an external ArrayBuffer over pool
//    memory. release() frees it and detaches the ArrayBuffer, so a later access sees length 0 and a
//    second release() throws EALREADY; a forgotten buffer is freed when the ArrayBuffer is
//    collected; close() detaches every buffer still lent before the pool memory goes away.
#include <napi.h>
#include <netinet/tcp.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "addon/convert.hpp"
#include "addon/libos_binding.hpp"
#include "libos/open.hpp"
#include "util/error.hpp"

namespace sluice::addon {

namespace {

using libos::Endpoint;
using libos::LibOS;

/// Values per completion in the harvest array: opcode, qd, slot, generation, ret, a, b, c.
constexpr std::uint32_t kResultStride = 8;
constexpr std::uint32_t kHarvestCapacity = 256;

[[noreturn]] void throw_errno(Napi::Env env, int errno_value, const std::string& what) {
  Napi::Error error = Napi::Error::New(env, what + ": " + std::strerror(errno_value));
  // Every errno the LibOS documents by name (EALREADY, ECANCELED, ...), not only errno_name()'s few.
  const char* name = strerrorname_np(errno_value);
  error.Set("code", name != nullptr ? name : "EIO");
  error.Set("errno", Napi::Number::New(env, errno_value));
  throw error;
}

int int_arg(const Napi::CallbackInfo& info, std::size_t index, const char* name) {
  if (index >= info.Length() || !info[index].IsNumber()) throw_invalid(info.Env(), std::string(name) + " must be a number");
  return info[index].As<Napi::Number>().Int32Value();
}

Endpoint endpoint_arg(const Napi::CallbackInfo& info, std::size_t index) {
  if (index + 1 >= info.Length() || !info[index].IsNumber() || !info[index + 1].IsNumber()) {
    throw_invalid(info.Env(), "an address is two numbers: host-order IPv4 and port");
  }
  const double ip = info[index].As<Napi::Number>().DoubleValue();
  const double port = info[index + 1].As<Napi::Number>().DoubleValue();
  if (ip < 0 || ip > 4294967295.0 || port < 0 || port > 65535) throw_invalid(info.Env(), "address out of range");
  Endpoint endpoint;
  endpoint.address.value = static_cast<std::uint32_t>(ip);
  endpoint.port = static_cast<std::uint16_t>(port);
  return endpoint;
}

Napi::Object endpoint_to_js(Napi::Env env, const Endpoint& endpoint) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("ip", Napi::Number::New(env, endpoint.address.value));
  out.Set("port", Napi::Number::New(env, endpoint.port));
  return out;
}

std::uint32_t endpoint_ip(const sockaddr_in& addr) { return ntohl(addr.sin_addr.s_addr); }

class LibosWrap;

/// Marks NativeLibos objects, so libos_of() can tell them from other wrapped objects.
constexpr napi_type_tag kLibosTag{0x5a1c3e0d6b2f4a11ull, 0x9e8d7c6b5a493827ull};

/// One pool buffer lent to JS. Lives until its ArrayBuffer is collected (the finalizer deletes it).
struct Lent {
  LibosWrap* owner = nullptr;  ///< nullptr once released or the LibOS closed
  sl_sga_t sga{};
  std::uint32_t capacity = 0;  ///< bytes of the single segment
  napi_ref weak = nullptr;     ///< to detach the ArrayBuffer on close
  Lent* previous = nullptr;
  Lent* next = nullptr;
};

class LibosWrap : public Napi::ObjectWrap<LibosWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeLibos",
                       {
                           InstanceMethod("backend", &LibosWrap::Backend),
                           InstanceMethod("socket", &LibosWrap::Socket),
                           InstanceMethod("bind", &LibosWrap::Bind),
                           InstanceMethod("listen", &LibosWrap::Listen),
                           InstanceMethod("closeQueue", &LibosWrap::CloseQueue),
                           InstanceMethod("setsockopt", &LibosWrap::SetOption),
                           InstanceMethod("getsockopt", &LibosWrap::GetOption),
                           InstanceMethod("getsockname", &LibosWrap::GetSockName),
                           InstanceMethod("getpeername", &LibosWrap::GetPeerName),
                           InstanceMethod("accept", &LibosWrap::Accept),
                           InstanceMethod("connect", &LibosWrap::Connect),
                           InstanceMethod("pop", &LibosWrap::Pop),
                           InstanceMethod("push", &LibosWrap::Push),
                           InstanceMethod("pushto", &LibosWrap::PushTo),
                           InstanceMethod("sgaAlloc", &LibosWrap::SgaAlloc),
                           InstanceMethod("release", &LibosWrap::Release),
                           InstanceMethod("harvest", &LibosWrap::Harvest),
                           InstanceMethod("waitFd", &LibosWrap::WaitFd),
                           InstanceMethod("nextTimeoutMs", &LibosWrap::NextTimeoutMs),
                           InstanceMethod("watch", &LibosWrap::Watch),
                           InstanceMethod("unwatch", &LibosWrap::Unwatch),
                           InstanceMethod("counters", &LibosWrap::Counters),
                           InstanceMethod("close", &LibosWrap::Close),
                       });
  }

  explicit LibosWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LibosWrap>(info) {
    const Napi::Env env = info.Env();
    if (info.Length() != 1 || !info[0].IsString()) throw_invalid(env, "NativeLibos expects the configuration: JSON text or a file path");
    try {
      libos_ = libos::open_libos(libos::load_config(info[0].As<Napi::String>().Utf8Value(), libos::process_environment()));
    } catch (...) {
      rethrow_as_js(env);
    }
    results_.resize(kHarvestCapacity);
    napi_type_tag_object(env, info.This(), &kLibosTag);
  }

  ~LibosWrap() override {
    stop_watching();
    // Collected without close(): buffers still lent point into the pool, so the pool must outlive
    // them. Leak the LibOS rather than let an ArrayBuffer read freed memory.
    if (lent_ != nullptr) {
      for (Lent* lent = lent_; lent != nullptr; lent = lent->next) lent->owner = nullptr;
      (void)libos_.release();
    }
  }

  /// The ArrayBuffer finalizer of a lent buffer: gives a forgotten buffer back to the pool.
  static void finalize_lent(napi_env env, void* /*data*/, void* hint) {
    auto* lent = static_cast<Lent*>(hint);
    if (lent->owner != nullptr) lent->owner->forget(env, *lent, true);
    delete lent;
  }

 public:
  /// The LibOS while open, for other bindings (nullptr once closed).
  LibOS* get() { return libos_.get(); }

 private:
  LibOS& libos(Napi::Env env) {
    if (!libos_) throw_errno(env, ENXIO, "the LibOS is closed");
    return *libos_;
  }

  int check(Napi::Env env, int ret, const char* call) {
    if (ret < 0) throw_errno(env, -ret, call);
    return ret;
  }

  Napi::Value token(Napi::Env env, sl_qtoken_t qt, const char* call) {
    if (qt < 0) throw_errno(env, static_cast<int>(-qt), call);
    return Napi::BigInt::New(env, static_cast<std::int64_t>(qt));
  }

  Napi::Value Backend(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), std::string(libos(info.Env()).provider().backend()));
  }

  Napi::Value Socket(const Napi::CallbackInfo& info) {
    const int type = int_arg(info, 0, "type");
    return Napi::Number::New(info.Env(), check(info.Env(), libos(info.Env()).socket(AF_INET, type, 0), "socket"));
  }

  Napi::Value Bind(const Napi::CallbackInfo& info) {
    const int qd = int_arg(info, 0, "qd");
    check(info.Env(), libos(info.Env()).bind(qd, endpoint_arg(info, 1)), "bind");
    return info.Env().Undefined();
  }

  Napi::Value Listen(const Napi::CallbackInfo& info) {
    check(info.Env(), libos(info.Env()).listen(int_arg(info, 0, "qd"), int_arg(info, 1, "backlog")), "listen");
    return info.Env().Undefined();
  }

  Napi::Value CloseQueue(const Napi::CallbackInfo& info) {
    check(info.Env(), libos(info.Env()).close(int_arg(info, 0, "qd")), "close");
    return info.Env().Undefined();
  }

  // Options are integers (SO_LINGER: -1 off, else seconds) or, for TCP_CONGESTION, a string.
  Napi::Value SetOption(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    const int qd = int_arg(info, 0, "qd");
    const int level = int_arg(info, 1, "level");
    const int name = int_arg(info, 2, "name");
    if (info.Length() > 3 && info[3].IsString()) {
      const std::string text = info[3].As<Napi::String>().Utf8Value();
      check(env, libos(env).set_option(qd, level, name, text.c_str(), static_cast<std::uint32_t>(text.size() + 1)), "setsockopt");
    } else if (level == SOL_SOCKET && name == SO_LINGER) {
      const int seconds = int_arg(info, 3, "value");
      const linger value{seconds >= 0 ? 1 : 0, seconds >= 0 ? seconds : 0};
      check(env, libos(env).set_option(qd, level, name, &value, sizeof value), "setsockopt");
    } else {
      const int value = int_arg(info, 3, "value");
      check(env, libos(env).set_option(qd, level, name, &value, sizeof value), "setsockopt");
    }
    return env.Undefined();
  }

  Napi::Value GetOption(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    const int qd = int_arg(info, 0, "qd");
    const int level = int_arg(info, 1, "level");
    const int name = int_arg(info, 2, "name");
    if (level == SOL_SOCKET && name == SO_LINGER) {
      linger value{};
      std::uint32_t length = sizeof value;
      check(env, libos(env).get_option(qd, level, name, &value, &length), "getsockopt");
      return Napi::Number::New(env, value.l_onoff ? value.l_linger : -1);
    }
    char buffer[32] = {};
    std::uint32_t length = sizeof buffer;
    check(env, libos(env).get_option(qd, level, name, buffer, &length), "getsockopt");
    if (level == IPPROTO_TCP && name == TCP_CONGESTION) return Napi::String::New(env, buffer);
    int value = 0;
    std::memcpy(&value, buffer, sizeof value);
    return Napi::Number::New(env, value);
  }

  Napi::Value GetSockName(const Napi::CallbackInfo& info) {
    Endpoint endpoint;
    check(info.Env(), libos(info.Env()).local_endpoint(int_arg(info, 0, "qd"), endpoint), "getsockname");
    return endpoint_to_js(info.Env(), endpoint);
  }

  Napi::Value GetPeerName(const Napi::CallbackInfo& info) {
    Endpoint endpoint;
    check(info.Env(), libos(info.Env()).peer_endpoint(int_arg(info, 0, "qd"), endpoint), "getpeername");
    return endpoint_to_js(info.Env(), endpoint);
  }

  Napi::Value Accept(const Napi::CallbackInfo& info) {
    return token(info.Env(), libos(info.Env()).accept(int_arg(info, 0, "qd")), "accept");
  }

  Napi::Value Connect(const Napi::CallbackInfo& info) {
    return token(info.Env(), libos(info.Env()).connect(int_arg(info, 0, "qd"), endpoint_arg(info, 1)), "connect");
  }

  Napi::Value Pop(const Napi::CallbackInfo& info) {
    return token(info.Env(), libos(info.Env()).pop(int_arg(info, 0, "qd")), "pop");
  }

  /// The lent buffer behind an ArrayBuffer from pop or sgaAlloc; throws for anything else.
  Lent& lent_arg(const Napi::CallbackInfo& info, std::size_t index, const char* call) {
    const Napi::Env env = info.Env();
    if (index >= info.Length() || !info[index].IsArrayBuffer()) throw_invalid(env, std::string(call) + ": expects a LibOS buffer");
    Lent* lent = lent_of(env, info[index]);
    if (lent == nullptr) throw_invalid(env, std::string(call) + ": not a LibOS buffer (use sgaAlloc or a popped buffer)");
    if (lent->owner != this) throw_errno(env, EALREADY, std::string(call) + ": the buffer was released");
    return *lent;
  }

  static Lent* lent_of(napi_env env, napi_value buffer) {
    void* data = nullptr;
    if (napi_unwrap(env, buffer, &data) != napi_ok) return nullptr;
    return static_cast<Lent*>(data);
  }

  /// push(qd, bytes: Uint8Array[, ip, port]): zero-copy when `bytes` starts a LibOS buffer (the
  /// buffer is the stack's until the push completes), else copied into an sga the binding owns
  /// and frees when the push completes.
  Napi::Value push_bytes(const Napi::CallbackInfo& info, bool to) {
    const Napi::Env env = info.Env();
    const char* call = to ? "pushto" : "push";
    const int qd = int_arg(info, 0, "qd");
    if (info.Length() < 2 || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw_invalid(env, std::string(call) + ": expects a Uint8Array");
    }
    const auto bytes = info[1].As<Napi::Uint8Array>();
    const Endpoint remote = to ? endpoint_arg(info, 2) : Endpoint{};
    LibOS& os = libos(env);
    Lent* lent = lent_of(env, bytes.ArrayBuffer());
    if (lent != nullptr) {
      if (lent->owner != this) throw_errno(env, EALREADY, std::string(call) + ": the buffer was released");
      if (bytes.ByteOffset() == 0 && bytes.ByteLength() <= lent->capacity) {
        sl_sga_t sga = lent->sga;
        sga.segs[0].len = static_cast<std::uint32_t>(bytes.ByteLength());
        return token(env, to ? os.push_to(qd, sga, remote) : os.push(qd, sga), call);
      }
    }
    sl_sga_t sga{};
    check(env, os.sga_alloc(bytes.ByteLength(), sga), call);
    std::size_t offset = 0;
    for (std::uint32_t i = 0; i < sga.numsegs; ++i) {
      std::memcpy(sga.segs[i].buf, bytes.Data() + offset, sga.segs[i].len);
      offset += sga.segs[i].len;
    }
    const sl_qtoken_t qt = to ? os.push_to(qd, sga, remote) : os.push(qd, sga);
    if (qt < 0) {
      os.sga_free(sga);
      throw_errno(env, static_cast<int>(-qt), call);
    }
    const std::uint32_t slot = static_cast<std::uint32_t>(qt) - 1;
    if (slot >= owned_pushes_.size()) owned_pushes_.resize(slot + 1);
    owned_pushes_[slot] = sga;
    return Napi::BigInt::New(env, static_cast<std::int64_t>(qt));
  }

  Napi::Value Push(const Napi::CallbackInfo& info) { return push_bytes(info, false); }
  Napi::Value PushTo(const Napi::CallbackInfo& info) { return push_bytes(info, true); }

  /// Lends `sga` (one segment) to JS as an external ArrayBuffer.
  Napi::ArrayBuffer lend(Napi::Env env, const sl_sga_t& sga, std::uint32_t length) {
    auto* lent = new Lent{this, sga, sga.segs[0].len, nullptr, nullptr, lent_};
    lent->sga.segs[0].len = lent->capacity;
    napi_value buffer = nullptr;
    if (napi_create_external_arraybuffer(env, sga.segs[0].buf, length, nullptr, nullptr, &buffer) != napi_ok ||
        napi_wrap(env, buffer, lent, finalize_lent, lent, nullptr) != napi_ok ||
        napi_create_reference(env, buffer, 0, &lent->weak) != napi_ok) {
      delete lent;
      throw Napi::Error::New(env, "cannot lend a LibOS buffer to JS");
    }
    if (lent_ != nullptr) lent_->previous = lent;
    lent_ = lent;
    return Napi::ArrayBuffer(env, buffer);
  }

  /// Unlinks `lent` from this LibOS; `give_back` returns its buffer to the pool.
  void forget(napi_env env, Lent& lent, bool give_back) {
    if (give_back && libos_) libos_->sga_free(lent.sga);
    if (lent.previous != nullptr) lent.previous->next = lent.next;
    if (lent.next != nullptr) lent.next->previous = lent.previous;
    if (lent_ == &lent) lent_ = lent.next;
    lent.previous = lent.next = nullptr;
    lent.owner = nullptr;
    if (lent.weak != nullptr) napi_delete_reference(env, lent.weak);
    lent.weak = nullptr;
  }

  void detach(napi_env env, Lent& lent) {
    napi_value buffer = nullptr;
    if (lent.weak != nullptr && napi_get_reference_value(env, lent.weak, &buffer) == napi_ok && buffer != nullptr) {
      napi_detach_arraybuffer(env, buffer);
    }
  }

  Napi::Value SgaAlloc(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    const int size = int_arg(info, 0, "size");
    if (size <= 0) throw_errno(env, EINVAL, "sgaAlloc: size must be at least 1");
    sl_sga_t sga{};
    check(env, libos(env).sga_alloc(static_cast<std::size_t>(size), sga), "sgaAlloc");
    if (sga.numsegs != 1) {
      libos_->sga_free(sga);
      throw_errno(env, EMSGSIZE,
                  "sgaAlloc: at most " + std::to_string(libos_->buffers().buffer_size()) +
                      " bytes fit one zero-copy buffer (pushCopy sends larger messages)");
    }
    return lend(env, sga, sga.segs[0].len);
  }

  Napi::Value Release(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    Lent& lent = lent_arg(info, 0, "release");
    const int ret = libos(env).sga_free(lent.sga);
    if (ret < 0) throw_errno(env, -ret, "release");
    detach(env, lent);
    forget(env, lent, false);
    return env.Undefined();
  }

  /// harvest(budget, waitNs, results: Float64Array, buffers: Array): one poll, then every result
  /// that is ready (waiting up to waitNs for the first; virtual time on sim). Returns the count.
  Napi::Value Harvest(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    LibOS& os = libos(env);
    const int budget = int_arg(info, 0, "budget");
    const double wait_ns = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
    if (info.Length() < 4 || !info[2].IsTypedArray() || !info[3].IsArray()) throw_invalid(env, "harvest expects (budget, waitNs, Float64Array, Array)");
    auto out = info[2].As<Napi::Float64Array>();
    auto buffers = info[3].As<Napi::Array>();
    const std::size_t capacity = std::min<std::size_t>(results_.size(), out.ElementLength() / kResultStride);
    check(env, os.poll(static_cast<std::size_t>(budget > 0 ? budget : 0)), "poll");
    int count = os.wait_next_n({results_.data(), capacity}, sluice::Duration{static_cast<std::uint64_t>(wait_ns > 0 ? wait_ns : 0)});
    if (count == -ETIMEDOUT || count == -EDEADLK) return Napi::Number::New(env, 0);
    check(env, count, "poll");
    double* values = out.Data();
    for (int i = 0; i < count; ++i) {
      sl_qresult_t& result = results_[i];
      double* v = values + static_cast<std::size_t>(i) * kResultStride;
      const auto qt = static_cast<std::uint64_t>(result.qt);
      v[0] = result.opcode;
      v[1] = result.qd;
      v[2] = static_cast<double>(qt & 0xffffffffu);
      v[3] = static_cast<double>(qt >> 32);
      v[4] = result.ret;
      v[5] = v[6] = v[7] = 0;
      if (result.ret < 0) continue;
      switch (result.opcode) {
        case SL_OPC_ACCEPT:
          v[5] = result.value.accepted.qd;
          v[6] = endpoint_ip(result.value.accepted.addr);
          v[7] = ntohs(result.value.accepted.addr.sin_port);
          break;
        case SL_OPC_POP:
          v[5] = static_cast<double>(libos::SgaPool::length(result.value.sga));
          v[6] = endpoint_ip(result.value.sga.addr);
          v[7] = ntohs(result.value.sga.addr.sin_port);
          buffers.Set(static_cast<std::uint32_t>(i), popped(env, result.value.sga));
          break;
        case SL_OPC_PUSH:
        case SL_OPC_PUSHTO: {
          const std::uint32_t slot = static_cast<std::uint32_t>(qt & 0xffffffffu) - 1;
          if (slot < owned_pushes_.size() && owned_pushes_[slot].handle == result.value.sga.handle &&
              owned_pushes_[slot].handle != 0) {
            os.sga_free(owned_pushes_[slot]);
            owned_pushes_[slot].handle = 0;
          }
          break;
        }
        default:
          break;
      }
    }
    // Failed pushes come back too: their owned sga is the application's (ours) again.
    for (int i = 0; i < count; ++i) {
      const sl_qresult_t& result = results_[i];
      if (result.ret >= 0 || (result.opcode != SL_OPC_PUSH && result.opcode != SL_OPC_PUSHTO)) continue;
      const std::uint32_t slot = static_cast<std::uint32_t>(static_cast<std::uint64_t>(result.qt) & 0xffffffffu) - 1;
      if (slot < owned_pushes_.size() && owned_pushes_[slot].handle != 0) {
        os.sga_free(owned_pushes_[slot]);
        owned_pushes_[slot].handle = 0;
      }
    }
    return Napi::Number::New(env, count);
  }

  /// A popped sga for JS: one segment is lent zero-copy; several (a datagram larger than one pool
  /// buffer) are gathered into a fresh ArrayBuffer and the sga freed; none (end of stream) is null.
  Napi::Value popped(Napi::Env env, sl_sga_t& sga) {
    if (sga.numsegs == 0) {
      if (sga.handle != 0) libos_->sga_free(sga);
      return env.Null();
    }
    if (sga.numsegs == 1) return lend(env, sga, sga.segs[0].len);
    const std::size_t length = libos::SgaPool::length(sga);
    Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, length);
    std::size_t offset = 0;
    for (std::uint32_t s = 0; s < sga.numsegs; ++s) {
      std::memcpy(static_cast<std::uint8_t*>(copy.Data()) + offset, sga.segs[s].buf, sga.segs[s].len);
      offset += sga.segs[s].len;
    }
    libos_->sga_free(sga);
    return copy;
  }

  /// The LibOS's counters (copies and zero-copy frames included), read outside the data path.
  Napi::Value Counters(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    const LibOS& os = libos(env);
    const libos::LibosCounters& c = os.counters();
    Napi::Object out = Napi::Object::New(env);
    out.Set("polls", Napi::Number::New(env, static_cast<double>(c.polls)));
    out.Set("completions", Napi::Number::New(env, static_cast<double>(c.completions)));
    out.Set("udpPushesZeroCopy", Napi::Number::New(env, static_cast<double>(c.udp_pushes_zero_copy)));
    out.Set("udpPushesCopied", Napi::Number::New(env, static_cast<double>(c.udp_pushes_copied)));
    out.Set("udpPopsZeroCopy", Napi::Number::New(env, static_cast<double>(c.udp_pops_zero_copy)));
    out.Set("udpPopsCopied", Napi::Number::New(env, static_cast<double>(c.udp_pops_copied)));
    out.Set("frameBudgetFallbacks", Napi::Number::New(env, static_cast<double>(c.frame_budget_fallbacks)));
    out.Set("framesHeld", Napi::Number::New(env, static_cast<double>(os.frames_held())));
    out.Set("frameBudget", Napi::Number::New(env, static_cast<double>(os.frame_budget())));
    return out;
  }

  Napi::Value WaitFd(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), check(info.Env(), libos(info.Env()).wait_fd(), "waitFd"));
  }

  Napi::Value NextTimeoutMs(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), libos(info.Env()).next_timeout_ms());
  }

  /// watch(callback, keepAlive): calls `callback` once when the wait descriptor becomes readable
  /// (through libuv, no thread, no spinning). keepAlive false lets the process exit meanwhile.
  Napi::Value Watch(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    const int fd = check(env, libos(env).wait_fd(), "waitFd");
    if (info.Length() < 1 || !info[0].IsFunction()) throw_invalid(env, "watch expects a callback");
    on_readable_ = Napi::Persistent(info[0].As<Napi::Function>());
    if (watcher_ == nullptr) {
      uv_loop_t* loop = nullptr;
      if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no libuv loop");
      watcher_ = new uv_poll_t;
      const int ret = uv_poll_init(loop, watcher_, fd);
      if (ret != 0) {
        delete watcher_;
        watcher_ = nullptr;
        throw_errno(env, -ret, "watch");
      }
      watcher_->data = this;
    }
    uv_poll_start(watcher_, UV_READABLE, [](uv_poll_t* handle, int, int) {
      auto* self = static_cast<LibosWrap*>(handle->data);
      uv_poll_stop(handle);
      Napi::Env env = self->on_readable_.Env();
      Napi::HandleScope scope(env);
      try {
        self->on_readable_.MakeCallback(self->Value(), {});
      } catch (const Napi::Error& error) {
        napi_fatal_exception(env, error.Value());  // an uncaughtException, as from any callback
      }
    });
    if (info.Length() > 1 && info[1].ToBoolean()) {
      uv_ref(reinterpret_cast<uv_handle_t*>(watcher_));
    } else {
      uv_unref(reinterpret_cast<uv_handle_t*>(watcher_));
    }
    return env.Undefined();
  }

  Napi::Value Unwatch(const Napi::CallbackInfo& info) {
    if (watcher_ != nullptr) uv_poll_stop(watcher_);
    return info.Env().Undefined();
  }

  void stop_watching() {
    if (watcher_ == nullptr) return;
    uv_poll_stop(watcher_);
    uv_close(reinterpret_cast<uv_handle_t*>(watcher_), [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    watcher_ = nullptr;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    if (!libos_) return env.Undefined();
    stop_watching();
    while (lent_ != nullptr) {
      Lent& lent = *lent_;
      detach(env, lent);
      forget(env, lent, false);
    }
    libos_.reset();
    on_readable_.Reset();
    return env.Undefined();
  }

  std::unique_ptr<LibOS> libos_;
  std::vector<sl_qresult_t> results_;
  std::vector<sl_sga_t> owned_pushes_;  ///< by operation slot: copies the binding pushed
  Lent* lent_ = nullptr;                ///< buffers lent to JS, newest first
  uv_poll_t* watcher_ = nullptr;
  Napi::FunctionReference on_readable_;
};

}  // namespace

libos::LibOS* libos_of(Napi::Value value) {
  if (!value.IsObject()) return nullptr;
  const Napi::Object object = value.As<Napi::Object>();
  const Napi::Env env = value.Env();
  // Unwrap would take any wrapped object for a LibosWrap: check the tag the constructor set.
  bool tagged = false;
  if (napi_check_object_type_tag(env, object, &kLibosTag, &tagged) != napi_ok || !tagged) return nullptr;
  return LibosWrap::Unwrap(object)->get();
}

void register_libos_binding(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeLibos", LibosWrap::Define(env));
  Napi::Object constants = Napi::Object::New(env);
  constants.Set("SOCK_STREAM", Napi::Number::New(env, SOCK_STREAM));
  constants.Set("SOCK_DGRAM", Napi::Number::New(env, SOCK_DGRAM));
  constants.Set("SOL_SOCKET", Napi::Number::New(env, SOL_SOCKET));
  constants.Set("IPPROTO_TCP", Napi::Number::New(env, IPPROTO_TCP));
  constants.Set("SO_KEEPALIVE", Napi::Number::New(env, SO_KEEPALIVE));
  constants.Set("SO_LINGER", Napi::Number::New(env, SO_LINGER));
  constants.Set("SO_REUSEADDR", Napi::Number::New(env, SO_REUSEADDR));
  constants.Set("SO_SNDBUF", Napi::Number::New(env, SO_SNDBUF));
  constants.Set("SO_RCVBUF", Napi::Number::New(env, SO_RCVBUF));
  constants.Set("TCP_NODELAY", Napi::Number::New(env, TCP_NODELAY));
  constants.Set("TCP_CONGESTION", Napi::Number::New(env, TCP_CONGESTION));
  exports.Set("libosConstants", constants);
}

}  // namespace sluice::addon

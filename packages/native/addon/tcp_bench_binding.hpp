#pragma once
#include <napi.h>

namespace sluice::addon {
/// runTcpEchoBench and runTcpStreamBench: the TCP load clients, on a Sluice instance or kernel sockets.
void register_tcp_bench_binding(Napi::Env env, Napi::Object exports);
}

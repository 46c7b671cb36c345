// The progress thread: runs the stack while the application is outside intercepted calls (busy
// computing, or blocked in something that is not a socket call, such as waitpid or a read on a
// pipe), so ACKs, retransmissions, and data written just before go out. It sleeps on the LibOS wait
// fd (bounded by the stack's next timer) and runs the stack only when no application thread is
// already waiting on it: a waiting thread does the same work itself, and evaluates socket state
// only under the lock, so no wake-up is lost either way. SLUICE_PROGRESS_THREAD=0 turns it off.
#include <poll.h>
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "preload/engine.hpp"
#include "preload/libc.hpp"

namespace sluice::preload {
namespace {

std::atomic<int> sleepers{0};
// When an application thread last ran the stack: while that is recent, it is active and the
// progress thread keeps out of its way (no lock taken, no shared core stolen).
std::atomic<int64_t> last_progress_ns{0};
constexpr int64_t recent_ns = 1000000;
// A poll on the wait fd sleeps at most this long, so timers run and exit never waits on it long.
constexpr int max_sleep_ms = 100;

void* run(void*) {
  int sleep_ms = 0;
  int wait_fd = -1;
  for (;;) {
    if (wait_fd >= 0 && sleep_ms != 0) {
      struct pollfd wake {wait_fd, POLLIN, 0};
      real_libc().poll(&wake, 1, sleep_ms);
    }
    if (now_ns() - last_progress_ns.load(std::memory_order_relaxed) < recent_ns) {
      const struct timespec pause {0, 1000000};
      nanosleep(&pause, nullptr);
      sleep_ms = 0;
      continue;
    }
    std::unique_lock lock(libos_lock());
    if (!libos_running()) return nullptr;
    if (sleepers.load() > 0) {
      // An application thread is waiting on the device and will do the work; look again soon.
      lock.unlock();
      const struct timespec pause {0, 1000000};
      nanosleep(&pause, nullptr);
      sleep_ms = 0;
      continue;
    }
    make_progress();
    last_progress_ns.store(0, std::memory_order_relaxed);  // its own run is not the application's
    wait_fd = sl_wait_fd();
    const int timer = sl_next_timeout_ms();
    sleep_ms = timer < 0 || timer > max_sleep_ms ? max_sleep_ms : (timer == 0 ? 1 : timer);
  }
}

}  // namespace

void start_progress_thread() {
  const char* setting = std::getenv("SLUICE_PROGRESS_THREAD");
  if (setting != nullptr && std::strcmp(setting, "0") == 0) return;
  pthread_t thread;
  if (pthread_create(&thread, nullptr, run, nullptr) == 0) pthread_detach(thread);
}

void note_application_progress() { last_progress_ns.store(now_ns(), std::memory_order_relaxed); }

SleepingThread::SleepingThread() { sleepers.fetch_add(1); }
SleepingThread::~SleepingThread() { sleepers.fetch_sub(1); }

}  // namespace sluice::preload

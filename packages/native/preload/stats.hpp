// The accelerated process's counters in a stats file (SLUICE_STATS_FILE, the same format and
// writer as `sluice run --stats-file`, runtime/stats_file.hpp), so the agent and `sluice stats`
// show it like any instance. Published at most 10 times a second from the progress loop.
#pragma once

namespace sluice::preload {

/** After the LibOS started: opens SLUICE_STATS_FILE if set (a message on stderr if it cannot). */
void start_stats();
/** From the progress loop: publishes when the last publication is 100 ms old. */
void maybe_publish_stats();
/** True when a stats file is being written (waits then sleep at most 100 ms at a time). */
bool stats_enabled();
/** At exit: publishes a last time and marks the instance stopped. */
void stop_stats();

}  // namespace sluice::preload

// Reading what the TCP benchmark measures outside Sluice: iperf3's JSON report, a process's CPU
// time from /proc, and perf's top symbols.

/** Receiver-side throughput of an `iperf3 -J` client run, in bits per second. */
export function parseIperf3Json(output: string): { bitsPerSecond: number; seconds: number; bytes: number } {
  const report = JSON.parse(output) as {
    end?: { sum_received?: { bits_per_second: number; seconds: number; bytes: number } };
    error?: string;
  };
  const received = report.end?.sum_received;
  if (!received) throw new Error(`iperf3 report without end.sum_received: ${report.error ?? output.slice(0, 200)}`);
  return { bitsPerSecond: received.bits_per_second, seconds: received.seconds, bytes: received.bytes };
}

/**
 * User plus system CPU seconds of a process, all threads, from the text of /proc/PID/stat (fields
 * 14 and 15, in clock ticks of 1/100 s on Linux).
 */
export function cpuSecondsFromStat(stat: string, ticksPerSecond = 100): number {
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat: ${stat}`);
  return (utime + stime) / ticksPerSecond;
}

/** The symbols of `perf report --stdio --sort symbol` with their share of samples, largest first. */
export function parsePerfReport(output: string, limit = 12): { percent: number; symbol: string }[] {
  const rows: { percent: number; symbol: string }[] = [];
  for (const line of output.split("\n")) {
    // perf may append columns (for example "-  -" for missing data) after two or more spaces.
    const match = /^\s+([\d.]+)%\s+\[[.kK]\]\s+(.+?)(?:\s{2,}.*)?\s*$/.exec(line);
    if (match) rows.push({ percent: Number(match[1]), symbol: match[2]! });
  }
  return rows.sort((a, b) => b.percent - a.percent).slice(0, limit);
}

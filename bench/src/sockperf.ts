// Parsing sockperf's client report (as printed by Debian's sockperf 3.7).

export interface SockperfReport {
  /** Round trips in the valid (measured) part of the run. */
  received: number;
  seconds: number;
  /** Percentiles in microseconds; round-trip times when run with --full-rtt. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Every percentile line sockperf printed, [percentile, µs] ascending, with <MIN> as 0 and <MAX> as 100. */
  points: Array<[number, number]>;
}

export function parseSockperfReport(output: string): SockperfReport {
  const valid = /\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=(\d+); ReceivedMessages=(\d+)/.exec(output);
  const percentile = (p: string) => {
    const match = new RegExp(`percentile ${p.replace(".", "\\.")} =\\s*([\\d.]+)`).exec(output);
    if (!match) throw new Error(`sockperf output has no percentile ${p}:\n${output}`);
    return Number(match[1]);
  };
  const max = /<MAX> observation =\s*([\d.]+)/.exec(output);
  if (!valid || !max) throw new Error(`unrecognised sockperf output:\n${output}`);
  const min = /<MIN> observation =\s*([\d.]+)/.exec(output);
  const points: Array<[number, number]> = [...output.matchAll(/percentile ([\d.]+) =\s*([\d.]+)/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
  if (min) points.push([0, Number(min[1])]);
  points.push([100, Number(max[1])]);
  points.sort((a, b) => a[0] - b[0]);
  return {
    seconds: Number(valid[1]),
    received: Number(valid[3]),
    p50: percentile("50.000"),
    p99: percentile("99.000"),
    p999: percentile("99.900"),
    max: Number(max[1]),
    points,
  };
}

// What the bench commands share: where the client runs and how RTTs are printed.
import { type InstanceFlags, instanceConfigFrom } from "../instance-options.js";

const micros = (nanos: number) => Math.round(nanos / 10) / 100;

/** Where a load client runs: the Sluice instance the flags describe, or kernel sockets. */
export function clientPlace(flags: InstanceFlags) {
  return instanceConfigFrom(flags) ?? { backend: "kernel" as const, busyPoll: flags.busyPoll, core: flags.core };
}

export const rttMicros = (rtt: { p50: number; p99: number; p999: number; max: number }) => ({
  p50: micros(rtt.p50),
  p99: micros(rtt.p99),
  p999: micros(rtt.p999),
  max: micros(rtt.max),
});

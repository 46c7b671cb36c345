// What the LibOS's zero-copy UDP buffers save: packages/native/bin/libos_copy_bench runs a UDP echo
// between two LibOS hosts on the in-process sim wire with copies (libos.frame_budget 0) and
// zero-copy, interleaved in one run, and reports thread CPU time per round trip (CPU time is far
// less disturbed by other load on the machine than throughput). Writes
// results/libos-zero-copy-*.json with the ratios zero-copy/copy (below 1: zero-copy is cheaper).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { machine, writeResults } from "./harness.js";

const quick = process.argv.includes("--quick");
const bin = fileURLToPath(new URL("../../packages/native/build/release/libos_copy_bench", import.meta.url));
if (!existsSync(bin)) throw new Error(`${bin} is missing: npm run build -w @sluice/native`);

interface SizeResult {
  size: number;
  copy_cpu_ns_per_round_trip: number;
  zero_copy_cpu_ns_per_round_trip: number;
  zero_copy_over_copy: number;
  failures: number;
}

const loadBefore = loadavg();
const out = execFileSync(
  "taskset",
  ["-c", "0", bin, "--rounds", quick ? "5000" : "20000", "--repeats", quick ? "3" : "7"],
  {
    encoding: "utf8",
  },
);
const measured = JSON.parse(out) as { rounds: number; repeats: number; sizes: SizeResult[] };
for (const s of measured.sizes) {
  if (s.failures > 0) throw new Error(`libos_copy_bench: ${s.failures} failed round trips at ${s.size} B`);
  console.log(
    `${s.size} B: copy ${s.copy_cpu_ns_per_round_trip} ns, zero-copy ${s.zero_copy_cpu_ns_per_round_trip} ns CPU per round trip: ratio ${s.zero_copy_over_copy}`,
  );
}
// In the shape the report reads (report/script-module.ts): one row per variant, ratios by size.
const runs = measured.sizes.flatMap((s) => [
  { variant: "copy", size: s.size, cpuNsPerRoundTrip: s.copy_cpu_ns_per_round_trip },
  { variant: "zero-copy", size: s.size, cpuNsPerRoundTrip: s.zero_copy_cpu_ns_per_round_trip },
]);
const ratios = Object.fromEntries(measured.sizes.map((s) => [`zero-copy/copy CPU ${s.size} B`, s.zero_copy_over_copy]));
const file = writeResults("libos-zero-copy", {
  machine: machine(),
  loadAverage: { before: loadBefore, after: loadavg() },
  rounds: measured.rounds,
  repeats: measured.repeats,
  runs,
  ratios,
});
console.log(`results: ${file}`);

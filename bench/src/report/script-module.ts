// Benchmarks written as standalone scripts (`tsx src/NAME.ts [--quick]`, writing results/NAME-latest.json
// through harness.writeResults) join the report through this adapter: it runs the script, then reads its
// `runs` (one row each), `ratios` and `targets` ({ metric: ">= 1.7" }). Runs with p50Us/p99Us/p999Us get
// a latency CDF from those points; runs with a per-second rate field get a throughput bar chart.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchModule, type BenchResult, type Cell, parseBound, type Target } from "./types.js";

interface ScriptOutput {
  runs?: Array<Record<string, unknown>>;
  ratios?: Record<string, number | null>;
  targets?: Record<string, string>;
  /** One bound for every ratio, e.g. ">= 0.9 (at most 10% overhead)": its leading ">= N" is used. */
  target?: string;
  [key: string]: unknown;
}

const PERCENTILE_FIELDS: Array<[string, number]> = [
  ["p50Us", 50],
  ["p99Us", 99],
  ["p999Us", 99.9],
];

export function resultFromScriptOutput(output: ScriptOutput): BenchResult {
  const runs = output.runs ?? [];
  const columns = [...new Set(runs.flatMap((r) => Object.keys(r)))].filter((c) =>
    runs.some((r) => typeof r[c] !== "object" || r[c] === null),
  );
  // A run's name: its text fields (name, server, load, ...), then its window or connections.
  const label = (r: Record<string, unknown>) =>
    [
      ...Object.values(r).filter((v): v is string => typeof v === "string"),
      r.window !== undefined ? `window ${r.window}` : undefined,
      r.connections !== undefined ? `${r.connections} conn` : undefined,
    ]
      .filter((x) => x !== undefined)
      .join(", ");
  const bounds: Record<string, string> =
    output.targets ??
    (output.target
      ? Object.fromEntries(Object.keys(output.ratios ?? {}).map((metric) => [metric, output.target!]))
      : {});
  const targets: Target[] = Object.entries(bounds).map(([metric, text]) => ({
    metric,
    value: output.ratios?.[metric] ?? null,
    ...parseBound(/^\s*(>=|<=)\s*-?\d+(\.\d+)?/.exec(text)?.[0] ?? text),
  }));
  const latencyRuns = runs.filter((r) => PERCENTILE_FIELDS.every(([f]) => typeof r[f] === "number"));
  const rateField = columns.find(
    (c) => /PerSecond$|PerS$|Gbps$/.test(c) && runs.every((r) => typeof r[c] === "number"),
  );
  return {
    tables:
      runs.length > 0
        ? [{ title: "Runs", columns, rows: runs.map((r) => columns.map((c) => (r[c] ?? null) as Cell)) }]
        : [],
    latency:
      latencyRuns.length > 0
        ? [
            {
              title: "Latency (percentile points)",
              unit: "µs",
              series: latencyRuns.map((r) => ({
                name: label(r),
                points: PERCENTILE_FIELDS.map(([f, p]) => [p, r[f] as number] as [number, number]),
              })),
            },
          ]
        : [],
    throughput: rateField
      ? [{ title: rateField, unit: "/s", bars: runs.map((r) => ({ name: label(r), value: r[rateField] as number })) }]
      : [],
    targets,
  };
}

export function scriptModule(name: string, title: string, script: string, benchDir: string): BenchModule {
  return {
    name,
    title,
    async run(context) {
      const argv = ["--import", "tsx", join(benchDir, "src", script), ...(context.quick ? ["--quick"] : [])];
      const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
      let tail = "";
      const relay = (chunk: Buffer) => {
        for (const line of chunk.toString().split("\n"))
          if (line.trim()) context.progress(line.replace(/^\[bench\] /, ""));
        tail = (tail + chunk.toString()).slice(-2000);
      };
      child.stdout.on("data", relay);
      child.stderr.on("data", relay);
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      if (code !== 0)
        throw new Error(`${script} exited with ${code}: ${tail.trim().split("\n").slice(-3).join(" / ")}`);
      const output = JSON.parse(readFileSync(join(context.resultsDir, `${name}-latest.json`), "utf8")) as ScriptOutput;
      return resultFromScriptOutput(output);
    },
  };
}

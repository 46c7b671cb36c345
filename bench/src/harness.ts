// Shared pieces of the benchmark scripts: the machine description, processes in test hosts, and
// writing results next to each other in one file per run.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Network } from "@sluice/netns";

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "results");
export const sluiceBin = fileURLToPath(
  import.meta.resolve("@sluice/agent").replace(/dist\/index\.js$/, "bin/sluice.js"),
);

export function machine() {
  return {
    kernel: release(),
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** A long-running server inside a host; resolves once `readyPattern` appears on its output. */
export async function startServer(
  net: Network,
  host: string,
  argv: string[],
  readyPattern: RegExp,
  timeoutMs = 15_000,
) {
  const child = net.spawn(host, argv);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${argv.join(" ")} not ready: ${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (readyPattern.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(" ")} exited with ${code}: ${output}`));
    });
  });
  return {
    /** The server's process id (`ip netns exec` execs it), for CPU accounting and profiling. */
    pid: child.pid,
    async stop() {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGINT");
      await exited;
    },
  };
}

export function writeResults(name: string, data: unknown): string {
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = join(resultsDir, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(join(resultsDir, `${name}-latest.json`), `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

// Shared pieces of the benchmark scripts: the machine description, the server/client host pair, servers
// (Sluice's and others) in those hosts, `sluice bench` loads, and writing results next to each other in one file
// per run.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createNetwork, type Network } from "@sluice/netns";

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

/** The two benchmark hosts, "server" and "client", with offloads off on both (Sluice needs whole, checksummed frames). */
export async function createBenchNetwork(): Promise<Network> {
  const net = await createNetwork({ hosts: ["server", "client"] });
  try {
    for (const host of ["server", "client"]) await net.setOffloads(host, { tx: false, tso: false, gso: false });
  } catch (error) {
    await net.destroy();
    throw error;
  }
  return net;
}

/** Backend flags of a Sluice server on AF_XDP over the host's eth0 at `ip`/24. */
export const xdpServerFlags = (ip: string) => ["--backend", "xdp", "--iface", "eth0", "--ip", `${ip}/24`];

/** Backend flags of a Sluice server on the kernel backend at `ip`/24. */
export const kernelServerFlags = (ip: string) => ["--backend", "kernel", "--ip", `${ip}/24`];

/** The argv of `sluice run APP` on `port` over `backendFlags`, pinned to CPU 0, then the app's own flags. */
export function sluiceRunArgv(app: string, port: number, backendFlags: string[], flags: string[] = []): string[] {
  return [process.execPath, sluiceBin, "run", app, ...backendFlags, "--port", String(port), "--core", "0", ...flags];
}

/** Starts `sluice run` (sluiceRunArgv) on the "server" host; resolves once it prints its ready line. */
export function startSluiceServer(
  net: Network,
  app: string,
  port: number,
  backendFlags: string[],
  flags: string[] = [],
) {
  return startServer(net, "server", sluiceRunArgv(app, port, backendFlags, flags), /^ready /m);
}

/** The JSON report `sluice bench` prints last: the echo loads fill the round trips, tcp-stream the throughput. */
export interface SluiceBenchReport {
  round_trips_per_s: number;
  rtt_us: { p50: number; p99: number; p999: number; max: number };
  throughput_gbit_s: number;
}

/** Runs `sluice bench LOAD FLAGS --core 1` on the "client" host and returns the report it prints last. */
export async function sluiceBench(
  net: Network,
  load: string,
  flags: string[],
  timeoutMs: number,
): Promise<SluiceBenchReport> {
  const out = await net.exec("client", [process.execPath, sluiceBin, "bench", load, ...flags, "--core", "1"], {
    timeoutMs,
  });
  return JSON.parse(out.stdout.trim().split("\n").at(-1)!) as SluiceBenchReport;
}

export function writeResults(name: string, data: unknown): string {
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = join(resultsDir, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(join(resultsDir, `${name}-latest.json`), `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

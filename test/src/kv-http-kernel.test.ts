// The same kv and http protocol code on the kernel backend (epoll, Linux TCP sockets): what an app
// developer runs without AF_XDP, and the baseline side of a benchmark. Driven by redis-cli and curl.
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SluiceProcess, startSluice } from "./support/sluice-process.js";

const SERVER_IP = "198.18.0.1";
const kernelRun = (app: string, port: number) => [
  "run",
  app,
  "--backend",
  "kernel",
  "--ip",
  `${SERVER_IP}/24`,
  "--port",
  String(port),
  "--proto",
  "tcp",
  "--no-busy-poll",
];

describe("kv and http on --backend kernel", () => {
  let net: Network;
  let sluice: SluiceProcess | undefined;

  beforeAll(async () => {
    net = await createNetwork({ hosts: ["server", "peer"] });
  });

  afterEach(async () => {
    await sluice?.stop();
    sluice = undefined;
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it("kv answers redis-cli and redis-benchmark -P 16", async () => {
    sluice = await startSluice(net, "server", kernelRun("kv", 6379));
    expect(sluice.readyLine).toBe(`ready kv tcp ${SERVER_IP}:6379 backend=kernel`);
    const cli = async (...args: string[]) =>
      (await net.exec("peer", ["redis-cli", "-h", SERVER_IP, ...args], { timeoutMs: 20_000 })).stdout.trim();
    expect(await cli("SET", "k", "v")).toBe("OK");
    expect(await cli("GET", "k")).toBe("v");
    expect(await cli("INCR", "k")).toBe("ERR value is not an integer or out of range");
    const bench = await net.exec(
      "peer",
      ["redis-benchmark", "-h", SERVER_IP, "-t", "set,get", "-n", "5000", "-P", "16", "-q"],
      { timeoutMs: 60_000 },
    );
    expect(bench.stdout).toMatch(/SET: [\d.]+ requests per second/);
    expect(bench.stdout).toMatch(/GET: [\d.]+ requests per second/);
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.app?.commands).toBeGreaterThanOrEqual(10_003);
    expect(stopped.counters?.app?.error_replies).toBe(1);
  });

  it("http answers curl with / and /stats", async () => {
    sluice = await startSluice(net, "server", kernelRun("http", 8080));
    expect(sluice.readyLine).toBe(`ready http tcp ${SERVER_IP}:8080 backend=kernel`);
    const curl = async (path: string) =>
      (await net.exec("peer", ["curl", "-sS", "--max-time", "10", `http://${SERVER_IP}:8080${path}`])).stdout;
    expect(await curl("/")).toBe("Hello from Sluice\n");
    const stats = JSON.parse(await curl("/stats")) as Record<string, Record<string, number>>;
    expect(stats.app?.accepted).toBe(2);
    expect(stats.app?.requests).toBe(1);
  });
});

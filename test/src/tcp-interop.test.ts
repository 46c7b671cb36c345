// Sluice's TCP against the Linux kernel both ways: Sluice connects to kernel servers (`sluice bench
// tcp-stream|tcp-echo`) and the kernel connects to Sluice's echo; 64 MiB of random bytes echoed
// byte-exactly each way over AF_XDP, again under injected loss and reordering, once over TAP; and
// what Sluice as a client does when the kernel resets or closes in each state it can be in.
import type { ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SluiceProcess, sluiceBin, startSluice } from "./support/sluice-process.js";
import { createXdpNetwork } from "./support/sluice-server.js";

const SLUICE_IP = "198.18.0.1";
const KERNEL_IP = "198.18.0.2";
const MiB = 1024 * 1024;
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface StreamResult {
  bench: string;
  bytes_sent: number;
  bytes_received: number;
  echo: "exact" | "wrong" | "none";
  first_mismatch: number;
  seconds: number;
}

/** Starts the kernel TCP server fixture in `host` and waits until it listens. */
async function startKernelServer(net: Network, host: string, address: string, port: number, mode: string) {
  const child = net.spawn(host, [process.execPath, fixture("tcp-server.mjs"), address, String(port), mode]);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`tcp-server.mjs ${mode} exited with ${code}`)));
  });
  return child;
}

async function sluiceCli(net: Network, host: string, args: string[]) {
  const out = await net.exec(host, [process.execPath, sluiceBin, ...args], { check: false, timeoutMs: 180_000 });
  return { code: out.code, stdout: out.stdout.trim(), stderr: out.stderr.trim() };
}

/** The kernel peer streams `bytes` random bytes on each connection to Sluice's echo and checks them. */
async function kernelToSluice(net: Network, host: string, target: string, connections: number, bytes: number) {
  const out = await net.exec(
    host,
    [process.execPath, fixture("tcp-exchange.mjs"), target, "7", String(connections), String(bytes)],
    { timeoutMs: 180_000 },
  );
  return JSON.parse(out.stdout.trim()) as { connections: number; bytes: number; equal: number; errors: string[] };
}

describe("Sluice TCP and the Linux kernel over AF_XDP", () => {
  let net: Network;
  const kernelServers: ChildProcess[] = [];
  let sluice: SluiceProcess | undefined;
  const xdpFlags = (extra: string[] = []) => [
    "--backend",
    "xdp",
    "--iface",
    "eth0",
    "--ip",
    `${SLUICE_IP}/24`,
    ...extra,
  ];
  const stream = async (port: number, bytes: number, extra: string[] = []) =>
    sluiceCli(net, "sluice", [
      "bench",
      "tcp-stream",
      ...xdpFlags(extra),
      "--target",
      `${KERNEL_IP}:${port}`,
      "--bytes",
      String(bytes),
      "--timeout",
      "60",
    ]);

  beforeAll(async () => {
    net = await createXdpNetwork();
    const modes = ["echo", "sink", "reset-at-once", "reset-on-eof", "fin-at-once"];
    for (const [i, mode] of modes.entries()) {
      kernelServers.push(await startKernelServer(net, "peer", KERNEL_IP, 7 + i, mode));
    }
  });

  afterEach(async () => {
    await sluice?.stop();
    sluice = undefined;
  });

  afterAll(async () => {
    for (const child of kernelServers) child.kill();
    await net?.destroy();
  });

  it("Sluice connects to a kernel echo server and gets 64 MiB back byte-exactly", async () => {
    const { code, stdout, stderr } = await stream(7, 64 * MiB);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as StreamResult;
    expect(result).toMatchObject({ bench: "tcp-stream", bytes_sent: 64 * MiB, bytes_received: 64 * MiB });
    expect(result).toMatchObject({ echo: "exact", first_mismatch: -1 });
    expect(result.seconds).toBeGreaterThan(0);
  });

  it("the kernel connects to Sluice's echo and gets 64 MiB back byte-exactly", async () => {
    sluice = await startSluice(net, "sluice", ["run", "echo", ...xdpFlags(), "--port", "7", "--proto", "tcp"]);
    const result = await kernelToSluice(net, "peer", SLUICE_IP, 1, 64 * MiB);
    expect(result).toEqual({ connections: 1, bytes: 64 * MiB, equal: 1, errors: [] });
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.app).toMatchObject({ accepted: 1, closed: 1, reset: 0, bytes_sent: 64 * MiB });
  });

  it("sluice bench tcp-echo prints one JSON line with round trips and RTT percentiles", async () => {
    const { code, stdout } = await sluiceCli(net, "sluice", [
      "bench",
      "tcp-echo",
      ...xdpFlags(),
      "--target",
      `${KERNEL_IP}:7`,
      "--connections",
      "4",
      "--window",
      "2",
      "--size",
      "100",
      "--duration",
      "1",
      "--warmup",
      "0.2",
    ]);
    expect(code).toBe(0);
    expect(stdout.split("\n")).toHaveLength(1);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ bench: "tcp-echo", backend: "xdp", connections: 4, failed: 0, size: 100 });
    expect(result.round_trips).toBeGreaterThan(100);
    expect(result.round_trips_per_s).toBe(Math.round(result.round_trips / result.duration_s));
    expect(result.rtt_us.p50).toBeGreaterThan(0);
    expect(result.rtt_us.p99).toBeGreaterThanOrEqual(result.rtt_us.p50);
    expect(result.sent).toBeGreaterThanOrEqual(result.round_trips);
  });

  it("the kernel-socket clients (--backend kernel) load Sluice's echo the same way", async () => {
    sluice = await startSluice(net, "sluice", ["run", "echo", ...xdpFlags(), "--port", "7", "--proto", "tcp"]);
    const target = ["--backend", "kernel", "--target", `${SLUICE_IP}:7`];
    const echo = await sluiceCli(net, "peer", [
      "bench",
      "tcp-echo",
      ...target,
      "--connections",
      "2",
      "--duration",
      "1",
    ]);
    expect(echo.code).toBe(0);
    expect(JSON.parse(echo.stdout)).toMatchObject({ bench: "tcp-echo", backend: "kernel", connections: 2, failed: 0 });
    const bulk = await sluiceCli(net, "peer", ["bench", "tcp-stream", ...target, "--bytes", String(8 * MiB)]);
    expect(bulk.code).toBe(0);
    expect(JSON.parse(bulk.stdout)).toMatchObject({ bytes_received: 8 * MiB, echo: "exact" });
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.app).toMatchObject({ accepted: 3, reset: 0 });
  });

  it("sluice run echo --proto tcp --backend kernel is the kernel-socket baseline server", async () => {
    const kernelEcho = await startSluice(net, "peer", [
      "run",
      "echo",
      "--backend",
      "kernel",
      "--ip",
      `${KERNEL_IP}/24`,
      "--port",
      "17",
      "--proto",
      "tcp",
    ]);
    try {
      expect(kernelEcho.readyLine).toBe(`ready echo tcp ${KERNEL_IP}:17 backend=kernel`);
      const bulk = await stream(17, 16 * MiB);
      expect(JSON.parse(bulk.stdout)).toMatchObject({ bytes_received: 16 * MiB, echo: "exact" });
      const echo = await sluiceCli(net, "sluice", [
        "bench",
        "tcp-echo",
        ...xdpFlags(),
        "--target",
        `${KERNEL_IP}:17`,
        "--connections",
        "3",
        "--duration",
        "0.5",
      ]);
      expect(JSON.parse(echo.stdout)).toMatchObject({ connections: 3, failed: 0 });
    } finally {
      const stopped = await kernelEcho.stop();
      expect(stopped.counters?.app).toMatchObject({ accepted: 4, closed: 4 });
      expect(stopped.counters?.app?.bytes).toBeGreaterThan(16 * MiB);
    }
  });

  it("a kernel sink's FIN after Sluice's (FIN-WAIT-2 → TIME-WAIT) ends the stream cleanly", async () => {
    const { code, stdout } = await stream(8, 4 * MiB);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ bytes_sent: 4 * MiB, bytes_received: 0, echo: "none" });
  });

  it.each([
    ["a RST right after the handshake (ESTABLISHED)", 9],
    ["a RST answering Sluice's FIN (FIN-WAIT-1/2)", 10],
    ["a FIN before the data is sent (CLOSE-WAIT), then RSTs for the data", 11],
  ])("reports %s as a failed transfer with ECONNRESET, promptly", async (_what, port) => {
    const started = Date.now();
    const { code, stdout, stderr } = await stream(port, 4 * MiB);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^sluice: the TCP stream failed after \d+ bytes sent and 0 received/);
    expect(stderr).not.toMatch(/never connected/);
    expect(Date.now() - started).toBeLessThan(30_000); // a reset, not the 60 s transfer timeout
  });

  it("keeps serving after the kernel resets an echo it abandoned (CLOSE-WAIT / LAST-ACK)", async () => {
    sluice = await startSluice(net, "sluice", ["run", "echo", ...xdpFlags(), "--port", "7", "--proto", "tcp"]);
    const out = await net.exec("peer", [process.execPath, fixture("tcp-abandon.mjs"), SLUICE_IP, "7"]);
    expect(JSON.parse(out.stdout.trim())).toEqual({ sent: 262144 });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the RSTs arrive and are handled
    const result = await kernelToSluice(net, "peer", SLUICE_IP, 1, 64 * 1024);
    expect(result).toEqual({ connections: 1, bytes: 64 * 1024, equal: 1, errors: [] });
    const stopped = await sluice.stop();
    sluice = undefined;
    // Whether the kernel's RST lands before the echo has finished (a reset, in CLOSE-WAIT) or after
    // Sluice closed its side (LAST-ACK: the app already counted a close) depends on timing.
    const app = stopped.counters?.app ?? {};
    expect(app.accepted).toBe(2);
    expect((app.reset ?? 0) + (app.closed ?? 0)).toBe(2);
    expect(app.reset).toBeLessThanOrEqual(1);
  });

  it.each([
    ["1% loss", "drop=0.01,seed=3"],
    ["5% loss", "drop=0.05,seed=4"],
    ["2% reordering", "reorder=0.02,seed=5"],
  ])("both directions stay byte-exact with %s injected both ways", async (_what, fault) => {
    const out = await stream(7, 2 * MiB, ["--fault", fault]);
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toMatchObject({ bytes_received: 2 * MiB, echo: "exact" });
    sluice = await startSluice(net, "sluice", [
      "run",
      "echo",
      ...xdpFlags(["--fault", fault]),
      "--port",
      "7",
      "--proto",
      "tcp",
    ]);
    const result = await kernelToSluice(net, "peer", SLUICE_IP, 2, 2 * MiB);
    expect(result).toEqual({ connections: 2, bytes: 2 * MiB, equal: 2, errors: [] });
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.app).toMatchObject({ accepted: 2, closed: 2, reset: 0 });
  });
});

describe("Sluice TCP and the Linux kernel over TAP", () => {
  let net: Network;
  let kernelEcho: ChildProcess | undefined;
  const tapFlags = ["--backend", "tap", "--iface", "tap0", "--ip", `${SLUICE_IP}/24`];

  beforeAll(async () => {
    net = await createNetwork({ hosts: ["sluice", "peer"] });
    // The kernel on the other side of the TAP device is the peer, in the same namespace.
    await net.exec("sluice", ["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"]);
    await net.exec("sluice", ["ip", "addr", "add", `${KERNEL_IP}/24`, "dev", "tap0"]);
    await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
    await net.exec("sluice", ["ip", "link", "set", "tap0", "up"]);
    kernelEcho = await startKernelServer(net, "sluice", KERNEL_IP, 7, "echo");
  });

  afterAll(async () => {
    kernelEcho?.kill();
    await net?.destroy();
  });

  it("echoes 16 MiB byte-exactly both ways", async () => {
    const out = await sluiceCli(net, "sluice", [
      "bench",
      "tcp-stream",
      ...tapFlags,
      "--target",
      `${KERNEL_IP}:7`,
      "--bytes",
      String(16 * MiB),
    ]);
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toMatchObject({ backend: "tap", bytes_received: 16 * MiB, echo: "exact" });
    kernelEcho?.kill();
    kernelEcho = undefined;
    const sluice = await startSluice(net, "sluice", ["run", "echo", ...tapFlags, "--port", "7", "--proto", "tcp"]);
    try {
      const result = await kernelToSluice(net, "sluice", SLUICE_IP, 1, 16 * MiB);
      expect(result).toEqual({ connections: 1, bytes: 16 * MiB, equal: 1, errors: [] });
    } finally {
      await sluice.stop();
    }
  });
});

describe("sluice bench tcp-* usage errors", () => {
  const run = promisify(execFile);
  it.each([
    [["--tcp-connections", "8"], /--tcp-connections needs a Sluice backend/],
    [["--tcp-buffer", "65536"], /--tcp-buffer needs a Sluice backend/],
    [["--fault", "drop=0.1"], /--fault needs a Sluice backend/],
  ])("refuses %j on the kernel backend with exit 2", async (flags, message) => {
    const error = await run(process.execPath, [
      sluiceBin,
      "bench",
      "tcp-echo",
      "--backend",
      "kernel",
      "--target",
      "198.18.0.2:7",
      ...flags,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toMatch(message);
  });

  it("refuses a tcp-stream without --bytes, and --bytes 0, with exit 2", async () => {
    for (const extra of [[], ["--bytes", "0"]]) {
      const error = await run(process.execPath, [
        sluiceBin,
        "bench",
        "tcp-stream",
        "--backend",
        "kernel",
        "--target",
        "198.18.0.2:7",
        ...extra,
      ]).catch((e: { code: number; stderr: string }) => e);
      expect(error).toMatchObject({ code: 2 });
    }
  });
});

// Multi-queue, shared nothing: one `sluice run --queues 0-1 --cores 0,1` serves from two pinned
// stack instances, each with its own AF_XDP socket on its own queue of a two-queue veth. The Linux
// peer's transmit-queue hash (XPS is off on veth) spreads its flows over both queues; every flow must
// be answered byte-exactly, both queues must have carried traffic, and nothing may stay attached.
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readInstanceStats } from "@sluice/libos";
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SluiceProcess, sluiceBin, startSluice } from "./support/sluice-process.js";

const SLUICE_IP = "198.18.0.1";
const udpFlows = fileURLToPath(new URL("./fixtures/udp-flows.mjs", import.meta.url));
const tcpExchange = fileURLToPath(new URL("./fixtures/tcp-exchange.mjs", import.meta.url));

/** Without busy-polling: two spinning instances would take both of this box's cores from the peer. */
function echoOnTwoQueues(proto: "udp" | "tcp", extra: string[] = []): string[] {
  return [
    "run",
    "echo",
    "--backend",
    "xdp",
    "--iface",
    "eth0",
    "--ip",
    `${SLUICE_IP}/24`,
    "--port",
    "7",
    "--proto",
    proto,
    "--no-busy-poll",
    "--queues",
    "0-1",
    "--cores",
    "0,1",
    ...extra,
  ];
}

/** The CPU lists of the process's threads that are pinned to a single CPU. */
function singleCpuThreads(pid: number): string[] {
  const lists: string[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const status = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
    const list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1];
    if (list && /^\d+$/.test(list)) lists.push(list);
  }
  return lists.sort();
}

async function xdpAttached(net: Network): Promise<boolean> {
  const out = await net.exec("sluice", ["ip", "-j", "-d", "link", "show", "eth0"]);
  const [link] = JSON.parse(out.stdout) as Array<{ xdp?: unknown }>;
  return link?.xdp !== undefined;
}

describe("sluice run --queues: two pinned shared-nothing instances on a two-queue veth", () => {
  let net: Network;
  let sluice: SluiceProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    net = await createNetwork({ hosts: ["sluice", "peer"], queues: 2 });
    // Full checksums and no oversized frames from the Linux peer (notes, pitfalls 1 and 8).
    await net.setOffloads("peer", { tx: false, tso: false, gso: false });
    await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
    dir = await mkdtemp(join(tmpdir(), "sluice-mq-"));
  });

  afterEach(async () => {
    await sluice?.stop();
    sluice = undefined;
  });

  afterAll(async () => {
    await net?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answers 64 UDP flows byte-exactly from both queues, pinned one instance per core", async () => {
    const statsFile = join(dir, "udp.stats");
    sluice = await startSluice(net, "sluice", echoOnTwoQueues("udp", ["--stats-file", statsFile]));
    expect(sluice.readyLine).toBe(`ready echo udp ${SLUICE_IP}:7 backend=xdp queues=2`);
    expect(singleCpuThreads(sluice.child.pid!)).toEqual(expect.arrayContaining(["0", "1"]));

    const out = await net.exec("peer", [process.execPath, udpFlows, SLUICE_IP, "7", "64", "16"], {
      timeoutMs: 120_000,
    });
    const result = JSON.parse(out.stdout.trim());
    expect(result).toEqual({ flows: 64, sent: 1024, echoed: 1024, mismatched: 0, flowsAnswered: 64 });

    // The stats file holds one block per queue (the agent reports per queue) and their sum.
    await new Promise((resolve) => setTimeout(resolve, 300)); // one publication interval and more
    const stats = readInstanceStats(statsFile);
    expect(stats.queues?.map((q) => [q.queue, q.core])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    const perQueue = stats.queues!.map((q) => q.counters.app?.datagrams ?? 0);
    expect(perQueue[0]).toBeGreaterThan(0);
    expect(perQueue[1]).toBeGreaterThan(0);
    expect(stats.counters.app?.datagrams).toBe(perQueue[0]! + perQueue[1]!);

    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.code).toBe(0);
    const queues = (
      stopped.counters as unknown as { queues: { queue: number; counters: Record<string, Record<string, number>> }[] }
    ).queues;
    expect(queues.map((q) => q.queue)).toEqual([0, 1]);
    for (const q of queues) expect(q.counters.device?.rx_packets).toBeGreaterThan(0);
    expect(stopped.counters?.device?.rx_packets).toBe(
      queues[0]!.counters.device!.rx_packets! + queues[1]!.counters.device!.rx_packets!,
    );
    expect(readInstanceStats(statsFile).running).toBe(false);
    expect(await xdpAttached(net)).toBe(false);
  });

  it("echoes 16 TCP connections byte-exactly, accepted on both queues", async () => {
    sluice = await startSluice(net, "sluice", echoOnTwoQueues("tcp"));
    expect(sluice.readyLine).toBe(`ready echo tcp ${SLUICE_IP}:7 backend=xdp queues=2`);
    const out = await net.exec("peer", [process.execPath, tcpExchange, SLUICE_IP, "7", "16", String(256 * 1024)], {
      timeoutMs: 120_000,
    });
    expect(JSON.parse(out.stdout.trim())).toEqual({ connections: 16, bytes: 256 * 1024, equal: 16, errors: [] });
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.code).toBe(0);
    const queues = (stopped.counters as unknown as { queues: { counters: Record<string, Record<string, number>> }[] })
      .queues;
    const accepted = queues.map((q) => q.counters.app?.accepted ?? 0);
    // Connections are hashed by their random per-socket hash: all 16 on one queue has odds of 1 in 32768.
    expect(accepted[0]).toBeGreaterThan(0);
    expect(accepted[1]).toBeGreaterThan(0);
    expect(accepted[0]! + accepted[1]!).toBe(16);
    expect(await xdpAttached(net)).toBe(false);
  });

  it.each([
    ["more queues than the device has", ["--queues", "0-2"], /eth0 has 2 receive queue\(s\)/],
    ["a core that does not exist", ["--queues", "0-1", "--cores", "0,4000"], /core 4000 is not online/],
    ["fewer cores than queues", ["--queues", "0-1", "--cores", "0"], /--cores names 1 core\(s\) for 2 queue\(s\)/],
    ["--queues with --queue", ["--queues", "0-1", "--queue", "1"], /give one form only/],
    ["--pcap on two queues", ["--queues", "0-1", "--pcap", "/tmp/never.pcap"], /--pcap captures one instance/],
  ])("refuses %s with exit code 2, one line, and nothing attached", async (_what, flags, message) => {
    const base = echoOnTwoQueues("udp").slice(0, -4); // without --queues/--cores
    const result = await net.exec("sluice", [process.execPath, sluiceBin, ...base, ...flags], {
      check: false,
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toMatch(/^ready/m);
    expect(await xdpAttached(net)).toBe(false);
  });

  it("refuses --steer on veth naming the driver (no ntuple filters), exit 1, nothing attached", async () => {
    const result = await net.exec("sluice", [process.execPath, sluiceBin, ...echoOnTwoQueues("udp"), "--steer"], {
      check: false,
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(
      /--steer: ntuple filters are not supported by driver veth on eth0 \(ethtool: ntuple-filters: off \[fixed\]\)/,
    );
    expect(result.stdout).not.toMatch(/^ready/m);
    expect(await xdpAttached(net)).toBe(false);
  });
});

// The Sluice TCP stack against the Linux kernel as a real peer over AF_XDP: a bulk echo, many
// concurrent connections, half-close, RST and FIN interop, and under injected loss and reordering.
import { fileURLToPath } from "node:url";
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SluiceProcess, startSluice } from "./support/sluice-process.js";

const SLUICE_IP = "198.18.0.1";
const fixture = fileURLToPath(new URL("./fixtures/tcp-exchange.mjs", import.meta.url));
const rstFinFixture = fileURLToPath(new URL("./fixtures/tcp-rst-fin.mjs", import.meta.url));
const echoTcp = [
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
  "tcp",
];

async function tcpExchange(net: Network, connections: number, bytes: number, together = false) {
  const args = [process.execPath, fixture, SLUICE_IP, "7", String(connections), String(bytes)];
  const out = await net.exec("peer", together ? [...args, "together"] : args, { timeoutMs: 120_000 });
  return JSON.parse(out.stdout.trim()) as { connections: number; bytes: number; equal: number; errors: string[] };
}

describe("TCP echo over AF_XDP against the Linux kernel", () => {
  let net: Network;
  let sluice: SluiceProcess | undefined;

  beforeAll(async () => {
    net = await createNetwork({ hosts: ["sluice", "peer"] });
    // The peer would otherwise hand over oversized TSO frames and partial checksums (pitfalls 1, 8).
    await net.setOffloads("peer", { tx: false, tso: false, gso: false });
    await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
  });

  afterEach(async () => {
    await sluice?.stop();
    sluice = undefined;
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it("prints the TCP ready line and echoes 8 MiB byte-exactly", async () => {
    sluice = await startSluice(net, "sluice", echoTcp);
    expect(sluice.readyLine).toBe(`ready echo tcp ${SLUICE_IP}:7 backend=xdp`);
    const result = await tcpExchange(net, 1, 8 * 1024 * 1024);
    expect(result).toEqual({ connections: 1, bytes: 8 * 1024 * 1024, equal: 1, errors: [] });
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.app?.accepted).toBe(1);
    expect(stopped.counters?.app?.bytes_sent).toBe(8 * 1024 * 1024);
  });

  it("serves 50 concurrent connections", async () => {
    sluice = await startSluice(net, "sluice", echoTcp);
    const result = await tcpExchange(net, 50, 64 * 1024);
    expect(result.errors).toEqual([]);
    expect(result.equal).toBe(50);
  });

  it("serves 1,000 concurrent connections of 4 KiB each when given the slots", async () => {
    // The defaults hold 64 connections (256 KiB buffers each way), so this times out without the
    // flags; 1,024 slots of 64 KiB are 128 MiB.
    sluice = await startSluice(net, "sluice", [...echoTcp, "--tcp-connections", "1024", "--tcp-buffer", "65536"]);
    const result = await tcpExchange(net, 1000, 4096, true); // all 1,000 established before any sends
    expect(result.errors).toEqual([]);
    expect(result.equal).toBe(1000);
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.app?.accepted).toBe(1000);
    expect(stopped.counters?.app?.closed).toBe(1000);
    expect(stopped.counters?.app?.reset).toBe(0);
    expect(stopped.counters?.app?.bytes_sent).toBe(1000 * 4096);
  });

  it("handles a kernel RST mid-transfer, a half-close, a closed port, and keeps serving", async () => {
    sluice = await startSluice(net, "sluice", echoTcp);
    const out = await net.exec("peer", [process.execPath, rstFinFixture, SLUICE_IP, "7", "9"], { timeoutMs: 60_000 });
    const result = JSON.parse(out.stdout.trim());
    expect(result.reset).toMatchObject({ ok: true });
    expect(result.halfClose).toMatchObject({ ok: true, ended: true, received: 1024 * 1024 });
    expect(result.halfClose.afterFin).toBeGreaterThan(0); // echo kept flowing after the peer's FIN
    expect(result.refused).toMatchObject({ ok: true, code: "ECONNREFUSED" });
    expect(result.refused.ms).toBeLessThan(1000); // an RST, not a SYN timeout
    expect(result.after).toMatchObject({ ok: true, ended: true, received: 64 * 1024 });
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.app).toMatchObject({ accepted: 3, reset: 1, closed: 2 });
    expect(stopped.counters?.tcp?.resets_sent).toBeGreaterThanOrEqual(1); // the closed port's answer
  });

  it("completes byte-exactly with 1% loss and 2% reordering injected both ways", async () => {
    sluice = await startSluice(net, "sluice", [...echoTcp, "--fault", "drop=0.01,reorder=0.02,seed=11"]);
    const result = await tcpExchange(net, 4, 1024 * 1024);
    expect(result.errors).toEqual([]);
    expect(result.equal).toBe(4);
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.tcp?.tx_segments).toBeGreaterThan(0);
  });
});

// The Sluice TCP stack against the Linux kernel as a real peer over AF_XDP: a bulk echo, many
// concurrent connections, half-close, RST and FIN interop, and under injected loss and reordering.
import { fileURLToPath } from "node:url";
import type { Network } from "@sluice/netns";
import { describe, expect, it } from "vitest";
import { SLUICE_IP, withSluiceServer, xdpRunArgs } from "./support/sluice-server.js";

const fixture = fileURLToPath(new URL("./fixtures/tcp-exchange.mjs", import.meta.url));
const rstFinFixture = fileURLToPath(new URL("./fixtures/tcp-rst-fin.mjs", import.meta.url));
const echoTcp = xdpRunArgs("echo", ["--port", "7", "--proto", "tcp"]);

async function tcpExchange(net: Network, connections: number, bytes: number, together = false) {
  const args = [process.execPath, fixture, SLUICE_IP, "7", String(connections), String(bytes)];
  const out = await net.exec("peer", together ? [...args, "together"] : args, { timeoutMs: 120_000 });
  return JSON.parse(out.stdout.trim()) as { connections: number; bytes: number; equal: number; errors: string[] };
}

describe("TCP echo over AF_XDP against the Linux kernel", () => {
  const hosts = withSluiceServer();

  it("prints the TCP ready line and echoes 8 MiB byte-exactly", async () => {
    const sluice = await hosts.start(echoTcp);
    expect(sluice.readyLine).toBe(`ready echo tcp ${SLUICE_IP}:7 backend=xdp`);
    const result = await tcpExchange(hosts.net, 1, 8 * 1024 * 1024);
    expect(result).toEqual({ connections: 1, bytes: 8 * 1024 * 1024, equal: 1, errors: [] });
    const stopped = await hosts.stop();
    expect(stopped.counters?.app?.accepted).toBe(1);
    expect(stopped.counters?.app?.bytes_sent).toBe(8 * 1024 * 1024);
  });

  it("serves 50 concurrent connections", async () => {
    await hosts.start(echoTcp);
    const result = await tcpExchange(hosts.net, 50, 64 * 1024);
    expect(result.errors).toEqual([]);
    expect(result.equal).toBe(50);
  });

  it("serves 1,000 concurrent connections of 4 KiB each when given the slots", async () => {
    // The defaults hold 64 connections (256 KiB buffers each way), so this times out without the
    // flags; 1,024 slots of 64 KiB are 128 MiB.
    await hosts.start([...echoTcp, "--tcp-connections", "1024", "--tcp-buffer", "65536"]);
    const result = await tcpExchange(hosts.net, 1000, 4096, true); // all 1,000 established before any sends
    expect(result.errors).toEqual([]);
    expect(result.equal).toBe(1000);
    const stopped = await hosts.stop();
    expect(stopped.counters?.app?.accepted).toBe(1000);
    expect(stopped.counters?.app?.closed).toBe(1000);
    expect(stopped.counters?.app?.reset).toBe(0);
    expect(stopped.counters?.app?.bytes_sent).toBe(1000 * 4096);
  });

  it("handles a kernel RST mid-transfer, a half-close, a closed port, and keeps serving", async () => {
    await hosts.start(echoTcp);
    const out = await hosts.net.exec("peer", [process.execPath, rstFinFixture, SLUICE_IP, "7", "9"], {
      timeoutMs: 60_000,
    });
    const result = JSON.parse(out.stdout.trim());
    expect(result.reset).toMatchObject({ ok: true });
    expect(result.halfClose).toMatchObject({ ok: true, ended: true, received: 1024 * 1024 });
    expect(result.halfClose.afterFin).toBeGreaterThan(0); // echo kept flowing after the peer's FIN
    expect(result.refused).toMatchObject({ ok: true, code: "ECONNREFUSED" });
    expect(result.refused.ms).toBeLessThan(1000); // an RST, not a SYN timeout
    expect(result.after).toMatchObject({ ok: true, ended: true, received: 64 * 1024 });
    const stopped = await hosts.stop();
    expect(stopped.counters?.app).toMatchObject({ accepted: 3, reset: 1, closed: 2 });
    expect(stopped.counters?.tcp?.resets_sent).toBeGreaterThanOrEqual(1); // the closed port's answer
  });

  it("completes byte-exactly with 1% loss and 2% reordering injected both ways", async () => {
    await hosts.start([...echoTcp, "--fault", "drop=0.01,reorder=0.02,seed=11"]);
    const result = await tcpExchange(hosts.net, 4, 1024 * 1024);
    expect(result.errors).toEqual([]);
    expect(result.equal).toBe(4);
    const stopped = await hosts.stop();
    expect(stopped.counters?.tcp?.tx_segments).toBeGreaterThan(0);
  });
});

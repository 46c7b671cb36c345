// `sluice run` options that change the data path, against the Linux kernel over AF_XDP: faults
// injected in both directions, pcap capture, and sleeping instead of spinning.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ping, udpExchange } from "./support/peer.js";
import { SLUICE_IP, withSluiceServer, xdpRunArgs } from "./support/sluice-server.js";

const base = xdpRunArgs("echo", ["--port", "7"]);

describe("sluice run echo options over AF_XDP", () => {
  const hosts = withSluiceServer();
  const scratch = mkdtempSync(join(tmpdir(), "sluice-options-"));

  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it("loses and reorders frames both ways under --fault, yet every datagram gets through on retry", async () => {
    await hosts.start([...base, "--fault", "drop=0.05,reorder=0.02,seed=7"]);
    const result = await udpExchange(hosts.net, "peer", SLUICE_IP, 7, 1, 400);
    expect(result).toEqual({ sent: 400, echoed: 400, mismatched: 0, missing: [] });
    const stopped = await hosts.stop();
    const device = stopped.counters?.device;
    const app = stopped.counters?.app;
    // Some requests or replies were dropped, so the peer had to resend: more datagrams than sizes.
    expect(app?.datagrams).toBeGreaterThan(400);
    expect(device?.rx_packets).toBeGreaterThan(400);
  });

  it("with --pcap writes every frame to a capture that tcpdump reads", async () => {
    const capture = join(scratch, "echo.pcap");
    await hosts.start([...base, "--pcap", capture]);
    expect((await ping(hosts.net, "peer", SLUICE_IP, 5)).received).toBe(5);
    const stopped = await hosts.stop();
    expect(existsSync(capture)).toBe(true);
    const read = await hosts.net.exec("sluice", ["tcpdump", "-nn", "-r", capture]);
    const echoReplies = read.stdout.split("\n").filter((line) => line.includes("ICMP echo reply"));
    expect(echoReplies).toHaveLength(5);
    const lines = read.stdout.trim().split("\n").length;
    expect(lines).toBe((stopped.counters?.device?.rx_packets ?? 0) + (stopped.counters?.device?.tx_packets ?? 0));
  });

  it("with --no-busy-poll sleeps when idle and still answers", async () => {
    await hosts.start([...base, "--no-busy-poll"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await ping(hosts.net, "peer", SLUICE_IP, 20)).received).toBe(20);
    const stopped = await hosts.stop();
    expect(stopped.counters?.instance?.sleeps).toBeGreaterThan(0);
    // A sleeping loop polls far less than a spinning one would in the same time (tens of millions).
    expect(stopped.counters?.instance?.polls).toBeLessThan(1_000_000);
  });
});

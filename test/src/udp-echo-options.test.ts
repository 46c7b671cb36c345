// `sluice run` options that change the data path, against the Linux kernel over AF_XDP: faults
// injected in both directions, pcap capture, and sleeping instead of spinning.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ping, udpExchange } from "./support/peer.js";
import { type SluiceProcess, startSluice } from "./support/sluice-process.js";

const SLUICE_IP = "198.18.0.1";
const base = ["run", "echo", "--backend", "xdp", "--iface", "eth0", "--ip", `${SLUICE_IP}/24`, "--port", "7"];

describe("sluice run echo options over AF_XDP", () => {
  let net: Network;
  let sluice: SluiceProcess | undefined;
  const scratch = mkdtempSync(join(tmpdir(), "sluice-options-"));

  beforeAll(async () => {
    net = await createNetwork({ hosts: ["sluice", "peer"] });
    await net.setOffloads("peer", { tx: false, tso: false, gso: false });
    await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
  });

  afterEach(async () => {
    await sluice?.stop();
    sluice = undefined;
  });

  afterAll(async () => {
    await net?.destroy();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("loses and reorders frames both ways under --fault, yet every datagram gets through on retry", async () => {
    sluice = await startSluice(net, "sluice", [...base, "--fault", "drop=0.05,reorder=0.02,seed=7"]);
    const result = await udpExchange(net, "peer", SLUICE_IP, 7, 1, 400);
    expect(result).toEqual({ sent: 400, echoed: 400, mismatched: 0, missing: [] });
    const stopped = await sluice.stop();
    sluice = undefined;
    const device = stopped.counters?.device;
    const app = stopped.counters?.app;
    // Some requests or replies were dropped, so the peer had to resend: more datagrams than sizes.
    expect(app?.datagrams).toBeGreaterThan(400);
    expect(device?.rx_packets).toBeGreaterThan(400);
  });

  it("with --pcap writes every frame to a capture that tcpdump reads", async () => {
    const capture = join(scratch, "echo.pcap");
    sluice = await startSluice(net, "sluice", [...base, "--pcap", capture]);
    expect((await ping(net, "peer", SLUICE_IP, 5)).received).toBe(5);
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(existsSync(capture)).toBe(true);
    const read = await net.exec("sluice", ["tcpdump", "-nn", "-r", capture]);
    const echoReplies = read.stdout.split("\n").filter((line) => line.includes("ICMP echo reply"));
    expect(echoReplies).toHaveLength(5);
    const lines = read.stdout.trim().split("\n").length;
    expect(lines).toBe((stopped.counters?.device?.rx_packets ?? 0) + (stopped.counters?.device?.tx_packets ?? 0));
  });

  it("with --no-busy-poll sleeps when idle and still answers", async () => {
    sluice = await startSluice(net, "sluice", [...base, "--no-busy-poll"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await ping(net, "peer", SLUICE_IP, 20)).received).toBe(20);
    const stopped = await sluice.stop();
    sluice = undefined;
    expect(stopped.counters?.instance?.sleeps).toBeGreaterThan(0);
    // A sleeping loop polls far less than a spinning one would in the same time (tens of millions).
    expect(stopped.counters?.instance?.polls).toBeLessThan(1_000_000);
  });
});

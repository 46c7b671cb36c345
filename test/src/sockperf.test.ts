// Debian's real sockperf client against `sluice run sockperf` (UDP and TCP) over AF_XDP.
import type { Network } from "@sluice/netns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SluiceProcess, startSluice } from "./support/sluice-process.js";
import { createXdpNetwork } from "./support/sluice-server.js";

const SLUICE_IP = "198.18.0.1";

/** Runs a sockperf client mode from the peer and returns its valid-duration message counts. */
async function sockperfClient(
  net: Network,
  mode: string,
  extra: string[],
): Promise<{ sent: number; received: number; output: string }> {
  const out = await net.exec("peer", [
    "sockperf",
    mode,
    "-i",
    SLUICE_IP,
    "-p",
    "11111",
    "-t",
    "1",
    "-m",
    "64",
    ...extra,
  ]);
  const valid = /\[Valid Duration\] RunTime=[\d.]+ sec; SentMessages=(\d+); ReceivedMessages=(\d+)/.exec(out.stdout);
  if (!valid) throw new Error(`sockperf ${mode} printed no valid-duration line:\n${out.stdout}`);
  return { sent: Number(valid[1]), received: Number(valid[2]), output: out.stdout };
}

/** A peer and a Sluice host running `sluice run sockperf` over AF_XDP on port 11111. */
async function startSockperfServer(proto: "udp" | "tcp"): Promise<{ net: Network; sluice: SluiceProcess }> {
  const net = await createXdpNetwork();
  const sluice = await startSluice(net, "sluice", [
    ...["run", "sockperf", "--backend", "xdp", "--iface", "eth0", "--ip", `${SLUICE_IP}/24`],
    ...["--port", "11111", "--proto", proto],
  ]);
  return { net, sluice };
}

describe("sockperf against the Sluice sockperf server", () => {
  let net: Network;
  let sluice: SluiceProcess;

  beforeAll(async () => {
    ({ net, sluice } = await startSockperfServer("udp"));
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it("prints the sockperf ready line", () => {
    expect(sluice.readyLine).toBe(`ready sockperf udp ${SLUICE_IP}:11111 backend=xdp`);
  });

  it("answers ping-pong: every message comes back", async () => {
    const { sent, received, output } = await sockperfClient(net, "ping-pong", []);
    // How many round trips fit in the second depends on the machine's load; that every one came back does not.
    expect(sent).toBeGreaterThan(10);
    expect(received).toBe(sent);
    expect(output).toMatch(/# dropped messages = 0;/);
  });

  it("answers under-load: only the messages that ask for a pong", async () => {
    const { sent, received } = await sockperfClient(net, "under-load", ["--mps", "5000", "--reply-every", "10"]);
    expect(sent).toBeGreaterThan(50); // enough for the one-in-ten reply ratio below to show

    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(sent / 5);
    const stopped = await sluice.stop();
    expect(stopped.counters?.app?.no_reply).toBeGreaterThan(0);
    expect(stopped.counters?.app?.invalid).toBe(0);
  });
});

describe("sockperf --tcp against the Sluice TCP sockperf server", () => {
  let net: Network;
  let sluice: SluiceProcess;

  beforeAll(async () => {
    ({ net, sluice } = await startSockperfServer("tcp"));
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it("prints the sockperf tcp ready line", () => {
    expect(sluice.readyLine).toBe(`ready sockperf tcp ${SLUICE_IP}:11111 backend=xdp`);
  });

  it("answers ping-pong over TCP: every message comes back", async () => {
    const { sent, received, output } = await sockperfClient(net, "ping-pong", ["--tcp"]);
    expect(sent).toBeGreaterThan(10);
    expect(received).toBe(sent);
    expect(output).toMatch(/# dropped messages = 0;/);
    const stopped = await sluice.stop();
    // Every message the server counted was framed: none invalid, no protocol error, and the
    // replies cover at least the valid-duration messages (warm-up ones are not answered).
    expect(stopped.counters?.app?.protocol_errors).toBe(0);
    expect(stopped.counters?.app?.invalid).toBe(0);
    expect(stopped.counters?.app?.replies).toBeGreaterThanOrEqual(sent);
    expect(stopped.counters?.app?.accepted).toBeGreaterThanOrEqual(1);
  });
});

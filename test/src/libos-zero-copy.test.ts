// Zero-copy UDP over AF_XDP: a @sluice/libos echo (fixtures/libos-udp-echo.mjs) in a namespace
// pops each datagram in the UMEM frame it arrived in and sends that frame back, against the Linux
// kernel as the peer: every size byte-exact, and the LibOS's counters show no payload copy at all
// and every frame given back.
import { fileURLToPath } from "node:url";
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { udpExchange } from "./support/peer.js";
import { type SluiceProcess, startProcess } from "./support/sluice-process.js";

const SLUICE_IP = "198.18.0.1";
const PORT = 7010;
const echoFixture = fileURLToPath(new URL("./fixtures/libos-udp-echo.mjs", import.meta.url));
// Sleeping on the device when idle (busy_poll false) keeps the shared test machine's cores free.
const config = JSON.stringify({
  backend: "xdp",
  interface: "eth0",
  ipv4: `${SLUICE_IP}/24`,
  device: { busy_poll: false },
});

describe("zero-copy UDP buffers over AF_XDP (@sluice/libos)", () => {
  let net: Network;
  let echo: SluiceProcess | undefined;

  beforeAll(async () => {
    net = await createNetwork({ hosts: ["sluice", "peer"] });
    // The peer would otherwise hand over partial checksums (pitfall 1).
    await net.setOffloads("peer", { tx: false, tso: false, gso: false });
    await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
  });

  afterEach(async () => {
    await echo?.stop();
    echo = undefined;
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it("echoes every datagram size in its own UMEM frame, with no copy", async () => {
    echo = await startProcess(net, "sluice", [process.execPath, echoFixture, config, String(PORT)]);
    expect(echo.readyLine).toBe(`ready libos-udp-echo ${PORT} backend=xdp`);
    const udp = await udpExchange(net, "peer", SLUICE_IP, PORT, 1, 1472);
    expect(udp).toMatchObject({ sent: 1472, echoed: 1472, mismatched: 0, missing: [] });

    const stopped = await echo.stop();
    echo = undefined;
    expect(stopped.code).toBe(0);
    const counters = stopped.counters?.libos;
    expect(counters).toBeDefined();
    if (!counters) return;
    expect(counters.frameBudget).toBeGreaterThan(0);
    expect(counters.udpPopsZeroCopy).toBeGreaterThanOrEqual(1472); // retries may add a few
    expect(counters.udpPushesZeroCopy).toBe(counters.udpPopsZeroCopy);
    expect(counters).toMatchObject({ udpPopsCopied: 0, udpPushesCopied: 0, frameBudgetFallbacks: 0, framesHeld: 0 });
  });
});

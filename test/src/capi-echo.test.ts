// The C API end to end: packages/native/examples/echo (TCP and UDP echo written against
// sluice/libos.h, linked with libsluice.so) on AF_XDP in a namespace, with the Linux kernel as the
// peer, byte-exact both ways; and the same binary unchanged on the kernel backend (io_uring
// sockets) on a namespace's loopback.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Network } from "@sluice/netns";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { udpExchange } from "./support/peer.js";
import { type SluiceProcess, startProcess } from "./support/sluice-process.js";
import { createXdpNetwork } from "./support/sluice-server.js";

const SLUICE_IP = "198.18.0.1";
const PORT = 7007;
const echoBin = fileURLToPath(new URL("../../packages/native/build/release/echo", import.meta.url));
const tcpFixture = fileURLToPath(new URL("./fixtures/tcp-exchange.mjs", import.meta.url));
// Sleeping on the device when idle (busy_poll false) keeps the shared test machine's cores free.
const config = JSON.stringify({
  backend: "xdp",
  interface: "eth0",
  ipv4: `${SLUICE_IP}/24`,
  device: { busy_poll: false },
  tcp: { max_connections: 16, send_buffer: 262144 },
});

describe("C API echo example over AF_XDP against the Linux kernel", () => {
  let net: Network;
  let echo: SluiceProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(echoBin)) throw new Error(`${echoBin} is missing: npm run build -w @sluice/native`);
    net = await createXdpNetwork();
  });

  afterEach(async () => {
    await echo?.stop();
    echo = undefined;
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it("echoes TCP and UDP byte-exactly and stops cleanly on SIGINT", async () => {
    echo = await startProcess(net, "sluice", [echoBin, config, String(PORT)]);
    expect(echo.readyLine).toBe(`ready echo tcp+udp 0.0.0.0:${PORT}`);

    const out = await net.exec("peer", [process.execPath, tcpFixture, SLUICE_IP, String(PORT), "4", String(1 << 20)], {
      timeoutMs: 120_000,
    });
    expect(JSON.parse(out.stdout.trim())).toEqual({ connections: 4, bytes: 1 << 20, equal: 4, errors: [] });

    // Every datagram size from 1 to a full 1500-byte frame's payload.
    const udp = await udpExchange(net, "peer", SLUICE_IP, PORT, 1, 1472);
    expect(udp).toMatchObject({ sent: 1472, echoed: 1472, mismatched: 0, missing: [] });

    const stopped = await echo.stop();
    echo = undefined;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toBe("");
  });

  it("runs unchanged on the kernel backend: TCP and UDP byte-exact on 127.0.0.1", async () => {
    // In the peer namespace, so its loopback (and port) is this test's alone.
    const kernelConfig = JSON.stringify({ backend: "kernel", ipv4: "127.0.0.1/8", device: { busy_poll: false } });
    echo = await startProcess(net, "peer", [echoBin, kernelConfig, String(PORT)]);
    expect(echo.readyLine).toBe(`ready echo tcp+udp 127.0.0.1:${PORT}`);

    const out = await net.exec(
      "peer",
      [process.execPath, tcpFixture, "127.0.0.1", String(PORT), "4", String(1 << 20)],
      {
        timeoutMs: 120_000,
      },
    );
    expect(JSON.parse(out.stdout.trim())).toEqual({ connections: 4, bytes: 1 << 20, equal: 4, errors: [] });
    const udp = await udpExchange(net, "peer", "127.0.0.1", PORT, 1, 1472);
    expect(udp).toMatchObject({ sent: 1472, echoed: 1472, mismatched: 0, missing: [] });

    const stopped = await echo.stop();
    echo = undefined;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toBe("");
  });

  it("refuses a malformed configuration with the exact message and exit code 1", async () => {
    const bad = JSON.stringify({
      backend: "xdp",
      interface: "eth0",
      ipv4: `${SLUICE_IP}/24`,
      tcp: { congestion: "vegas" },
    });
    const result = await net.exec("sluice", [echoBin, bad, String(PORT)], { check: false });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('echo: config.tcp.congestion: expected "cubic" or "newreno", got "vegas"');
  });
});

// The TypeScript echo (@sluice/apps-ts on the @sluice/libos queue API) run by the CLI with
// `--impl ts` on AF_XDP in a namespace, with the Linux kernel as the peer: byte-exact TCP and UDP,
// the same ready line as the native app, a clean stop with counters.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { udpExchange } from "./support/peer.js";
import { SLUICE_IP, withSluiceServer, xdpRunArgs } from "./support/sluice-server.js";

const tcpFixture = fileURLToPath(new URL("./fixtures/tcp-exchange.mjs", import.meta.url));

function echoArgs(proto: "tcp" | "udp", port: number): string[] {
  // Sleeping on the device when idle (no busy poll) keeps the shared test machine's cores free.
  return xdpRunArgs("echo", ["--impl", "ts", "--port", String(port), "--proto", proto, "--no-busy-poll"]);
}

describe("TypeScript echo (--impl ts) over AF_XDP against the Linux kernel", () => {
  const hosts = withSluiceServer();

  it("echoes TCP byte-exactly over 4 connections and stops with its counters", async () => {
    const sluice = await hosts.start(echoArgs("tcp", 7007));
    expect(sluice.readyLine).toBe(`ready echo tcp ${SLUICE_IP}:7007 backend=xdp`);
    const out = await hosts.net.exec("peer", [process.execPath, tcpFixture, SLUICE_IP, "7007", "4", String(1 << 20)], {
      timeoutMs: 120_000,
    });
    expect(JSON.parse(out.stdout.trim())).toEqual({ connections: 4, bytes: 1 << 20, equal: 4, errors: [] });
    const stopped = await hosts.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.counters?.echo).toMatchObject({ connections: 4, bytes: 4 * (1 << 20), errors: 0 });
  });

  it("echoes UDP datagrams of every size byte-exactly", async () => {
    const sluice = await hosts.start(echoArgs("udp", 7008));
    expect(sluice.readyLine).toBe(`ready echo udp ${SLUICE_IP}:7008 backend=xdp`);
    const udp = await udpExchange(hosts.net, "peer", SLUICE_IP, 7008, 1, 1472);
    expect(udp).toMatchObject({ sent: 1472, echoed: 1472, mismatched: 0, missing: [] });
    const stopped = await hosts.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.counters?.echo).toMatchObject({ messages: 1472, bytes: (1472 * 1473) / 2, errors: 0 });
  });
});

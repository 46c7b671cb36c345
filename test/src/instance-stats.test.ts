// The counters an instance publishes for the agent equal the app's own counters after a known
// number of packets, while it runs and after it stops.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { readInstanceStats } from "@sluice/libos";
import { withNetwork } from "@sluice/netns";
import { describe, expect, it } from "vitest";
import { udpExchange } from "./support/peer.js";
import { startSluice } from "./support/sluice-process.js";

const SLUICE_IP = "198.18.0.1";

describe("instance stats file", () => {
  it("counts exactly the datagrams echoed, live and final", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "sluice-stats-"));
    const statsFile = join(scratch, "echo.stats");
    try {
      await withNetwork({ hosts: ["sluice", "peer"] }, async (net) => {
        await net.setOffloads("peer", { tx: false, tso: false, gso: false });
        await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
        const sluice = await startSluice(net, "sluice", [
          ...["run", "echo", "--backend", "xdp", "--iface", "eth0", "--ip", `${SLUICE_IP}/24`, "--port", "7"],
          ...["--stats-file", statsFile],
        ]);
        const before = readInstanceStats(statsFile);
        expect(before.running).toBe(true);
        expect(before.counters.app?.datagrams).toBe(0);

        const exchange = await udpExchange(net, "peer", SLUICE_IP, 7, 1, 300);
        expect(exchange.echoed).toBe(300);
        await new Promise((resolve) => setTimeout(resolve, 250)); // > one publication interval
        const live = readInstanceStats(statsFile);
        expect(live.running).toBe(true);
        expect(live.counters.app?.datagrams).toBe(300);
        expect(live.counters.interface?.tx_frames).toBeGreaterThanOrEqual(300);
        expect(live.sequence).toBeGreaterThan(before.sequence);

        const stopped = await sluice.stop();
        const final = readInstanceStats(statsFile);
        expect(final.running).toBe(false);
        expect(final.counters.app).toEqual(stopped.counters?.app);
        expect(final.counters.device?.rx_packets).toBe(stopped.counters?.device?.rx_packets);
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("publishes open TCP connections and the round trips the stack timed", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "sluice-stats-"));
    const statsFile = join(scratch, "echo.stats");
    const connections = 12;
    // Opens the connections, echoes one message on each, says "open", closes all on a line from stdin.
    const client = [
      "import socket, sys",
      `conns = [socket.create_connection(("${SLUICE_IP}", 7), timeout=10) for _ in range(${connections})]`,
      "for c in conns:",
      "    c.sendall(b'ping')",
      "    assert c.recv(16) == b'ping'",
      "print('open', flush=True)",
      "sys.stdin.readline()",
      "for c in conns: c.close()",
      "print('closed', flush=True)",
    ].join("\n");
    try {
      await withNetwork({ hosts: ["sluice", "peer"] }, async (net) => {
        await net.setOffloads("peer", { tx: false, tso: false, gso: false });
        await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
        const sluice = await startSluice(net, "sluice", [
          ...["run", "echo", "--proto", "tcp", "--backend", "xdp", "--iface", "eth0"],
          ...["--ip", `${SLUICE_IP}/24`, "--port", "7", "--stats-file", statsFile],
        ]);
        const peer = net.spawn("peer", ["python3", "-c", client], { stdio: ["pipe", "pipe", "inherit"] });
        try {
          const lines = createInterface({ input: peer.stdout! })[Symbol.asyncIterator]();
          expect((await lines.next()).value).toBe("open");
          await new Promise((resolve) => setTimeout(resolve, 250)); // > one publication interval
          const open = readInstanceStats(statsFile).counters;
          expect(open.tcp?.connections_open).toBe(connections);
          expect(open.tcp?.segments_retransmitted).toBe(0);
          const timed = Object.entries(open.tcp_rtt_us ?? {}).filter(([name]) => name.startsWith("le_"));
          expect(timed.length).toBe(19);
          expect(timed.reduce((sum, [, count]) => sum + count, 0)).toBeGreaterThanOrEqual(connections);

          peer.stdin!.write("\n");
          expect((await lines.next()).value).toBe("closed");
          let after = open;
          for (let tries = 0; tries < 50 && after.tcp?.connections_open !== 0; tries += 1) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            after = readInstanceStats(statsFile).counters;
          }
          expect(after.tcp?.connections_open).toBe(0);
        } finally {
          peer.kill();
        }
        await sluice.stop();
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

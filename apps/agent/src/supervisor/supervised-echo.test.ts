// A real `sluice run echo --backend xdp` under the supervisor, inside a test host: started, seen
// ready by its ready line, checked with a UDP exchange from a Linux peer, killed with SIGKILL and
// restarted with backoff (twice), then stopped with SIGTERM so it prints its counters.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { udpEchoExchange } from "../../test-support/udp-exchange.js";
import { sluiceAppSpec } from "./spec.js";
import type { InstanceRecord } from "./state-store.js";
import { Supervisor } from "./supervisor.js";

const SLUICE_IP = "198.18.0.1";

describe("a supervised sluice echo over xdp", () => {
  let net: Network;
  let stateDir: string;
  let supervisor: Supervisor;

  const exchange = (count: number) => udpEchoExchange(net, "peer", SLUICE_IP, 7, count);

  beforeAll(async () => {
    net = await createNetwork({ hosts: ["sluice", "peer"] });
    await net.setOffloads("peer", { tx: false, tso: false, gso: false });
    await net.exec("sluice", ["ip", "addr", "flush", "dev", "eth0"]);
    stateDir = mkdtempSync(join(tmpdir(), "sluice-echo-state-"));
    supervisor = new Supervisor({
      stateDir,
      backoff: { initialMs: 200, maxMs: 2000, factor: 2, jitter: 0.2, resetAfterMs: 60_000, crashLoopAfter: 5 },
    });
  });

  afterAll(async () => {
    await supervisor?.stopAll();
    await net?.destroy();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("runs, restarts after SIGKILL with backoff, and stops with its counters", async () => {
    const spec = sluiceAppSpec(
      ["run", "echo", "--backend", "xdp", "--iface", "eth0", "--queue", "0", "--ip", `${SLUICE_IP}/24`, "--port", "7"],
      { id: "echo-1", cores: [1], nic: "eth0", queues: [0], netns: net.host("sluice").namespace },
    );
    expect(spec.program.slice(-2)).toEqual(["--core", "1"]);
    const restarts: InstanceRecord[] = [];
    supervisor.on("restart", (record: InstanceRecord) => restarts.push(structuredClone(record)));
    supervisor.start(spec);
    const ready = await supervisor.waitFor("echo-1", ["ready"]);
    expect(ready.readyLine).toBe(`ready echo udp ${SLUICE_IP}:7 backend=xdp`);
    expect(await exchange(20)).toEqual({ sent: 20, echoed: 20 });

    let pid = ready.pid!;
    for (const round of [1, 2]) {
      const killedAt = Date.now();
      process.kill(pid, "SIGKILL");
      await supervisor.waitFor("echo-1", ["backoff"]);
      const again = await supervisor.waitFor("echo-1", ["ready"]);
      // Nominal delays 200 and 400 ms, less at most 20 % jitter.
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(round === 1 ? 160 : 320);
      expect(again.restarts).toBe(round);
      expect(again.pid).not.toBe(pid);
      expect(again.exits.at(-1)).toMatchObject({ code: null, signal: "SIGKILL" });
      expect(await exchange(20)).toEqual({ sent: 20, echoed: 20 });
      pid = again.pid!;
    }
    expect(restarts.map((r) => r.restarts)).toEqual([1, 2]);

    const stopped = await supervisor.stop("echo-1");
    expect(stopped.state).toBe("stopped");
    expect(stopped.exits.at(-1)).toMatchObject({ code: 0, signal: null });
    const log = readFileSync(stopped.logFile, "utf8");
    expect(log.match(/^ready echo udp /gm)).toHaveLength(3);
    const counters = JSON.parse(/^counters (.*)$/m.exec(log)![1]!);
    expect(counters.app.datagrams).toBeGreaterThanOrEqual(20);
  });
});

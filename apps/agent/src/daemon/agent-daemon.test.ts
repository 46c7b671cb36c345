// The real `sluice agent` binary against a real control plane (appRouter on PGlite over HTTP), in a
// test host: join, heartbeats, an allocated echo started over AF_XDP and reported running, stats
// equal to the app's own counters, a killed instance restarted, Prometheus output, 30 s without the
// control plane (apps keep running, stats resume), an agent restart that adopts the same pids, a
// released instance stopped, and a refused join token.
import { type ChildProcess, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readInstanceStats } from "@sluice/libos";
import { createNetwork, type Network } from "@sluice/netns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestControlPlane } from "../../test-support/control-plane.js";
import { udpEchoExchange } from "../../test-support/udp-exchange.js";
import { parseExposition } from "../metrics/parse-exposition.js";
import { statsFilePath } from "../stats/instance-counters.js";
import { isAlive } from "../supervisor/proc.js";
import type { InstanceRecord } from "../supervisor/state-store.js";

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));
const SLUICE_IP = "198.18.0.1";
const RELAY_PORT = 18_080;
const CONTROL_PLANE = `http://127.0.0.1:${RELAY_PORT}`;

interface AgentProcess {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("sluice agent against a real control plane", () => {
  let plane: TestControlPlane;
  let net: Network;
  let stateDir: string;
  let agent: AgentProcess;
  let admin: Awaited<ReturnType<TestControlPlane["admin"]>>;
  let nodeId: string;
  let echoId: string;
  let programId: string | undefined;
  /** What the first echo process reported in total, before it was killed. */
  let reportedBeforeKill = 0;

  const startAgent = (args: string[], dir = stateDir): AgentProcess => {
    const child = net.spawn("node", [process.execPath, bin, "agent", "--state-dir", dir, ...args]);
    let text = "";
    const logs: Record<string, unknown>[] = [];
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
      for (const line of chunk.split("\n")) {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // partial line or a plain message; kept in text
        }
      }
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, logs, stderr: () => text, exited };
  };
  const logged = (process: AgentProcess, msg: string) =>
    until(`log "${msg}"\n${process.stderr()}`, () => process.logs.find((line) => line.msg === msg));
  const record = (id: string) =>
    JSON.parse(readFileSync(join(stateDir, "instances", id, "state.json"), "utf8")) as InstanceRecord;
  const reported = async (id: string) =>
    (await admin.allocation.listInstances({ nodeId })).find((i) => i.id === id)?.reportedState;
  const exchange = (count: number) => udpEchoExchange(net, "peer", SLUICE_IP, 7, count);
  const reportedTotal = (id: string, field: "rxPackets" | "txPackets") =>
    plane.samples.filter((s) => s.instanceId === id).reduce((sum, s) => sum + s[field], 0);

  beforeAll(async () => {
    plane = await TestControlPlane.create();
    await plane.listen();
    admin = await plane.admin();
    net = await createNetwork({ hosts: ["node", "peer"] });
    await net.setOffloads("peer", { tx: false, tso: false, gso: false });
    // Without IPv6 the peer's kernel sends nothing on its own (no router solicitations, no MLD), so
    // every frame the echo receives is one this test sent, or ARP.
    await net.exec("peer", ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"]);
    await net.exec("node", ["ip", "addr", "flush", "dev", "eth0"]);
    await net.relayToSocket("node", RELAY_PORT, plane.socketPath);
    stateDir = mkdtempSync(join(tmpdir(), "sluice-agent-"));
  });

  afterAll(async () => {
    agent?.child.kill("SIGTERM");
    await agent?.exited;
    // Whatever the agent left running (it never stops instances on its own exit) goes now.
    for (const id of [echoId, programId].filter((id): id is string => id !== undefined)) {
      try {
        const pid = record(id).pid;
        if (pid) process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await net?.destroy();
    await plane?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("joins with a one-time token, keeps its credential 0600, and the node goes ready", async () => {
    const { token } = await admin.tokens.create({ ttlMinutes: 10 });
    agent = startAgent([
      ...["--control-plane", CONTROL_PLANE, "--token", token, "--name", "edge-test"],
      ...["--heartbeat-interval", "1", "--metrics-listen", "127.0.0.1:9464"],
      // Other tests on this shared machine pin processes to its two cores at any moment; refusing
      // such cores is covered in pinned-processes.test.ts.
      "--allow-shared-cores",
    ]);
    const joined = await logged(agent, "joined the control plane");
    nodeId = joined.nodeId as string;
    expect(statSync(join(stateDir, "credential.json")).mode & 0o777).toBe(0o600);
    const credential = JSON.parse(readFileSync(join(stateDir, "credential.json"), "utf8"));
    expect(credential).toMatchObject({ nodeId, controlPlane: CONTROL_PLANE });
    expect(credential.credential).toMatch(/^snc_/);
    const node = await until("node ready", async () =>
      (await admin.nodes.list()).find((n) => n.id === nodeId && n.state === "ready"),
    );
    expect(node.name).toBe("edge-test");
  });

  it("runs an allocated echo, reports it running, and its stats equal the app's own counters", async () => {
    const echo = await admin.allocation.allocate({
      nodeId,
      app: "echo",
      version: "1",
      config: { ip: `${SLUICE_IP}/24`, port: 7, busyPoll: false },
      cores: 1,
      queues: 1,
      nic: "eth0",
    });
    echoId = echo.instanceId;
    // A built-in with an incomplete config (no NIC, so no address to default to) fails on its own, with the
    // reason; the echo is unaffected.
    const kv = await admin.allocation.allocate({
      nodeId,
      app: "kv",
      version: "1",
      config: { port: 6379, proto: "tcp" },
      cores: 1,
      queues: 0,
    });
    await until("echo running", async () => (await reported(echoId)) === "running");
    await until("kv failed", async () => (await reported(kv.instanceId)) === "failed");
    // The recorder sees the heartbeat's body a moment after the database has its state.
    const kvStatus = await until("kv status", () => plane.statuses.find((s) => s.instanceId === kv.instanceId));
    expect(kvStatus.message).toBe("config ip is required (this instance's address, A.B.C.D/LEN)");
    await admin.allocation.release({ id: kv.instanceId });

    expect(await exchange(200)).toEqual({ sent: 200, echoed: 200 });
    const statsFile = statsFilePath(stateDir, echoId);
    const own = await until("stats reported", () => {
      const stats = readInstanceStats(statsFile);
      const done =
        stats.counters.app?.datagrams === 200 &&
        reportedTotal(echoId, "rxPackets") === stats.counters.device?.rx_packets &&
        reportedTotal(echoId, "txPackets") === stats.counters.device?.tx_packets;
      return done ? stats : undefined;
    });
    expect(own.counters.device?.rx_packets).toBeGreaterThanOrEqual(200);

    // `sluice stats` reads the same files, without asking the agent.
    const json = spawnSync(process.execPath, [bin, "stats", "--json", "--app", "echo", "--state-dir", stateDir], {
      encoding: "utf8",
    });
    expect(json.status).toBe(0);
    const [row] = JSON.parse(json.stdout).instances;
    expect(row).toMatchObject({ id: echoId, app: "echo", state: "ready", queue: "eth0:0" });
    expect(row.totals.rxPackets).toBe(readInstanceStats(statsFile).counters.device?.rx_packets);
    expect(row.rates.rxPps).toBeGreaterThanOrEqual(0);
    const table = spawnSync(process.execPath, [bin, "stats", "--state-dir", stateDir], { encoding: "utf8" });
    expect(table.stdout.split("\n")[0]).toMatch(/^INSTANCE +APP +STATE +QUEUE +RX PPS +TX PPS +RX MBIT\/S/);
    expect(table.stdout).toContain(echoId);
  });

  it("restarts a killed instance with backoff and reports it running again", async () => {
    const before = record(echoId);
    reportedBeforeKill = reportedTotal(echoId, "rxPackets");
    process.kill(before.pid!, "SIGKILL");
    const after = await until("restarted", () => {
      const now = record(echoId);
      return now.state === "ready" && now.pid !== before.pid ? now : undefined;
    });
    expect(after.restarts).toBe(before.restarts + 1);
    expect(after.exits.at(-1)).toMatchObject({ signal: "SIGKILL" });
    expect(agent.logs.find((l) => l.msg === "instance exit" && l.instance === echoId)).toMatchObject({
      signal: "SIGKILL",
    });
    const backoff = agent.logs.find((l) => l.msg === "instance state" && l.instance === echoId && l.to === "backoff");
    expect(backoff).toMatchObject({
      from: "ready",
      reason: expect.stringMatching(/^killed by SIGKILL; restarting in \d+ ms$/),
    });
    await until("running again", async () => (await reported(echoId)) === "running");
    expect(await exchange(20)).toEqual({ sent: 20, echoed: 20 });
  });

  it("serves Prometheus metrics that a strict parser accepts", async () => {
    const scrape = async () => {
      const out = await net.exec("node", [
        process.execPath,
        "-e",
        "fetch('http://127.0.0.1:9464/metrics').then(async (r) => process.stdout.write(r.headers.get('content-type') + '\\n' + (await r.text())))",
      ]);
      const [contentType, ...rest] = out.stdout.split("\n");
      return { contentType, families: parseExposition(rest.join("\n")) };
    };
    // The agent samples once a second (and the peer's kernel sends the odd IPv6 packet): scrape
    // until the exported counter is what the instance's own stats file says.
    const { contentType, families } = await until("metrics caught up", async () => {
      const scraped = await scrape();
      const rx = scraped.families.get("sluice_instance_rx_packets_total")?.samples[0]?.value;
      const own = readInstanceStats(statsFilePath(stateDir, echoId)).counters.device?.rx_packets;
      return rx === own ? scraped : undefined;
    });
    expect(contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(families.get("sluice_agent_up")?.samples).toEqual([
      { name: "sluice_agent_up", labels: { node: "edge-test" }, value: 1 },
    ]);
    const rx = families.get("sluice_instance_rx_packets_total")!;
    expect(rx.type).toBe("counter");
    expect(rx.samples).toHaveLength(1);
    expect(rx.samples[0]!.labels).toEqual({
      node: "edge-test",
      app: "echo",
      instance: echoId,
      nic: "eth0",
      queue: "0",
    });
    expect(families.get("sluice_app_rx_packets_total")?.samples).toEqual([
      { name: "sluice_app_rx_packets_total", labels: { node: "edge-test", app: "echo" }, value: rx.samples[0]!.value },
    ]);
    const ready = families.get("sluice_agent_instances")!.samples.find((s) => s.labels.state === "ready");
    expect(ready?.value).toBe(1);
    expect(families.get("sluice_instance_restarts_total")?.samples[0]?.value).toBe(1);
    expect(families.get("sluice_agent_heartbeat_failures_total")?.type).toBe("counter");
  });

  it("keeps apps running for 30 s without the control plane and resumes stats when it is back", async () => {
    const pid = record(echoId).pid;
    await plane.stopServing();
    await logged(agent, "control plane unreachable; apps keep running, reconnecting with backoff");
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    expect(await exchange(100)).toEqual({ sent: 100, echoed: 100 });
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    expect(agent.logs.filter((l) => String(l.msg).startsWith("control plane unreachable"))).toHaveLength(1);
    expect(record(echoId).pid).toBe(pid);
    await plane.listen();
    await logged(agent, "control plane reachable again");
    // Samples buffered during the outage arrive: the restarted process's counters (20 + 100 echoes)
    // are met exactly by what was reported since the restart.
    let seen = "";
    await until("stats resumed", () => {
      const stats = readInstanceStats(statsFilePath(stateDir, echoId));
      const sinceKill = reportedTotal(echoId, "rxPackets") - reportedBeforeKill;
      seen = `reported ${sinceKill}, file ${stats.counters.device?.rx_packets}, datagrams ${stats.counters.app?.datagrams}`;
      return sinceKill === stats.counters.device?.rx_packets && stats.counters.app?.datagrams === 120
        ? true
        : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}: ${seen}`);
    });
    expect(record(echoId).pid).toBe(pid);
  }, 120_000);

  it("adopts the running instance after an agent restart (same pid) and ignores --token", async () => {
    const pid = record(echoId).pid!;
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
    expect(isAlive(pid)).toBe(true);
    agent = startAgent(["--control-plane", CONTROL_PLANE, "--token", "sjt_ignored", "--heartbeat-interval", "1"]);
    await logged(agent, "using the stored node credential; --token is ignored");
    const adopted = await logged(agent, "instance adopted");
    expect(adopted).toMatchObject({ id: echoId, action: "adopted" });
    await logged(agent, "connected to the control plane");
    await until("still running", async () => (await reported(echoId)) === "running");
    expect(record(echoId).pid).toBe(pid);
    expect(await exchange(10)).toEqual({ sent: 10, echoed: 10 });
  });

  it("stops an instance whose allocation is released", async () => {
    const pid = record(echoId).pid!;
    await admin.allocation.release({ id: echoId });
    await until("stopped", () => !isAlive(pid));
    await until("forgotten", () => {
      try {
        record(echoId);
        return undefined;
      } catch {
        return true;
      }
    });
    // The log line follows the state dir's removal by a moment.
    await until("stop logged", () =>
      agent.logs.find((l) => l.msg === "instance stop" && l.instance === echoId && l.ok),
    );
  });

  it("runs an unmodified redis-server as a program app under sluice accelerate, with its stats", async () => {
    const app = await admin.apps.create({ name: "redis" });
    // (The control plane refuses empty arguments, so no `--save ""`: redis would save only after an hour.)
    const command = ["/usr/bin/redis-server", "--port", "6390", "--bind", SLUICE_IP, "--appendonly", "no"];
    command.push("--protected-mode", "no", "--dir", stateDir);
    await admin.apps.createVersion({
      appId: app.id,
      version: "7",
      artifact: { kind: "program", command },
      config: { ip: `${SLUICE_IP}/24`, busyPoll: false },
      placement: { instancesPerNode: 1, nodeNames: [] },
      coresPerInstance: 1,
      queuesPerInstance: 1,
    });
    const redis = await admin.allocation.allocate({
      nodeId,
      app: "redis",
      version: "7",
      config: { ip: `${SLUICE_IP}/24`, busyPoll: false },
      cores: 1,
      queues: 1,
      nic: "eth0",
    });
    programId = redis.instanceId;
    await until("redis running", async () => (await reported(redis.instanceId)) === "running").catch((error) => {
      const status = plane.statuses.find((s) => s.instanceId === redis.instanceId);
      const log = readFileSync(join(stateDir, "logs", `${redis.instanceId}.log`), "utf8");
      throw new Error(`${error.message}: ${JSON.stringify(status)}\n${log}`);
    });
    const cli = (...args: string[]) =>
      net.exec("peer", ["redis-cli", "-h", SLUICE_IP, "-p", "6390", ...args], { timeoutMs: 30_000 });
    const pong = await until("redis answers", async () => {
      const out = await net.exec("peer", ["redis-cli", "-h", SLUICE_IP, "-p", "6390", "PING"], { check: false });
      return out.stdout.trim() === "PONG" ? out.stdout.trim() : undefined;
    });
    expect(pong).toBe("PONG");
    expect((await cli("SET", "accelerated", "yes")).stdout.trim()).toBe("OK");
    expect((await cli("GET", "accelerated")).stdout.trim()).toBe("yes");
    // The preload library publishes the instance's counters where the agent samples them.
    const stats = await until("redis stats", () => {
      const read = readInstanceStats(statsFilePath(stateDir, redis.instanceId));
      return (read.counters.device?.rx_packets ?? 0) > 0 ? read : undefined;
    });
    expect(stats.counters.interface).toBeDefined();
    const json = spawnSync(process.execPath, [bin, "stats", "--json", "--app", "redis", "--state-dir", stateDir], {
      encoding: "utf8",
    });
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout).instances[0]).toMatchObject({ id: redis.instanceId, app: "redis", queue: "eth0:0" });
    const pid = record(redis.instanceId).pid!;
    await admin.allocation.release({ id: redis.instanceId });
    await until("redis stopped", () => !isAlive(pid));
  });

  it("exits 1 with the server's reason for a used or unknown join token", async () => {
    const { token } = await admin.tokens.create({ ttlMinutes: 10 });
    const other = mkdtempSync(join(tmpdir(), "sluice-agent-other-"));
    try {
      const first = startAgent(["--control-plane", CONTROL_PLANE, "--token", token], other);
      await logged(first, "joined the control plane");
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);
      rmSync(join(other, "credential.json"));
      const reused = startAgent(["--control-plane", CONTROL_PLANE, "--token", token], other);
      expect(await reused.exited).toBe(1);
      expect(reused.stderr()).toContain("sluice: the control plane refused to join: join token is used\n");
      const unknown = startAgent(["--control-plane", CONTROL_PLANE, "--token", "sjt_wrong"], other);
      expect(await unknown.exited).toBe(1);
      expect(unknown.stderr()).toContain("join token is unknown");
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("keeps retrying a first join while the control plane is unreachable, saying so once", async () => {
    const other = mkdtempSync(join(tmpdir(), "sluice-agent-unreachable-"));
    try {
      const waiting = startAgent(["--control-plane", "http://127.0.0.1:18081", "--token", "sjt_any"], other);
      const line = await logged(waiting, "control plane unreachable; retrying the join with backoff");
      expect(String(line.error)).toContain("ECONNREFUSED");
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(waiting.logs.filter((l) => String(l.msg).includes("unreachable"))).toHaveLength(1);
      waiting.child.kill("SIGTERM");
      expect(await waiting.exited).toBe(0);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

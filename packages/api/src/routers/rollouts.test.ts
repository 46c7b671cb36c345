import { auditLog, instances, openPostgres, rolloutSteps, rollouts } from "@sluice/db";
import { exampleInventory } from "@sluice/proto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Caller, rejection, useControlPlane } from "../../test-support/harness.js";
import { ROLLOUT_LEADER_LOCK, tickRollouts } from "../rollouts/driver.js";

const plane = useControlPlane();

interface Agent {
  nodeId: string;
  hostname: string;
  agent: Caller;
}

/** Like a real agent: reads its desired state and reports each instance as `report` says. */
async function heartbeat(node: Agent, report: (app: string, version: string) => "running" | "failed") {
  const desired = await node.agent.agent.desiredState();
  await node.agent.agent.heartbeat({
    inventory: exampleInventory({ hostname: node.hostname }),
    instances: desired.instances.map((instance) => ({
      instanceId: instance.id,
      state: report(instance.app, instance.version),
    })),
  });
  return desired;
}

async function fleet(operator: Caller, names: string[]): Promise<Agent[]> {
  const nodes: Agent[] = [];
  for (const hostname of names) {
    const joined = await plane().joinNode(operator, exampleInventory({ hostname }));
    nodes.push({ ...joined, hostname });
  }
  return nodes;
}

async function kvApp(operator: Caller) {
  const app = await operator.apps.create({ name: "kv" });
  const version = (name: string, config: Record<string, unknown>) =>
    operator.apps.createVersion({
      appId: app.id,
      version: name,
      artifact: { kind: "builtin", name: "kv" },
      config,
      coresPerInstance: 1,
      queuesPerInstance: 1,
    });
  return { app, v1: await version("v1", { port: 6379 }), v2: await version("v2", { port: -1 }) };
}

/** Ticks once a simulated second, letting the agents report in between, until the rollout is done. */
async function runToEnd(operator: Caller, id: string, nodes: Agent[], report: Parameters<typeof heartbeat>[1]) {
  for (let tick = 0; tick < 20; tick += 1) {
    await tickRollouts(plane().db, plane().now);
    for (const node of nodes) await heartbeat(node, report);
    plane().advance(1000);
    const rollout = await operator.rollouts.get({ id });
    if (["succeeded", "rolled-back", "aborted"].includes(rollout.phase)) return rollout;
  }
  throw new Error("rollout did not finish in 20 ticks");
}

const versionsByNode = async (operator: Caller, appId: number) =>
  (await operator.apps.get({ id: appId })).instances.map((instance) => `${instance.nodeName}:${instance.version}`);

describe("rollouts", () => {
  it("rolls v1 out, then rolls v2 back automatically when its instances fail, keeping v1 placed", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const nodes = await fleet(operator, ["edge-a", "edge-b"]);
    const { app, v1, v2 } = await kvApp(operator);
    const healthyV1 = (_app: string, version: string) => (version === "v1" ? "running" : "failed");

    const first = await operator.rollouts.start({ versionId: v1.id, maxUnavailable: 1 });
    expect(first.slots).toBe(2);
    const done = await runToEnd(operator, first.id, nodes, healthyV1);
    expect(done.phase).toBe("succeeded");
    expect(await versionsByNode(operator, app.id)).toEqual(["edge-a:v1", "edge-b:v1"]);
    // maxUnavailable 1: edge-b started only after edge-a was healthy.
    expect(done.steps.map((step) => step.message)).toEqual([
      "started by otto: 2 instance(s) of v1 on edge-a, edge-b",
      "updating the instance on edge-a",
      "instance on edge-a is healthy",
      "updating the instance on edge-b",
      "instance on edge-b is healthy",
      "succeeded: every instance runs the new version",
    ]);

    const second = await operator.rollouts.start({ versionId: v2.id, maxUnavailable: 1 });
    const rolledBack = await runToEnd(operator, second.id, nodes, healthyV1);
    expect(rolledBack.phase).toBe("rolled-back");
    expect(rolledBack.reason).toBe("rolled back: instance on edge-a reported failed");
    expect(await versionsByNode(operator, app.id)).toEqual(["edge-a:v1", "edge-b:v1"]);
    const desired = await heartbeat(nodes[0]!, healthyV1);
    expect(desired.instances.map((instance) => [instance.version, instance.config])).toEqual([["v1", { port: 6379 }]]);
    expect(rolledBack.steps.map((step) => step.kind)).toEqual([
      "command",
      "slot.start",
      "slot.failed",
      "slot.revert",
      "phase",
      "slot.restored",
    ]);

    const phases = await plane().db.select().from(auditLog).where(eq(auditLog.action, "rollout.phase"));
    expect(phases.map((row) => [row.actorName, row.after])).toEqual([
      ["system", { phase: "succeeded", reason: null }],
      ["system", { phase: "rolled-back", reason: "rolled back: instance on edge-a reported failed" }],
    ]);
  });

  it("rolls back an instance that never reports running within the health timeout", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const [node] = await fleet(operator, ["edge-a"]);
    const { app, v1 } = await kvApp(operator);
    const { id } = await operator.rollouts.start({ versionId: v1.id, healthTimeoutSeconds: 5 });
    await tickRollouts(plane().db, plane().now);
    expect(await versionsByNode(operator, app.id)).toEqual(["edge-a:v1"]);
    plane().advance(5000);
    await tickRollouts(plane().db, plane().now);
    const rollout = await operator.rollouts.get({ id });
    expect(rollout.reason).toBe("rolled back: instance on edge-a not healthy within 5 s (reported nothing)");
    // A first rollout has nothing to restore: the instance is removed.
    expect(await versionsByNode(operator, app.id)).toEqual([]);
    expect((await node!.agent.agent.desiredState()).instances).toEqual([]);
  });

  it("pauses after a canary until promoted; viewers cannot command; one rollout per app", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const viewer = await plane().userCaller("vera", "viewer");
    const nodes = await fleet(operator, ["edge-a", "edge-b", "edge-c"]);
    const { app, v1, v2 } = await kvApp(operator);
    const running = () => "running" as const;
    const { id } = await operator.rollouts.start({ versionId: v1.id, maxUnavailable: 3, canary: 1 });
    expect((await rejection(operator.rollouts.start({ versionId: v2.id }))).code).toBe("CONFLICT");
    expect((await rejection(viewer.rollouts.start({ versionId: v2.id }))).code).toBe("FORBIDDEN");

    for (let tick = 0; tick < 3; tick += 1) {
      await tickRollouts(plane().db, plane().now);
      for (const node of nodes) await heartbeat(node, running);
    }
    expect((await viewer.rollouts.get({ id })).phase).toBe("awaiting-promotion");
    expect(await versionsByNode(operator, app.id)).toEqual(["edge-a:v1"]);

    expect((await rejection(viewer.rollouts.promote({ id }))).code).toBe("FORBIDDEN");
    const early = await rejection(operator.rollouts.resume({ id }));
    expect([early.code, early.message]).toEqual([
      "PRECONDITION_FAILED",
      "cannot resume a rollout that is awaiting-promotion (only when paused)",
    ]);
    await operator.rollouts.promote({ id });
    expect((await runToEnd(operator, id, nodes, running)).phase).toBe("succeeded");
    expect(await versionsByNode(operator, app.id)).toEqual(["edge-a:v1", "edge-b:v1", "edge-c:v1"]);
    const phases = await plane().db.select().from(auditLog).where(eq(auditLog.action, "rollout.phase"));
    expect(phases.map((row) => [row.actorName, (row.after as { phase: string }).phase])).toEqual([
      ["system", "awaiting-promotion"],
      ["otto", "running"],
      ["system", "succeeded"],
    ]);
  });

  it("stops touching instances while paused and reverts them on abort", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const nodes = await fleet(operator, ["edge-a", "edge-b"]);
    const { app, v1, v2 } = await kvApp(operator);
    const running = () => "running" as const;
    await runToEnd(operator, (await operator.rollouts.start({ versionId: v1.id })).id, nodes, running);

    const { id } = await operator.rollouts.start({ versionId: v2.id });
    await tickRollouts(plane().db, plane().now);
    await operator.rollouts.pause({ id });
    for (const node of nodes) await heartbeat(node, running);
    await tickRollouts(plane().db, plane().now);
    expect(await versionsByNode(operator, app.id)).toEqual(["edge-a:v2", "edge-b:v1"]);

    await operator.rollouts.abort({ id });
    await tickRollouts(plane().db, plane().now);
    const rollout = await operator.rollouts.get({ id });
    expect([rollout.phase, rollout.reason]).toEqual(["aborted", "aborted by otto"]);
    expect(await versionsByNode(operator, app.id)).toEqual(["edge-a:v1", "edge-b:v1"]);
    const commands = await plane().db.select().from(rolloutSteps).where(eq(rolloutSteps.kind, "command"));
    expect(commands.map((step) => step.message).slice(-2)).toEqual(["paused by otto", "abort requested by otto"]);
  });

  it("refuses a rollout nobody can take, naming the node", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const [node] = await fleet(operator, ["edge-a"]);
    await operator.nodes.cordon({ id: node!.nodeId });
    const { app } = await kvApp(operator);
    const pinned = await operator.apps.createVersion({
      appId: app.id,
      version: "v3",
      artifact: { kind: "builtin", name: "kv" },
      placement: { instancesPerNode: 1, nodeNames: ["edge-a", "edge-z"] },
      coresPerInstance: 1,
      queuesPerInstance: 0,
    });
    const error = await rejection(operator.rollouts.start({ versionId: pinned.id }));
    expect(error.message).toBe("cannot place on: edge-z has not joined; edge-a is cordoned");
    expect(await plane().db.select().from(instances)).toEqual([]);
  });

  it("keeps driving the other rollouts when one of them cannot advance", async () => {
    const operator = await plane().userCaller("otto", "operator");
    await fleet(operator, ["edge-a"]);
    const { app, v1 } = await kvApp(operator);
    const broken = await operator.rollouts.start({ versionId: v1.id });
    await plane()
      .db.update(rollouts)
      .set({ state: { phase: "running", slots: null } })
      .where(eq(rollouts.id, broken.id));
    const other = await operator.apps.create({ name: "echo" });
    const echo = await operator.apps.createVersion({
      appId: other.id,
      version: "1",
      artifact: { kind: "builtin", name: "echo" },
      coresPerInstance: 1,
      queuesPerInstance: 0,
    });
    const healthy = await operator.rollouts.start({ versionId: echo.id });
    const report = await tickRollouts(plane().db, plane().now);
    expect(report.advanced).toEqual([healthy.id]);
    expect(report.failed.map((failure) => failure.id)).toEqual([broken.id]);
    expect(await versionsByNode(operator, other.id)).toEqual(["edge-a:1"]);
    expect(await versionsByNode(operator, app.id)).toEqual([]);
  });

  // Two replicas need two connections to one database: real Postgres only (the PG run of `npm test`).
  it.runIf(process.env.SLUICE_TEST_DATABASE_URL)(
    "lets only one replica drive rollouts: the other skips while the leader lock is held",
    async () => {
      const operator = await plane().userCaller("otto", "operator");
      await fleet(operator, ["edge-a"]);
      const { app, v1 } = await kvApp(operator);
      await operator.rollouts.start({ versionId: v1.id });

      const name = (await plane().db.execute(sql`select current_database() as name`)) as unknown as {
        rows: Array<{ name: string }>;
      };
      const url = new URL(process.env.SLUICE_TEST_DATABASE_URL!);
      url.pathname = `/${name.rows[0]!.name}`;
      const replica = await openPostgres(url.toString());
      try {
        let release!: () => void;
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => {
          locked = resolve;
        });
        const leader = replica.db.transaction(async (tx) => {
          await tx.execute(sql`select pg_advisory_xact_lock(${ROLLOUT_LEADER_LOCK})`);
          locked();
          await held;
        });
        await isLocked;
        expect(await tickRollouts(plane().db, plane().now)).toEqual({ leader: false, advanced: [], failed: [] });
        expect(await versionsByNode(operator, app.id)).toEqual([]);
        release();
        await leader;
        const report = await tickRollouts(plane().db, plane().now);
        expect(report.leader).toBe(true);
        expect(await versionsByNode(operator, app.id)).toEqual(["edge-a:v1"]);
      } finally {
        await replica.close();
      }
    },
  );
});

describe("error-rate gate", () => {
  it("rolls a version back when its instance drops more than the version's bound, measured from agent stats", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const [node] = await fleet(operator, ["edge-a"]);
    const app = await operator.apps.create({ name: "lossy" });
    const version = await operator.apps.createVersion({
      appId: app.id,
      version: "v1",
      artifact: { kind: "builtin", name: "kv" },
      coresPerInstance: 1,
      queuesPerInstance: 1,
      maxErrorRate: 0.02,
    });
    expect(version.maxErrorRate).toBe(0.02);
    const { id } = await operator.rollouts.start({ versionId: version.id });
    expect((await operator.rollouts.get({ id })).spec).toMatchObject({ maxErrorRate: 0.02 });
    const errorRate = (instanceId: string) => {
      const second = Math.floor(plane().now.getTime() / 1000);
      return plane().live.store.errorRate(instanceId, second - 9, second);
    };
    await tickRollouts(plane().db, plane().now, () => true, errorRate);
    const desired = await heartbeat(node!, () => "running");
    const instanceId = desired.instances[0]!.id;
    // Ten seconds of 1,000 packets received and 50 dropped each: 4.8 % of the packets, above the 2 % bound.
    for (let second = 0; second < 10; second += 1) {
      plane().advance(1000);
      await node!.agent.agent.reportStats({
        samples: [
          { instanceId, at: plane().now, rxPackets: 1000, txPackets: 1000, rxBytes: 1e5, txBytes: 1e5, drops: 50 },
        ],
      });
    }
    await tickRollouts(plane().db, plane().now, () => true, errorRate);
    const rollout = await operator.rollouts.get({ id });
    expect(rollout.phase).toBe("rolled-back");
    expect(rollout.reason).toBe("rolled back: instance on edge-a drops 4.8 % of its packets (bound 2 %)");
    expect(await versionsByNode(operator, app.id)).toEqual([]);
  });
});

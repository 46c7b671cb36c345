import { appVersions, artifacts, auditLog } from "@sluice/db";
import { exampleInventory } from "@sluice/proto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Caller, rejection, useControlPlane } from "../../test-support/harness.js";
import { tickRollouts } from "../rollouts/driver.js";

const plane = useControlPlane();

const kvV1 = (appId: number) => ({
  appId,
  version: "v1",
  artifact: { kind: "builtin" as const, name: "kv" as const },
  config: { maxKeys: 1000 },
  placement: { instancesPerNode: 1, nodeNames: [] },
  coresPerInstance: 1,
  queuesPerInstance: 1,
});

async function fieldErrors(call: Promise<unknown>) {
  const error = await rejection(call);
  expect(error.code).toBe("BAD_REQUEST");
  return (error.cause as unknown as { issues: Array<{ path: string[]; message: string }> }).issues.map((issue) => [
    issue.path.join("."),
    issue.message,
  ]);
}

describe("apps and versions", () => {
  it("creates an app and an immutable version, audits both, and lists them for viewers", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const app = await operator.apps.create({ name: "kv" });
    const version = await operator.apps.createVersion({ ...kvV1(app.id), backend: "kernel", implementation: "ts" });
    expect(version).toMatchObject({
      version: "v1",
      backend: "kernel",
      implementation: "ts",
      config: { maxKeys: 1000 },
    });
    expect(version.artifact).toEqual({ kind: "builtin", name: "kv" });

    const viewer = await plane().userCaller("vera", "viewer");
    expect(await viewer.apps.list()).toMatchObject([{ name: "kv", versions: 1, latestVersion: "v1", instances: 0 }]);
    expect((await viewer.apps.get({ id: app.id })).versions.map((row) => row.version)).toEqual(["v1"]);
    expect((await rejection(viewer.apps.create({ name: "nope" }))).code).toBe("FORBIDDEN");
    expect((await rejection(viewer.apps.createVersion({ ...kvV1(app.id), version: "v2" }))).code).toBe("FORBIDDEN");

    // Immutable: the same version again is refused with a field error; nothing changes.
    expect(await fieldErrors(operator.apps.createVersion({ ...kvV1(app.id), config: { other: 1 } }))).toEqual([
      ["version", "kv already has a version v1"],
    ]);
    const [stored] = await plane().db.select().from(appVersions);
    expect(stored?.config).toEqual({ maxKeys: 1000 });
    // Not even a direct UPDATE changes a version's spec (a trigger in the custom migration).
    await expect(
      plane()
        .db.update(appVersions)
        .set({ config: { maxKeys: 1 } })
        .where(eq(appVersions.id, version.id)),
    ).rejects.toMatchObject({
      cause: { message: `app version ${version.id} is immutable; create a new version instead` },
    });

    const audit = await plane().db.select().from(auditLog).where(eq(auditLog.targetKind, "app"));
    expect(audit.map((row) => [row.action, row.actorName])).toEqual([
      ["app.create", "otto"],
      ["app.version.create", "otto"],
    ]);
    expect(audit[1]?.after).toMatchObject({ app: "kv", version: "v1", artifact: { kind: "builtin", name: "kv" } });
  });

  it("explains bad input field by field", async () => {
    const operator = await plane().userCaller("otto", "operator");
    expect(await fieldErrors(operator.apps.create({ name: "Bad Name" }))).toEqual([
      ["name", "lowercase letters, digits, '.', '_' and '-'"],
    ]);
    const app = await operator.apps.create({ name: "kv" });
    expect(await fieldErrors(operator.apps.create({ name: "kv" }))).toEqual([
      ["name", "an app named kv already exists"],
    ]);
    const huge = { blob: "x".repeat(17_000) };
    expect(
      await fieldErrors(operator.apps.createVersion({ ...kvV1(app.id), config: huge, coresPerInstance: -1 })),
    ).toEqual([
      ["config", "config is limited to 16 KiB of JSON"],
      ["coresPerInstance", "not negative"],
    ]);
    const sha256 = "a".repeat(64);
    expect(
      await fieldErrors(operator.apps.createVersion({ ...kvV1(app.id), artifact: { kind: "bundle", sha256 } })),
    ).toEqual([["artifact", `no uploaded bundle has sha256 ${sha256}`]]);
    expect(
      await fieldErrors(operator.apps.createVersion({ ...kvV1(app.id), coresPerInstance: 0, queuesPerInstance: 0 })),
    ).toEqual([["coresPerInstance", "an instance needs at least one core or queue"]]);
    const relative = { kind: "program" as const, command: ["redis-server", "--port", "6379"] };
    expect(await fieldErrors(operator.apps.createVersion({ ...kvV1(app.id), artifact: relative }))).toEqual([
      ["artifact.command", "the program must be an absolute path (/usr/bin/...)"],
    ]);
    expect(await plane().db.select().from(appVersions)).toEqual([]);
  });

  it("hands the version's real artifact to the agent, bundles with their digest and size", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const { nodeId, agent } = await plane().joinNode(operator);
    const sha256 = "b".repeat(64);
    await plane().db.insert(artifacts).values({ sha256, size: 4096, format: "node" });
    const app = await operator.apps.create({ name: "shop" });
    const version = await operator.apps.createVersion({ ...kvV1(app.id), artifact: { kind: "bundle", sha256 } });
    expect(version.artifact).toEqual({ kind: "bundle", sha256, size: 4096, format: "node" });
    await operator.rollouts.start({ versionId: version.id });
    await tickRollouts(plane().db, plane().now);
    const desired = await agent.agent.desiredState();
    expect(desired.nodeId).toBe(nodeId);
    expect(desired.instances).toMatchObject([
      { app: "shop", version: "v1", artifact: { kind: "bundle", sha256, size: 4096, format: "node" }, cores: [0] },
    ]);
  });

  it("deletes only an app with no instances and no rollout in progress", async () => {
    const operator = await plane().userCaller("otto", "operator");
    await plane().joinNode(operator);
    const app = await operator.apps.create({ name: "kv" });
    const version = await operator.apps.createVersion(kvV1(app.id));
    const { id: rolloutId } = await operator.rollouts.start({ versionId: version.id });
    expect((await rejection(operator.apps.delete({ id: app.id }))).message).toBe("kv has a rollout in progress");
    await operator.rollouts.abort({ id: rolloutId });
    await tickRollouts(plane().db, plane().now);
    await operator.apps.delete({ id: app.id });
    expect(await operator.apps.list()).toEqual([]);
    const [audit] = await plane().db.select().from(auditLog).where(eq(auditLog.action, "app.delete"));
    expect(audit?.before).toEqual({ name: "kv", versions: 1 });
  });

  it("refuses to delete an app that still has instances", async () => {
    const operator: Caller = await plane().userCaller("otto", "operator");
    const { nodeId } = await plane().joinNode(operator, exampleInventory({ hostname: "edge-1" }));
    await operator.allocation.allocate({ nodeId, app: "echo", version: "1", cores: 1, queues: 0 });
    const [app] = await operator.apps.list();
    const error = await rejection(operator.apps.delete({ id: app!.id }));
    expect([error.code, error.message]).toEqual([
      "PRECONDITION_FAILED",
      "echo still has 1 instance(s); release them first",
    ]);
  });
});

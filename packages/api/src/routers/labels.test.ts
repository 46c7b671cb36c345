// Node labels: set by operators (validated, audited), searchable, and what an app version's node selector uses
// to decide where a rollout places instances.
import { auditLog } from "@sluice/db";
import { exampleInventory } from "@sluice/proto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type Caller, rejection, useControlPlane } from "../../test-support/harness.js";

const plane = useControlPlane();

async function joined(operator: Caller, hostname: string) {
  return (await plane().joinNode(operator, exampleInventory({ hostname }))).nodeId;
}

describe("node labels", () => {
  it("are set by operators, audited with before and after, shown and searchable", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const id = await joined(operator, "edge-a");
    await joined(operator, "edge-b");
    await operator.nodes.setLabels({ id, labels: { env: "prod", "rack/row": "r4" } });
    await operator.nodes.setLabels({ id, labels: { env: "prod" } });
    expect((await operator.nodes.get({ id })).labels).toEqual({ env: "prod" });
    expect((await operator.nodes.list({ search: "env=prod" })).map((node) => node.name)).toEqual(["edge-a"]);
    const audited = await plane().db.select().from(auditLog).where(eq(auditLog.action, "node.labels"));
    expect(audited.map((row) => [row.actorName, row.before, row.after])).toEqual([
      ["otto", { name: "edge-a", labels: {} }, { labels: { env: "prod", "rack/row": "r4" } }],
      ["otto", { name: "edge-a", labels: { env: "prod", "rack/row": "r4" } }, { labels: { env: "prod" } }],
    ]);
  });

  it("refuses viewers and malformed labels with a message per label", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const viewer = await plane().userCaller("vera", "viewer");
    const id = await joined(operator, "edge-a");
    expect((await rejection(viewer.nodes.setLabels({ id, labels: { env: "prod" } }))).code).toBe("FORBIDDEN");
    const bad = await rejection(operator.nodes.setLabels({ id, labels: { "Env ": "prod", zone: "a b" } }));
    expect(bad.code).toBe("BAD_REQUEST");
    const issues = (bad.cause as unknown as { issues: Array<{ path: PropertyKey[]; message: string }> }).issues;
    expect(issues.map((issue) => [issue.path.map(String).join("."), issue.message.split(":")[0]])).toEqual([
      ["labels.Env ", 'key "Env "'],
      ["labels.zone", "value of zone"],
    ]);
    expect((await operator.nodes.get({ id })).labels).toEqual({});
  });

  it("decide where a rollout places a version with a node selector", async () => {
    const operator = await plane().userCaller("otto", "operator");
    const prod = await joined(operator, "edge-a");
    await joined(operator, "edge-b");
    await operator.nodes.setLabels({ id: prod, labels: { env: "prod" } });
    const app = await operator.apps.create({ name: "kv" });
    const version = (name: string, nodeSelector: Record<string, string>) =>
      operator.apps.createVersion({
        appId: app.id,
        version: name,
        artifact: { kind: "builtin", name: "kv" },
        placement: { instancesPerNode: 1, nodeNames: [], nodeSelector },
        coresPerInstance: 1,
        queuesPerInstance: 1,
      });
    const toProd = await version("v1", { env: "prod" });
    const rollout = await operator.rollouts.start({ versionId: toProd.id });
    expect((await operator.rollouts.get({ id: rollout.id })).state).toMatchObject({
      slots: [{ nodeName: "edge-a" }],
    });
    await operator.rollouts.abort({ id: rollout.id });
    const nowhere = await version("v2", { env: "staging" });
    const refused = await rejection(operator.rollouts.start({ versionId: nowhere.id }));
    expect([refused.code, refused.message]).toEqual([
      "PRECONDITION_FAILED",
      "no ready node has the labels env=staging",
    ]);
  });
});

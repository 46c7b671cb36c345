import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { artifacts, auditLog, users } from "@sluice/db";
import { exampleInventory } from "@sluice/proto";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useControlPlane } from "../../test-support/harness.js";
import { tickRollouts } from "../rollouts/driver.js";
import {
  ArtifactTooLargeError,
  artifactsDir,
  EmptyArtifactError,
  openArtifactForNode,
  storeArtifact,
} from "./store.js";

const plane = useControlPlane();
let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), "sluice-artifacts-"));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

async function* chunks(...parts: string[]) {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function uploader() {
  await plane().userCaller("otto", "operator");
  const [user] = await plane().db.select().from(users).where(eq(users.username, "otto"));
  return {
    kind: "user" as const,
    user: { id: user!.id, username: "otto", role: "operator" as const },
    sessionTokenHash: "",
  };
}

const sha256 = (content: string) => createHash("sha256").update(content).digest("hex");

describe("artifact store", () => {
  it("stores a bundle under the sha256 it computes, records and audits it once", async () => {
    const actor = await uploader();
    const options = { stateDir, format: "node" as const, limit: 1024, actor, now: plane().now };
    const stored = await storeArtifact(plane().db, chunks("hello ", "bundle"), options);
    expect(stored).toEqual({ sha256: sha256("hello bundle"), size: 12, format: "node", created: true });
    expect(readFileSync(join(artifactsDir(stateDir), stored.sha256), "utf8")).toBe("hello bundle");
    expect(await plane().db.select().from(artifacts)).toMatchObject([{ sha256: stored.sha256, size: 12 }]);

    const again = await storeArtifact(plane().db, chunks("hello bundle"), options);
    expect(again.created).toBe(false);
    const audit = await plane().db.select().from(auditLog).where(eq(auditLog.action, "artifact.upload"));
    expect(audit).toMatchObject([{ actorName: "otto", targetId: stored.sha256 }]);
    expect(readdirSync(artifactsDir(stateDir))).toEqual([stored.sha256]);
  });

  it("cuts off an upload over the limit and refuses an empty one, keeping nothing", async () => {
    const actor = await uploader();
    const options = { stateDir, format: "native" as const, limit: 8, actor, now: plane().now };
    await expect(storeArtifact(plane().db, chunks("12345", "6789"), options)).rejects.toThrow(ArtifactTooLargeError);
    await expect(storeArtifact(plane().db, chunks(), options)).rejects.toThrow(EmptyArtifactError);
    expect(readdirSync(artifactsDir(stateDir))).toEqual([]);
    expect(await plane().db.select().from(artifacts)).toEqual([]);
  });

  it("opens a bundle only for a node whose desired state names it", async () => {
    const actor = await uploader();
    const operator = await plane().login("otto");
    const mine = await plane().joinNode(operator);
    const stored = await storeArtifact(plane().db, chunks("app bytes"), {
      stateDir,
      format: "node",
      limit: 1024,
      actor,
      now: plane().now,
    });
    expect(await openArtifactForNode(plane().db, stateDir, mine.nodeId, stored.sha256)).toBeNull();

    const app = await operator.apps.create({ name: "shop" });
    const version = await operator.apps.createVersion({
      appId: app.id,
      version: "1",
      artifact: { kind: "bundle", sha256: stored.sha256 },
      placement: { instancesPerNode: 1, nodeNames: ["edge-1"] },
      coresPerInstance: 1,
      queuesPerInstance: 0,
    });
    await operator.rollouts.start({ versionId: version.id });
    await tickRollouts(plane().db, plane().now);
    const download = await openArtifactForNode(plane().db, stateDir, mine.nodeId, stored.sha256);
    expect(download?.size).toBe(9);
    expect(await text(download!.stream())).toBe("app bytes");

    const other = await plane().joinNode(operator, exampleInventory({ hostname: "edge-2" }));
    expect(await openArtifactForNode(plane().db, stateDir, other.nodeId, stored.sha256)).toBeNull();
    expect(await openArtifactForNode(plane().db, stateDir, mine.nodeId, "../../etc/passwd")).toBeNull();
  });
});

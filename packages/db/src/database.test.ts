import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  allocations,
  apps,
  appVersions,
  cpus as cpusTable,
  createDatabase,
  type DatabaseHandle,
  databaseOptionsFromEnv,
  instances,
  isUniqueViolation,
  nicQueues,
  nics,
  nodes,
  users,
} from "./index.js";
import { createTestDatabases, type TestDatabases } from "./testing.js";

let databases: TestDatabases;
let handle: DatabaseHandle;

beforeAll(async () => {
  databases = await createTestDatabases();
});
afterAll(async () => {
  await databases.close();
});
beforeEach(async () => {
  handle = await databases.fresh();
});
afterEach(async () => {
  await handle.close();
});

/** A node with two CPUs and one NIC with two queues, and two instances of different apps on it. */
async function seedNode() {
  const { db } = handle;
  const [node] = await db.insert(nodes).values({ name: "edge-1", state: "ready" }).returning();
  const nodeId = node!.id;
  const cpuRows = await db
    .insert(cpusTable)
    .values([0, 1].map((cpu) => ({ nodeId, cpu, numaNode: 0, smtSiblings: [], isolated: false })))
    .returning();
  const [nic] = await db
    .insert(nics)
    .values({ nodeId, name: "eth0", driver: "ixgbe", mac: "02:00:00:00:00:01", xdp: "native" })
    .returning();
  const queueRows = await db
    .insert(nicQueues)
    .values([0, 1].map((queueIndex) => ({ nicId: nic!.id, queueIndex })))
    .returning();
  const [app] = await db.insert(apps).values({ name: "echo" }).returning();
  const [version] = await db.insert(appVersions).values({ appId: app!.id, version: "1.0.0" }).returning();
  const instanceRows = await db
    .insert(instances)
    .values([1, 2].map(() => ({ nodeId, appVersionId: version!.id, config: {} })))
    .returning();
  return { nodeId, cpuRows, queueRows, instanceRows };
}

describe("allocation invariants in the schema", () => {
  it("rejects a second owner for the same core", async () => {
    const { nodeId, cpuRows, instanceRows } = await seedNode();
    const [first, second] = instanceRows;
    await handle.db.insert(allocations).values({ instanceId: first!.id, nodeId, cpuId: cpuRows[0]!.id });
    const attempt = handle.db.insert(allocations).values({ instanceId: second!.id, nodeId, cpuId: cpuRows[0]!.id });
    const error = await attempt.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isUniqueViolation(error, "allocations_cpu_unique")).toBe(true);
    // The other core is still free to take.
    await handle.db.insert(allocations).values({ instanceId: second!.id, nodeId, cpuId: cpuRows[1]!.id });
    expect(await handle.db.select().from(allocations)).toHaveLength(2);
  });

  it("rejects a second owner for the same queue, even inside one transaction", async () => {
    const { nodeId, queueRows, instanceRows } = await seedNode();
    const insertBoth = handle.db.transaction(async (tx) => {
      await tx.insert(allocations).values({ instanceId: instanceRows[0]!.id, nodeId, queueId: queueRows[1]!.id });
      await tx.insert(allocations).values({ instanceId: instanceRows[1]!.id, nodeId, queueId: queueRows[1]!.id });
    });
    const error = await insertBoth.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isUniqueViolation(error, "allocations_queue_unique")).toBe(true);
    // The transaction rolled back whole: not even the first row stayed.
    expect(await handle.db.select().from(allocations)).toEqual([]);
  });

  it("requires exactly one resource per allocation row", async () => {
    const { nodeId, cpuRows, queueRows, instanceRows } = await seedNode();
    const instanceId = instanceRows[0]!.id;
    await expect(handle.db.insert(allocations).values({ instanceId, nodeId })).rejects.toThrow();
    await expect(
      handle.db.insert(allocations).values({ instanceId, nodeId, cpuId: cpuRows[0]!.id, queueId: queueRows[0]!.id }),
    ).rejects.toThrow();
  });

  it("frees an instance's cores when the instance is deleted", async () => {
    const { nodeId, cpuRows, instanceRows } = await seedNode();
    await handle.db.insert(allocations).values({ instanceId: instanceRows[0]!.id, nodeId, cpuId: cpuRows[0]!.id });
    await handle.db.delete(instances).where(eq(instances.id, instanceRows[0]!.id));
    await handle.db.insert(allocations).values({ instanceId: instanceRows[1]!.id, nodeId, cpuId: cpuRows[0]!.id });
    expect(await handle.db.select().from(allocations)).toHaveLength(1);
  });

  it("does not mistake other errors for unique violations", () => {
    expect(isUniqueViolation(new Error("boom"))).toBe(false);
    expect(isUniqueViolation({ cause: { code: "23505", constraint: "x" } }, "y")).toBe(false);
    expect(isUniqueViolation({ cause: { code: "23505", constraint: "x" } }, "x")).toBe(true);
  });
});

describe("createDatabase", () => {
  it("keeps data under the state directory across restarts", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "sluice-db-"));
    try {
      const first = await createDatabase({ stateDir });
      expect(first.kind).toBe("pglite");
      await first.db.insert(users).values({ username: "ada", passwordHash: "x", role: "admin" });
      await first.close();
      const second = await createDatabase({ stateDir });
      const rows = await second.db.select({ username: users.username }).from(users);
      await second.close();
      expect(rows).toEqual([{ username: "ada" }]);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("prefers DATABASE_URL over the state directory", () => {
    expect(databaseOptionsFromEnv({ DATABASE_URL: "postgres://db/sluice" }, "/s")).toEqual({
      url: "postgres://db/sluice",
    });
    expect(databaseOptionsFromEnv({ DATABASE_URL: " " }, "/s")).toEqual({ stateDir: "/s" });
  });
});
